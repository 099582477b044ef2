// How well each stage display keeps the server's clock: the `displays` list of /moderator and
// /dashboard. Pure classification and wording first (tests/js/display_health.test.mjs), then
// the view components.

import { fill, h } from '../dom.js';
import { formatMs, secondsSince } from '../format.js';
import { t } from '../i18n.js';

/** Sync health of a `displays` entry: good | fair | bad | none (no report yet) | offline. */
export function displayHealth(d) {
    if (!d.connected) return 'offline';
    if (d.delay_ms === null || d.delay_ms === undefined || d.sample_age_ms === null || d.sample_age_ms === undefined) return 'none';
    if (d.delay_ms <= 100 && d.sample_age_ms <= 30000) return 'good';
    if (d.delay_ms <= 300 && d.sample_age_ms <= 60000) return 'fair';
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

// ---- view components ------------------------------------------------------------------------

/** The coloured health tag: "● good", "○ offline". */
export function healthTag(health) {
    const look = healthLook(health);
    return h(`span.tag.${look.cls}`, `${look.mark} ${healthWord(health)}`);
}

/** One line per display, for the dashboard card: tag, name, role and figures in one run. */
function compactRow(d) {
    const health = displayHealth(d);
    const figures = hasSyncReport(health) ? syncFigures(d) : null;
    return h('li', healthTag(health), ' ', h('b', d.device),
        h('span.muted', ` · ${t(`role.${d.role}`)}${figures ? ` · ${figures.offset} · ${figures.delay}` : ''}`));
}

/** One grid row per display, for the moderator: figures in columns, age of the last report. */
function detailedRow(d, now) {
    const health = displayHealth(d);
    const figures = hasSyncReport(health) ? syncFigures(d) : null;
    return h('li.display', { dataset: { device: d.device, health } },
        healthTag(health),
        h('b', d.device), h('span.muted', t(`role.${d.role}`)),
        figures ? [
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
        : displays.map((d) => (detailed ? detailedRow(d, now) : compactRow(d))));
}
