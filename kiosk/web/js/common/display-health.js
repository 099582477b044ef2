// How well each stage display keeps the server's clock: the `displays` list of /moderator and
// /dashboard. Pure classification and wording first (tests/js/display_health.test.mjs), then
// the view components.

import { fill, h } from '../dom.js';
import { formatMs, secondsSince } from '../format.js';
import { t } from '../i18n.js';

/** The relative drift assumed between a display's clock and the server's (100 ppm: two quartz clocks). */
export const CLOCK_DRIFT = 1e-4;
/** Largest estimated offset error (ms) that counts as in sync, and as imprecise. */
export const GOOD_ERROR_MS = 50;
export const FAIR_ERROR_MS = 150;

/**
 * The estimated error (ms) of a display's clock offset, or null without a report: half the
 * best sample's round trip (the most the path asymmetry can hide, PROTOCOL.md 4.2) plus the
 * drift since that sample was taken, counted up to `now` (server ms) when given. A raw offset
 * says nothing about accuracy (0 ms is what a perfect and a broken estimate both may show).
 */
export function offsetError(d, now) {
    if (d.delay_ms === null || d.delay_ms === undefined || d.sample_age_ms === null || d.sample_age_ms === undefined) return null;
    const sinceReport = now && d.last_report ? Math.max(0, now - d.last_report) : 0;
    return d.delay_ms / 2 + CLOCK_DRIFT * (d.sample_age_ms + sinceReport);
}

/** Sync health of a `displays` entry at server time `now` (optional): good | fair | bad | none (no report yet) | offline. */
export function displayHealth(d, now) {
    if (!d.connected) return 'offline';
    const error = offsetError(d, now);
    if (error === null) return 'none';
    if (error <= GOOD_ERROR_MS) return 'good';
    if (error <= FAIR_ERROR_MS) return 'fair';
    return 'bad';
}

/** True when the health comes from a sync report, so offset and delay mean something. */
export function hasSyncReport(health) {
    return health !== 'none' && health !== 'offline';
}

/** The tag's look for a health: {cls: tag class, mark: the symbol before the word}. */
export function healthLook(health) {
    const [cls, mark] = { good: ['tag-ok', '●'], fair: ['tag-warn', '◐'], bad: ['tag-err', '◐'], none: ['tag-muted', '○'], offline: ['tag-err', '○'] }[health];
    return { cls, mark };
}

/** The health in words, in the current language. */
export function healthWord(health) {
    if (health === 'offline') return t('conn.offline');
    if (health === 'none') return t('sync.noReport');
    return t(`sync.${health}`);
}

/** The reported figures in words: {offset: "Offset +12 ms", delay: "Delay 40 ms"}. */
export function syncFigures(d) {
    return { offset: `${t('sync.offset')} ${formatMs(d.offset_ms)}`, delay: `${t('sync.delay')} ${Math.round(d.delay_ms)} ms` };
}

/** The estimated offset error in words: "Accuracy ±3 ms" (null without a report). */
export function errorFigure(d, now) {
    const error = offsetError(d, now);
    return error === null ? null : `${t('sync.error')} ±${Math.ceil(error)} ms`;
}

// ---- view components ------------------------------------------------------------------------

/** The coloured health tag: "● good", "○ offline". */
export function healthTag(health) {
    const look = healthLook(health);
    return h(`span.tag.${look.cls}`, `${look.mark} ${healthWord(health)}`);
}

/** One line per display, for the dashboard card: tag, name, role and figures in one run. */
function compactRow(d, now) {
    const health = displayHealth(d, now);
    const figures = hasSyncReport(health) ? syncFigures(d) : null;
    return h('li', healthTag(health), ' ', h('b', d.device),
        h('span.muted', ` · ${t(`role.${d.role}`)}${figures ? ` · ${errorFigure(d, now)} · ${figures.offset} · ${figures.delay}` : ''}`));
}

/** One grid row per display, for the moderator: figures in columns, age of the last report. */
function detailedRow(d, now) {
    const health = displayHealth(d, now);
    const figures = hasSyncReport(health) ? syncFigures(d) : null;
    return h('li.display', { dataset: { device: d.device, health } },
        healthTag(health),
        h('b', d.device), h('span.muted', t(`role.${d.role}`)),
        figures ? [
            h('span.num', errorFigure(d, now)),
            h('span.num', figures.offset),
            h('span.num', figures.delay),
            h('span.muted.num', d.last_report ? t('mod.ago', { s: secondsSince(d.last_report, now) }) : ''),
        ] : null);
}

/**
 * Fills the list element with the displays (or "no displays"). detailed: the moderator's grid
 * rows with the age of each report at server time `now`; otherwise the dashboard's one-liners.
 */
export function renderDisplayList(list, displays, { detailed = false, now = 0 } = {}) {
    fill(list, displays.length === 0 ? h('li.empty', t('mod.noDisplays'))
        : displays.map((d) => (detailed ? detailedRow(d, now) : compactRow(d, now))));
}
