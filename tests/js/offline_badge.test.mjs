// Badge tokens at an offline door (kiosk/web/js/offline/badge.js): the strict parse of PROTOCOL
// 6.2 on the 6.4 test vector, and the two Ed25519 verifiers (WebCrypto, @noble/ed25519) agreeing
// with each other and with the server's OpenSSL.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import * as noble from '@noble/ed25519';

import {
    base64urlDecode, decodeVerifyKey, makeVerifier, nobleVerifier, parseToken, webCryptoVerifier,
} from '../../kiosk/web/js/offline/badge.js';
import { sha512 } from '../../kiosk/web/js/offline/sha512.js';
import { EVENT_ID, VECTOR_TOKEN, makeToken, publicKey } from './offline_tokens.mjs';

/** The token with the bit `bit` of character `index` changed to another base64url character. */
function flipBit(token, index, bit = 0) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const value = alphabet.indexOf(token[index]) ^ (1 << bit);
    return token.slice(0, index) + alphabet[value] + token.slice(index + 1);
}

test('badge: the 6.4 test vector parses to its payload', () => {
    assert.equal(makeToken({ attendeeId: 4242 }), VECTOR_TOKEN, 'the test helper signs like the server');
    const token = parseToken(VECTOR_TOKEN);
    assert.equal(token.eventId, EVENT_ID);
    assert.equal(token.attendeeId, 4242);
    assert.equal(token.serial, 1);
    assert.equal(token.issuedAt, 1764158400);
    assert.equal(token.signedText, 'SD1.AQEjRWeJq83vAAAQkgABaSbrwA');
    assert.equal(token.signature.length, 64);
    const otherEvent = parseToken(makeToken({ eventId: 'fedcba9876543210', attendeeId: 4242, seedHex: '22'.repeat(32) }));
    assert.equal(otherEvent.eventId, 'fedcba9876543210', 'another event\'s badge parses: the judge says wrong_event');
    assert.deepEqual(decodeVerifyKey('A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg'), publicKey());
    assert.equal(decodeVerifyKey('A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMb'), null, 'too short');
});

test('badge: one trailing CR, LF or CRLF is a scanner\'s Enter; anything else is malformed', () => {
    for (const ending of ['\r', '\n', '\r\n']) assert.equal(parseToken(VECTOR_TOKEN + ending).attendeeId, 4242, JSON.stringify(ending));
    for (const bad of [
        `${VECTOR_TOKEN}\n\n`, `${VECTOR_TOKEN}\r\n\r\n`, `${VECTOR_TOKEN}\n\r`, `${VECTOR_TOKEN}\r\r`,
        ` ${VECTOR_TOKEN}`, `${VECTOR_TOKEN} `, `${VECTOR_TOKEN}\t`, `${VECTOR_TOKEN}\0`, `\n${VECTOR_TOKEN}`,
        `${VECTOR_TOKEN}=`, `${VECTOR_TOKEN.slice(0, -1)}=`, `${VECTOR_TOKEN.slice(0, 29)}=${VECTOR_TOKEN.slice(30)}`,
        VECTOR_TOKEN.replace('_', '/'), VECTOR_TOKEN.replace('-', '+'), VECTOR_TOKEN.replace('SD1.', 'sd1.'),
        VECTOR_TOKEN.replace('.A', ':A'), VECTOR_TOKEN.slice(1), '', 'https://example.org/', 'SD1.', null, 42,
        flipBit(VECTOR_TOKEN, 29, 0), // a non-zero unused bit: a second spelling of the payload
        flipBit(VECTOR_TOKEN, VECTOR_TOKEN.length - 1, 0), // the same in the signature
        makeToken({ attendeeId: 1 }).replace('SD1.AQ', 'SD1.Ag'), // layout byte 2
    ]) {
        assert.deepEqual(parseToken(bad), { error: 'malformed' }, JSON.stringify(bad));
    }
    assert.deepEqual(base64urlDecode('QQ'), Uint8Array.from([0x41]));
    assert.equal(base64urlDecode('QR'), null, 'unused bits set: a second spelling of "A"');
    assert.equal(base64urlDecode('QQ=='), null, 'padding');
    assert.deepEqual(base64urlDecode('QUI'), Uint8Array.from([0x41, 0x42]));
    assert.equal(base64urlDecode('Q'), null, 'a length of 1 mod 4');
});

/** The signature with its S half increased by the group order L: the same point, not canonical. */
function unreducedS(token) {
    const parsed = parseToken(token);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(parsed.signature[i]);
    s += L;
    const signature = Uint8Array.from(parsed.signature);
    for (let i = 32; i < 64; i++, s >>= 8n) signature[i] = Number(s & 0xffn);
    return { signedText: parsed.signedText, signature };
}

test('badge: WebCrypto and noble (async and plain-http sync) verifiers agree, strict like OpenSSL', async () => {
    const key = publicKey();
    const verifiers = {
        webcrypto: await webCryptoVerifier(key),
        nobleAsync: nobleVerifier(key, noble),
        nobleSync: nobleVerifier(key, noble, null),
    };
    assert.ok(verifiers.webcrypto, 'node has WebCrypto Ed25519');
    const valid = parseToken(makeToken({ attendeeId: 7, serial: 3 }));
    const vector = parseToken(VECTOR_TOKEN);
    const otherKey = parseToken(makeToken({ attendeeId: 7, seedHex: '11'.repeat(32) }));
    const otherEvent = parseToken(makeToken({ eventId: 'fedcba9876543210', attendeeId: 4242, seedHex: '22'.repeat(32) }));
    const cases = [
        ['the test vector', vector.signedText, vector.signature, true],
        ['another valid badge', valid.signedText, valid.signature, true],
        ['one bit flipped in the payload', parseToken(flipBit(VECTOR_TOKEN, 12, 1)).signedText, vector.signature, false],
        ['signed with another key', otherKey.signedText, otherKey.signature, false],
        ['the other badge\'s signature', vector.signedText, valid.signature, false],
        ['another event\'s badge and key', otherEvent.signedText, otherEvent.signature, false],
        ['S not reduced (S + L)', unreducedS(VECTOR_TOKEN).signedText, unreducedS(VECTOR_TOKEN).signature, false],
        ['all zero', vector.signedText, new Uint8Array(64), false],
    ];
    for (let bit = 0; bit < 6; bit += 2) {
        const flipped = parseToken(flipBit(VECTOR_TOKEN, 60 + bit * 7, bit));
        cases.push([`one bit flipped in the signature (${bit})`, flipped.signedText, flipped.signature, false]);
    }
    for (const [what, signedText, signature, expected] of cases) {
        for (const [name, verify] of Object.entries(verifiers)) {
            assert.equal(await verify(signedText, signature), expected, `${name}: ${what}`);
        }
    }
    const notAPoint = nobleVerifier(new Uint8Array(32).fill(0xff), noble);
    assert.equal(await notAPoint(vector.signedText, vector.signature), false, 'a key that is no curve point');
});

test('badge: makeVerifier takes WebCrypto when it has Ed25519, else loads noble', async () => {
    const key = publicKey();
    const vector = parseToken(VECTOR_TOKEN);
    let loads = 0;
    const loadNoble = async () => {
        loads++;
        return noble;
    };
    const web = makeVerifier(key, { loadNoble });
    assert.equal(await web(vector.signedText, vector.signature), true);
    assert.equal(loads, 0, 'noble is not loaded where WebCrypto verifies');

    const noEd25519 = { importKey: async () => { throw new DOMException('Unrecognized name', 'NotSupportedError'); } };
    const fallback = makeVerifier(key, { subtle: noEd25519, loadNoble });
    assert.equal(await fallback(vector.signedText, vector.signature), true);
    assert.equal(await fallback(vector.signedText, new Uint8Array(64)), false);
    assert.equal(loads, 1, 'loaded once');

    let failing = true;
    const flaky = makeVerifier(key, { subtle: null, loadNoble: async () => { if (failing) throw new Error('offline'); return noble; } });
    await assert.rejects(flaky(vector.signedText, vector.signature), /offline/, 'no verdict without a verifier');
    failing = false;
    assert.equal(await flaky(vector.signedText, vector.signature), true, 'tried again after a failed load');
});

test('badge: the plain-http SHA-512 matches OpenSSL\'s', () => {
    for (const length of [0, 1, 30, 94, 111, 112, 127, 128, 129, 300]) {
        const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
        assert.equal(Buffer.from(sha512(bytes)).toString('hex'), createHash('sha512').update(bytes).digest('hex'), `${length} bytes`);
    }
    assert.equal(Buffer.from(sha512(Uint8Array.of(1), Uint8Array.of(2, 3))).toString('hex'),
        createHash('sha512').update(Uint8Array.of(1, 2, 3)).digest('hex'), 'parts are concatenated');
});
