// Clock-offset estimation from ping/pong samples: an exact port of
// stagedoor::protocol::ClockEstimator (protocol/include/stagedoor/protocol/clock_sync.hpp).
// protocol/clock_vectors.json holds the shared test vectors both implementations must match.

export const DEFAULT_CLOCK_OPTIONS = Object.freeze({
    window: 16,             // samples kept
    jump_threshold_ms: 100, // larger corrections are applied at once
    slew_ms_per_s: 20,      // smaller ones are eased in at most this fast
    warmup_samples: 8,      // the first samples (the connect burst) are applied at once
});

/** offset = server clock - client clock (ms); delay = network round trip without server time. */
export function sampleOffset(s) {
    return ((s.t1 - s.t0) + (s.t2 - s.t3)) / 2;
}
export function sampleDelay(s) {
    return (s.t3 - s.t0) - (s.t2 - s.t1);
}

export class ClockEstimator {
    constructor(options = {}) {
        this.options = { ...DEFAULT_CLOCK_OPTIONS, ...options };
        if (this.options.window < 1) this.options.window = 1; // as the C++: never an empty window
        this.window = [];
        this.current = null; // eased offset, null until the first sample
        this.lastUpdate = 0;
        this.added = 0; // samples since construction
    }

    /** Adds a sample received at local time sample.t3. */
    add(sample) {
        this.offset(sample.t3); // bring the eased value up to this moment before the target moves
        this.window.push({ t0: sample.t0, t1: sample.t1, t2: sample.t2, t3: sample.t3 });
        while (this.window.length > this.options.window) this.window.shift();
        this.added++;
        const target = this.targetOffset();
        if (this.current === null || this.added <= this.options.warmup_samples) {
            this.current = target;
            this.lastUpdate = sample.t3;
        } else if (Math.abs(target - this.current) > this.options.jump_threshold_ms) {
            this.current = target;
        }
    }

    /** Offset to apply at local time nowMs (0 before any sample); eases towards the target. */
    offset(nowMs) {
        if (this.current === null) return 0;
        const target = this.targetOffset();
        const elapsed = Math.max(0, nowMs - this.lastUpdate);
        const maxStep = (this.options.slew_ms_per_s * elapsed) / 1000;
        const remaining = target - this.current;
        if (Math.abs(remaining) <= maxStep) this.current = target;
        else if (remaining > 0) this.current = this.current + maxStep;
        else this.current = this.current - maxStep;
        this.lastUpdate = nowMs;
        return this.current;
    }

    /** Lowest-delay sample in the window; on ties the newest. */
    best() {
        let best = null;
        for (const s of this.window) {
            if (best === null || sampleDelay(s) <= sampleDelay(best)) best = s;
        }
        return best;
    }

    targetOffset() {
        const b = this.best();
        return b === null ? 0 : sampleOffset(b);
    }

    get samples() {
        return this.window.length;
    }

    get hasEstimate() {
        return this.current !== null;
    }
}
