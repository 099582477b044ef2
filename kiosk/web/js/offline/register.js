// Registers the door's service worker (kiosk/web/sw.js, served at /sw.js, scope /), which lets
// /door load and reload while the server is down. Service workers need a secure context
// (https, or http://localhost): on plain http to another host there is none, and the door
// still works online and keeps its queue, but cannot be reloaded offline.

/**
 * Registers /sw.js; resolves with the registration, or null (with a console note) where the
 * browser or context has no service workers or the registration failed.
 */
export async function registerServiceWorker({ url = '/sw.js', scope = '/', container = globalThis.navigator?.serviceWorker } = {}) {
    if (!container || !globalThis.isSecureContext) {
        console.info('stagedoor: no service worker here (needs https or localhost); the door cannot be reloaded offline');
        return null;
    }
    try {
        return await container.register(url, { scope });
    } catch (err) {
        console.warn('stagedoor: service worker not registered; the door cannot be reloaded offline', err);
        return null;
    }
}
