// The door's service worker (kiosk/web/sw.js) run in a node VM with fake caches and fetch: what
// it precaches (the door's whole module graph, files that exist), which requests it answers and
// how (network first for the door page, stale-while-revalidate for assets, never /api/, /ws,
// /badges), and old caches dropped on activate. tests/browser/offline_sw.test.mjs runs it in
// Chromium against the real server.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const WEB = fileURLToPath(new URL('../../kiosk/web/', import.meta.url));
const ORIGIN = 'https://door.test';

class FakeCache {
    constructor() { this.entries = new Map(); }
    key(request) { return new URL(typeof request === 'string' ? request : request.url, ORIGIN).pathname; }
    async addAll(requests) { for (const r of requests) this.entries.set(this.key(r), new Response(`precached ${this.key(r)}`, { status: 200 })); }
    async put(request, response) { this.entries.set(this.key(request), response); }
    async match(request) { return this.entries.get(this.key(request))?.clone(); }
}

/** Loads sw.js into a VM; returns its listeners, PRECACHE, and the fakes. */
function loadWorker({ fetchImpl }) {
    const listeners = {};
    const caches = new Map();
    const calls = { claimed: 0, skipped: 0, fetched: [] };
    // Relative URLs resolve against the worker's origin, as in a browser.
    const WorkerRequest = class extends Request {
        constructor(input, init) { super(typeof input === 'string' ? new URL(input, ORIGIN) : input, init); }
    };
    const context = {
        URL, Request: WorkerRequest, Response, Promise, setTimeout, clearTimeout, console,
        self: {
            location: new URL(`${ORIGIN}/sw.js`),
            addEventListener: (type, fn) => { listeners[type] = fn; },
            skipWaiting: async () => { calls.skipped++; },
            clients: { claim: async () => { calls.claimed++; } },
        },
        caches: {
            open: async (name) => { if (!caches.has(name)) caches.set(name, new FakeCache()); return caches.get(name); },
            keys: async () => [...caches.keys()],
            delete: async (name) => caches.delete(name),
        },
        fetch: async (request) => {
            calls.fetched.push(new URL(request.url).pathname);
            const response = await fetchImpl(request);
            return Object.defineProperty(response, 'type', { value: 'basic' }); // same origin
        },
    };
    vm.createContext(context);
    const precache = vm.runInContext(`${readFileSync(path.join(WEB, 'sw.js'), 'utf8')}\n;PRECACHE`, context);
    return { listeners, caches, calls, precache: [...precache] };
}

/** Dispatches an event; resolves with {responded, response, waited}. */
async function dispatch(listener, fields) {
    let responded = null;
    const waits = [];
    listener({ ...fields, respondWith: (p) => { responded = Promise.resolve(p); }, waitUntil: (p) => waits.push(p) });
    const response = responded ? await responded : null;
    await Promise.all(waits);
    return { responded: !!responded, response, waited: waits.length };
}

function fetchEvent(pathname, { method = 'GET', mode = 'cors', origin = ORIGIN } = {}) {
    const request = new Request(`${origin}${pathname}`, { method });
    Object.defineProperty(request, 'mode', { value: mode }); // node's Request refuses 'navigate'
    return { request };
}

/** The files the door loads: door.html's scripts and styles and every module they import. */
function doorGraph() {
    const html = readFileSync(path.join(WEB, 'door.html'), 'utf8');
    const found = new Set([...html.matchAll(/(?:src|href)="(\/[^"#?]+)"/g)].map((m) => m[1]));
    const queue = [...found].filter((p) => p.startsWith('/js/'));
    while (queue.length) {
        const file = queue.pop();
        const text = readFileSync(path.join(WEB, file), 'utf8');
        for (const m of text.matchAll(/(?:import|from)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
            const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]));
            if (!found.has(target)) {
                found.add(target);
                if (target.startsWith('/js/')) queue.push(target);
            }
        }
    }
    return found;
}

test('sw: the precache list holds the door\'s whole module graph, and every file exists', () => {
    const { precache } = loadWorker({ fetchImpl: async () => new Response('') });
    const graph = doorGraph();
    assert.ok(graph.has('/js/door.js') && graph.has('/js/connection.js') && graph.has('/css/door.css'), [...graph].join(' '));
    for (const file of graph) assert.ok(precache.includes(file), `${file} (loaded by /door) is precached`);
    for (const file of ['/door', '/favicon.svg', '/vendor/idb.js', '/vendor/noble-ed25519.js', '/vendor/jsQR.js']) assert.ok(precache.includes(file), file);
    for (const file of precache.filter((p) => !p.startsWith('/vendor/') && p !== '/door')) {
        assert.ok(existsSync(path.join(WEB, file)), `${file} exists in kiosk/web`);
    }
    assert.equal(new Set(precache).size, precache.length, 'no file twice');
});

test('sw: install precaches, activate drops old door caches and claims the open pages', async () => {
    const { listeners, caches, calls, precache } = loadWorker({ fetchImpl: async () => new Response('') });
    caches.set('stagedoor-door-v0', new FakeCache());
    caches.set('other-app', new FakeCache());
    await dispatch(listeners.install, {});
    const [name] = [...caches.keys()].filter((n) => n.startsWith('stagedoor-door-') && n !== 'stagedoor-door-v0');
    assert.deepEqual([...caches.get(name).entries.keys()], precache);
    assert.equal(calls.skipped, 1);
    await dispatch(listeners.activate, {});
    assert.deepEqual([...caches.keys()].sort(), ['other-app', name].sort(), 'the old version dropped, another app\'s cache kept');
    assert.equal(calls.claimed, 1);
});

test('sw: never answers for the API, the socket, badges, other views, POSTs or other origins', async () => {
    const { listeners, calls } = loadWorker({ fetchImpl: async () => new Response('network') });
    for (const [pathname, options] of [
        ['/api/attendance', {}], ['/api/badges/3.svg', {}], ['/ws', {}], ['/badges', { mode: 'navigate' }], ['/healthz', {}],
        ['/dashboard', { mode: 'navigate' }], ['/stage', { mode: 'navigate' }], ['/door', { method: 'POST' }],
        ['/js/door.js', { origin: 'https://elsewhere.test' }], ['/sw.js', {}], ['/export.csv', {}],
    ]) {
        const { responded } = await dispatch(listeners.fetch, fetchEvent(pathname, options));
        assert.equal(responded, false, `${options.method || 'GET'} ${options.origin || ''}${pathname}`);
    }
    assert.deepEqual(calls.fetched, [], 'the browser fetches those itself');
});

test('sw: the door page comes from the network when it answers, else from the cache', async () => {
    let online = true;
    const { listeners, caches } = loadWorker({
        fetchImpl: async (request) => {
            if (!online) throw new TypeError('Failed to fetch');
            return new Response(`fresh ${new URL(request.url).pathname}`, { status: 200 });
        },
    });
    await dispatch(listeners.install, {});
    const fresh = await dispatch(listeners.fetch, fetchEvent('/door', { mode: 'navigate' }));
    assert.equal(await fresh.response.text(), 'fresh /door');
    const cache = [...caches.values()][0];
    assert.equal(await (await cache.match('/door')).text(), 'fresh /door', 'the fresh page kept for later');
    online = false;
    const offline = await dispatch(listeners.fetch, fetchEvent('/door?lang=de', { mode: 'navigate' }));
    assert.equal(await offline.response.text(), 'fresh /door', 'the cached page (query ignored) when the server is down');
    online = true;
    const { listeners: bare } = loadWorker({ fetchImpl: async () => { throw new TypeError('Failed to fetch'); } });
    await assert.rejects(dispatch(bare.fetch, fetchEvent('/door', { mode: 'navigate' })), TypeError, 'nothing cached: the browser\'s error');
});

test('sw: a network that does not answer (Wi-Fi up, no route) gets the cached door within 3 s', async () => {
    const { listeners } = loadWorker({ fetchImpl: () => new Promise(() => {}) });
    await dispatch(listeners.install, {});
    const started = Date.now();
    let response = null;
    listeners.fetch({ ...fetchEvent('/door', { mode: 'navigate' }), respondWith: (p) => { response = p; }, waitUntil: () => {} });
    assert.equal(await (await response).text(), 'precached /door');
    const waited = Date.now() - started;
    assert.ok(waited >= 2900 && waited < 10000, `answered after ${waited} ms`);
});

test('sw: a server error page is never cached over the good copy', async () => {
    const { listeners, caches } = loadWorker({ fetchImpl: async () => new Response('boom', { status: 500 }) });
    await dispatch(listeners.install, {});
    const answer = await dispatch(listeners.fetch, fetchEvent('/door', { mode: 'navigate' }));
    assert.equal(answer.response.status, 500, 'the server answered: its answer is shown');
    assert.equal(await (await [...caches.values()][0].match('/door')).text(), 'precached /door');
});

test('sw: assets are stale-while-revalidate: the cached copy now, the fresh one next time', async () => {
    let version = 'v2';
    let online = true;
    const { listeners, caches } = loadWorker({
        fetchImpl: async (request) => {
            if (!online) throw new TypeError('Failed to fetch');
            return new Response(`${version} ${new URL(request.url).pathname}`, { status: 200 });
        },
    });
    await dispatch(listeners.install, {});
    const first = await dispatch(listeners.fetch, fetchEvent('/js/door.js'));
    assert.equal(await first.response.text(), 'precached /js/door.js', 'the cached copy at once');
    const second = await dispatch(listeners.fetch, fetchEvent('/js/door.js'));
    assert.equal(await second.response.text(), 'v2 /js/door.js', 'revalidated in the background');
    online = false;
    version = 'v3';
    const offline = await dispatch(listeners.fetch, fetchEvent('/js/door.js'));
    assert.equal(await offline.response.text(), 'v2 /js/door.js', 'offline: the last good copy');
    online = true;
    const uncached = await dispatch(listeners.fetch, fetchEvent('/js/stage.js'));
    assert.equal(await uncached.response.text(), 'v3 /js/stage.js', 'not cached yet: from the network, and kept');
    assert.equal(await (await [...caches.values()][0].match('/js/stage.js')).text(), 'v3 /js/stage.js');
});
