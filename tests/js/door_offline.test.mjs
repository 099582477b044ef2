// The door's offline side (kiosk/web/js/door-offline.js): when it counts as offline, provisional
// walk-in numbers, issue 14's resend list taken into the queue, and OfflineDoor deciding,
// queueing before it answers, and undoing a queued attempt, over an in-memory store.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DoorMode, LEGACY_RESEND_KEY, OfflineDoor, legacyAttempts, provisionalNumber, undecided } from '../../kiosk/web/js/door-offline.js';
import { EVENT_ID, makeToken, publicKey } from './offline_tokens.mjs';

test('door mode: offline while disconnected or after an unanswered request, until the next frame', () => {
    const mode = new DoorMode();
    assert.equal(mode.mode({ connected: true, lastMessageAt: 1000 }), 'online');
    assert.equal(mode.mode({ connected: false, lastMessageAt: 1000 }), 'offline', 'the socket is down');
    mode.noAnswer(5000);
    assert.equal(mode.mode({ connected: true, lastMessageAt: 4000 }), 'offline', 'no frame since the request went unanswered');
    mode.noAnswer(6000); // a second late answer does not move the start of the stall
    assert.equal(mode.mode({ connected: true, lastMessageAt: 5500 }), 'online', 'a frame after the stall began: back online');
    assert.equal(mode.mode({ connected: true, lastMessageAt: 5500 }), 'online');
});

test('door mode: provisional walk-in numbers are P- and four digits, the same for a retry', () => {
    const id = '3b241101-e2bb-4255-8caf-4136c566a962';
    assert.match(provisionalNumber(id), /^P-\d{4}$/);
    assert.equal(provisionalNumber(id), provisionalNumber(id));
    assert.equal(provisionalNumber('00000000-0000-4000-8000-000000000000'), 'P-0000');
    assert.notEqual(provisionalNumber(id), provisionalNumber('3b241102-e2bb-4255-8caf-4136c566a962'));
});

test('door mode: the old resend list becomes undecided queue attempts', () => {
    const text = JSON.stringify([
        { scan_id: 'a', payload: 'SD1.x', direction: 'out', at: 5 },
        { scan_id: 'b', payload: 'SD1.y', direction: 'in', at: 6, late: true },
        { payload: 'no id' },
    ]);
    assert.deepEqual(legacyAttempts(text), [
        { type: 'scan', scan_id: 'a', payload: 'SD1.x', direction: 'out', at: 5 },
        { type: 'scan', scan_id: 'b', payload: 'SD1.y', direction: 'in', at: 6 },
    ]);
    assert.deepEqual(legacyAttempts('{broken'), []);
    assert.deepEqual(legacyAttempts('{"a":1}'), []);
    assert.equal(undecided(legacyAttempts(text)[0]), true);
    assert.equal(undecided({ offline: 'ok' }), false);
});

/** The DoorStore interface in memory, with a log of what became durable when. */
class MemoryStore {
    constructor(attendees) {
        this.record = { event: { id: EVENT_ID }, verify_key: Buffer.from(publicKey()).toString('base64url'), names: true, server_time: 1000 };
        this.roster = new Map(attendees.map((a) => [a.id, a]));
        this.queue = [];
        this.log = [];
    }
    async meta() { return this.record; }
    async apply({ attendees }) { for (const a of attendees) this.roster.set(a.id, a); }
    async retainOnly() {}
    async get(id) { return this.roster.get(id); }
    async enqueue(attempt, attendee) {
        await new Promise((resolve) => setTimeout(resolve, 5)); // a transaction takes a while
        if (!this.queue.some((a) => a.scan_id === attempt.scan_id)) this.queue.push(attempt);
        if (attendee) this.roster.set(attendee.id, attendee);
        this.log.push(`durable ${attempt.scan_id}`);
    }
    async queued() { return [...this.queue]; }
    async remove(scanId) { this.queue = this.queue.filter((a) => a.scan_id !== scanId); }
    async queueState() { return { queued: this.queue.length, oldest_at: this.queue[0]?.at ?? null }; }
    async search(query) { return [...this.roster.values()].filter((a) => a.name.includes(query)); }
}

/** A connection that is down: nothing is uploaded. */
const downConnection = { state: 'offline', on: () => () => {}, request: () => Promise.reject(Object.assign(new Error('offline'), { code: 'offline' })) };

async function offlineDoor(storage) {
    const store = new MemoryStore([
        { id: 1, serial: 1, name: 'Jana Köhler', organisation: 'TU Dresden', category: 'member', vip: false, blocked: false, present: false, in_at: null, in_device: null },
        { id: 2, serial: 2, name: 'Tom Richter', organisation: '', category: 'press', vip: false, blocked: false, present: false, in_at: null, in_device: null },
    ]);
    const door = new OfflineDoor({ store, conn: downConnection, device: () => 'Door 1', onAnswer: () => {}, onChange: () => {} });
    await door.migrate(storage);
    await door.cache.start();
    door.outbox.start();
    return { door, store };
}

test('offline door: a verdict is queued durably before it is returned; a second scan is already_in', async () => {
    const { door, store } = await offlineDoor(null);
    assert.equal(door.ready, true);
    const scan = { scan_id: 's1', payload: makeToken({ attendeeId: 1 }), direction: 'in', at: 7000 };
    const verdict = await door.decideScan(scan);
    store.log.push('returned s1');
    assert.deepEqual(store.log, ['durable s1', 'returned s1'], 'in the queue before the door may show green');
    assert.equal(verdict.result, 'ok');
    assert.equal(verdict.offline, true);
    assert.equal(verdict.scan_id, 's1');
    assert.equal(store.queue[0].offline, 'ok', 'the attempt carries the verdict shown');
    assert.equal(store.queue[0].at, 7000);
    const again = await door.decideScan({ scan_id: 's2', payload: makeToken({ attendeeId: 1 }), direction: 'in', at: 8000 });
    assert.equal(again.result, 'already_in');
    assert.deepEqual(again.first_entry, { at: 7000, device: 'Door 1' });
    const revoked = await door.decideScan({ scan_id: 's3', payload: makeToken({ attendeeId: 2, serial: 1 }), direction: 'in', at: 9000 });
    assert.equal(revoked.result, 'revoked');
    assert.deepEqual(store.queue.map((a) => [a.scan_id, a.offline]), [['s1', 'ok'], ['s2', 'already_in'], ['s3', 'revoked']]);
});

test('offline door: undo takes a queued admission back out and the list forgets it', async () => {
    const { door, store } = await offlineDoor(null);
    const verdict = await door.decideScan({ scan_id: 's1', payload: makeToken({ attendeeId: 1 }), direction: 'in', at: 7000 });
    assert.equal((await store.get(1)).present, true);
    assert.equal(await door.unqueue('s1', verdict.before), true);
    assert.deepEqual(store.queue, []);
    assert.equal((await store.get(1)).present, false, 'the person is outside again');
    assert.equal(await door.unqueue('s1', verdict.before), false, 'gone already');
    const manual = await door.decideManual({ id: 2 }, 'in');
    assert.equal(manual.result, 'ok');
    assert.equal(manual.method, 'manual');
    assert.deepEqual(Object.keys(store.queue[0]).sort(), ['at', 'attendee_id', 'direction', 'offline', 'scan_id', 'type']);
    assert.equal(store.queue[0].type, 'checkin_manual');
});

test('offline door: the old localStorage resend list moves into the queue once', async () => {
    const items = new Map([[LEGACY_RESEND_KEY, JSON.stringify([{ scan_id: 'old-1', payload: 'SD1.x', direction: 'in', at: 5 }])]]);
    const storage = { getItem: (k) => (items.has(k) ? items.get(k) : null), removeItem: (k) => items.delete(k) };
    const { store } = await offlineDoor(storage);
    assert.deepEqual(store.queue.map((a) => a.scan_id), ['old-1']);
    assert.equal(undecided(store.queue[0]), true, 'sent again without an offline verdict');
    assert.equal(items.has(LEGACY_RESEND_KEY), false, 'the list is gone');
    const second = await offlineDoor(storage);
    assert.deepEqual(second.store.queue, [], 'nothing to take the second time');
});

test('offline door: only the wire fields are queued (the page\'s own marks stay on the page)', async () => {
    const { door, store } = await offlineDoor(null);
    await door.queueUndecided({ scan_id: 'u1', payload: 'SD1.x', direction: 'in', at: 5, late: true });
    assert.deepEqual(store.queue, [{ type: 'scan', scan_id: 'u1', payload: 'SD1.x', direction: 'in', at: 5 }]);
    await door.decideScan({ scan_id: 'd1', payload: makeToken({ attendeeId: 1 }), direction: 'in', at: 6, late: true });
    assert.deepEqual(Object.keys(store.queue[1]).sort(), ['at', 'direction', 'offline', 'payload', 'scan_id', 'type']);
});
