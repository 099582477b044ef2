// Badge tokens at an offline door: the strict parse of PROTOCOL 6.2 (a port of
// protocol/src/badge_token.cpp parse_token) and an Ed25519 verifier for the event's public key:
// WebCrypto where the browser has Ed25519, @noble/ed25519 otherwise (tests/js/offline_badge.test.mjs).

import { sha512 } from './sha512.js';

const PREFIX = 'SD1.';
const PAYLOAD_CHARS = 26; // 19 bytes
const SIGNATURE_CHARS = 86; // 64 bytes
const TOKEN_CHARS = PREFIX.length + PAYLOAD_CHARS + 1 + SIGNATURE_CHARS;
const PAYLOAD_BYTES = 19;
const SIGNATURE_BYTES = 64;
const LAYOUT_VERSION = 1;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Strict base64url without padding: '=', '+', '/', whitespace, a length of 1 mod 4 and non-zero
 * unused bits all give null, so every byte string has exactly one spelling.
 */
export function base64urlDecode(text) {
    if (typeof text !== 'string' || text.length % 4 === 1) return null;
    const bytes = [];
    let bits = 0;
    let bitCount = 0;
    for (const ch of text) {
        const value = ALPHABET.indexOf(ch);
        if (value < 0) return null;
        bits = (bits << 6) | value;
        bitCount += 6;
        if (bitCount >= 8) {
            bitCount -= 8;
            bytes.push((bits >> bitCount) & 0xff);
            bits &= (1 << bitCount) - 1;
        }
    }
    return bits === 0 ? Uint8Array.from(bytes) : null;
}

const MALFORMED = Object.freeze({ error: 'malformed' });
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The facts of a scanned badge: {eventId (16 lowercase hex digits), attendeeId, serial, issuedAt
 * (unix s), signedText, signature (64 bytes)}, or {error:'malformed'}. One trailing line ending
 * (LF, CRLF or a lone CR: a keyboard-wedge scanner's Enter) is removed; anything else around the
 * token makes it malformed.
 */
export function parseToken(text) {
    if (typeof text !== 'string') return MALFORMED;
    if (text.endsWith('\r\n')) text = text.slice(0, -2);
    else if (text.endsWith('\n') || text.endsWith('\r')) text = text.slice(0, -1);
    if (text.length !== TOKEN_CHARS || !text.startsWith(PREFIX) || text[PREFIX.length + PAYLOAD_CHARS] !== '.') return MALFORMED;
    const payload = base64urlDecode(text.slice(PREFIX.length, PREFIX.length + PAYLOAD_CHARS));
    const signature = base64urlDecode(text.slice(PREFIX.length + PAYLOAD_CHARS + 1));
    if (!payload || !signature || payload.length !== PAYLOAD_BYTES || signature.length !== SIGNATURE_BYTES) return MALFORMED;
    if (payload[0] !== LAYOUT_VERSION) return MALFORMED;
    const view = new DataView(payload.buffer);
    return {
        eventId: hex(payload.subarray(1, 9)),
        attendeeId: view.getUint32(9),
        serial: view.getUint16(13),
        issuedAt: view.getUint32(15),
        signedText: text.slice(0, PREFIX.length + PAYLOAD_CHARS),
        signature,
    };
}

/** The raw 32-byte public key of `offline_roster_page.verify_key` (43 base64url characters), or null. */
export function decodeVerifyKey(text) {
    const key = base64urlDecode(text);
    return key && key.length === 32 ? key : null;
}

const ascii = (text) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

/**
 * A verifier through WebCrypto's Ed25519, or null when this browser (or context) has none.
 * A key WebCrypto refuses to import also gives null: noble then answers for it.
 */
export async function webCryptoVerifier(rawKey, subtle = globalThis.crypto?.subtle) {
    if (!subtle) return null;
    let key;
    try {
        key = await subtle.importKey('raw', rawKey, { name: 'Ed25519' }, false, ['verify']);
    } catch {
        return null;
    }
    return async (signedText, signature) => {
        try {
            return await subtle.verify({ name: 'Ed25519' }, key, signature, ascii(signedText));
        } catch {
            return false;
        }
    };
}

/**
 * A verifier through @noble/ed25519 (the module object given), strict like OpenSSL (RFC 8032,
 * not ZIP-215). Without crypto.subtle (plain http) it hashes with ./sha512.js.
 */
export function nobleVerifier(rawKey, noble, subtle = globalThis.crypto?.subtle) {
    if (!subtle && !noble.hashes.sha512) noble.hashes.sha512 = sha512;
    return async (signedText, signature) => {
        try {
            const message = ascii(signedText);
            return subtle
                ? await noble.verifyAsync(signature, message, rawKey, { zip215: false })
                : noble.verify(signature, message, rawKey, { zip215: false });
        } catch {
            return false; // a key or signature that is not a curve point does not verify
        }
    };
}

const loadVendorNoble = () => import('../../vendor/noble-ed25519.js');

/**
 * `async (signedText, signature) => bool` for the event's raw 32-byte public key: WebCrypto
 * Ed25519 when available, else @noble/ed25519 (loaded from /vendor on first use). Options for
 * tests: `subtle` (null: none) and `loadNoble`.
 */
export function makeVerifier(rawKey, { subtle = globalThis.crypto?.subtle, loadNoble = loadVendorNoble } = {}) {
    let chosen = null;
    const choose = async () => (await webCryptoVerifier(rawKey, subtle)) || nobleVerifier(rawKey, await loadNoble(), subtle);
    return async (signedText, signature) => {
        chosen ||= choose().catch((err) => {
            chosen = null; // e.g. the vendor file could not be loaded: try again next time
            throw err;
        });
        return (await chosen)(signedText, signature);
    };
}
