// Role keys and device names: the pairing link carries the key in the fragment (/door#key=...);
// we keep it per role in localStorage and take it out of the address bar at once.

const keyName = (role) => `stagedoor.key.${role}`;
const deviceName = (role) => `stagedoor.device.${role}`;

/** Parses "#key=abc&x=y" (or "key=abc") into the key, or null. */
export function keyFromFragment(hash) {
    const text = (hash || '').replace(/^#/, '');
    for (const part of text.split('&')) {
        const eq = part.indexOf('=');
        if (eq > 0 && part.slice(0, eq) === 'key') {
            const value = decodeURIComponent(part.slice(eq + 1)).trim();
            if (value) return value;
        }
    }
    return null;
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
