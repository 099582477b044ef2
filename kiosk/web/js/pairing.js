// Credentials and device names. A pairing link carries a one-time code in the fragment
// (/door#pair=ABCDE-FGHJK), which the view trades for its own device token (POST /api/pair);
// a role-key link (/door#key=...) carries the role key itself. Both are kept per role in
// localStorage and taken out of the address bar at once.

const keyName = (role) => `stagedoor.key.${role}`;
const tokenName = (role) => `stagedoor.token.${role}`;
const deviceName = (role) => `stagedoor.device.${role}`;

/** The client version sent with pairing and hello (shown in the organiser's device list). */
export const APP_VERSION = 'web 0.2';

/** The value of `name` in a fragment such as "#key=abc&x=y" (or "key=abc"), or null. */
function fragmentValue(hash, name) {
    const text = (hash || '').replace(/^#/, '');
    for (const part of text.split('&')) {
        const eq = part.indexOf('=');
        if (eq > 0 && part.slice(0, eq) === name) {
            let value;
            try {
                value = decodeURIComponent(part.slice(eq + 1)).trim();
            } catch {
                return null; // a broken %-escape: no usable value
            }
            if (value) return value;
        }
    }
    return null;
}

/** Parses "#key=abc&x=y" (or "key=abc") into the key, or null. */
export function keyFromFragment(hash) {
    return fragmentValue(hash, 'key');
}

/** Parses "#pair=ABCDE-FGHJK" into the pairing code, or null. */
export function pairCodeFromFragment(hash) {
    return fragmentValue(hash, 'pair');
}

/** The pairing code in a whole pairing link (as typed, pasted or scanned), or null. */
export function pairCodeFromInput(text) {
    const trimmed = (text || '').trim();
    const hash = trimmed.indexOf('#');
    return hash >= 0 ? pairCodeFromFragment(trimmed.slice(hash)) : null;
}

/** "web 0.2 Chrome/131" from a user agent: what the device list shows as the app. */
export function appDescription(userAgent) {
    const m = /(Firefox|Edg|OPR|Chrome|Version)\/(\d+)/.exec(userAgent || '');
    if (!m) return APP_VERSION;
    const browser = m[1] === 'Version' ? 'Safari' : m[1] === 'Edg' ? 'Edge' : m[1] === 'OPR' ? 'Opera' : m[1];
    return `${APP_VERSION} ${browser}/${m[2]}`;
}

/**
 * Trades a pairing code for a device token: resolves with the server's
 * {token, device_id, name, role, event}; rejects with an Error whose `code` is the server's
 * error code ('unauthorized' for a used, expired or wrong code) or 'offline'.
 */
export async function redeemPairingCode(code, { fetchFn = fetch, app = APP_VERSION } = {}) {
    let res;
    try {
        res = await fetchFn('/api/pair', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ code, app }),
            cache: 'no-store',
        });
    } catch {
        throw Object.assign(new Error('offline'), { code: 'offline' });
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok || typeof body.token !== 'string') {
        throw Object.assign(new Error(body.message || `HTTP ${res.status}`), { code: body.code || 'internal', status: res.status });
    }
    return body;
}

/** Accepts a bare key or a whole pairing link (as typed or scanned); returns the key or null. */
export function keyFromInput(text) {
    const trimmed = (text || '').trim();
    if (!trimmed) return null;
    const hash = trimmed.indexOf('#');
    if (hash >= 0) return keyFromFragment(trimmed.slice(hash));
    if (/^https?:\/\//i.test(trimmed)) {
        try {
            const url = new URL(trimmed);
            return url.searchParams.get('key');
        } catch {
            return null;
        }
    }
    return /\s/.test(trimmed) ? null : trimmed;
}

function storage() {
    try {
        return window.localStorage;
    } catch {
        return null; // storage disabled: keys live only for this page load
    }
}

export function takeKeyFromAddressBar(role) {
    const key = keyFromFragment(location.hash);
    if (key) {
        setPref(keyName(role), key);
        history.replaceState(null, '', location.pathname + location.search);
    }
    return key;
}

export function storedKey(role) {
    return storage()?.getItem(keyName(role)) || null;
}

export function storeKey(role, key) {
    if (key) setPref(keyName(role), key);
    else storage()?.removeItem(keyName(role));
}

export function storedToken(role) {
    return storage()?.getItem(tokenName(role)) || null;
}

/** Stores the device token of `role`, or deletes it when `token` is null. */
export function storeToken(role, token) {
    if (token) setPref(tokenName(role), token);
    else storage()?.removeItem(tokenName(role));
}

export function storedDevice(role, fallback) {
    return storage()?.getItem(deviceName(role)) || fallback;
}

export function storeDevice(role, name) {
    setPref(deviceName(role), name);
}

/** Device names are 1–64 bytes on the wire. */
export function cleanDeviceName(text) {
    let name = (text || '').replace(/\s+/g, ' ').trim();
    const encoder = new TextEncoder();
    while (encoder.encode(name).length > 64) name = name.slice(0, -1);
    return name;
}

/** Small per-browser preferences; a browser without storage just forgets them. */
export function pref(name, fallback = null) {
    return storage()?.getItem(name) ?? fallback;
}

export function setPref(name, value) {
    try {
        storage()?.setItem(name, value);
    } catch {
        // storage full or disabled: the setting lasts for this page load
    }
}
