// Keyboard-wedge barcode scanners type the badge and press Enter, far faster than a person.
// We tell them apart by speed: every gap < maxGapMs and at least minLength characters.

export class WedgeDetector {
    constructor({ maxGapMs = 35, minLength = 20 } = {}) {
        this.maxGapMs = maxGapMs;
        this.minLength = minLength;
        this.buffer = '';
        this.lastAt = -Infinity;
    }

    /**
     * Feed one keydown (key, timeStamp in ms). Returns the scanned text when this key is the
     * Enter that ends a fast burst, otherwise null.
     */
    key(key, timeStamp) {
        if (key === 'Enter') {
            const fast = timeStamp - this.lastAt < this.maxGapMs;
            const text = this.buffer;
            this.reset();
            return fast && text.length >= this.minLength ? text : null;
        }
        if (key.length !== 1) return null; // Shift, Alt, arrows: not part of the payload
        if (timeStamp - this.lastAt >= this.maxGapMs) this.buffer = '';
        this.buffer += key;
        this.lastAt = timeStamp;
        return null;
    }

    /** True while a fast burst is under way (the page can hold back its own key handling). */
    inBurst(timeStamp) {
        return this.buffer.length >= 4 && timeStamp - this.lastAt < this.maxGapMs;
    }

    reset() {
        this.buffer = '';
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
