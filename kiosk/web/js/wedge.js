// Keyboard-wedge barcode scanners type the badge and press Enter, far faster than a person.
// We tell them apart by speed: a burst of at least minLength characters whose typical (median)
// gap is under maxGapMs. Single slow gaps inside the burst (a busy browser, a USB hiccup) are
// tolerated up to burstGapMs; a longer pause starts a new burst.
// Scanners end a code with CR, LF, CR+LF or Tab: any of them ends the burst, and the second
// half of a CR+LF (or a Tab after Enter) is swallowed, so it cannot press a focused button.

const TERMINATORS = new Set(['Enter', 'Tab', '\r', '\n']);

/** True for a key that ends a scanner's code (CR, LF or Tab as the browser reports them). */
export function isTerminator(key) {
    return TERMINATORS.has(key);
}

export class WedgeDetector {
    /**
     * echoMs: how long after a scan a lone terminator is taken for the rest of the scanner's
     * (a second's Enter after a scan is never meant for a button).
     */
    constructor({ maxGapMs = 35, minLength = 20, burstGapMs = 300, echoMs = 1000 } = {}) {
        this.maxGapMs = maxGapMs;
        this.minLength = minLength;
        this.burstGapMs = burstGapMs;
        this.echoMs = echoMs;
        this.scanEndedAt = -Infinity; // when the last scan's terminator came
        this.reset();
    }

    /**
     * Feed one keydown (key, timeStamp in ms). Returns the scanned text when this key is the
     * terminator (CR, LF or Tab) that ends a fast burst, otherwise null.
     */
    key(key, timeStamp) {
        if (isTerminator(key)) {
            const recent = timeStamp - this.lastAt < this.burstGapMs;
            const text = this.chars.join('');
            const fast = this.medianGap() < this.maxGapMs;
            this.reset();
            const scanned = recent && fast && text.length >= this.minLength;
            if (scanned) this.scanEndedAt = timeStamp;
            return scanned ? text : null;
        }
        if (key.length !== 1) return null; // Shift, Alt, arrows: not part of the payload
        this.scanEndedAt = -Infinity;
        if (timeStamp - this.lastAt >= this.burstGapMs) {
            this.chars = [];
            this.gaps = [];
        } else {
            this.gaps.push(timeStamp - this.lastAt);
        }
        this.chars.push(key);
        this.lastAt = timeStamp;
        if (this.chars.length > 8192) this.reset(); // nobody scans that much: drop it
        return null;
    }

    /**
     * True when this keydown is the rest of the terminator of the scan that just ended (the LF
     * of a CR+LF, a Tab after Enter): the caller drops it. Call before key().
     */
    isEcho(key, timeStamp) {
        return isTerminator(key) && this.chars.length === 0 && timeStamp - this.scanEndedAt < this.echoMs;
    }

    /** A tap came after the scan: the next terminator is a person's, not the scanner's. */
    endEcho() {
        this.scanEndedAt = -Infinity;
    }

    medianGap() {
        if (this.gaps.length === 0) return Infinity;
        const sorted = [...this.gaps].sort((a, b) => a - b);
        return sorted[Math.floor(sorted.length / 2)];
    }

    reset() {
        this.chars = [];
        this.gaps = [];
        this.lastAt = -Infinity;
    }
}

/**
 * The camera sees the same badge many times per second. Submit it once; ignore the same payload
 * until it has been out of sight for holdMs, unless another payload was seen in between.
 */
export class RepeatFilter {
    constructor(holdMs = 3000) {
        this.holdMs = holdMs;
        this.last = null;
        this.lastSeen = -Infinity;
    }

    accept(payload, now) {
        const repeat = payload === this.last && now - this.lastSeen < this.holdMs;
        this.last = payload;
        this.lastSeen = now;
        return !repeat;
    }

    forget() {
        this.last = null;
        this.lastSeen = -Infinity;
    }
}
