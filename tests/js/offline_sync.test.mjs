// Syncing an offline door (kiosk/web/js/offline/sync.js) over in-memory fakes of the store and
// the connection: the Outbox uploads in order, 64 at a time, removes an attempt only after its
// answer and resumes after a disconnect without applying anything twice; the OfflineCache ends
// with the server's roster when pages and updates interleave.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { OfflineCache, Outbox } from '../../kiosk/web/js/offline/sync.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));
async function until(condition, message, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
        await tick();
    }
}

/** The DoorStore interface in memory; each call takes a turn, like IndexedDB. */
class MemoryStore {
    constructor() {
        this.metaRecord = null;
        this.roster = new Map();
        this.queue = new Map(); // scan_id -> attempt, insertion order
        this.seq = 0;
        this.removals = 0; // remove() calls (transactions)
    }
    async meta() { await tick(); return this.metaRecord; }
    async apply({ meta, attendees }) {
        await tick();
        if (meta) this.metaRecord = { ...this.metaRecord, ...meta };
        for (const a of attendees) this.roster.set(a.id, a);
    }
    async retainOnly(ids) { await tick(); for (const id of this.roster.keys()) if (!ids.has(id)) this.roster.delete(id); }
    async get(id) { await tick(); return this.roster.get(id); }
    async enqueue(attempt, attendee) {
        await tick();
        if (!this.queue.has(attempt.scan_id)) this.queue.set(attempt.scan_id, { ...attempt, seq: ++this.seq });
        if (attendee) this.roster.set(attendee.id, attendee);
    }
    async queued() { await tick(); return [...this.queue.values()]; }
    async remove(scanIds) {
        await tick();
        this.removals++;
        for (const id of [scanIds].flat()) this.queue.delete(id);
    }
    async queueState() {
        await tick();
        const first = this.queue.values().next().value;
        return { queued: this.queue.size, oldest_at: first ? first.at : null };
    }
}

/** A connection whose requests the test answers (or a `serve` function answers). */
class FakeConnection {
    constructor(serve = null) {
        this.state = 'online';
        this.handlers = new Map();
        this.pending = []; // {message, resolve, reject}
        this.sent = [];
        this.serve = serve;
    }
    on(type, fn) {
        if (!this.handlers.has(type)) this.handlers.set(type, new Set());
        this.handlers.get(type).add(fn);
        return () => this.handlers.get(type).delete(fn);
    }
    emit(type, payload) { for (const fn of this.handlers.get(type) || []) fn(payload); }
    request(message) {
        if (this.state !== 'online') return Promise.reject(Object.assign(new Error('offline'), { code: 'offline' }));
        this.sent.push(message);
        return new Promise((resolve, reject) => {
            const entry = { message, resolve, reject };
            this.pending.push(entry);
            if (this.serve) this.serve(entry, this);
        });
    }
    answer(entry, reply) {
        this.pending.splice(this.pending.indexOf(entry), 1);
        entry.resolve(reply);
    }
    fail(entry, code) {
        this.pending.splice(this.pending.indexOf(entry), 1);
        entry.reject(Object.assign(new Error(code), { code }));
    }
    disconnect() {
        this.state = 'offline';
        for (const entry of [...this.pending]) this.fail(entry, 'offline');
    }
    reconnect() {
        this.state = 'online';
        this.emit('welcome', {});
    }
    scansSent() { return this.sent.filter((m) => m.type !== 'queue_report'); }
    pendingScans() { return this.pending.filter((p) => p.message.type !== 'queue_report'); }
}

const attempt = (i) => ({ type: 'scan', scan_id: `door1-${String(i).padStart(6, '0')}`, payload: `SD1.${i}`, direction: 'in', at: 1000 + i, offline: 'ok' });
const scanResult = (m) => ({ type: 'scan_result', scan_id: m.scan_id, result: 'ok' });

async function queueOf(count) {
    const store = new MemoryStore();
    for (let i = 1; i <= count; i++) await store.enqueue(attempt(i));
    return store;
}

test('outbox: uploads in order and removes each attempt only after its answer', async () => {
    const store = await queueOf(5);
    const conn = new FakeConnection((entry, c) => {
        if (entry.message.type === 'queue_report') c.answer(entry, { type: 'ok' });
    });
    const answers = [];
    const outbox = new Outbox({ store, conn, onAnswer: (a, reply) => answers.push([a.scan_id, reply.result]) });
    const drained = outbox.drain();
    await until(() => conn.pendingScans().length === 5, 'five requests in flight');
    assert.deepEqual(conn.scansSent().map((m) => m.scan_id), [1, 2, 3, 4, 5].map((i) => attempt(i).scan_id), 'in queue order');
    assert.deepEqual(conn.scansSent()[0], attempt(1), 'the original scan_id, at and offline verdict; no seq');
    assert.equal(store.queue.size, 5, 'nothing removed before an answer');
    const third = conn.pendingScans()[2];
    conn.answer(third, scanResult(third.message));
    await until(() => store.queue.size === 4, 'the answered attempt removed');
    assert.equal(store.queue.has(attempt(3).scan_id), false);
    const removalsBefore = store.removals;
    for (const entry of conn.pendingScans()) conn.answer(entry, scanResult(entry.message));
    await drained;
    assert.equal(store.queue.size, 0);
    assert.equal(store.removals - removalsBefore, 1, 'the answers of one turn removed in one transaction');
    assert.equal(answers.length, 5);
    assert.deepEqual(answers[0], [attempt(3).scan_id, 'ok']);
    const report = conn.sent.filter((m) => m.type === 'queue_report').at(-1);
    assert.deepEqual({ ...report, last_sync: typeof report.last_sync }, { type: 'queue_report', queued: 0, oldest_at: null, last_sync: 'number' }, 'reported after the batch');
    outbox.stop();
});

test('outbox: at most 64 in flight; each answer lets the next one go', async () => {
    const store = await queueOf(200);
    const conn = new FakeConnection();
    const outbox = new Outbox({ store, conn });
    const drained = outbox.drain();
    await until(() => conn.pendingScans().length === 64, '64 in flight');
    await tick();
    assert.equal(conn.scansSent().length, 64, 'no 65th before an answer');
    let most = 0;
    while (conn.pendingScans().length) {
        most = Math.max(most, conn.pendingScans().length);
        const [first] = conn.pendingScans();
        conn.answer(first, scanResult(first.message));
        for (let i = 0; i < 5; i++) await tick();
    }
    await drained;
    assert.equal(most, 64);
    assert.equal(conn.scansSent().length, 200, 'each sent once');
    assert.deepEqual(conn.scansSent().map((m) => m.scan_id), Array.from({ length: 200 }, (_, i) => attempt(i + 1).scan_id));
    assert.equal(store.queue.size, 0);
    outbox.stop();
});

test('outbox: resumes after a disconnect; the server applies every scan once, in order', async () => {
    const store = await queueOf(300);
    const applied = []; // scan_ids in the order the server decided them (first time only)
    const decided = new Set();
    let answerLost = 0;
    const conn = new FakeConnection((entry, c) => {
        const m = entry.message;
        if (m.type === 'queue_report') return c.answer(entry, { type: 'ok' });
        // The server decides in arrival order and dedupes by scan_id (a resend is "replayed").
        const replayed = decided.has(m.scan_id);
        if (!replayed) {
            decided.add(m.scan_id);
            applied.push(m.scan_id);
        }
        if (applied.length > 100 && answerLost < 20 && !replayed) {
            answerLost++; // decided and durable, but the answer is lost with the connection
            return;
        }
        setImmediate(() => c.pending.includes(entry) && c.answer(entry, { ...scanResult(m), replayed }));
    });
    const outbox = new Outbox({ store, conn, retryMs: 60000 }).start();
    const first = outbox.drain();
    await until(() => answerLost === 20, 'twenty answers lost');
    const inFlightAtDisconnect = new Set(conn.pendingScans().map((p) => p.message.scan_id));
    conn.disconnect();
    await first;
    assert.ok(store.queue.size >= 20, 'the unanswered attempts are kept');
    conn.reconnect();
    await until(() => store.queue.size === 0, 'the queue drained after the reconnect');
    assert.deepEqual(applied, Array.from({ length: 300 }, (_, i) => attempt(i + 1).scan_id), 'every scan once, in queue order');
    const sends = new Map();
    for (const m of conn.scansSent()) sends.set(m.scan_id, (sends.get(m.scan_id) || 0) + 1);
    const resent = [...sends].filter(([, n]) => n > 1).map(([id]) => id);
    assert.ok(resent.length >= 20, 'the unanswered ones were sent again with their scan_id');
    for (const id of resent) assert.ok(inFlightAtDisconnect.has(id), `${id} was resent although it had been answered`);
    assert.ok([...sends.values()].every((n) => n <= 2));
    outbox.stop();
});

test('outbox: a refusal for good is an answer; a server fault keeps the attempt for a retry', async () => {
    const store = await queueOf(3);
    let faults = 1;
    const conn = new FakeConnection((entry, c) => {
        const m = entry.message;
        if (m.type === 'queue_report') return c.answer(entry, { type: 'ok' });
        if (m.scan_id === attempt(2).scan_id) return c.fail(entry, 'bad_message');
        if (m.scan_id === attempt(3).scan_id && faults-- > 0) return c.fail(entry, 'internal');
        c.answer(entry, scanResult(m));
    });
    const refused = [];
    const outbox = new Outbox({ store, conn, retryMs: 10, onAnswer: (a, reply, err) => err && refused.push([a.scan_id, err.code]) });
    await outbox.drain();
    assert.deepEqual(refused, [[attempt(2).scan_id, 'bad_message']]);
    assert.deepEqual([...store.queue.keys()], [attempt(3).scan_id], 'kept after an internal error');
    await until(() => store.queue.size === 0, 'retried after retryMs');
    assert.equal(conn.scansSent().filter((m) => m.scan_id === attempt(3).scan_id).length, 2);
    outbox.stop();
});

test('outbox: an answer whose removal failed is sent again, not lost', async () => {
    const store = await queueOf(2);
    const remove = store.remove.bind(store);
    let failures = 1;
    store.remove = async (ids) => {
        if (failures-- > 0) throw new DOMException('disk full', 'QuotaExceededError');
        return remove(ids);
    };
    const conn = new FakeConnection((entry, c) => c.answer(entry, entry.message.type === 'queue_report' ? { type: 'ok' } : scanResult(entry.message)));
    const answered = [];
    const outbox = new Outbox({ store, conn, retryMs: 10, onAnswer: (a) => answered.push(a.scan_id) });
    await outbox.drain();
    assert.equal(store.queue.size, 2, 'kept: the removal failed');
    assert.deepEqual(answered, []);
    await until(() => store.queue.size === 0, 'sent again and removed');
    assert.deepEqual(answered, [attempt(1).scan_id, attempt(2).scan_id]);
    assert.equal(conn.scansSent().length, 4);
    outbox.stop();
});

test('outbox: add() stores before it sends, and reports the queue at most once a second', async () => {
    const store = new MemoryStore();
    const conn = new FakeConnection();
    conn.state = 'offline';
    const states = [];
    const outbox = new Outbox({ store, conn, onChange: (s) => states.push(s) }).start();
    await outbox.add(attempt(1), { id: 7, present: true });
    assert.equal(store.queue.size, 1, 'durable when add() resolves');
    assert.equal(store.roster.get(7).present, true, 'the cached attendee stored with it');
    assert.equal(conn.sent.length, 0, 'nothing sent while offline');
    await until(() => states.length > 0, 'onChange');
    assert.deepEqual(states.at(-1), { queued: 1, oldest_at: 1001 });
    conn.serve = (entry, c) => c.answer(entry, entry.message.type === 'queue_report' ? { type: 'ok' } : scanResult(entry.message));
    conn.reconnect();
    await until(() => store.queue.size === 0, 'sent after welcome');
    const reports = conn.sent.filter((m) => m.type === 'queue_report');
    assert.equal(reports[0].queued, 1, 'the welcome report');
    assert.equal(reports.length, 1, 'the batch report waits for the second to pass');
    await until(() => conn.sent.filter((m) => m.type === 'queue_report').length === 2, 'the report a second later', 3000);
    assert.equal(conn.sent.filter((m) => m.type === 'queue_report')[1].queued, 0);
    outbox.stop();
});

const person = (id, extra = {}) => ({ id, serial: 1, name: `P${id}`, organisation: '', category: 'member', vip: false, blocked: false, present: false, in_at: null, in_device: null, ...extra });

test('offline cache: pages then updates in arrival order end with the server\'s roster', async () => {
    const store = new MemoryStore();
    await store.apply({ meta: null, attendees: [person(1, { name: 'stale' }), person(99)] }); // 99: removed on the server
    const conn = new FakeConnection();
    const changes = [];
    const cache = await new OfflineCache({ store, conn, onChange: (c) => changes.push(c.serverTime) }).start();
    await until(() => conn.pending.length === 1, 'the first page asked for');
    assert.deepEqual(conn.sent[0], { type: 'offline_roster', after: 0 });
    const page = (attendees, next, serverTime) => ({
        type: 'offline_roster_page', event: { id: '0123456789abcdef', name: 'E', date: '2026-11-26' },
        verify_key: 'A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg', names: true, attendees, next, server_time: serverTime,
    });
    conn.answer(conn.pending[0], page([person(1), person(2)], 2, 100));
    await tick(); // each frame is its own task in a browser: the reply's continuation runs first
    // An update right after the first page: it follows the page in the stream.
    conn.emit('offline_update', { type: 'offline_update', attendees: [person(1, { present: true, in_at: 150, in_device: 'Door 2' }), person(5)], server_time: 150 });
    await until(() => conn.pending.length === 1, 'the second page asked for');
    assert.deepEqual(conn.sent[1], { type: 'offline_roster', after: 2 });
    conn.answer(conn.pending[0], page([person(3), person(4, { serial: 2 })], null, 200));
    await tick();
    conn.emit('offline_update', { type: 'offline_update', attendees: [person(2, { blocked: true })], server_time: 250 });
    await until(() => cache.loaded, 'the load finished');
    await cache.applied;
    assert.deepEqual([...store.roster.keys()].sort((a, b) => a - b), [1, 2, 3, 4, 5], '99 pruned; 5 (an update) kept');
    assert.equal(store.roster.get(1).present, true, 'the update after the page wins');
    assert.equal(store.roster.get(1).in_device, 'Door 2');
    assert.equal(store.roster.get(2).blocked, true);
    assert.equal(store.roster.get(4).serial, 2);
    assert.equal(store.metaRecord.server_time, 250);
    assert.equal(cache.eventId, '0123456789abcdef');
    assert.equal(cache.names, true);
    assert.equal(typeof cache.verify(), 'function');
    assert.equal((await cache.get(4)).serial, 2);
    assert.deepEqual(changes.slice(-2), [200, 250]);

    // A reload while the server is down judges from what the store holds.
    conn.disconnect();
    const reloaded = await new OfflineCache({ store, conn }).start();
    assert.equal(reloaded.eventId, '0123456789abcdef');
    assert.equal(reloaded.serverTime, 250);
    assert.equal((await reloaded.get(1)).present, true);
    assert.equal(typeof reloaded.verify(), 'function');
});

test('offline cache: a reconnect reloads; the older load stops', async () => {
    const store = new MemoryStore();
    const conn = new FakeConnection();
    const cache = await new OfflineCache({ store, conn }).start();
    await until(() => conn.pending.length === 1, 'the first load asked');
    const stale = conn.pending[0];
    conn.emit('welcome', {}); // reconnected: a new load starts
    await until(() => conn.pending.length === 2, 'the second load asked');
    const reply = (attendees) => ({ event: { id: 'aaaaaaaaaaaaaaaa' }, verify_key: null, names: false, attendees, next: null, server_time: 1 });
    conn.answer(conn.pending[1], reply([person(8)]));
    conn.answer(stale, reply([person(7)]));
    await until(() => cache.loaded, 'loaded');
    await cache.applied;
    assert.deepEqual([...store.roster.keys()], [8], 'the superseded load applied nothing');
    assert.equal(cache.names, false, 'names off: the organiser switch');
    assert.equal(cache.verify(), null, 'no key, no verifier');
});
