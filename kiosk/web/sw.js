// The door's service worker (served at /sw.js with Cache-Control: no-cache, scope /): /door and
// everything it loads are precached, so opening or reloading the door with the server down
// shows the working door instead of a browser error page (issue 12, DESIGN12 B).
//   - the door page: network first (a fresh page when the server answers within 3 s), else
//     the cached copy;
//   - static assets (scripts, styles, icons, vendor files): stale-while-revalidate, the cached
//     copy at once and a fresh one stored for the next load;
//   - never touched: anything that is not a same-origin GET, /api/, /ws, /badges, /healthz,
//     and the other views' pages (they need the server anyway).
// Change CACHE_VERSION when PRECACHE changes: the new worker fills a new cache and drops the
// old ones. tests/js/offline_sw.test.mjs checks that PRECACHE covers the door's module graph.

const CACHE_VERSION = 1;
const CACHE_PREFIX = 'stagedoor-door-';
const CACHE = `${CACHE_PREFIX}v${CACHE_VERSION}`;
const NETWORK_TIMEOUT_MS = 3000; // a hung network (Wi-Fi up, no route) must not hold the door
const DOOR_PAGES = ['/door', '/door.html'];
const PRECACHE = [
    ...DOOR_PAGES,
    '/favicon.svg',
    '/css/base.css',
    '/css/door.css',
    '/vendor/jsQR.js',
    '/vendor/idb.js',
    '/vendor/noble-ed25519.js',
    '/js/clock-sync.js',
    '/js/common/help-desk.js',
    '/js/common/ids.js',
    '/js/connection.js',
    '/js/dom.js',
    '/js/door.js',
    '/js/door-offline.js',
    '/js/format.js',
    '/js/i18n.js',
    '/js/icons.js',
    '/js/offline/badge.js',
    '/js/offline/fold.js',
    '/js/offline/judge.js',
    '/js/offline/register.js',
    '/js/offline/sha512.js',
    '/js/offline/store.js',
    '/js/offline/sync.js',
    '/js/pairing.js',
    '/js/scanner.js',
    '/js/shell.js',
    '/js/sound.js',
    '/js/toast.js',
    '/js/wedge.js',
];
const NEVER = /^\/(api\/|ws$|badges$|healthz$)/;
const STATIC = /\.(js|mjs|css|svg|png|ico|woff2|wav|json|webmanifest)$/;

/** 'network-first', 'stale-while-revalidate', or null (the browser fetches as if there were no worker). */
function strategyFor(request) {
    if (request.method !== 'GET') return null;
    const url = new URL(request.url);
    if (url.origin !== self.location.origin || NEVER.test(url.pathname)) return null;
    if (DOOR_PAGES.includes(url.pathname)) return 'network-first';
    if (request.mode === 'navigate' || url.pathname === '/sw.js') return null;
    return STATIC.test(url.pathname) ? 'stale-while-revalidate' : null;
}

/** Stores a good same-origin answer (never an error page or a redirect). */
function store(cache, request, response) {
    if (!response.ok || response.type !== 'basic' || response.redirected) return Promise.resolve();
    return cache.put(request, response.clone());
}

/** Fetches `event.request` and keeps a good answer in `cache` (the worker stays alive for it). */
function fetchAndStore(event, cache) {
    const network = fetch(event.request);
    // Registered first: the copy is taken before the page reads the body.
    event.waitUntil(network.then((response) => store(cache, event.request, response)).catch(() => {}));
    return network;
}

async function networkFirst(event) {
    const cache = await caches.open(CACHE);
    const network = fetchAndStore(event, cache);
    let timer;
    const late = new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new Error('network timeout')), NETWORK_TIMEOUT_MS);
    });
    try {
        return await Promise.race([network, late]);
    } catch {
        const cached = (await cache.match(event.request, { ignoreSearch: true })) || (await cache.match(DOOR_PAGES[0]));
        return cached || network; // nothing cached (not installed yet): the browser's own error
    } finally {
        clearTimeout(timer);
    }
}

async function staleWhileRevalidate(event) {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(event.request);
    const network = fetchAndStore(event, cache);
    return cached || network; // offline with a cached copy: the failed refresh changes nothing
}

self.addEventListener('install', (event) => {
    event.waitUntil((async () => {
        const cache = await caches.open(CACHE);
        // 'reload': past the HTTP cache, so a new version never precaches an old file.
        await cache.addAll(PRECACHE.map((path) => new Request(path, { cache: 'reload' })));
        await self.skipWaiting();
    })());
});

self.addEventListener('activate', (event) => {
    event.waitUntil((async () => {
        for (const name of await caches.keys()) if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
        await self.clients.claim(); // the door that registered it is controlled without a reload
    })());
});

self.addEventListener('fetch', (event) => {
    const strategy = strategyFor(event.request);
    if (strategy === 'network-first') event.respondWith(networkFirst(event));
    else if (strategy === 'stale-while-revalidate') event.respondWith(staleWhileRevalidate(event));
});
