// Keeping an offline-capable door in step with the server (DESIGN12 A2, A3, A6):
//   OfflineCache  loads the roster pages after each `welcome` and applies `offline_update`
//                 pushes, in arrival order, into the store; it is the judge's cache.
//   Outbox        uploads the queued attempts in order, at most 64 in flight, removes each only
//                 after the server's answer, and sends `queue_report`.
// Both take their store (store.js DoorStore, or an in-memory fake) and connection
// (connection.js Connection, or a fake with on/request/state) as parameters
// (tests/js/offline_sync.test.mjs).

import { decodeVerifyKey, makeVerifier } from './badge.js';

export const OUTBOX_WINDOW = 64; // attempts in flight at once while syncing
const REPORT_INTERVAL_MS = 1000; // queue_report at most once a second
const RETRY_MS = 5000; // after a failed upload on a live connection
const CHANGE_INTERVAL_MS = 100;

/** Errors after which the attempt is kept and sent again; any other error is the server's answer. */
const RETRYABLE = new Set(['offline', 'timeout', 'internal', 'rate_limited', 'unauthorized']);
export const isRetryable = (err) => RETRYABLE.has(err?.code);

export class OfflineCache {
    /** onChange(cache) after the meta record changed (event, names flag, freshness). */
    constructor({ store, conn, onChange = () => {}, makeVerifierFor = (key) => makeVerifier(key) }) {
        this.store = store;
        this.conn = conn;
        this.onChange = onChange;
        this.makeVerifierFor = makeVerifierFor;
        this.meta = null;
        this.applied = Promise.resolve(); // the chain that keeps store writes in arrival order
        this.loading = 0; // generation of the newest load
        this.seen = null; // ids the newest load has seen (pages and updates)
        this.verifier = null;
        this.verifierKey = null;
        this.loaded = false; // a full load finished since start
    }

    /** Reads what the store holds (a reload while offline judges with it) and subscribes. */
    async start() {
        this.meta = await this.store.meta();
        this.conn.on('welcome', () => this.load().catch((err) => console.warn('offline roster not loaded', err)));
        this.conn.on('offline_update', (update) => {
            for (const a of update.attendees) this.seen?.add(a.id);
            this.apply({ server_time: update.server_time }, update.attendees);
        });
        if (this.conn.state === 'online') this.load().catch((err) => console.warn('offline roster not loaded', err));
        return this;
    }

    get eventId() {
        return this.meta?.event?.id || null;
    }

    /** false: the organiser keeps names off door devices (`serve --offline-names off`). */
    get names() {
        return this.meta?.names !== false;
    }

    /** Server time of the newest page or update applied (how stale the cache may be), or null. */
    get serverTime() {
        return this.meta?.server_time ?? null;
    }

    /** The cached attendee `id` (a promise). */
    get(id) {
        return this.store.get(id);
    }

    /** async (signedText, signature) => bool for the cached verify key; null before any page. */
    verify() {
        const key = this.meta?.verify_key;
        if (!key) return null;
        if (this.verifierKey !== key) {
            const raw = decodeVerifyKey(key);
            this.verifier = raw ? this.makeVerifierFor(raw) : null;
            this.verifierKey = key;
        }
        return this.verifier;
    }

    /** Queues a store write behind the earlier ones; call it in arrival order. */
    apply(meta, attendees) {
        this.meta = { ...this.meta, ...meta };
        const write = this.applied.then(() => this.store.apply({ meta, attendees }));
        this.applied = write.catch((err) => console.error('offline cache write failed', err));
        this.onChange(this);
        return write;
    }

    /**
     * Fetches every page (the first one subscribes this connection to offline_update) and then
     * drops the cached attendees that neither a page nor an update named. A newer load (after a
     * reconnect) supersedes this one.
     */
    async load() {
        const generation = ++this.loading;
        const seen = new Set();
        this.seen = seen;
        let after = 0;
        for (;;) {
            const page = await this.conn.request({ type: 'offline_roster', after });
            // Applied before the next frame is read: pages and updates stay in stream order.
            if (generation !== this.loading) return false;
            for (const a of page.attendees) seen.add(a.id);
            const meta = { event: page.event, verify_key: page.verify_key, names: page.names, server_time: page.server_time };
            this.apply(meta, page.attendees);
            if (page.next === null || page.next === undefined) break;
            after = page.next;
        }
        const pruned = this.applied.then(() => this.store.retainOnly(seen));
        this.applied = pruned.catch((err) => console.error('offline cache prune failed', err));
        await pruned;
        if (generation === this.loading) this.loaded = true;
        return true;
    }
}

export class Outbox {
    /**
     * onAnswer(attempt, reply, error) for each attempt the server answered (reply) or refused
     * for good (error); onChange({queued, oldest_at}) when the queue changed.
     */
    constructor({ store, conn, window = OUTBOX_WINDOW, onAnswer = () => {}, onChange = () => {}, now = () => Date.now(), retryMs = RETRY_MS }) {
        Object.assign(this, { store, conn, window, onAnswer, onChange, now, retryMs });
        this.inFlight = new Set(); // scan_ids sent and not yet answered
        this.toRemove = []; // answered scan_ids waiting for the next removal transaction
        this.removal = null;
        this.running = null;
        this.rerun = false;
        this.lastSync = null;
        this.lastReportAt = -Infinity;
        this.reportTimer = null;
        this.retryTimer = null;
        this.changeTimer = null;
    }

    start() {
        this.conn.on('welcome', () => {
            this.report();
            this.drain();
        });
        if (this.conn.state === 'online') this.drain();
        return this;
    }

    /** Queues `attempt` durably (store.enqueue), then uploads it when online. */
    async add(attempt, attendee = null) {
        await this.store.enqueue(attempt, attendee);
        this.changed();
        this.drain();
    }

    /** Uploads the queue; resolves when the queue is empty, or the connection failed meanwhile. */
    drain() {
        if (this.running) {
            this.rerun = true;
            return this.running;
        }
        this.running = (async () => {
            do {
                this.rerun = false;
                await this.pass();
            } while (this.rerun && this.conn.state === 'online');
        })().finally(() => {
            this.running = null;
        });
        return this.running;
    }

    /** One pass over the queue as it is now, in order, `window` requests at a time. */
    async pass() {
        if (this.conn.state !== 'online') return;
        const todo = (await this.store.queued()).filter((a) => !this.inFlight.has(a.scan_id));
        if (!todo.length) return;
        let failed = false;
        await new Promise((resolve) => {
            let next = 0;
            let active = 0;
            const pump = () => {
                while (!failed && active < this.window && next < todo.length) {
                    active++;
                    this.send(todo[next++]).catch(() => false).then((answered) => {
                        active--;
                        failed ||= !answered;
                        pump();
                    });
                }
                if (active === 0) resolve();
            };
            pump();
        });
        if (failed) this.retryLater();
        await this.report();
    }

    /**
     * Sends one attempt; resolves false when it must be sent again (no answer). Rejects when the
     * answered attempt could not be removed: it is sent again, and the server replays its answer.
     */
    async send(attempt) {
        this.inFlight.add(attempt.scan_id);
        const { seq, ...message } = attempt;
        try {
            let reply = null;
            let refusal = null;
            try {
                reply = await this.conn.request(message);
            } catch (err) {
                if (isRetryable(err)) return false;
                refusal = err; // refused for good: resending cannot help
            }
            await this.removeAnswered(attempt.scan_id);
            if (reply) this.lastSync = this.now();
            this.onAnswer(attempt, reply, refusal);
            return true;
        } finally {
            this.inFlight.delete(attempt.scan_id);
            this.changed();
        }
    }

    /** Removes an answered attempt; the answers of one turn go in one transaction (a sync answers thousands). */
    removeAnswered(scanId) {
        this.toRemove.push(scanId);
        this.removal ||= new Promise((resolve) => setTimeout(resolve, 0)).then(() => {
            const scanIds = this.toRemove;
            this.toRemove = [];
            this.removal = null;
            return this.store.remove(scanIds);
        });
        return this.removal;
    }

    retryLater() {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.drain(), this.retryMs);
    }

    /** After the queue changed: onChange (at most every 100 ms: a sync answers thousands) and a report. */
    changed() {
        this.reportSoon();
        if (this.changeTimer) return;
        this.changeTimer = setTimeout(() => {
            this.changeTimer = null;
            this.store.queueState().then((state) => this.onChange(state), () => {});
        }, CHANGE_INTERVAL_MS);
    }

    /** A queue_report now if none went out in the last second, else once that second is over. */
    reportSoon() {
        if (this.reportTimer) return;
        const wait = this.lastReportAt + REPORT_INTERVAL_MS - this.now();
        if (wait <= 0) {
            this.report();
            return;
        }
        this.reportTimer = setTimeout(() => this.report(), wait);
    }

    async report() {
        clearTimeout(this.reportTimer);
        this.reportTimer = null;
        if (this.conn.state !== 'online') return;
        this.lastReportAt = this.now();
        const state = await this.store.queueState();
        this.conn.request({ type: 'queue_report', queued: state.queued, oldest_at: state.oldest_at, last_sync: this.lastSync }).catch(() => {});
    }

    stop() {
        for (const timer of [this.retryTimer, this.reportTimer, this.changeTimer]) clearTimeout(timer);
        this.changeTimer = null;
    }
}
