// Request ids the server de-duplicates by (scan_id): random UUIDs (version 4).
//
// crypto.randomUUID exists only in secure contexts (https, localhost). A door PC with a USB
// scanner opens the door over plain http on the venue network, so the ids are built from
// crypto.getRandomValues, which every context has.

/** A random UUID, e.g. "3b241101-e2bb-4255-8caf-4136c566a962". */
export function newScanId(random = (bytes) => crypto.getRandomValues(bytes)) {
    const bytes = random(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * One id per attempt at the same thing: a retry (the same key, e.g. the same walk-in form
 * after a time-out) reuses the id, so the server registers the person once; anything else
 * gets a new id. done() forgets the attempt once the server has answered it.
 */
export class RetryIds {
    constructor(make = newScanId) {
        this.make = make;
        this.key = null;
        this.id = null;
    }

    idFor(key) {
        if (this.key !== key || this.id === null) {
            this.key = key;
            this.id = this.make();
        }
        return this.id;
    }

    done() {
        this.key = null;
        this.id = null;
    }
}
