// The dashboard's "Offline conflicts" panel: admissions decided offline that the server found
// in conflict (the same badge admitted at two doors, or a badge revoked meanwhile). From the
// attendance snapshot's `conflicts` and the `offline_conflict` pushes (PROTOCOL.md 5.12).
// Pure parts first (tests/js/conflicts.test.mjs), then the panel.

import { fill, h, setText } from './dom.js';
import { formatTimeOfDay } from './format.js';
import { getLang, t } from './i18n.js';
import { icon } from './icons.js';

const MAX_SHOWN = 50; // like the snapshot: the newest 50

/** A conflict's identity: the attempt that was synced (scans[0]) decides one conflict. */
export function conflictKey(conflict) {
    return conflict.scans?.[0]?.scan_id ?? `${conflict.kind}:${conflict.attendee?.id}:${conflict.server_time}`;
}

/**
 * `incoming` (newest first, as the server sends them) in front of `list`: each conflict once,
 * at most MAX_SHOWN.
 */
export function mergeConflicts(list, incoming) {
    const byKey = new Map();
    for (const c of [...incoming, ...list]) if (!byKey.has(conflictKey(c))) byKey.set(conflictKey(c), c);
    return [...byKey.values()].slice(0, MAX_SHOWN);
}

/** One scan of a conflict: "Door 2 #9 at 18:02 (offline)". */
export function scanText(scan) {
    const vars = { device: scan.device || '?', time: formatTimeOfDay(scan.at) };
    return t(scan.offline ? 'conflict.offlineScan' : 'conflict.scan', vars);
}

/** The toast for an `offline_conflict` push. */
export function conflictToast(conflict) {
    return t('conflict.toast', { name: conflict.attendee?.name || '?', kind: t(`conflict.${conflict.kind}`, { fallback: conflict.kind }) });
}

function conflictRow(c) {
    const a = c.attendee || {};
    return h('li.conflict', { dataset: { kind: c.kind } },
        h('div.conflict-head',
            h('span.tag.tag-warn', icon('alert'), ` ${t(`conflict.${c.kind}`, { fallback: c.kind })}`), ' ',
            h('b', a.name || '?'), a.organisation ? h('span.muted', ` · ${a.organisation}`) : null),
        h('ul.conflict-scans', (c.scans || []).map((s) => h('li.conflict-scan.num', scanText(s)))),
        // the server's reason is English (PROTOCOL.md): shown only in the English view
        c.reason && getLang() === 'en' ? h('p.conflict-reason.muted', c.reason) : null);
}

/**
 * Fills `root` (an empty card) with the panel. Returns {set(list): the snapshot's conflicts,
 * add(conflict): a push, render(), conflicts()}.
 */
export function conflictsPanel(root) {
    let conflicts = [];
    const heading = h('h2');
    const help = h('p.muted.conflicts-help');
    const list = h('ul.plain.conflicts#conflicts');
    fill(root, heading, help, list);

    function render() {
        setText(heading, t('dash.conflicts'));
        setText(help, t('dash.conflictsHelp'));
        root.dataset.count = String(conflicts.length);
        fill(list, conflicts.length === 0 ? h('li.empty', t('dash.noConflicts')) : conflicts.map(conflictRow));
    }

    render();
    return {
        set(incoming) {
            conflicts = mergeConflicts([], incoming || []);
            render();
        },
        add(conflict) {
            conflicts = mergeConflicts(conflicts, [conflict]);
            render();
        },
        render,
        conflicts: () => conflicts,
    };
}
