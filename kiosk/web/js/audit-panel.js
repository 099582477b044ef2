// The dashboard's "Audit log" panel: every privileged action, newest first, filtered by action
// and device, the refused attempts per device, and CSV downloads (comma, or semicolon for a
// German Excel). Pure parts first (tests/js/audit_panel.test.mjs), then the panel.

import { apiPath, apiRequest, saveDownload } from './common/api.js';
import { fill, h, setText } from './dom.js';
import { formatTimeOfDay } from './format.js';
import { icon } from './icons.js';
import { errorText, onLangChange, t } from './i18n.js';
import { showToast } from './toast.js';

const REFRESH_MS = 5000;
const LIMIT = 200;

/**
 * What the action filter offers: actions the server records (DESIGN11.md) and families of them
 * (the server matches "timer" to "timer.start" and the other timer controls).
 */
export const AUDIT_FILTERS = [
    'timer', 'agenda', 'stage.message', 'stage.blackout', 'checkin.manual', 'walkin', 'undo',
    'roster.import', 'device', 'device.pair_code', 'device.paired', 'device.rename', 'device.revoke',
    'keys.rotate', 'export',
];

/** Words for an action or family: "Timer: pause", "Device removed"; an unknown one as it is. */
export function actionLabel(action) {
    const known = t(`audit.act.${action}`, { fallback: '' });
    if (known) return known;
    const dot = action.indexOf('.');
    const group = dot > 0 ? action.slice(0, dot) : '';
    if (group === 'timer' || group === 'export') return `${t(`audit.act.${group}`)}: ${action.slice(dot + 1)}`;
    return action;
}

/** An entry's detail (a JSON object from the server) as short text: "role: door, uses: 1". */
export function detailText(detail) {
    if (detail === null || detail === undefined) return '';
    if (typeof detail !== 'object') return String(detail);
    return Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`).join(', ');
}

/** GET /api/audit with the filters chosen ('' = all), newest first. */
export function auditQuery({ action = '', device = '' } = {}) {
    return apiPath('/api/audit', { action, device, limit: LIMIT });
}

/** The CSV download of the same filters; `excel` asks for ';' separators. */
export function auditCsvPath({ action = '', device = '' } = {}, excel = false) {
    return apiPath('/api/audit.csv', { action, device, sep: excel ? 'semicolon' : '' });
}

/** Entries newest first, whatever order the server sent. */
export function newestFirst(entries) {
    return [...entries].sort((a, b) => b.at - a.at || (b.seq ?? 0) - (a.seq ?? 0));
}

/** Refusal counts per device ({devices: [{device, count}]}), most first, without zero rows. */
export function refusalRows(refusals) {
    return (refusals?.devices || []).filter((r) => r.count > 0).sort((a, b) => b.count - a.count || String(a.device).localeCompare(String(b.device)));
}

/** "Door 1 · door · 10.0.0.7": who did it. */
function whoText(entry) {
    return [entry.device || t('audit.roleKey'), entry.role ? t(`role.${entry.role}`, { fallback: entry.role }) : null, entry.address || null].filter(Boolean).join(' · ');
}

// ---- the panel ------------------------------------------------------------------------------

/**
 * Fills `root` (an empty card) with the panel; `devices()` lists the paired devices for the
 * device filter. Returns {render, refresh}.
 */
export function auditPanel(conn, root, { devices = () => [] } = {}) {
    const filters = { action: '', device: '' };
    let log = { entries: [], refusals: [] };
    let failed = null;

    const heading = h('h2');
    const actionSelect = h('select.field#audit-action', { on: { change: () => { filters.action = actionSelect.value; refresh(); } } });
    const deviceSelect = h('select.field#audit-device', { on: { change: () => { filters.device = deviceSelect.value; refresh(); } } });
    const csv = h('button.btn.btn-small#audit-csv', { type: 'button', on: { click: () => download(false) } });
    const excel = h('button.btn.btn-small#audit-csv-excel', { type: 'button', on: { click: () => download(true) } });
    const table = h('table.audit-list#audit-list');
    const refusalsTitle = h('h3.sub');
    const refusals = h('ul.plain#audit-refusals');
    fill(root, heading, h('div.audit-filters', actionSelect, deviceSelect, csv, excel), h('div.audit-scroll', table), refusalsTitle, refusals);

    async function refresh() {
        if (conn.state !== 'online') return;
        try {
            log = await apiRequest(conn, auditQuery(filters));
            failed = null;
        } catch (err) {
            failed = err;
        }
        renderLog();
    }

    async function download(semicolon) {
        const name = semicolon ? 'audit-excel.csv' : 'audit.csv';
        try {
            await saveDownload(conn, auditCsvPath(filters, semicolon), name);
        } catch (err) {
            showToast(`✕ ${errorText(err)}`, 'err');
        }
    }

    let filterKey = null;
    function renderFilters() {
        const names = [...new Set(devices().map((d) => d.name).concat(filters.device ? [filters.device] : []))].sort();
        const key = JSON.stringify([names, t('audit.allActions')]);
        if (key === filterKey) return; // an open drop-down stays as it is
        filterKey = key;
        const option = (value, label, selected) => h('option', { value, selected: selected || undefined }, label);
        fill(actionSelect, option('', t('audit.allActions')),
            AUDIT_FILTERS.map((a) => option(a, actionLabel(a), a === filters.action)));
        fill(deviceSelect, option('', t('audit.allDevices')), names.map((n) => option(n, n, n === filters.device)));
        actionSelect.setAttribute('aria-label', t('audit.action'));
        deviceSelect.setAttribute('aria-label', t('audit.device'));
    }

    function renderLog() {
        const entries = newestFirst(log.entries || []);
        fill(table,
            h('thead', h('tr', ['audit.time', 'audit.who', 'audit.action', 'audit.target', 'audit.outcome'].map((k) => h('th', t(k))))),
            h('tbody', entries.length === 0 ? h('tr', h('td.empty', { colspan: '5' }, failed ? `✕ ${errorText(failed)}` : t('audit.none')))
                : entries.map((e) => h('tr.audit-row', { dataset: { action: e.action } },
                    h('td.num.muted', formatTimeOfDay(e.at, true)),
                    h('td', whoText(e)),
                    h('td', h('b', actionLabel(e.action))),
                    h('td', e.target || '', detailText(e.detail) ? h('span.muted', ` ${detailText(e.detail)}`) : null),
                    h('td', e.outcome || '')))));
        const rows = refusalRows(log.refusals);
        fill(refusals, rows.length === 0 ? h('li.empty', `✓ ${t('audit.noRefusals')}`)
            : rows.map((r) => h('li', h('span.rej-n.num', String(r.count)), ' ', r.device || t('audit.roleKey'))));
    }

    function render() {
        setText(heading, t('audit.title'));
        fill(csv, icon('download'), ` ${t('audit.csv')}`);
        fill(excel, icon('download'), ` ${t('audit.csvExcel')}`);
        setText(refusalsTitle, t('audit.refusals'));
        renderFilters();
        renderLog();
    }

    conn.on('welcome', refresh);
    onLangChange(render);
    setInterval(() => {
        if (!document.hidden) refresh();
    }, REFRESH_MS);
    render();
    return { render, refresh, renderFilters };
}
