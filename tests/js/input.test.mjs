// Keyboard-wedge detection, the camera repeat filter, pairing links and reconnect backoff.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { backoffDelay } from '../../kiosk/web/js/connection.js';
import { keyFromFragment, keyFromInput } from '../../kiosk/web/js/pairing.js';
import { RepeatFilter, WedgeDetector } from '../../kiosk/web/js/wedge.js';

function typeText(detector, text, start, gapMs) {
    let at = start;
    for (const ch of text) {
        assert.equal(detector.key(ch, at), null);
        at += gapMs;
    }
    return detector.key('Enter', at);
}

const token = 'SD1.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';

test('wedge: a fast burst ending in Enter is a scan', () => {
    const d = new WedgeDetector();
    assert.equal(typeText(d, token, 1000, 8), token);
});

test('wedge: a person typing is not a scanner', () => {
    const d = new WedgeDetector();
    assert.equal(typeText(d, 'Jana Köhler from TU Dresden', 1000, 120), null);
});

test('wedge: short fast input is not a scan, and a pause restarts the burst', () => {
    const d = new WedgeDetector();
    assert.equal(typeText(d, 'abc', 0, 5), null, 'too short');
    // typed slowly at first, then a scanner burst: only the burst counts
    d.key('x', 10000);
    d.key('y', 10300);
    assert.equal(typeText(d, token, 10700, 5), token);
});

test('wedge: a scanner on a busy machine (some slow gaps) is still a scanner', () => {
    const d = new WedgeDetector();
    let at = 0;
    const gaps = [256, 19, 14, 38, 7, 94, 45, 7, 44];
    [...token].forEach((ch, i) => {
        assert.equal(d.key(ch, at), null);
        at += i < gaps.length ? gaps[i] : 7;
    });
    assert.equal(d.key('Enter', at), token);
});

test('wedge: fast typists are still people', () => {
    const d = new WedgeDetector();
    let at = 0;
    for (const [i, ch] of [...'Jana Koehler TU Dresden'].entries()) d.key(ch, (at += i % 3 === 0 ? 40 : 70));
    assert.equal(d.key('Enter', at + 60), null);
});

test('wedge: modifier keys inside a burst are ignored', () => {
    const d = new WedgeDetector();
    let at = 0;
    for (const ch of token) {
        if (ch >= 'A' && ch <= 'Z') d.key('Shift', at);
        d.key(ch, at);
        at += 6;
    }
    assert.equal(d.key('Enter', at), token);
});

test('wedge: Enter long after the last key is not a scan', () => {
    const d = new WedgeDetector();
    let at = 0;
    for (const ch of token) d.key(ch, (at += 5));
    assert.equal(d.key('Enter', at + 500), null);
});

test('wedge: CR, LF, CR+LF and Tab each end a scan, once', () => {
    for (const ending of [['Enter'], ['\n'], ['\r', '\n'], ['Enter', 'Enter'], ['Tab'], ['Enter', 'Tab']]) {
        const d = new WedgeDetector();
        let at = 0;
        for (const ch of token) d.key(ch, (at += 6));
        const [first, ...rest] = ending;
        assert.equal(d.isEcho(first, at + 2), false, `${JSON.stringify(ending)}: the first terminator is not an echo`);
        assert.equal(d.key(first, at + 2), token, `${JSON.stringify(ending)} ends the scan`);
        for (const key of rest) assert.equal(d.isEcho(key, at + 4), true, `${JSON.stringify(ending)}: the rest is swallowed`);
    }
});

test('wedge: an Enter typed by a person after a scan is not swallowed', () => {
    const d = new WedgeDetector();
    let at = 0;
    for (const ch of token) d.key(ch, (at += 6));
    assert.equal(d.key('Enter', at + 2), token);
    assert.equal(d.isEcho('Enter', at + 2000), false, 'seconds later');
    d.key('a', at + 2001);
    assert.equal(d.isEcho('Enter', at + 2002), false, 'after other keys');
    assert.equal(new WedgeDetector().isEcho('Enter', 5), false, 'no scan before');
    const tapped = new WedgeDetector();
    at = 0;
    for (const ch of token) tapped.key(ch, (at += 6));
    assert.equal(tapped.key('Enter', at + 2), token);
    assert.equal(tapped.isEcho('Enter', at + 100), true);
    tapped.endEcho(); // a tap on the screen in between
    assert.equal(tapped.isEcho('Enter', at + 100), false, 'after a tap');
});

test('repeat filter: the same badge held up is submitted once', () => {
    const f = new RepeatFilter(3000);
    assert.equal(f.accept('A', 0), true);
    assert.equal(f.accept('A', 100), false);
    assert.equal(f.accept('A', 2900), false);
    assert.equal(f.accept('A', 5800), false, 'still in view: each sighting extends the hold');
    assert.equal(f.accept('A', 9000), true, 'out of sight for 3 s');
    assert.equal(f.accept('B', 9100), true);
    assert.equal(f.accept('A', 9200), true, 'another badge was seen in between');
});

test('pairing: the key comes from the fragment or a pasted link', () => {
    assert.equal(keyFromFragment('#key=abc123'), 'abc123');
    assert.equal(keyFromFragment('#foo=1&key=k%2Fy'), 'k/y');
    assert.equal(keyFromFragment('#nothing'), null);
    assert.equal(keyFromInput('  abc123 '), 'abc123');
    assert.equal(keyFromInput('https://10.0.0.2:8443/door#key=xyz'), 'xyz');
    assert.equal(keyFromInput('http://host/dashboard?key=q1'), 'q1');
    assert.equal(keyFromInput('two words'), null);
    assert.equal(keyFromInput(''), null);
});

test('reconnect: backoff doubles from 1 s to 30 s with jitter', () => {
    assert.equal(backoffDelay(0, () => 0), 500);
    assert.equal(backoffDelay(0, () => 1), 1000);
    assert.equal(backoffDelay(3, () => 1), 8000);
    assert.equal(backoffDelay(10, () => 1), 30000);
    assert.equal(backoffDelay(50, () => 0), 15000);
    for (let i = 0; i < 100; i++) {
        const d = backoffDelay(i % 8);
        assert.ok(d >= 500 && d <= 30000);
    }
});
