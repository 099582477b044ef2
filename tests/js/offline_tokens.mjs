// Badge tokens for the offline door's node tests, made with node's OpenSSL like the server's
// (PROTOCOL 6.4: the test vector's key signs them).
import { createPrivateKey, sign } from 'node:crypto';

export const SEED_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
export const PUBLIC_KEY_HEX = '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8';
export const EVENT_ID = '0123456789abcdef';
export const VECTOR_TOKEN = 'SD1.AQEjRWeJq83vAAAQkgABaSbrwA.Az5Y5p94_v2TJL2ID2AXLrycQHNmvuWNeQpzkiqbHACLwajEKuWN3UTtVL_hMD_Z_yy-CZUGAKjtbUmYBeCRCg';

export const publicKey = () => Uint8Array.from(Buffer.from(PUBLIC_KEY_HEX, 'hex'));

const signingKey = (seedHex) => createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
});

/** A token for attendee `attendeeId` with `serial` of event `eventId`, signed by `seedHex`. */
export function makeToken({ eventId = EVENT_ID, attendeeId, serial = 1, issuedAt = 1764158400, seedHex = SEED_HEX }) {
    const payload = Buffer.alloc(19);
    payload[0] = 1;
    Buffer.from(eventId, 'hex').copy(payload, 1);
    payload.writeUInt32BE(attendeeId, 9);
    payload.writeUInt16BE(serial, 13);
    payload.writeUInt32BE(issuedAt, 15);
    const signedText = `SD1.${payload.toString('base64url')}`;
    return `${signedText}.${sign(null, Buffer.from(signedText, 'ascii'), signingKey(seedHex)).toString('base64url')}`;
}
