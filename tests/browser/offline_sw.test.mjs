// The offline door's foundations in real Chromium against the real server: the service worker
// takes over /door, the server is SIGKILLed, and a reload (and a new tab) still shows the
// working door instead of an error page; what the door stored in IndexedDB (queue, roster,
// meta) is there after the reload, and it judges a real badge with both Ed25519 verifiers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { DESKTOP, ROSTER, closeEvent, eventually, openEvent, openPage } from './lib.mjs';

let event;
let server;
let browser;
let page;
let eventId;
const errors = [];

before(async () => ({ event, server, browser } = await openEvent()));
after(() => closeEvent({ browser, server, event }));

/** The raw Ed25519 public key of keys/badge-verify.pem as base64url (the last 32 bytes of the SPKI). */
function verifyKeyOf(data) {
    const pem = readFileSync(path.join(data, 'keys', 'badge-verify.pem'), 'utf8');
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    return der.subarray(der.length - 32).toString('base64url');
}

const isDoor = (p) => p.evaluate(() => ({
    title: document.title,
    door: !!document.querySelector('main.door #viewfinder') && typeof window.stagedoorDoor === 'object',
    controlled: !!navigator.serviceWorker.controller,
}));

test('offline sw: /sw.js and the vendor modules are served as JavaScript, /sw.js revalidated', async () => {
    for (const file of ['/sw.js', '/vendor/idb.js', '/vendor/noble-ed25519.js']) {
        const res = await fetch(`${server.url}${file}`);
        assert.equal(res.status, 200, file);
        assert.match(res.headers.get('content-type'), /^text\/javascript/, file);
        if (file === '/sw.js') assert.equal(res.headers.get('cache-control'), 'no-cache');
    }
});

test('offline sw: the worker controls /door, which stores its queue and roster in IndexedDB', async () => {
    page = await openPage(browser, `${server.url}/door#key=${event.keys.door}`, { viewport: DESKTOP, errors });
    await eventually(() => page.evaluate(() => document.body.dataset.conn === 'online'), { message: 'the door online' });
    eventId = await page.evaluate(() => window.stagedoorDoor.conn.welcome.event.id);
    const registered = await page.evaluate(async () => {
        const { registerServiceWorker } = await import('/js/offline/register.js');
        const registration = await registerServiceWorker();
        await navigator.serviceWorker.ready;
        return registration?.scope;
    });
    assert.equal(registered, `${server.url}/`);
    await eventually(async () => (await isDoor(page)).controlled, { timeoutMs: 15000, message: 'the worker controls the open door (clients.claim)' });

    const stored = await page.evaluate(async ({ eventId, verifyKey }) => {
        const { openDoorStore } = await import('/js/offline/store.js');
        const store = await openDoorStore();
        await store.apply({
            meta: { event: { id: eventId, name: 'Browser Test Event' }, verify_key: verifyKey, names: true, server_time: 1 },
            attendees: [
                { id: 1, serial: 1, name: 'Jana Köhler', organisation: 'TU Dresden', category: 'speaker', vip: false, blocked: false, present: false, in_at: null, in_device: null },
                { id: 2, serial: 1, name: 'Jörg Müller', organisation: 'Stadtwerke', category: 'member', vip: false, blocked: false, present: false, in_at: null, in_device: null },
            ],
        });
        const scan = (n) => ({ type: 'scan', scan_id: `door1-00000${n}`, payload: `SD1.${n}`, direction: 'in', at: 1764158400000 + n, offline: 'ok' });
        await store.enqueue(scan(2), { id: 2, serial: 1, name: 'Jörg Müller', organisation: 'Stadtwerke', category: 'member', vip: false, blocked: false, present: true, in_at: 1764158400002, in_device: 'Door 1' });
        await store.enqueue(scan(1));
        await store.enqueue(scan(2)); // a retry of the same attempt: kept once, in its place
        const queued = (await store.queued()).map((a) => a.scan_id);
        store.close();
        return queued;
    }, { eventId, verifyKey: verifyKeyOf(event.data) });
    assert.deepEqual(stored, ['door1-000002', 'door1-000001']);
});

test('offline sw: with the server SIGKILLed, a reload and a new tab still show the door and its queue', async () => {
    server.child.kill('SIGKILL');
    await new Promise((resolve) => (server.child.exitCode !== null || server.child.signalCode !== null ? resolve() : server.child.once('exit', resolve)));
    await eventually(async () => (await fetch(`${server.url}/door`).then(() => 'up', () => 'down')) === 'down', { message: 'the server is gone' });

    await page.reload();
    await eventually(async () => (await isDoor(page)).door, { timeoutMs: 15000, message: 'the door after a reload' });
    assert.deepEqual(await isDoor(page), { title: 'Door · stagedoor', door: true, controlled: true });
    await eventually(() => page.evaluate(() => document.body.dataset.conn === 'offline'), { timeoutMs: 15000, message: 'the door says offline' });

    const second = await page.context().newPage();
    await second.goto(`${server.url}/door`);
    await eventually(async () => (await isDoor(second)).door, { timeoutMs: 15000, message: 'the door in a new tab' });
    await second.close();

    const after = await page.evaluate(async () => {
        const { openDoorStore } = await import('/js/offline/store.js');
        const store = await openDoorStore();
        const result = {
            queued: (await store.queued()).map((a) => [a.scan_id, a.at, a.offline]),
            state: await store.queueState(),
            meta: await store.meta(),
            jorg: await store.get(2),
            search: (await store.search('mueller')).map((a) => a.name),
        };
        await store.remove('door1-000002');
        result.left = (await store.queued()).map((a) => a.scan_id);
        store.close();
        return result;
    });
    assert.deepEqual(after.queued, [['door1-000002', 1764158400002, 'ok'], ['door1-000001', 1764158400001, 'ok']], 'the queue survived, in order');
    assert.deepEqual(after.state, { queued: 2, oldest_at: 1764158400002 });
    assert.equal(after.meta.event.id, eventId);
    assert.equal(after.jorg.present, true, 'the roster change stored with its attempt');
    assert.deepEqual(after.search, ['Jörg Müller'], 'mueller finds Müller offline');
    assert.deepEqual(after.left, ['door1-000001']);
});

test('offline sw: offline, the door judges a real badge with WebCrypto and with noble from the cache', async () => {
    const verdicts = await page.evaluate(async ({ token, forged }) => {
        const { makeVerifier, nobleVerifier, decodeVerifyKey } = await import('/js/offline/badge.js');
        const { judgeOffline } = await import('/js/offline/judge.js');
        const { openDoorStore } = await import('/js/offline/store.js');
        const store = await openDoorStore();
        const meta = await store.meta();
        const key = decodeVerifyKey(meta.verify_key);
        const cache = { eventId: meta.event.id, get: (id) => store.get(id) };
        const noble = await import('/vendor/noble-ed25519.js');
        const verifiers = {
            auto: makeVerifier(key),
            nobleAsync: nobleVerifier(key, noble),
            nobleSync: makeVerifier(key, { subtle: null }), // as on plain http: no crypto.subtle
        };
        const out = {};
        for (const [name, verify] of Object.entries(verifiers)) {
            out[name] = [];
            for (const payload of [token, forged]) out[name].push((await judgeOffline({ payload, direction: 'in', cache, verify })).result);
        }
        store.close();
        return out;
    }, { token: event.tokenOf(ROSTER[0].name), forged: forge(event.tokenOf(ROSTER[0].name)) });
    for (const name of ['auto', 'nobleAsync', 'nobleSync']) assert.deepEqual(verdicts[name], ['ok', 'bad_signature'], name);
    assert.deepEqual(errors, []);
});

/** The token with one signature character changed (still well-formed). */
function forge(token) {
    const i = token.length - 10;
    return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}
