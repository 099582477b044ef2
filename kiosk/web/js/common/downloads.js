// Files the server gives only with a key (exports, the badge sheet, a walk-in's badge), without
// ever putting the key into a URL, where it would stay in the browser's history: a link is a
// one-time download link from POST /api/downloads (single use, one minute), an image is fetched
// with the Authorization header and shown from a blob: URL.

/** Throws an Error whose message is the server's, for a response that is not ok. */
async function failed(res) {
    const body = await res.json().catch(() => ({}));
    return new Error(body.message || `HTTP ${res.status}`);
}

/** A one-time URL that serves `path` (e.g. "/api/report.csv") once, as the key's role. */
export async function downloadUrl(key, path) {
    const res = await fetch('/api/downloads', {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ path }),
        cache: 'no-store',
    });
    if (!res.ok) throw await failed(res);
    return (await res.json()).url;
}

/** A blob: URL of the file at `path`, fetched with the key in the Authorization header. */
export async function fetchBlobUrl(key, path) {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${key}` }, cache: 'no-store' });
    if (!res.ok) throw await failed(res);
    return URL.createObjectURL(await res.blob());
}

/**
 * Makes `link` (an <a> with href = the plain path) open through a one-time download link when
 * clicked: a download (the `download` attribute) stays on this page, a new tab (target=_blank)
 * is opened at once, within the click, so that no pop-up blocker stops it. onError(err) is
 * called when no link could be had (offline, key rejected).
 */
export function viaDownloadLink(link, getKey, onError) {
    link.addEventListener('click', async (ev) => {
        ev.preventDefault();
        const tab = link.target === '_blank' ? window.open('about:blank', '_blank') : null;
        if (tab) tab.opener = null;
        try {
            const url = await downloadUrl(getKey(), link.getAttribute('href'));
            if (tab) {
                tab.location.href = url;
                return;
            }
            const once = document.createElement('a');
            once.href = url;
            once.download = '';
            once.click();
        } catch (err) {
            tab?.close();
            onError(err);
        }
    });
}
