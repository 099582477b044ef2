// The display-health list of /moderator and /dashboard: classification, look and wording.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { displayHealth, errorFigure, hasSyncReport, healthLook, healthWord, offsetError, syncFigures } from '../../kiosk/web/js/common/display-health.js';
import { secondsSince } from '../../kiosk/web/js/format.js';
import { setLang } from '../../kiosk/web/js/i18n.js';

const reported = (delay, age) => ({ connected: true, delay_ms: delay, sample_age_ms: age, offset_ms: 0 });

test('display health: a disconnected display is offline, whatever it reported', () => {
    assert.equal(displayHealth({ ...reported(10, 100), connected: false }), 'offline');
});

test('display health: no sync report yet is none', () => {
    assert.equal(displayHealth({ connected: true }), 'none');
    assert.equal(displayHealth({ connected: true, delay_ms: null, sample_age_ms: 10 }), 'none');
    assert.equal(displayHealth({ connected: true, delay_ms: 10, sample_age_ms: null }), 'none');
});

test('display health: the estimated offset error (half the round trip plus drift) decides good, fair, bad', () => {
    // The case: 0 ms offset and 1 ms round trip on a sample two minutes old is in sync.
    assert.equal(displayHealth(reported(1, 120000)), 'good');
    assert.equal(offsetError(reported(1, 120000)), 0.5 + 12);
    assert.equal(displayHealth(reported(0, 0)), 'good');
    assert.equal(displayHealth(reported(100, 0)), 'good', 'error 50 ms');
    assert.equal(displayHealth(reported(100, 10)), 'fair', 'error 50.001 ms');
    assert.equal(displayHealth(reported(0, 500000)), 'good', '500 s of drift: 50 ms');
    assert.equal(displayHealth(reported(0, 500010)), 'fair');
    assert.equal(displayHealth(reported(300, 0)), 'fair', 'error 150 ms');
    assert.equal(displayHealth(reported(300, 10)), 'bad');
    assert.equal(displayHealth(reported(301, 0)), 'bad');
    // The time since the report counts as sample age when the server time is known.
    const d = { ...reported(20, 1000), last_report: 1000000 };
    assert.ok(Math.abs(offsetError(d, 1000000 + 400000) - (10 + 0.1 + 40)) < 1e-9);
    assert.equal(displayHealth(d), 'good');
    assert.equal(displayHealth(d, 1000000 + 390000), 'good');
    assert.equal(displayHealth(d, 1000000 + 400000), 'fair');
    assert.equal(offsetError({ connected: true }), null);
});

test('display health: the error in words', () => {
    setLang('en');
    assert.equal(errorFigure(reported(5, 0)), 'Accuracy ±3 ms');
    assert.equal(errorFigure({ connected: true }), null);
    setLang('de');
    assert.equal(errorFigure(reported(5, 0)), 'Genauigkeit ±3 ms');
    setLang('en');
});

test('display health: only a report has figures', () => {
    assert.deepEqual(['good', 'fair', 'bad', 'none', 'offline'].map(hasSyncReport), [true, true, true, false, false]);
});

test('display health: each health has its tag class and mark', () => {
    assert.deepEqual(healthLook('good'), { cls: 'tag-ok', mark: '●' });
    assert.deepEqual(healthLook('fair'), { cls: 'tag-warn', mark: '◐' });
    assert.deepEqual(healthLook('bad'), { cls: 'tag-err', mark: '◐' });
    assert.deepEqual(healthLook('none'), { cls: 'tag-muted', mark: '○' });
    assert.deepEqual(healthLook('offline'), { cls: 'tag-err', mark: '○' });
});

test('display health: words and figures in the current language', () => {
    setLang('en');
    assert.equal(healthWord('offline'), 'Offline');
    assert.equal(healthWord('none'), 'no report yet');
    assert.equal(healthWord('good'), 'In sync');
    assert.equal(healthWord('bad'), 'Not in sync');
    assert.deepEqual(syncFigures({ offset_ms: 12.4, delay_ms: 39.6 }), { offset: 'Offset +12 ms', delay: 'Round trip 40 ms' });
    assert.deepEqual(syncFigures({ offset_ms: -3, delay_ms: 0 }), { offset: 'Offset −3 ms', delay: 'Round trip 0 ms' });
    setLang('de');
    assert.equal(healthWord('offline'), 'Offline');
    assert.equal(healthWord('good'), 'Synchron');
    setLang('en');
});

test('format: seconds since, rounded and never negative', () => {
    assert.equal(secondsSince(1000, 13400), 12);
    assert.equal(secondsSince(1000, 1499), 0);
    assert.equal(secondsSince(5000, 1000), 0, 'a clock step backwards is not "-4 s ago"');
});
