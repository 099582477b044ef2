// Request ids for scans, help-desk check-ins and walk-ins (kiosk/web/js/common/ids.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { newScanId, RetryIds } from '../../kiosk/web/js/common/ids.js';

test('ids: a version-4 UUID from getRandomValues, which plain-http pages have too', () => {
    const zeros = newScanId((bytes) => bytes);
    assert.equal(zeros, '00000000-0000-4000-8000-000000000000');
    const ones = newScanId((bytes) => bytes.fill(0xff));
    assert.equal(ones, 'ffffffff-ffff-4fff-bfff-ffffffffffff');
    const seen = new Set();
    for (let i = 0; i < 1000; ++i) {
        const id = newScanId();
        assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        seen.add(id);
    }
    assert.equal(seen.size, 1000);
});

test('ids: a retry of the same attempt keeps its id until it is answered', () => {
    let n = 0;
    const ids = new RetryIds(() => `id-${++n}`);
    assert.equal(ids.idFor('{"name":"Ada"}'), 'id-1');
    assert.equal(ids.idFor('{"name":"Ada"}'), 'id-1', 'a retry after a time-out');
    assert.equal(ids.idFor('{"name":"Ada L."}'), 'id-2', 'an edited form is another attempt');
    ids.done();
    assert.equal(ids.idFor('{"name":"Ada L."}'), 'id-3', 'after the answer, a new registration');
});
