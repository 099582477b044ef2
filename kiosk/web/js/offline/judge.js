// An offline door's verdict, from its own knowledge (the cached roster, event id and verify
// key), in the order of PROTOCOL 6.5 and with the server's wording; the shape of a
// `scan_result` marked `offline:true` (tests/js/offline_judge.test.mjs). The server judges the
// queued attempt again when it syncs (DESIGN12 A4): this verdict is what the door showed.

import { parseToken } from './badge.js';

const EXCERPT_CHARS = 200; // as the server's payload_excerpt

/** Thrown when the door has no cache yet (never online since install): it cannot judge. */
export class NoOfflineCache extends Error {
    constructor() {
        super('no offline cache: this door has not been online yet');
        this.code = 'no_cache';
    }
}

/** The 5.1 attendee object a verdict shows for an offline attendee (no sector offline). */
export function attendeeOf(a) {
    return { id: a.id, name: a.name, organisation: a.organisation, category: a.category, vip: a.vip };
}

function verdict(result, direction, method, { attendee = null, reason, ...extra }) {
    return { result, direction, method, attendee: attendee && attendeeOf(attendee), reason, offline: true, ...extra };
}

/** ok / already_in / not_in for a current badge or a help-desk pick of `a`. */
function admission(a, direction, method) {
    if (direction === 'out') {
        return a.present
            ? verdict('ok', direction, method, { attendee: a, reason: 'Checked out' })
            : verdict('not_in', direction, method, { attendee: a, reason: 'Not checked in, so cannot check out' });
    }
    if (!a.present) return verdict('ok', direction, method, { attendee: a, reason: 'Checked in' });
    const firstEntry = a.in_at != null ? { at: a.in_at, device: a.in_device || '' } : null;
    return verdict('already_in', direction, method, {
        attendee: a,
        reason: firstEntry?.device ? `Already checked in (at ${firstEntry.device})` : 'Already checked in',
        ...(firstEntry ? { first_entry: firstEntry } : {}),
    });
}

const REPLACED = 'Badge was replaced by a newer one: ask for the current badge';
const BLOCKED = 'Admission blocked for this person: send to the help desk';

/**
 * The verdict for a scanned `payload` at direction `in` | `out`. `cache`: {eventId, get(id)
 * -> offline attendee (A1) or undefined, sync or async}; `verify`: async (signedText,
 * signature) => bool (badge.js makeVerifier). Order: malformed, wrong_event, bad_signature,
 * unknown_badge (no such attendee, no badge issued, or a serial newer than the current one),
 * revoked (an older serial, or blocked), then ok / already_in (with first_entry) / not_in.
 * Throws NoOfflineCache without an event id.
 */
export async function judgeOffline({ payload, direction, cache, verify }) {
    if (!cache?.eventId) throw new NoOfflineCache();
    const token = parseToken(payload);
    if (token.error) {
        const text = String(payload ?? '');
        return verdict('malformed', direction, 'scan', {
            reason: text ? 'Not a stagedoor badge' : 'Nothing readable was scanned',
            payload_excerpt: Array.from(text).slice(0, EXCERPT_CHARS).join(''),
        });
    }
    if (token.eventId !== cache.eventId) return verdict('wrong_event', direction, 'scan', { reason: 'Badge is for a different event' });
    if (!(await verify(token.signedText, token.signature))) {
        return verdict('bad_signature', direction, 'scan', { reason: 'Badge signature is invalid (forged or damaged)' });
    }
    const a = await cache.get(token.attendeeId);
    if (!a || !a.serial || token.serial > a.serial) {
        return verdict('unknown_badge', direction, 'scan', { reason: 'Badge is not on the guest list' });
    }
    if (token.serial < a.serial) return verdict('revoked', direction, 'scan', { attendee: a, reason: REPLACED });
    if (a.blocked) return verdict('revoked', direction, 'scan', { attendee: a, reason: BLOCKED });
    return admission(a, direction, 'scan');
}

/** The verdict for a help-desk check-in (`checkin_manual`) of attendee `attendeeId`, as the server's. */
export async function judgeManualOffline({ attendeeId, direction, cache }) {
    if (!cache?.eventId) throw new NoOfflineCache();
    const a = await cache.get(attendeeId);
    if (!a) return verdict('unknown_badge', direction, 'manual', { reason: 'No attendee with this id' });
    if (a.blocked) return verdict('revoked', direction, 'manual', { attendee: a, reason: BLOCKED });
    return admission(a, direction, 'manual');
}

/**
 * The cached attendee after a verdict the door showed for it at `at` on `device`: inside after
 * an admission, outside after an exit; null when the verdict changed nothing. The door stores it
 * with the queued attempt, so a second scan offline is `already_in`.
 */
export function attendeeAfter(a, result, { direction, at, device }) {
    if (!a || result !== 'ok') return null;
    return direction === 'out'
        ? { ...a, present: false, in_at: null, in_device: null }
        : { ...a, present: true, in_at: at, in_device: device };
}
