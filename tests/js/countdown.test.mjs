// Countdown formatting and the timer model the stage and moderator draw every frame.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatCountdown, formatDelta, formatSeconds } from '../../kiosk/web/js/format.js';
import { chimeBetween, timerView } from '../../kiosk/web/js/timer-model.js';

test('countdown: remaining rounds up, so 0:01 shows until the true zero', () => {
    assert.equal(formatCountdown(300000).text, '5:00');
    assert.equal(formatCountdown(299001).text, '5:00');
    assert.equal(formatCountdown(299000).text, '4:59');
    assert.equal(formatCountdown(1).text, '0:01');
    assert.equal(formatCountdown(1000).text, '0:01');
    assert.equal(formatCountdown(0).text, '0:00');
    assert.equal(formatCountdown(0).over, false);
});

test('countdown: overtime rounds down with a plus sign', () => {
    assert.deepEqual(formatCountdown(-1), { text: '+0:00', over: true });
    assert.equal(formatCountdown(-999).text, '+0:00');
    assert.equal(formatCountdown(-1000).text, '+0:01');
    assert.equal(formatCountdown(-61500).text, '+1:01');
});

test('countdown: hours appear only past one hour', () => {
    assert.equal(formatSeconds(59 * 60 + 59), '59:59');
    assert.equal(formatSeconds(3600), '1:00:00');
    assert.equal(formatSeconds(3 * 3600 + 5 * 60 + 7), '3:05:07');
    assert.equal(formatDelta(90000), '+1:30');
    assert.equal(formatDelta(-45000), '−0:45');
    assert.equal(formatDelta(200), '±0:00');
});

const running = {
    seq: 3, state: 'running', item: { id: 'a', title: 'Pitch', kind: 'pitch', speaker: null, organisation: '' },
    duration_ms: 300000, started_at: 1_000_000, ends_at: 1_300_000, remaining_ms: null,
    warn_ms: 60000, danger_ms: 30000, at_zero: 'count_up', added_ms: 0, next: null, block: null, server_time: 1_000_000,
};

test('timer model: phases follow the remaining time against warn_ms and danger_ms', () => {
    assert.equal(timerView(running, 1_000_000).phase, 'normal');
    assert.equal(timerView(running, 1_000_000).text, '5:00');
    assert.equal(timerView(running, 1_240_000).phase, 'warning');
    assert.equal(timerView(running, 1_270_000).phase, 'danger');
    assert.equal(timerView(running, 1_299_999).text, '0:01');
    const over = timerView(running, 1_303_500);
    assert.equal(over.phase, 'overtime');
    assert.equal(over.text, '+0:03');
    assert.equal(over.progress, 1);
});

test('timer model: paused and stopped show remaining_ms, not the clock', () => {
    const paused = { ...running, state: 'paused', ends_at: null, remaining_ms: 125400 };
    const v = timerView(paused, 9_999_999);
    assert.equal(v.text, '2:06');
    assert.equal(v.phase, 'normal');
    assert.equal(timerView({ ...running, state: 'idle', ends_at: null, remaining_ms: null }, 0).text, '5:00');
    assert.equal(timerView(null, 0).text, '–:––');
    assert.equal(timerView({ ...running, item: null }, 0).phase, 'idle');
});

test('timer model: items that stop or advance at zero never show overtime', () => {
    const stopAtZero = { ...running, at_zero: 'stop' };
    const v = timerView(stopAtZero, 1_305_000);
    assert.equal(v.text, '0:00');
    assert.equal(v.over, false);
    assert.equal(v.phase, 'danger');
});

test('timer model: chimes fire once when crossing the warning and zero', () => {
    assert.equal(chimeBetween(60001, 59990, running), 'warning');
    assert.equal(chimeBetween(59990, 59980, running), null);
    assert.equal(chimeBetween(5, -10, running), 'zero');
    assert.equal(chimeBetween(-10, -20, running), null);
    assert.equal(chimeBetween(null, 59000, running), null, 'no chime on the first frame');
    assert.equal(chimeBetween(5, -10, { ...running, state: 'paused' }), null);
});
