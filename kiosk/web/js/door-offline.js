// The door's offline side (issue 12, DESIGN12 B): its mode (offline when the socket is down or
// an answer is late, back on the next frame), and decisions from the cached list, each queued
// durably before it is shown and uploaded in order when the server is back. Pure parts first
// (tests/js/door_offline.test.mjs), then OfflineDoor over js/offline/ (store, judge, sync).

import { newScanId } from './common/ids.js';
import { attendeeAfter, judgeManualOffline, judgeOffline } from './offline/judge.js';
import { OfflineCache, Outbox } from './offline/sync.js';

/** A scan without an answer this long (ms) is decided offline. */
export const ANSWER_WITHIN_MS = 2000;
/** Where issue 14's door kept its unanswered scans: taken into the queue once. */
export const LEGACY_RESEND_KEY = 'stagedoor.door.unanswered';

/**
 * online | offline. Offline while the connection is not up, or from a request left without an
 * answer (noAnswer) until the next frame arrives from the server.
 */
export class DoorMode {
    constructor() {
        this.stalledSince = null; // local ms of the unanswered request, or null
    }

    /** A request got no answer within ANSWER_WITHIN_MS; `now` is local ms. */
    noAnswer(now) {
        if (this.stalledSince === null) this.stalledSince = now;
    }

    /** The mode for a connection that is `connected` and last received a frame at `lastMessageAt`. */
    mode({ connected, lastMessageAt }) {
        if (this.stalledSince !== null && lastMessageAt > this.stalledSince) this.stalledSince = null;
        return connected && this.stalledSince === null ? 'online' : 'offline';
    }
}

/** "P-0421": a walk-in's provisional number, from its scan_id (a retry keeps its number). */
export function provisionalNumber(scanId) {
    const n = parseInt(String(scanId).replace(/-/g, '').slice(0, 8), 16) || 0;
    return `P-${String(n % 10000).padStart(4, '0')}`;
}

/**
 * The entries of issue 14's localStorage resend list (JSON text) as queue attempts: scans the
 * server never answered, sent again with their scan_id and time, not decided offline.
 */
export function legacyAttempts(text) {
    let entries;
    try {
        entries = JSON.parse(text || '[]');
    } catch {
        return []; // a damaged list: the server's ledger is the truth
    }
    if (!Array.isArray(entries)) return [];
    return entries
        .filter((u) => u && typeof u.scan_id === 'string' && typeof u.payload === 'string')
        .map((u) => ({ type: 'scan', scan_id: u.scan_id, payload: u.payload.slice(0, 4096), direction: u.direction === 'out' ? 'out' : 'in', at: Number(u.at) || Date.now() }));
}

/** True for a queued attempt the door did not decide (it waits for the server's verdict). */
export const undecided = (attempt) => attempt.offline === undefined;

/**
 * The door's offline cache and queue. open() resolves once IndexedDB is open and the cache is
 * read (it judges at once, even after a reload while offline); it rejects where IndexedDB is
 * not available. device() names this door for the cached admissions; onAnswer(attempt, reply,
 * error) for each uploaded attempt; onChange() when the list or the queue changed.
 */
export class OfflineDoor {
    static async open({ conn, device, onAnswer = () => {}, onChange = () => {}, storage = globalThis.localStorage }) {
        // Loaded here, not imported: without IndexedDB (or /vendor/idb.js) the door still works online.
        const { openDoorStore } = await import('./offline/store.js');
        const store = await openDoorStore();
        const door = new OfflineDoor({ store, conn, device, onAnswer, onChange });
        await door.migrate(storage);
        await door.cache.start();
        door.queue = await store.queueState();
        door.outbox.start();
        return door;
    }

    constructor({ store, conn, device, onAnswer, onChange }) {
        this.store = store;
        this.device = device;
        this.queue = { queued: 0, oldest_at: null };
        this.cache = new OfflineCache({ store, conn, onChange: () => onChange() });
        this.outbox = new Outbox({
            store,
            conn,
            onAnswer,
            onChange: (queue) => {
                this.queue = queue;
                onChange();
            },
        });
    }

    /** Moves issue 14's resend list into the queue, once (the key is removed after). */
    async migrate(storage) {
        const text = storage?.getItem(LEGACY_RESEND_KEY);
        if (text === null || text === undefined) return;
        for (const attempt of legacyAttempts(text)) await this.store.enqueue(attempt);
        storage.removeItem(LEGACY_RESEND_KEY);
    }

    /** True once the door has an event, a verify key and a list to judge with. */
    get ready() {
        return !!this.cache.eventId && !!this.cache.verify();
    }

    /** false: the organiser keeps names off door devices. */
    get names() {
        return this.cache.names;
    }

    /** Server time (unix ms) of the newest list page or update: how old the list may be. */
    get listTime() {
        return this.cache.serverTime;
    }

    /**
     * Decides `scan` ({scan_id, payload, direction, at}) from the cached list and queues it with
     * that verdict; resolves with the verdict (a scan_result marked offline) once durable.
     */
    async decideScan({ scan_id, payload, direction, at }) {
        const verdict = await judgeOffline({ payload, direction, cache: this.cache, verify: this.cache.verify() });
        return this.record({ type: 'scan', scan_id, payload, direction, at }, verdict);
    }

    /** A help-desk check-in or out of `attendee` decided offline, queued like a scan. */
    async decideManual(attendee, direction) {
        const verdict = await judgeManualOffline({ attendeeId: attendee.id, direction, cache: this.cache });
        const message = { type: 'checkin_manual', attendee_id: attendee.id, direction, scan_id: newScanId(), at: Date.now() };
        return this.record(message, verdict);
    }

    /**
     * Queues `message` with the verdict shown and, in the same transaction, the cached attendee
     * as the verdict leaves it (a second scan is then already_in). The verdict's `before` is the
     * attendee as it was, for undo.
     */
    async record(message, verdict) {
        const cached = verdict.attendee ? await this.cache.get(verdict.attendee.id) : null;
        const after = attendeeAfter(cached, verdict.result, { direction: message.direction, at: message.at, device: this.device() });
        await this.outbox.add({ ...message, offline: verdict.result }, after);
        return { ...verdict, scan_id: message.scan_id, before: after ? cached : null };
    }

    /** Queues a walk-in registered offline; resolves with its provisional number once durable. */
    async queueWalkIn(message) {
        await this.outbox.add({ ...message, offline: 'ok' });
        return provisionalNumber(message.scan_id);
    }

    /** Queues a scan the door could not decide (no list yet): sent again until answered. */
    queueUndecided({ scan_id, payload, direction, at }) {
        return this.outbox.add({ type: 'scan', scan_id, payload, direction, at });
    }

    /**
     * Takes `scanId` back out of the queue before it was uploaded (an undo while offline) and
     * puts the cached attendee back as `before`; false when it is gone or on its way already.
     */
    async unqueue(scanId, before) {
        if (this.outbox.inFlight.has(scanId)) return false;
        if (!(await this.store.queued()).some((a) => a.scan_id === scanId)) return false;
        await this.store.remove(scanId);
        if (before) await this.cache.apply({}, [before]);
        this.outbox.changed();
        return true;
    }

    /** Cached attendees matching `query` (the help desk offline), lookup-shaped. */
    search(query) {
        return this.store.search(query);
    }

    /** The queued attempts, oldest first. */
    queued() {
        return this.store.queued();
    }
}
