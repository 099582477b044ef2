// The browser's clock estimator must match the C++ one: both run protocol/clock_vectors.json.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ClockEstimator, sampleDelay, sampleOffset } from '../../kiosk/web/js/clock-sync.js';

const vectorsPath = fileURLToPath(new URL('../../protocol/clock_vectors.json', import.meta.url));

test('clock sync: shared vectors from protocol/clock_vectors.json', () => {
    // A missing file fails: skipping would let the two estimators drift apart unnoticed.
    assert.ok(existsSync(vectorsPath), `${vectorsPath} is missing: the shared vectors are required`);
    const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8'));
    assert.ok(vectors.cases.length > 0, 'the vectors file has cases');
    let checks = 0;
    for (const c of vectors.cases) {
        const est = new ClockEstimator({ ...vectors.options, ...(c.options ?? {}) });
        for (const [i, step] of c.steps.entries()) {
            if (step.sample) est.add(step.sample);
            if (step.offset_at !== undefined) {
                const got = est.offset(step.offset_at);
                assert.equal(got, step.expect, `${c.name}, step ${i}: offset(${step.offset_at}) = ${got}, expected ${step.expect}`);
                checks++;
            }
        }
    }
    assert.ok(checks > 0, 'the vectors check at least one offset');
});

test('clock sync: offset and delay of a sample', () => {
    // client 100 ms behind the server, 10 ms each way, 2 ms in the server
    const s = { t0: 1000, t1: 1110, t2: 1112, t3: 1022 };
    assert.equal(sampleOffset(s), 100);
    assert.equal(sampleDelay(s), 20);
});

test('clock sync: first sample is taken at once, lowest delay wins, ties go to the newest', () => {
    const est = new ClockEstimator({ window: 16, jump_threshold_ms: 250, slew_ms_per_s: 50, warmup_samples: 1 });
    assert.equal(est.offset(0), 0, 'no estimate yet');
    est.add({ t0: 0, t1: 150, t2: 150, t3: 100 }); // offset 100, delay 100
    assert.equal(est.offset(100), 100);
    est.add({ t0: 1000, t1: 1110, t2: 1110, t3: 1020 }); // offset 100, delay 20: same target
    est.add({ t0: 2000, t1: 2230, t2: 2230, t3: 2060 }); // offset 200, delay 60: not the best
    assert.equal(est.targetOffset(), 100);
    est.add({ t0: 3000, t1: 3140, t2: 3140, t3: 3020 }); // offset 130, delay 20: ties, newest wins
    assert.equal(est.targetOffset(), 130);
});

test('clock sync: small corrections ease at slew_ms_per_s, large ones jump', () => {
    const est = new ClockEstimator({ window: 16, jump_threshold_ms: 250, slew_ms_per_s: 50, warmup_samples: 1 });
    est.add({ t0: 0, t1: 110, t2: 110, t3: 20 }); // offset 100, delay 20
    est.add({ t0: 1000, t1: 1130, t2: 1130, t3: 1010 }); // offset 125, delay 10 -> target 125
    assert.equal(est.offset(1010), 100, 'the target moved, the estimate has not yet');
    assert.equal(est.offset(1210), 110, '200 ms at 50 ms/s eases 10 ms');
    assert.equal(est.offset(2010), 125, 'never overshoots');
    assert.equal(est.offset(1500), 125, 'time going backwards does nothing');
    est.add({ t0: 3000, t1: 3505, t2: 3505, t3: 3010 }); // offset 500, delay 10 (newest tie) -> jump
    assert.equal(est.offset(3010), 500);
});

test('clock sync: the window forgets old samples', () => {
    const est = new ClockEstimator({ window: 3, jump_threshold_ms: 1, slew_ms_per_s: 50, warmup_samples: 1 });
    est.add({ t0: 0, t1: 101, t2: 101, t3: 2 }); // offset 100, delay 2 (best)
    for (let i = 1; i <= 3; i++) est.add({ t0: i * 1000, t1: i * 1000 + 260, t2: i * 1000 + 260, t3: i * 1000 + 20 }); // offset 250, delay 20
    assert.equal(est.samples, 3);
    assert.equal(est.targetOffset(), 250, 'the best sample left the window');
});

test('clock sync: the connect burst is applied at once, later samples are eased', () => {
    const est = new ClockEstimator();
    assert.equal(est.options.warmup_samples, 8, 'the default matches the burst of 8 pings');
    est.add({ t0: 0, t1: 135, t2: 135, t3: 136 }); // held up on the way out: offset 67, delay 136
    assert.equal(est.offset(136), 67);
    let t = 200;
    for (let i = 1; i < 8; i++) {
        est.add({ t0: t, t1: t + 0.5, t2: t + 0.5, t3: t + 1 }); // offset 0, delay 1
        assert.equal(est.offset(t + 1), 0, `sample ${i + 1} of the burst is taken at once`);
        t += 2;
    }
    est.add({ t0: t + 10000, t1: t + 10050.25, t2: t + 10050.25, t3: t + 10000.5 }); // offset 50, delay 0.5
    assert.equal(est.targetOffset(), 50);
    assert.equal(est.offset(t + 10000.5), 0, 'the ninth sample is eased');
    assert.equal(est.offset(t + 11000.5), 20, '20 ms per second');
});
