// /dashboard: live attendance for organisers. The `attendance` snapshot (on hello, and re-read
// from /api/attendance every 30 s) is the truth; live events move the numbers in between.

import { $, fill, h, setText } from './dom.js';
import { auditPanel } from './audit-panel.js';
import { conflictToast, conflictsPanel } from './conflicts-panel.js';
import { renderDisplayList } from './common/display-health.js';
import { viaDownloadLink } from './common/downloads.js';
import { helpDesk } from './common/help-desk.js';
import { devicesPanel } from './devices-panel.js';
import { formatTimeOfDay, percent, secondsSince } from './format.js';
import { icon } from './icons.js';
import { errorText, onLangChange, t } from './i18n.js';
import { startView } from './shell.js';
import { sounds } from './sound.js';
import { showToast } from './toast.js';

const BUCKET_MS = 5 * 60 * 1000;
const INVALID = new Set(['unknown_badge', 'bad_signature', 'revoked', 'wrong_event', 'malformed']);
const RECONCILE_MS = 30000;
const shell = startView({ role: 'organiser', deviceBase: t('device.organiser') });
const conn = shell.conn;

let data = null; // the attendance snapshot, updated live
let displays = [];
let agenda = null;
let lastOwnScan = null;
let snapshotAt = 0; // local ms of the last full snapshot
const deviceScans = new Map(); // device -> [local ms of scans seen live]

// ---- snapshot and live events ---------------------------------------------------------------
const conflicts = conflictsPanel($('#conflicts-panel'));
conn.on('attendance', (snap) => {
    data = snap;
    snapshotAt = Date.now();
    deviceScans.clear();
    conflicts.set(snap.conflicts);
    renderAll();
});
// A conflict found while syncing an offline door: listed at once, and said aloud.
conn.on('offline_conflict', (conflict) => {
    conflicts.add(conflict);
    showToast(`⚠ ${conflictToast(conflict)}`, 'err', 10000);
    sounds.warning();
});
conn.on('counts', (c) => {
    if (!data) return;
    Object.assign(data, c);
    renderKpis();
});
for (const type of ['checked_in', 'checked_out', 'undone', 'walk_in', 'rejected']) {
    conn.on(type, (ev) => applyEvent(type, ev));
}
conn.on('vip_arrived', (msg) => {
    showVipBanner(msg);
    if (data?.vips) {
        data.vips.missing = data.vips.missing.filter((a) => a.id !== msg.attendee.id);
        if (!data.vips.arrived.some((v) => v.attendee.id === msg.attendee.id)) data.vips.arrived.unshift({ attendee: msg.attendee, at: msg.at });
        renderVips();
    }
});
conn.on('displays', (m) => {
    displays = m.displays || [];
    renderDisplays();
});
conn.on('agenda', (m) => {
    agenda = m;
    renderPitchers();
});

function applyEvent(type, ev) {
    if (!data) return;
    const before = { arrived: data.arrived, present: data.present };
    if (ev.counts) Object.assign(data, ev.counts);
    const a = ev.attendee;
    if (type === 'checked_in' || type === 'walk_in') {
        data.recent.unshift({ scan_id: ev.scan_id, at: ev.at, device: ev.device, method: ev.method, direction: ev.direction, attendee: a });
        data.recent.length = Math.min(data.recent.length, 50);
        const newArrivals = data.arrived - before.arrived;
        if (newArrivals > 0) addArrival(ev.at, newArrivals);
        if (a) bumpGroup(a, newArrivals > 0 ? 1 : 0, data.present - before.present);
    } else if (type === 'checked_out') {
        data.recent.unshift({ scan_id: ev.scan_id, at: ev.at, device: ev.device, method: ev.method, direction: ev.direction, attendee: a });
        data.recent.length = Math.min(data.recent.length, 50);
        if (a) bumpGroup(a, 0, data.present - before.present);
    } else if (type === 'undone') {
        if (ev.direction === 'in') uncountAdmission(ev.scan_id);
        data.recent = data.recent.filter((r) => r.scan_id !== ev.scan_id);
        const lost = before.arrived - data.arrived;
        if (lost > 0) addArrival(ev.at, -lost);
        if (a) bumpGroup(a, -Math.max(0, lost), data.present - before.present);
    } else if (type === 'rejected') {
        data.rejected[ev.result] = (data.rejected[ev.result] || 0) + 1;
    }
    if (ev.device) {
        let d = data.devices.find((x) => x.device === ev.device);
        if (!d) data.devices.push(d = { device: ev.device, role: 'door', admitted: 0, rejected: 0, last_seen: ev.at, per_minute: 0 });
        if (type === 'rejected') d.rejected++;
        else if (type === 'checked_in' || type === 'walk_in') d.admitted++;
        d.last_seen = Math.max(d.last_seen || 0, ev.at);
        if (type !== 'undone') {
            const list = deviceScans.get(ev.device) || [];
            list.push(Date.now());
            deviceScans.set(ev.device, list);
        }
    }
    renderAll();
}

/** An undone admission leaves the count of the door that made it (the undo may come from elsewhere). */
function uncountAdmission(scanId) {
    const admission = data.recent.find((r) => r.scan_id === scanId);
    const door = admission && data.devices.find((d) => d.device === admission.device);
    if (door) door.admitted = Math.max(0, door.admitted - 1);
    else reconcile(); // older than the recent list: the server knows which door it was
}

function bumpGroup(a, arrivedDelta, presentDelta) {
    for (const [table, key] of [[data.by_category, a.category], [data.by_sector, a.sector]]) {
        if (!table || key === undefined) continue;
        const g = table[key] || (table[key] = { expected: 0, arrived: 0, present: 0 });
        g.arrived += arrivedDelta;
        g.present += presentDelta;
    }
}

function addArrival(at, n) {
    const t0 = Math.floor(at / BUCKET_MS) * BUCKET_MS;
    const bucket = data.arrivals.find((b) => b.t === t0);
    if (bucket) bucket.count = Math.max(0, bucket.count + n);
    else if (n > 0) {
        data.arrivals.push({ t: t0, count: n });
        data.arrivals.sort((x, y) => x.t - y.t);
    }
}

async function reconcile() {
    if (conn.state !== 'online' || !conn.credential) return;
    try {
        const res = await fetch('/api/attendance', { headers: { Authorization: `Bearer ${conn.credential}` }, cache: 'no-store' });
        if (!res.ok) return;
        data = await res.json();
        snapshotAt = Date.now();
        deviceScans.clear();
        conflicts.set(data.conflicts);
        renderAll();
    } catch {
        // the WebSocket banner already says when the server is away
    }
}
setInterval(reconcile, RECONCILE_MS);

// ---- rendering ------------------------------------------------------------------------------
function renderAll() {
    renderKpis();
    renderChart();
    renderFeed();
    renderVips();
    renderBreakdown();
    renderDoors();
    renderPitchers();
}

function renderKpis() {
    if (!data) return;
    setText($('#kpi-arrived'), String(data.arrived));
    setText($('#kpi-expected'), String(data.expected));
    const p = percent(data.arrived, data.expected);
    setText($('#kpi-percent'), t('dash.percent', { p }));
    $('#kpi-bar').style.transform = `scaleX(${Math.min(1, p / 100)})`;
    setText($('#kpi-present'), String(data.present));
    setText($('#kpi-walkins'), String(data.walk_ins));
    // Invalid badges only: a double scan (already_in) or an exit of someone outside is not a rejection.
    const rejected = Object.entries(data.rejected || {}).filter(([code]) => INVALID.has(code)).reduce((s, [, n]) => s + n, 0);
    setText($('#kpi-rejected'), String(rejected));
    setText($('#kpi-rejected-sub'), t('dash.rejectedHelp'));
}

let plot = null;
let chartRange = [0, 3600];
function chartData() {
    const arrivals = data?.arrivals || [];
    if (!arrivals.length) return [[], [], []];
    // Fill empty buckets so the bars keep their rhythm.
    const first = arrivals[0].t;
    const last = Math.max(arrivals[arrivals.length - 1].t, Math.floor(conn.serverNow() / BUCKET_MS) * BUCKET_MS);
    const byT = new Map(arrivals.map((b) => [b.t, b.count]));
    const xs = [];
    const ys = [];
    const cum = [];
    let total = 0;
    for (let x = first; x <= last && xs.length < 400; x += BUCKET_MS) {
        const c = byT.get(x) || 0;
        total += c;
        xs.push(x / 1000);
        ys.push(c);
        cum.push(total);
    }
    // At least an hour wide, half a bucket of air each side: an early single bucket reads well.
    chartRange = [xs[0] - BUCKET_MS / 2000, Math.max(xs[xs.length - 1], xs[0] + 3600) + BUCKET_MS / 2000];
    return [xs, ys, cum];
}
function renderChart() {
    const el = $('#chart');
    if (typeof window.uPlot !== 'function' || !data) return;
    const d = chartData();
    if (!plot) {
        const axis = { stroke: '#a7b3c2', grid: { stroke: '#222b36' }, ticks: { stroke: '#2c3643' }, font: '14px system-ui' };
        plot = new window.uPlot({
            width: Math.max(200, el.clientWidth),
            height: Math.max(180, el.clientHeight || 240),
            legend: { show: true },
            cursor: { drag: { x: false, y: false } },
            // At least an hour wide, half a bucket of air on each side: one early bucket still reads well.
            scales: { x: { time: true, range: () => chartRange }, y: { range: (u, min, max) => [0, Math.max(4, max)] }, total: { range: (u, min, max) => [0, Math.max(4, max)] } },
            axes: [
                { ...axis, values: (u, vals) => vals.map((v) => formatTimeOfDay(v * 1000)) },
                { ...axis, label: t('dash.per5min'), labelFont: '14px system-ui', size: 56 },
                { ...axis, side: 1, scale: 'total', label: t('dash.total'), labelFont: '14px system-ui', grid: { show: false }, size: 56 },
            ],
            series: [
                { label: t('dash.time'), value: (u, v) => (v === null ? '–' : formatTimeOfDay(v * 1000)) },
                { label: t('dash.per5min'), stroke: '#4b93ff', fill: 'rgba(75,147,255,.55)', width: 1, paths: window.uPlot.paths.bars({ size: [0.8, 60] }), points: { show: false } },
                { label: t('dash.total'), scale: 'total', stroke: '#5fd98f', width: 3, points: { show: false } },
            ],
        }, d, el);
        new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: Math.max(180, el.clientHeight || 240) })).observe(el);
    } else {
        plot.setData(d);
    }
}

const METHOD_ICON = { scan: 'scan', manual: 'manual', walk_in: 'plus' };
function renderFeed() {
    const list = data?.recent || [];
    fill($('#feed'), list.length === 0 ? h('li.empty', t('dash.noneYet')) : list.slice(0, 30).map((r) => h(`li.feed-item${r.direction === 'out' ? '.out' : ''}`,
        h('span.feed-time.num', formatTimeOfDay(r.at, true)),
        h('span.feed-dir', { title: r.direction === 'out' ? t('door.exit') : t('door.entry') }, r.direction === 'out' ? '⬅' : '➜'),
        h('span.feed-who', h('b', r.attendee?.name || '?'), r.attendee?.vip ? h('span.vip-star', ` ★ ${t('chip.vip')}`) : null,
            r.attendee?.organisation ? h('span.muted', ` · ${r.attendee.organisation}`) : null),
        h('span.feed-where.muted', icon(METHOD_ICON[r.method] || 'scan'), ` ${r.device} · ${t(`method.${r.method}`, { fallback: r.method })}`),
        h('button.btn.btn-small.feed-undo', {
            type: 'button', title: t('dash.undo'), 'aria-label': `${t('dash.undo')}: ${r.attendee?.name || ''}`,
            on: { click: () => undo(r.scan_id, r.attendee?.name) },
        }, '↶'))));
}

function renderVips() {
    const v = data?.vips || { arrived: [], missing: [] };
    fill($('#vips-missing'), v.missing.length === 0 ? h('li.empty', `✓ ${t('dash.allVipsHere')}`) : v.missing.map((a) => h('li',
        h('span.tag.tag-warn', `○ ${t('presence.missing')}`), ' ', h('b', a.name), a.organisation ? h('span.muted', ` · ${a.organisation}`) : null)));
    fill($('#vips-arrived'), v.arrived.length === 0 ? h('li.empty', t('dash.noneYet')) : v.arrived.map((x) => h('li',
        h('span.tag.tag-ok', `✓ ${formatTimeOfDay(x.at)}`), ' ', h('b', x.attendee.name), x.attendee.organisation ? h('span.muted', ` · ${x.attendee.organisation}`) : null)));
}

function renderPitchers() {
    // Pitches only: a welcome speaker or a guest of honour is on the agenda, but no pitcher.
    const items = (agenda?.items || []).filter((i) => i.kind === 'pitch' && i.speaker && i.status !== 'done' && i.status !== 'skipped');
    fill($('#pitchers'), items.length === 0 ? h('li.empty', t('dash.noPitchers')) : items.map((i) => h('li',
        i.speaker.present ? h('span.tag.tag-ok', `● ${t('presence.here')}`) : h('span.tag.tag-warn', `○ ${t('presence.missing')}`), ' ',
        h('b', i.speaker.name), h('span.muted', ` · ${i.title}`),
        i.status === 'current' ? h('span.tag.tag-muted', ` ▶ ${t('status.current')}`) : null,
        i.status === 'no_show' ? h('span.tag.tag-muted', ` ${t('status.no_show')}`) : null)));
}

function breakdownTable(el, groups, labelFor) {
    const rows = Object.entries(groups || {}).sort((a, b) => b[1].expected - a[1].expected || a[0].localeCompare(b[0]));
    fill(el,
        h('thead', h('tr', h('th', ''), h('th.n', t('dash.arrivedShort')), h('th.n', t('dash.expectedShort')), h('th.bar-col', { 'aria-hidden': 'true' }, ''), h('th.n', t('dash.presentShort')))),
        h('tbody', rows.map(([k, g]) => h('tr',
            h('th', { scope: 'row' }, labelFor(k)),
            h('td.n', String(g.arrived)), h('td.n.muted', String(g.expected)),
            h('td.bar-col', h('span.mini-bar', h('span', { style: `transform:scaleX(${Math.min(1, g.expected ? g.arrived / g.expected : 0)})` }))),
            h('td.n', String(g.present))))));
}
function renderBreakdown() {
    breakdownTable($('#by-category'), data?.by_category, (k) => t(`category.${k}`, { fallback: k }));
    breakdownTable($('#by-sector'), data?.by_sector, (k) => k || t('dash.noSector'));
}

/** Scans in the last minute: the snapshot's figure while it is fresh, plus live scans since. */
function perMinute(d) {
    const list = (deviceScans.get(d.device) || []).filter((ms) => Date.now() - ms < 60000);
    deviceScans.set(d.device, list);
    const fromSnapshot = Date.now() - snapshotAt < 60000 ? d.per_minute || 0 : 0;
    return fromSnapshot + list.length;
}
function renderDoors() {
    const devices = (data?.devices || []).filter((d) => d.role === 'door' || d.admitted || d.rejected);
    const now = conn.serverNow();
    fill($('#doors'),
        h('thead', h('tr', h('th', t('dash.device')), h('th.n', t('dash.admitted')), h('th.n', t('dash.rejectedShort')), h('th.n', t('dash.perMinute')), h('th.n', t('dash.lastSeen')))),
        h('tbody', devices.length === 0 ? h('tr', h('td.empty', { colspan: '5' }, t('dash.noneYet'))) : devices.map((d) => h('tr',
            h('th', { scope: 'row' }, d.device),
            h('td.n', String(d.admitted)), h('td.n', String(d.rejected)), h('td.n', String(perMinute(d))),
            h('td.n.muted', d.last_seen ? t('mod.ago', { s: secondsSince(d.last_seen, now) }) : '–')))));
    const rej = Object.entries(data?.rejected || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
    fill($('#rejected'), rej.length === 0 ? h('li.empty', `✓ ${t('dash.noRejections')}`) : rej.map(([code, n]) => h(`li.rej${INVALID.has(code) ? '' : '.soft'}`,
        h('span.rej-n.num', String(n)),
        h('span', `${INVALID.has(code) ? '✕' : '!'} ${t(`rejectedReason.${code}`, { fallback: code })}`))));
}

function renderDisplays() {
    renderDisplayList($('#displays'), displays);
}

// ---- VIP banner -----------------------------------------------------------------------------
let vipTimer = null;
function showVipBanner(msg) {
    const b = $('#vip-banner');
    fill(b, h('span.vip-icon', { 'aria-hidden': 'true' }, '★'),
        h('span', h('b', `${t('dash.vipArrived')}: ${msg.attendee.name}`),
            msg.attendee.organisation ? ` · ${msg.attendee.organisation}` : '',
            ` · ${formatTimeOfDay(msg.at)} · ${msg.device}`),
        h('button.btn.btn-small', { type: 'button', on: { click: () => { b.hidden = true; } } }, t('common.dismiss')));
    b.hidden = false;
    sounds.vip();
    clearTimeout(vipTimer);
    vipTimer = setTimeout(() => { b.hidden = true; }, 30000);
}

// ---- search, manual check-in, undo ------------------------------------------------------------
const desk = helpDesk({
    conn,
    input: $('#search'),
    status: $('#search-status'),
    list: $('#results'),
    vipMark: 'star',
    withSector: true,
    onCheckedIn: (reply, a, direction) => {
        const ok = reply.result === 'ok';
        showToast(`${ok ? '✓' : '⚠'} ${a.name}: ${ok ? (direction === 'in' ? t('dash.checkedIn') : t('dash.checkedOut')) : t(`result.${reply.result}`, { fallback: reply.reason })}`, ok ? 'info' : 'err');
        if (ok) {
            lastOwnScan = { scan_id: reply.scan_id, name: a.name };
            renderUndo();
        }
    },
    onError: (err) => showToast(`✕ ${errorText(err)}`, 'err'),
});
async function undo(scanId, name) {
    try {
        await conn.request({ type: 'undo', scan_id: scanId });
        showToast(`↶ ${t('door.undone', { name: name || '' })}`);
        if (lastOwnScan?.scan_id === scanId) {
            lastOwnScan = null;
            renderUndo();
        }
        if (desk.results) desk.search();
    } catch (err) {
        showToast(`✕ ${t('door.undoFailed')}: ${errorText(err)}`, 'err');
    }
}
function renderUndo() {
    $('#undo-last').disabled = !lastOwnScan;
    setText($('#undo-label'), lastOwnScan ? t('door.undoName', { name: lastOwnScan.name }) : t('door.undoLast'));
}
$('#undo-last').addEventListener('click', () => lastOwnScan && undo(lastOwnScan.scan_id, lastOwnScan.name));

// The links carry no key: a click asks for a one-time download link (common/downloads.js); every
// export also as a file for Excel (;) beside the comma-separated one.
for (const link of document.querySelectorAll('a[data-export], #open-badges')) {
    viaDownloadLink(link, () => conn.credential, (err) => showToast(t('dash.downloadFailed', { reason: err.message }), 'err'));
}

onLangChange(() => {
    if (plot) {
        plot.destroy();
        plot = null;
        $('#chart').replaceChildren();
    }
    renderAll();
    renderDisplays();
    conflicts.render();
    desk.render();
    renderUndo();
});
setInterval(() => {
    renderDoors();
    renderChart();
}, 5000);
renderUndo();
renderVips();
renderFeed();
renderDisplays();
renderPitchers();
// ---- devices and audit log (devices-panel.js, audit-panel.js) ---------------------------------
const devicesCard = devicesPanel(conn, $('#devices-panel'));
const auditCard = auditPanel(conn, $('#audit-panel'), { devices: devicesCard.devices });
devicesCard.onChange(() => auditCard.renderFilters());

window.stagedoorDashboard = { get data() { return data; }, get plot() { return plot; }, conn, conflicts };
