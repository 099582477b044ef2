// HTTP calls of the dashboard panels, authenticated with the connection's credential in the
// Authorization header (never in the URL, where it would stay in the history). Pure URL
// building first (tests/js/api.test.mjs), then the fetch helpers.

import { RequestError } from '../connection.js';

/** "/api/audit?action=undo&limit=200": the path with the non-empty parameters, in order. */
export function apiPath(path, params = {}) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
        if (value !== undefined && value !== null && value !== '') query.append(name, String(value));
    }
    const text = query.toString();
    return text ? `${path}?${text}` : path;
}

function authHeaders(conn, extra = {}) {
    return conn.credential ? { ...extra, Authorization: `Bearer ${conn.credential}` } : extra;
}

/** RequestError from a failed response: the server's {code, message, field}, else the status. */
async function responseError(res) {
    const body = await res.json().catch(() => ({}));
    const code = body.code || (res.status === 404 ? 'not_found' : 'internal');
    return new RequestError(code, body.message || `HTTP ${res.status}`, body.field);
}

/**
 * Sends an authenticated request; resolves with the JSON answer (null for an empty one),
 * rejects with RequestError ('offline' when the server cannot be reached).
 */
export async function apiRequest(conn, path, { method = 'GET', body } = {}) {
    let res;
    try {
        res = await fetch(path, {
            method,
            cache: 'no-store',
            headers: authHeaders(conn, body === undefined ? {} : { 'Content-Type': 'application/json' }),
            body: body === undefined ? undefined : JSON.stringify(body),
        });
    } catch {
        throw new RequestError('offline', 'offline');
    }
    if (!res.ok) throw await responseError(res);
    const text = await res.text();
    return text ? JSON.parse(text) : null;
}

/**
 * Downloads `path` with the Authorization header and saves it as `filename` (a Blob behind a
 * temporary link), so no credential ends up in a URL. Rejects with RequestError.
 */
export async function saveDownload(conn, path, filename) {
    let res;
    try {
        res = await fetch(path, { cache: 'no-store', headers: authHeaders(conn) });
    } catch {
        throw new RequestError('offline', 'offline');
    }
    if (!res.ok) throw await responseError(res);
    const url = URL.createObjectURL(await res.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000); // the browser has read it by then
}
