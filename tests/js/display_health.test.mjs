// The display-health list of /moderator and /dashboard: classification, look and wording.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { displayHealth, hasSyncReport, healthLook, healthWord, syncFigures } from '../../kiosk/web/js/common/display-health.js';
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

test('display health: delay and sample age decide good, fair, bad at their edges', () => {
    assert.equal(displayHealth(reported(0, 0)), 'good');
    assert.equal(displayHealth(reported(100, 30000)), 'good');
    assert.equal(displayHealth(reported(101, 30000)), 'fair');
    assert.equal(displayHealth(reported(100, 30001)), 'fair');
    assert.equal(displayHealth(reported(300, 60000)), 'fair');
    assert.equal(displayHealth(reported(301, 1000)), 'bad');
    assert.equal(displayHealth(reported(50, 60001)), 'bad');
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
