// common/downloads.js: the key goes into the Authorization header, never into a URL; a refusal
// comes back as an Error with the server's message.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';

import { downloadUrl, fetchBlobUrl } from '../../kiosk/web/js/common/downloads.js';

const realFetch = globalThis.fetch;
afterEach(() => { globalThis.fetch = realFetch; });

/** Replaces fetch with one that records its calls and answers `response`. */
function fakeFetch(response) {
    const calls = [];
    globalThis.fetch = async (url, options) => {
        calls.push({ url, options });
        return response;
    };
    return calls;
}

test('downloadUrl asks for a one-time link with the key in the header', async () => {
    const calls = fakeFetch(new Response(JSON.stringify({ url: '/api/report.csv?dl=abc', expires_in_s: 60 }), { status: 200 }));
    assert.equal(await downloadUrl('k3y', '/api/report.csv'), '/api/report.csv?dl=abc');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].url, '/api/downloads');
    assert.equal(calls[0].options.method, 'POST');
    assert.equal(calls[0].options.headers.Authorization, 'Bearer k3y');
    assert.deepEqual(JSON.parse(calls[0].options.body), { path: '/api/report.csv' });
    assert.ok(!calls[0].url.includes('k3y'));
});

test('downloadUrl and fetchBlobUrl reject with the server\'s message', async () => {
    fakeFetch(new Response(JSON.stringify({ code: 'forbidden', message: 'only organiser may do this' }), { status: 403 }));
    await assert.rejects(downloadUrl('k', '/api/attendance.csv'), /only organiser may do this/);
    fakeFetch(new Response('not json', { status: 502 }));
    await assert.rejects(fetchBlobUrl('k', '/api/badges/7.svg'), /HTTP 502/);
});

test('fetchBlobUrl fetches with the key in the header and returns a blob: URL', async () => {
    const calls = fakeFetch(new Response('<svg/>', { status: 200, headers: { 'Content-Type': 'image/svg+xml' } }));
    const url = await fetchBlobUrl('k3y', '/api/badges/7.svg');
    assert.match(url, /^blob:/);
    URL.revokeObjectURL(url);
    assert.equal(calls[0].url, '/api/badges/7.svg');
    assert.equal(calls[0].options.headers.Authorization, 'Bearer k3y');
});
