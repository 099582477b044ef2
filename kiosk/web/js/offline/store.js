// The door's offline state in IndexedDB (database `stagedoor-door`, one per origin), through
// the `idb` wrapper served at /vendor/idb.js:
//   meta   one record 'cache': {event, verify_key, names, server_time} of the last roster
//          page or update (DESIGN12 A2/A3)
//   roster offline attendees (DESIGN12 A1) by id
//   queue  attempts decided offline or not yet answered (the wire message without `id`, plus
//          `seq`), key scan_id, read in insertion order (index `seq`)
// A queued attempt is written with durability 'strict' and enqueue() resolves only once its
// transaction is complete, so what the door showed survives a killed tab or a power cut.
// Browser only (the node tests use in-memory fakes of this interface; tests/browser/
// offline_sw.test.mjs uses the real one).

import { openDB } from '../../vendor/idb.js';
import { searchPeople, searchText, SEARCH_LIMIT } from './fold.js';

export const DB_NAME = 'stagedoor-door';
const DB_VERSION = 1;
const META_KEY = 'cache';

/** Opens (creating on first use) the door's database `name`. */
export async function openDoorStore(name = DB_NAME) {
    const db = await openDB(name, DB_VERSION, {
        upgrade(database) {
            database.createObjectStore('meta');
            database.createObjectStore('roster', { keyPath: 'id' });
            database.createObjectStore('queue', { keyPath: 'scan_id' }).createIndex('seq', 'seq', { unique: true });
        },
    });
    return new DoorStore(db);
}

export class DoorStore {
    constructor(db) {
        this.db = db;
        this.texts = new Map(); // id -> {name, organisation, text}: folded once per version
    }

    close() {
        this.db.close();
    }

    // ---- cache ---------------------------------------------------------------------------------

    /** The meta record ({event, verify_key, names, server_time}), or null before the first page. */
    async meta() {
        return (await this.db.get('meta', META_KEY)) || null;
    }

    /**
     * Applies a roster page or update in one transaction: `meta` fields merged into the meta
     * record (another event's id first clears the roster), `attendees` upserted by id.
     * Transactions run in the order of the calls, so apply pages and updates in arrival order.
     */
    async apply({ meta = null, attendees = [] }) {
        const tx = this.db.transaction(['meta', 'roster'], 'readwrite');
        const roster = tx.objectStore('roster');
        if (meta) {
            const old = (await tx.objectStore('meta').get(META_KEY)) || {};
            if (meta.event && old.event && meta.event.id !== old.event.id) await roster.clear();
            await tx.objectStore('meta').put({ ...old, ...meta }, META_KEY);
        }
        await Promise.all([...attendees.map((a) => roster.put(a)), tx.done]);
    }

    /** Deletes every cached attendee whose id is not in `ids` (a Set): gone from the server's roster. */
    async retainOnly(ids) {
        const tx = this.db.transaction('roster', 'readwrite');
        const gone = (await tx.store.getAllKeys()).filter((id) => !ids.has(id));
        await Promise.all([...gone.map((id) => tx.store.delete(id)), tx.done]);
    }

    /** The cached attendee `id`, or undefined. */
    get(id) {
        return this.db.get('roster', id);
    }

    /**
     * Cached attendees matching `query` as the server's lookup does (fold.js), best first, each
     * with `arrived_at` (= in_at) for the help desk's presence line.
     */
    async search(query, limit = SEARCH_LIMIT) {
        const people = await this.db.getAll('roster');
        const found = searchPeople(people, query, { limit, textOf: (p) => this.textOf(p) });
        return found.map((p) => ({ ...p, arrived_at: p.in_at ?? null }));
    }

    textOf(person) {
        const known = this.texts.get(person.id);
        if (known && known.name === person.name && known.organisation === person.organisation) return known.text;
        const text = searchText(person.name, person.organisation);
        this.texts.set(person.id, { name: person.name, organisation: person.organisation, text });
        return text;
    }

    // ---- queue ---------------------------------------------------------------------------------

    /**
     * Queues `attempt` (a scan / checkin_manual / walk_in message without `id`, with scan_id)
     * and, in the same transaction, stores `attendee` (the cached attendee as the verdict left
     * it, judge.js attendeeAfter) when given. Resolves once durable. An attempt already queued
     * under its scan_id is kept as it was (a retry is the same attempt).
     */
    async enqueue(attempt, attendee = null) {
        const tx = this.db.transaction(['queue', 'roster'], 'readwrite', { durability: 'strict' });
        const queue = tx.objectStore('queue');
        if (!(await queue.getKey(attempt.scan_id))) {
            const last = await queue.index('seq').openCursor(null, 'prev');
            await queue.add({ ...attempt, seq: last ? last.value.seq + 1 : 1 });
            if (attendee) await tx.objectStore('roster').put(attendee);
        }
        await tx.done;
    }

    /** Every queued attempt, oldest first (each with its `seq`). */
    queued() {
        return this.db.getAllFromIndex('queue', 'seq');
    }

    /** Removes the attempts `scanIds` (one scan_id or an array; once the server has answered them). */
    async remove(scanIds) {
        const tx = this.db.transaction('queue', 'readwrite');
        await Promise.all([...[scanIds].flat().map((id) => tx.store.delete(id)), tx.done]);
    }

    /** {queued, oldest_at}: the queue's length and its oldest attempt's `at` (null when empty). */
    async queueState() {
        const tx = this.db.transaction('queue');
        const [queued, first] = await Promise.all([tx.store.count(), tx.store.index('seq').openCursor()]);
        return { queued, oldest_at: first?.value.at ?? null };
    }
}
