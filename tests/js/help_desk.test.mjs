// The help desk of /door and /dashboard: requests, wording and the newest-lookup-wins hook.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
    latestLookup,
    lookupMessage,
    manualCheckinMessage,
    presenceIcon,
    presenceOf,
    presenceText,
    resultCountStatus,
    resultDetail,
    shortQueryStatus,
    walkInMessage,
} from '../../kiosk/web/js/common/help-desk.js';
import { errorText, setLang } from '../../kiosk/web/js/i18n.js';

setLang('en');

test('help desk: two characters make a lookup, trimmed and cut at 100', () => {
    assert.equal(lookupMessage(''), null);
    assert.equal(lookupMessage('  a  '), null);
    assert.deepEqual(lookupMessage(' ab '), { type: 'lookup', query: 'ab' });
    assert.equal(lookupMessage('x'.repeat(250)).query, 'x'.repeat(100));
});

test('help desk: the status line for short queries and result counts', () => {
    assert.equal(shortQueryStatus('   '), '');
    assert.equal(shortQueryStatus('a'), 'Type at least 2 characters');
    assert.equal(resultCountStatus(0), 'Nobody found');
    assert.equal(resultCountStatus(3), '3 found');
});

test('help desk: present, left or not arrived', () => {
    const arrivedAt = new Date(2026, 4, 7, 9, 12).getTime();
    assert.equal(presenceOf({ present: true, arrived_at: arrivedAt }), 'present');
    assert.equal(presenceOf({ present: false, arrived_at: arrivedAt }), 'left');
    assert.equal(presenceOf({ present: false, arrived_at: null }), 'not_arrived');
    assert.equal(presenceText({ present: true, arrived_at: arrivedAt }), 'here since 09:12');
    assert.equal(presenceText({ present: false, arrived_at: arrivedAt }), 'left');
    assert.equal(presenceText({ present: false }), 'not arrived');
    // each with its own SVG icon (no glyphs: kiosk fonts lack many)
    assert.equal(presenceIcon({ present: true, arrived_at: arrivedAt }), 'check');
    assert.equal(presenceIcon({ present: false, arrived_at: arrivedAt }), 'arrowLeft');
    assert.equal(presenceIcon({ present: false }), 'circle');
});

test('help desk: the detail line leaves out empty parts; the sector only when asked', () => {
    const a = { organisation: 'TU Dresden', category: 'speaker', sector: 'Forschung' };
    assert.equal(resultDetail(a), 'TU Dresden · Speaker');
    assert.equal(resultDetail(a, { withSector: true }), 'TU Dresden · Speaker · Forschung');
    assert.equal(resultDetail({ ...a, organisation: '', sector: '' }, { withSector: true }), 'Speaker');
});

test('help desk: the manual check-in request', () => {
    assert.deepEqual(manualCheckinMessage({ id: 7, name: 'x' }, 'out', 'scan-1', 1234),
        { type: 'checkin_manual', attendee_id: 7, direction: 'out', scan_id: 'scan-1', at: 1234 });
});

test('help desk: the walk-in request trims fields and leaves out empty optional ones', () => {
    const fields = { name: '  Zoë Walker ', organisation: ' Gaststadt ', sector: '   ', email: '', category: 'guest' };
    assert.deepEqual(walkInMessage(fields, 'scan-2', 99),
        { type: 'walk_in', name: 'Zoë Walker', category: 'guest', scan_id: 'scan-2', at: 99, organisation: 'Gaststadt' });
    assert.equal(walkInMessage({ name: '   ', category: 'guest' }, 's', 0).name, '', 'an empty name is left for the form to refuse');
});

test('help desk: a failed request in words', () => {
    assert.equal(errorText({ code: 'timeout', message: 'x' }), 'no answer from the server');
    assert.equal(errorText({ code: 'no_such_code', message: 'server says no' }), 'server says no');
});

/** A connection whose requests the test answers by hand, in any order. */
function manualConnection() {
    const pending = [];
    return {
        pending,
        request: (message) => new Promise((resolve, reject) => pending.push({ message, resolve, reject })),
    };
}

test('help desk: only the newest lookup counts, however the answers arrive', async () => {
    const conn = manualConnection();
    const { lookup } = latestLookup(conn);
    const first = lookup(lookupMessage('Ri'));
    const second = lookup(lookupMessage('Richter'));
    conn.pending[1].resolve({ attendees: [{ id: 2 }] });
    conn.pending[0].resolve({ attendees: [{ id: 1 }, { id: 2 }] });
    assert.equal(await first, null, 'the older answer is dropped');
    assert.deepEqual(await second, [{ id: 2 }]);
});

test('help desk: an older lookup that fails is dropped; the newest one\'s error is thrown', async () => {
    const conn = manualConnection();
    const { lookup } = latestLookup(conn);
    const first = lookup(lookupMessage('Ri'));
    const second = lookup(lookupMessage('Rich'));
    conn.pending[0].reject(Object.assign(new Error('gone'), { code: 'offline' }));
    conn.pending[1].reject(Object.assign(new Error('late'), { code: 'timeout' }));
    assert.equal(await first, null);
    await assert.rejects(second, { code: 'timeout' });
});

test('help desk: cancel drops the lookup on its way', async () => {
    const conn = manualConnection();
    const { lookup, cancel } = latestLookup(conn);
    const pending = lookup(lookupMessage('Demir'));
    cancel();
    conn.pending[0].resolve({ attendees: [{ id: 3 }] });
    assert.equal(await pending, null);
});
