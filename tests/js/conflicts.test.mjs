// Pure parts of the dashboard's "Offline conflicts" panel (conflicts-panel.js): merging the
// snapshot's list with pushes, and the wording of each scan.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { conflictKey, conflictToast, mergeConflicts, scanText } from '../../kiosk/web/js/conflicts-panel.js';
import { formatTimeOfDay } from '../../kiosk/web/js/format.js';
import { setLang } from '../../kiosk/web/js/i18n.js';

const at1 = new Date(2026, 10, 27, 18, 1, 0).getTime();
const at2 = new Date(2026, 10, 27, 18, 2, 0).getTime();
const twice = (id, syncedId) => ({
    kind: 'admitted_twice',
    attendee: { id, name: `Person ${id}` },
    scans: [
        { scan_id: syncedId, device: 'Door 2 #9', at: at2, offline: true },
        { scan_id: `first-${id}`, device: 'Door 1 #7', at: at1, offline: true },
    ],
    server_time: at2 + 60000,
});

test('conflicts: one entry per synced attempt, pushes in front, at most 50', () => {
    const a = twice(1, 'door2-1');
    const b = twice(2, 'door2-2');
    assert.equal(conflictKey(a), 'door2-1');
    assert.deepEqual(mergeConflicts([a], [b]).map(conflictKey), ['door2-2', 'door2-1']);
    assert.deepEqual(mergeConflicts([b, a], [a]).map(conflictKey), ['door2-1', 'door2-2'], 'a repeated push is not a second conflict');
    const many = Array.from({ length: 70 }, (_, i) => twice(i, `s${i}`));
    const merged = mergeConflicts([], many);
    assert.equal(merged.length, 50);
    assert.equal(conflictKey(merged[0]), 's0', 'the server\'s order (newest first) is kept');
});

test('conflicts: each scan names its door and time, offline ones marked', () => {
    setLang('en');
    const c = twice(1, 'door2-1');
    assert.equal(scanText(c.scans[0]), `Door 2 #9 at ${formatTimeOfDay(at2)} (offline)`);
    assert.equal(scanText({ ...c.scans[1], offline: false }), `Door 1 #7 at ${formatTimeOfDay(at1)}`);
    assert.equal(conflictToast(c), 'Offline conflict: Person 1 – Admitted twice');
    setLang('de');
    assert.equal(scanText(c.scans[0]), `Door 2 #9 um ${formatTimeOfDay(at2)} (offline)`);
    assert.equal(conflictToast({ kind: 'revoked_meanwhile', attendee: { name: 'Ada' }, scans: [] }), 'Offline-Konflikt: Ada – Badge war inzwischen gesperrt');
    setLang('en');
});
