// The offline door's verdicts (kiosk/web/js/offline/judge.js): every result of PROTOCOL 6.5 in
// its order, from the cached roster, with real signatures.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { makeVerifier } from '../../kiosk/web/js/offline/badge.js';
import { attendeeAfter, judgeManualOffline, judgeOffline } from '../../kiosk/web/js/offline/judge.js';
import { EVENT_ID, makeToken, publicKey } from './offline_tokens.mjs';

const IN_AT = 1764158400123;
const roster = new Map([
    [1, { id: 1, serial: 1, name: 'Jana Köhler', organisation: 'TU Dresden', category: 'member', vip: false, blocked: false, present: false, in_at: null, in_device: null }],
    [2, { id: 2, serial: 3, name: 'Klaus Weber', organisation: 'Stadtwerke', category: 'speaker', vip: true, blocked: false, present: true, in_at: IN_AT, in_device: 'Door 2 #7' }],
    [3, { id: 3, serial: 1, name: 'Tom Richter', organisation: 'Zeitung', category: 'press', vip: false, blocked: true, present: false, in_at: null, in_device: null }],
    [4, { id: 4, serial: 0, name: 'No Badge', organisation: '', category: 'guest', vip: false, blocked: false, present: false, in_at: null, in_device: null }],
]);
// get() may be async (IndexedDB): the judge awaits it.
const cache = { eventId: EVENT_ID, get: async (id) => roster.get(id) };
const verify = makeVerifier(publicKey());
const judge = (payload, direction = 'in') => judgeOffline({ payload, direction, cache, verify });

test('judge: a current badge is ok in, already_in with first_entry, ok out and not_in out', async () => {
    const ok = await judge(makeToken({ attendeeId: 1 }));
    assert.deepEqual(ok, {
        result: 'ok', direction: 'in', method: 'scan', offline: true, reason: 'Checked in',
        attendee: { id: 1, name: 'Jana Köhler', organisation: 'TU Dresden', category: 'member', vip: false },
    });
    const again = await judge(`${makeToken({ attendeeId: 2, serial: 3 })}\r\n`);
    assert.equal(again.result, 'already_in');
    assert.deepEqual(again.first_entry, { at: IN_AT, device: 'Door 2 #7' });
    assert.equal(again.reason, 'Already checked in (at Door 2 #7)');
    assert.equal(again.attendee.vip, true);
    const out = await judge(makeToken({ attendeeId: 2, serial: 3 }), 'out');
    assert.equal(out.result, 'ok');
    assert.equal(out.direction, 'out');
    assert.equal(out.reason, 'Checked out');
    const notIn = await judge(makeToken({ attendeeId: 1 }), 'out');
    assert.equal(notIn.result, 'not_in');
    assert.equal(notIn.attendee.id, 1);
});

test('judge: refusals in the order of 6.5', async () => {
    const result = async (payload, direction) => (await judge(payload, direction)).result;
    const malformed = await judge('https://example.org/ticket?id=1');
    assert.equal(malformed.result, 'malformed');
    assert.equal(malformed.attendee, null);
    assert.equal(malformed.payload_excerpt, 'https://example.org/ticket?id=1');
    assert.equal((await judge('ä'.repeat(300))).payload_excerpt, 'ä'.repeat(200), 'at most 200 characters');
    assert.equal((await judge('')).reason, 'Nothing readable was scanned');
    // wrong_event comes before the signature: another event signs with its own key
    const otherEvent = makeToken({ eventId: 'fedcba9876543210', attendeeId: 1, seedHex: '22'.repeat(32) });
    assert.equal(await result(otherEvent), 'wrong_event');
    const forged = makeToken({ attendeeId: 1, seedHex: '33'.repeat(32) });
    const badSignature = await judge(forged);
    assert.equal(badSignature.result, 'bad_signature');
    assert.equal(badSignature.attendee, null, 'nothing of a forged payload is echoed');
    // a forged badge of an unknown attendee is bad_signature, not unknown_badge
    assert.equal(await result(makeToken({ attendeeId: 99, seedHex: '33'.repeat(32) })), 'bad_signature');
    assert.equal(await result(makeToken({ attendeeId: 99 })), 'unknown_badge', 'no such attendee');
    assert.equal(await result(makeToken({ attendeeId: 4 })), 'unknown_badge', 'no badge issued');
    assert.equal(await result(makeToken({ attendeeId: 2, serial: 4 })), 'unknown_badge', 'a serial newer than the current one');
    const replaced = await judge(makeToken({ attendeeId: 2, serial: 2 }));
    assert.equal(replaced.result, 'revoked', 'an older serial after a reissue');
    assert.equal(replaced.attendee.name, 'Klaus Weber');
    assert.match(replaced.reason, /replaced/);
    const blocked = await judge(makeToken({ attendeeId: 3 }));
    assert.equal(blocked.result, 'revoked', 'blocked');
    assert.match(blocked.reason, /blocked/);
    assert.equal(await result(makeToken({ attendeeId: 3 }), 'out'), 'revoked', 'blocked for exits too');
    for (const v of [malformed, badSignature, replaced, blocked]) assert.equal(v.offline, true);
});

test('judge: a help-desk check-in offline, and no verdict without a cache', async () => {
    assert.equal((await judgeManualOffline({ attendeeId: 1, direction: 'in', cache })).result, 'ok');
    assert.equal((await judgeManualOffline({ attendeeId: 2, direction: 'in', cache })).result, 'already_in');
    assert.equal((await judgeManualOffline({ attendeeId: 3, direction: 'in', cache })).result, 'revoked');
    const unknown = await judgeManualOffline({ attendeeId: 99, direction: 'in', cache });
    assert.deepEqual([unknown.result, unknown.method, unknown.reason], ['unknown_badge', 'manual', 'No attendee with this id']);
    await assert.rejects(judgeOffline({ payload: 'x', direction: 'in', cache: { get: () => undefined }, verify }), { code: 'no_cache' });
});

test('judge: the cached attendee after a verdict, so a second scan is already_in', async () => {
    const jana = roster.get(1);
    const inside = attendeeAfter(jana, 'ok', { direction: 'in', at: 5, device: 'Door 1' });
    assert.deepEqual([inside.present, inside.in_at, inside.in_device], [true, 5, 'Door 1']);
    assert.equal(jana.present, false, 'the cached object is not changed in place');
    const second = await judgeOffline({ payload: makeToken({ attendeeId: 1 }), direction: 'in', cache: { eventId: EVENT_ID, get: () => inside }, verify });
    assert.equal(second.result, 'already_in');
    assert.deepEqual(second.first_entry, { at: 5, device: 'Door 1' });
    const left = attendeeAfter(inside, 'ok', { direction: 'out', at: 6, device: 'Door 1' });
    assert.deepEqual([left.present, left.in_at, left.in_device], [false, null, null]);
    assert.equal(attendeeAfter(jana, 'already_in', { direction: 'in', at: 7, device: 'Door 1' }), null);
});
