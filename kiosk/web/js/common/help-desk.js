// The help desk of /door and /dashboard: find a person by name, check them in or out by hand,
// register a walk-in. Pure request building and wording first (tests/js/help_desk.test.mjs),
// then the lookup hook, then the view component.

import { fill, h, setText } from '../dom.js';
import { newScanId } from './ids.js';
import { formatTimeOfDay } from '../format.js';
import { errorText, t } from '../i18n.js';
import { icon } from '../icons.js';

const MIN_QUERY_LENGTH = 2; // one letter matches half the roster
const MAX_QUERY_LENGTH = 100; // the server's limit for lookup.query
const SEARCH_DEBOUNCE_MS = 120; // typing pauses shorter than this are one search

/** The `lookup` request for a search box's text, or null when it is too short to search. */
export function lookupMessage(text) {
    const query = text.trim();
    if (query.length < MIN_QUERY_LENGTH) return null;
    return { type: 'lookup', query: query.slice(0, MAX_QUERY_LENGTH) };
}

/** The status line under a search box with `text` that is too short to search. */
export function shortQueryStatus(text) {
    return text.trim() ? t('help.typeMore') : '';
}

/** The status line above `count` search results. */
export function resultCountStatus(count) {
    return count ? t('help.found', { n: count }) : t('help.none');
}

/** Where a looked-up attendee is: present | left (came and went) | not_arrived. */
export function presenceOf(attendee) {
    if (attendee.present) return 'present';
    return attendee.arrived_at ? 'left' : 'not_arrived';
}

/** The presence line of a search result: "here since 09:12", "left", "not arrived yet". */
export function presenceText(attendee) {
    switch (presenceOf(attendee)) {
    case 'present': return t('help.presentSince', { time: formatTimeOfDay(attendee.arrived_at) });
    case 'left': return t('help.left');
    default: return t('help.notArrived');
    }
}

// SVG icons (icons.js), not glyphs: kiosk fonts lack many symbols.
const PRESENCE_ICONS = { present: 'check', left: 'arrowLeft', not_arrived: 'circle' };

/** The icon name shown before presenceText(attendee). */
export function presenceIcon(attendee) {
    return PRESENCE_ICONS[presenceOf(attendee)];
}

/** Organisation · category (· sector) of a search result, the empty parts left out. */
export function resultDetail(attendee, { withSector = false } = {}) {
    const parts = [attendee.organisation, t(`category.${attendee.category}`)];
    if (withSector) parts.push(attendee.sector);
    return parts.filter(Boolean).join(' · ');
}

/** The `checkin_manual` request: `direction` in | out, a fresh scan_id, local time `at`. */
export function manualCheckinMessage(attendee, direction, scanId, at) {
    return { type: 'checkin_manual', attendee_id: attendee.id, direction, scan_id: scanId, at };
}

/** The `walk_in` request from the walk-in form's fields (trimmed; empty optional ones left out). */
export function walkInMessage(fields, scanId, at) {
    const msg = { type: 'walk_in', name: (fields.name || '').trim(), category: fields.category, scan_id: scanId, at };
    for (const f of ['organisation', 'sector', 'email']) if (fields[f]?.trim()) msg[f] = fields[f].trim();
    return msg;
}

// ---- data hook ------------------------------------------------------------------------------

/**
 * Lookups where only the newest counts: lookup(message) resolves to the attendees, or to null
 * when a newer lookup (or cancel()) came meanwhile; it rejects only with the newest one's error.
 */
export function latestLookup(conn) {
    let seq = 0;
    return {
        cancel: () => { ++seq; },
        async lookup(message) {
            const mine = ++seq;
            try {
                const reply = await conn.request(message);
                return mine === seq ? reply.attendees : null;
            } catch (err) {
                if (mine === seq) throw err;
                return null;
            }
        },
    };
}

// ---- view component -------------------------------------------------------------------------

const VIP_MARKS = {
    chip: () => h('span.chip.vip', icon('star'), ` ${t('chip.vip')}`), // /door: a chip as on the verdict
    star: () => h('span.vip-star', ' ', icon('star'), ` ${t('chip.vip')}`), // /dashboard: a star as in the feed
};

function resultRow(attendee, { vipMark, withSector, checkIn }) {
    const present = attendee.present;
    return h('li.result',
        h('div.result-main',
            h('div.result-name', attendee.name, attendee.vip ? VIP_MARKS[vipMark]() : null),
            h('div.result-org.muted', resultDetail(attendee, { withSector })),
            h(present ? 'span.tag.tag-ok' : 'span.tag.tag-muted', icon(presenceIcon(attendee)), ` ${presenceText(attendee)}`)),
        present
            ? h('button.btn', { type: 'button', on: { click: () => checkIn(attendee, 'out') } }, icon('arrowLeft'), ` ${t('help.checkOut')}`)
            : h('button.btn.btn-ok', { type: 'button', on: { click: () => checkIn(attendee, 'in') } }, icon('check'), ` ${t('help.checkIn')}`));
}

/**
 * Wires a name search to its elements: `input` (search box), `status` (line under it), `list`
 * (results). Each result offers check-in or check-out; the reply goes to onCheckedIn(reply,
 * attendee, direction), a failure to onError(err), and the search runs again.
 * Options: vipMark 'chip' | 'star', withSector (show the sector), showSearching (say
 * "searching…" while a lookup is on its way). The offline door replaces the server's parts:
 * lookup(message, serverLookup) resolves to {attendees, note} (note(): a line before the
 * count; an error's `text` is shown as it is), checkIn(attendee, direction, serverCheckIn) to a reply.
 * Returns {search(): re-run now, render(): redraw in the current language, results}.
 */
export function helpDesk({
    conn, input, status, list, onCheckedIn, onError, vipMark = 'chip', withSector = false, showSearching = false,
    lookup = async (message, serverLookup) => ({ attendees: await serverLookup(message) }),
    checkIn: checkInVia = (attendee, direction, serverCheckIn) => serverCheckIn(),
}) {
    const lookups = latestLookup(conn);
    let seq = 0; // only the newest search shows its results
    let results = null;
    let note = null; // () => text, in the current language
    let timer = null;

    async function search() {
        const message = lookupMessage(input.value);
        const mine = ++seq;
        if (!message) {
            lookups.cancel();
            results = null;
            fill(list);
            setText(status, shortQueryStatus(input.value));
            return;
        }
        if (showSearching) setText(status, t('help.searching'));
        try {
            const found = await lookup(message, (m) => lookups.lookup(m));
            if (found.attendees === null || mine !== seq) return; // a newer search is on its way
            results = found.attendees;
            note = found.note || null;
            render();
        } catch (err) {
            if (mine !== seq) return;
            results = null;
            fill(list);
            setText(status, `⚠ ${err.text || errorText(err)}`);
        }
    }

    function render() {
        if (!results) return;
        setText(status, note ? `${note()} · ${resultCountStatus(results.length)}` : resultCountStatus(results.length));
        fill(list, results.map((a) => resultRow(a, { vipMark, withSector, checkIn })));
    }

    async function checkIn(attendee, direction) {
        let reply;
        try {
            const serverCheckIn = () => conn.request(manualCheckinMessage(attendee, direction, newScanId(), Date.now()));
            reply = await checkInVia(attendee, direction, serverCheckIn);
        } catch (err) {
            onError(err);
            return;
        }
        onCheckedIn(reply, attendee, direction);
        search();
    }

    input.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(search, SEARCH_DEBOUNCE_MS);
    });
    return { search, render, get results() { return results; } };
}
