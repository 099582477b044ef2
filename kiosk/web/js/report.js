// /report: the attendance summary, the arrivals chart and the pitch plan against what happened,
// on one page made for printing (the browser's print dialog saves it as PDF). Read once over
// HTTP when the page opens; reload the page for newer figures.

import { $, fill, h, setText } from './dom.js';
import { formatSeconds, formatTimeOfDay, percent } from './format.js';
import { applyIcons } from './icons.js';
import { applyI18n, getLang, t } from './i18n.js';
import { storedKey, storedToken, takeKeyFromAddressBar } from './pairing.js';

const BUCKET_MS = 5 * 60 * 1000;
const INVALID = new Set(['unknown_badge', 'bad_signature', 'revoked', 'wrong_event', 'malformed']);
// A paired organiser device's token, else the organiser key.
const organiserKey = storedToken('organiser') || takeKeyFromAddressBar('organiser') || storedKey('organiser');

/** GET as the organiser: the one place that says how this page authenticates. */
async function fetchAuthorized(path) {
    if (!organiserKey) throw new Error(t('report.noKey'));
    const res = await fetch(path, { headers: { Authorization: `Bearer ${organiserKey}` }, cache: 'no-store' });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.json();
}

const duration = (ms) => (ms === null || ms === undefined ? '–' : formatSeconds(Math.round(ms / 1000)));

function renderHead(health, generatedAt) {
    const event = health.event || {};
    setText($('#report-title'), `${t('report.title')}${event.name ? `: ${event.name}` : ''}`);
    const date = new Date(generatedAt).toLocaleDateString(getLang() === 'de' ? 'de-DE' : 'en-GB');
    setText($('#report-meta'), t('report.generated', { date, time: formatTimeOfDay(generatedAt) }));
    document.title = `${t('report.title')} · ${event.name || 'stagedoor'}`;
}

function renderSummary(a) {
    const vips = { arrived: a.vips?.arrived || [], missing: a.vips?.missing || [] };
    const invalid = Object.entries(a.rejected || {}).filter(([code]) => INVALID.has(code)).reduce((s, [, n]) => s + n, 0);
    const figures = [
        ['dash.arrived', `${a.arrived} / ${a.expected}`, t('dash.percent', { p: percent(a.arrived, a.expected) })],
        ['dash.present', String(a.present)],
        ['dash.walkIns', String(a.walk_ins)],
        ['dash.rejected', String(invalid)],
        ['report.vipsArrived', `${vips.arrived.length} / ${vips.arrived.length + vips.missing.length}`],
    ];
    fill($('#summary'), figures.map(([key, value, sub]) => h('div', h('dt', t(key)), h('dd', value), sub ? h('dd.sub', sub) : null)));
    const rows = Object.entries(a.by_category || {}).filter(([, g]) => g.expected || g.arrived);
    fill($('#by-category'),
        h('thead', h('tr', h('th', t('dash.byCategory')), h('th.n', t('dash.arrived')), h('th.n', t('report.expected')), h('th.n', t('dash.present')))),
        h('tbody', rows.map(([k, g]) => h('tr', h('th', { scope: 'row' }, t(`category.${k}`, { fallback: k })),
            h('td.n', String(g.arrived)), h('td.n', String(g.expected)), h('td.n', String(g.present))))));
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
}

/** Arrivals per 5 minutes as SVG bars: vector, so it prints sharp at any size. */
function renderArrivals(arrivals) {
    const box = $('#arrivals');
    if (!arrivals.length) return fill(box, h('p.empty', t('dash.noneYet')));
    const W = 720, H = 220, left = 34, bottom = 22, top = 8;
    const first = arrivals[0].t;
    const slots = Math.round((arrivals[arrivals.length - 1].t - first) / BUCKET_MS) + 1;
    const max = Math.max(1, ...arrivals.map((b) => b.count));
    const slotW = (W - left) / Math.max(slots, 12);
    const y = (n) => H - bottom - ((H - bottom - top) * n) / max;
    const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, 'aria-hidden': 'true' });
    chart.append(svg('line', { class: 'axis', x1: left, y1: H - bottom, x2: W, y2: H - bottom }));
    chart.append(svg('text', { x: left - 4, y: top + 10, 'text-anchor': 'end' }, String(max)));
    chart.append(svg('text', { x: left - 4, y: H - bottom, 'text-anchor': 'end' }, '0'));
    for (const b of arrivals) {
        const slot = Math.round((b.t - first) / BUCKET_MS);
        const x = left + slot * slotW;
        if (b.count > 0) {
            chart.append(svg('rect', { class: 'bar', x: x + slotW * 0.1, y: y(b.count), width: slotW * 0.8, height: H - bottom - y(b.count) }));
        }
        // A label every half hour (every bucket on a short chart).
        if (slots <= 12 || b.t % (6 * BUCKET_MS) === 0) {
            chart.append(svg('text', { x: x + slotW / 2, y: H - 6, 'text-anchor': 'middle' }, formatTimeOfDay(b.t)));
        }
    }
    fill(box, chart, h('figcaption', t('report.arrivalsCaption', { n: arrivals.reduce((s, b) => s + b.count, 0) })));
}

/** Pitches only, in agenda order: planned against actual, with the overrun and the outcome. */
function renderPitchPlan(report) {
    const pitches = (report.items || []).filter((i) => i.kind === 'pitch');
    const table = $('#pitch-plan');
    if (!pitches.length) return fill(table, h('tbody', h('tr', h('td.empty', t('dash.noPitchers')))));
    const sum = (field) => pitches.reduce((s, i) => s + (i[field] || 0), 0);
    const actual = (i) => (i.actual_start ? `${formatTimeOfDay(i.actual_start)}–${i.actual_end ? formatTimeOfDay(i.actual_end) : ''}` : '–');
    fill(table,
        h('thead', h('tr', h('th.n', '#'), h('th', t('report.pitch')), h('th', t('report.speaker')), h('th.n', t('report.planned')),
            h('th', t('report.actualTime')), h('th.n', t('report.actual')), h('th.n', t('report.over')), h('th', t('report.status')))),
        h('tbody', pitches.map((i) => h('tr',
            h('td.n', String(i.position)), h('td', i.title), h('td', i.speaker?.name || ''), h('td.n', duration(i.planned_ms)),
            h('td', actual(i)), h('td.n', duration(i.actual_duration_ms)),
            h(`td.n${i.overtime_ms > 0 ? '.over' : ''}`, i.overtime_ms > 0 ? `+${duration(i.overtime_ms)}` : '–'),
            h('td', t(`status.${i.status}`, { fallback: i.status }))))),
        h('tfoot', h('tr', h('th', { colspan: '3' }, t('report.total', { n: pitches.length })), h('td.n', duration(sum('planned_ms'))),
            h('td', ''), h('td.n', duration(sum('actual_duration_ms'))), h('td.n', `+${duration(sum('overtime_ms'))}`), h('td', ''))));
}

async function load() {
    applyI18n(document);
    applyIcons(document);
    try {
        const [health, attendance, report] = await Promise.all([
            fetchAuthorized('/healthz'), fetchAuthorized('/api/attendance'), fetchAuthorized('/api/report.json'),
        ]);
        renderHead(health, report.generated_at);
        renderSummary(attendance);
        renderArrivals(attendance.arrivals || []);
        renderPitchPlan(report);
        document.body.dataset.ready = 'true';
    } catch (err) {
        const box = $('#report-error');
        box.hidden = false;
        setText(box, t('report.failed', { error: err.message }));
        document.body.dataset.ready = 'error';
    }
}

$('#print').addEventListener('click', () => window.print());
load();
