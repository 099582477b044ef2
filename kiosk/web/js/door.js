// /door: camera and keyboard-wedge check-in with a full-screen verdict, counts, on-deck
// notices and the help desk (search, manual check-in, walk-ins, undo).

import { fetchBlobUrl } from './common/downloads.js';
import { helpDesk, lookupMessage, walkInMessage } from './common/help-desk.js';
import { newScanId, RetryIds } from './common/ids.js';
import { $, $$, fill, h, setText } from './dom.js';
import { formatTimeOfDay } from './format.js';
import { errorText, onLangChange, t } from './i18n.js';
import { icon } from './icons.js';
import { CameraScanner } from './scanner.js';
import { pref, setPref } from './pairing.js';
import { startView } from './shell.js';
import { sounds } from './sound.js';
import { RepeatFilter, WedgeDetector } from './wedge.js';
import { showToast } from './toast.js';

const VERDICT_MS = 3000;
const RETRY_KEEP_MS = 10 * 60 * 1000; // unanswered scans are resent (same scan_id) this long

let pairingCallback = null;
const shell = startView({ role: 'door', deviceBase: t('device.door'), onScanKey: startPairingScan });
const conn = shell.conn;

const state = {
    direction: pref('stagedoor.door.direction') === 'out' ? 'out' : 'in',
    counts: null,
    lastScan: null, // {scan_id, name}
    onDeck: [],
    verdictTimer: null,
    verdict: null, // last shown verdict model
    scansSent: 0, // diagnostics: scan requests made by this page
};
// Scans that got no answer: resent with the same scan_id after a reconnect (the server decides
// each scan_id once), and reused if the same badge is scanned again meanwhile.
const unanswered = new Map(); // payload -> {scan_id, payload, direction, at}
try {
    for (const u of JSON.parse(pref('stagedoor.door.unanswered', '[]'))) unanswered.set(u.payload, u);
} catch {
    // a damaged entry is dropped; the server's ledger is the truth
}
function saveUnanswered() {
    const now = Date.now();
    for (const [p, u] of unanswered) if (now - u.at > RETRY_KEEP_MS) unanswered.delete(p);
    setPref('stagedoor.door.unanswered', JSON.stringify([...unanswered.values()]));
}

// ---- direction -----------------------------------------------------------------------------
function setDirection(direction) {
    state.direction = direction;
    setPref('stagedoor.door.direction', direction);
    renderDirection();
}
function renderDirection() {
    for (const b of $$('#direction-toggle .dir-btn')) {
        b.setAttribute('aria-checked', String(b.dataset.direction === state.direction));
    }
    $('#viewfinder').dataset.direction = state.direction;
    setText($('#direction-flag'), state.direction === 'in' ? `➜ ${t('door.entry')}` : `⬅ ${t('door.exit')}`);
}
for (const b of $$('#direction-toggle .dir-btn')) b.addEventListener('click', () => setDirection(b.dataset.direction));

// ---- counts ----------------------------------------------------------------------------------
conn.on('counts', (c) => {
    state.counts = c;
    renderCounts();
});
function renderCounts() {
    const c = state.counts;
    setText($('#count-arrived'), c ? String(c.arrived) : '–');
    setText($('#count-expected'), c ? String(c.expected) : '–');
    setText($('#count-present'), c ? String(c.present) : '–');
    setText($('#count-walkins'), c ? String(c.walk_ins) : '–');
}

// ---- on deck -----------------------------------------------------------------------------------
conn.on('on_deck', (msg) => {
    state.onDeck = [{ ...msg, receivedAt: Date.now() }, ...state.onDeck.filter((n) => n.item.id !== msg.item.id)].slice(0, 3);
    renderOnDeck();
});
function renderOnDeck() {
    fill($('#on-deck'), state.onDeck.map((n) => h('div.on-deck.card', { dataset: { present: String(n.speaker.present) } },
        h('div.on-deck-head', icon('mic'), ` ${t('onDeck.title')}`,
            h('button.on-deck-dismiss', {
                type: 'button', 'aria-label': t('common.dismiss'), text: '✕',
                on: { click: () => { state.onDeck = state.onDeck.filter((x) => x !== n); renderOnDeck(); } },
            })),
        h('div.on-deck-name', n.speaker.name),
        n.speaker.organisation ? h('div.on-deck-org', n.speaker.organisation) : null,
        h('div.on-deck-item', `${t('quoted', { text: n.item.title })} · ${t('onDeck.position', { n: n.position })}`),
        n.speaker.present
            ? h('span.tag.tag-ok', `✓ ${t('presence.here')}`)
            : h('span.tag.tag-warn', `⚠ ${t('presence.notHere')}`))));
}

// ---- verdict -------------------------------------------------------------------------------
const ICONS = { ok: '✓', out: '✓', warn: '!', err: '✕', neutral: '?', info: '…' };

/** Maps a scan_result (or a failure) to what the attendee and staff see. */
function verdictFor(reply) {
    const a = reply.attendee;
    const chips = [];
    if (a?.vip) chips.push({ text: `★ ${t('chip.vip')}`, cls: 'vip' });
    if (a?.category && a.category !== 'member') chips.push({ text: t(`category.${a.category}`) });
    if (reply.method === 'walk_in') chips.push({ text: t('chip.walkIn') });
    if (reply.method === 'manual') chips.push({ text: t('chip.manual') });
    if (reply.direction === 'out') chips.push({ text: `⬅ ${t('door.exit')}` });
    switch (reply.result) {
    case 'ok':
        return {
            kind: reply.direction === 'out' ? 'out' : 'ok', // an exit is blue, not green
            title: reply.direction === 'out' ? t('verdict.goodbye') : t('verdict.welcome'),
            name: a?.name || '',
            org: a?.organisation || '',
            chips,
        };
    case 'already_in': {
        const fe = reply.first_entry;
        return {
            kind: 'warn',
            title: t('verdict.alreadyIn'),
            name: a?.name || '',
            org: a?.organisation || '',
            chips,
            detail: fe ? t('verdict.alreadyInAt', { time: formatTimeOfDay(fe.at), device: fe.device }) : '',
        };
    }
    case 'not_in':
        return { kind: 'warn', title: t('verdict.notIn'), name: a?.name || '', org: a?.organisation || '', chips, detail: t('verdict.notInDetail') };
    case 'malformed':
        // A URL, a product barcode, a bad read: grey, try again; the excerpt only as text.
        return {
            kind: 'neutral',
            title: t('verdict.notABadge'),
            chips,
            detail: t('reason.malformed'),
            extra: reply.payload_excerpt ? t('quoted', { text: reply.payload_excerpt }) : '',
        };
    default:
        return {
            kind: 'err',
            title: t('verdict.invalid'),
            name: a?.name || '',
            org: a?.organisation || '',
            chips,
            detail: t(`reason.${reply.result}`),
            extra: reply.reason || '',
        };
    }
}

function showVerdict(model) {
    state.verdict = model;
    const v = $('#verdict');
    v.dataset.kind = model.kind;
    v.dataset.result = model.result || '';
    setText($('#verdict-icon'), ICONS[model.kind]);
    setText($('#verdict-title'), model.title);
    setText($('#verdict-name'), model.name || '');
    setText($('#verdict-org'), model.org || '');
    fill($('#verdict-chips'), (model.chips || []).map((c) => h(`span.chip${c.cls ? '.' + c.cls : ''}`, c.text)));
    setText($('#verdict-detail'), model.detail || '');
    setText($('#verdict-extra'), model.extra || '');
    v.hidden = false;
    // restart the 3-second bar
    const bar = $('#verdict-bar');
    bar.style.animation = 'none';
    void bar.offsetWidth;
    bar.style.animation = '';
    clearTimeout(state.verdictTimer);
    state.verdictTimer = setTimeout(hideVerdict, VERDICT_MS);
    if (model.sound) sounds[model.sound]?.();
}
function hideVerdict() {
    clearTimeout(state.verdictTimer);
    $('#verdict').hidden = true;
    state.verdict = null;
}
$('#verdict').addEventListener('click', hideVerdict);

function showReply(reply) {
    const model = verdictFor(reply);
    model.result = reply.result;
    model.sound = { ok: 'ok', out: 'ok', warn: 'warning', neutral: 'warning' }[model.kind] || 'error';
    model.reply = reply;
    showVerdict(model);
    // A pitcher on deck who just came in: the notice says so at once.
    if (reply.result === 'ok' && reply.direction === 'in' && reply.attendee) {
        const deck = state.onDeck.filter((n) => n.speaker.id === reply.attendee.id);
        for (const n of deck) n.speaker.present = true;
        if (deck.length) renderOnDeck();
    }
    if (reply.scan_id && (reply.result === 'ok' || reply.result === 'already_in' || reply.result === 'not_in') && reply.attendee) {
        state.lastScan = { scan_id: reply.scan_id, name: reply.attendee.name, direction: reply.direction };
        renderUndo();
    }
}

function showFailure(err) {
    const offline = err.code === 'offline' || err.code === 'timeout';
    showVerdict({
        kind: 'warn',
        result: offline ? 'offline' : 'error',
        title: offline ? t('verdict.offline') : t('verdict.failed'),
        detail: offline ? t('verdict.offlineDetail') : errorText(err),
        sound: 'warning',
    });
}

// ---- scanning ---------------------------------------------------------------------------
async function submitScan(payload) {
    hideVerdict();
    const now = Date.now();
    saveUnanswered();
    const previous = unanswered.get(payload);
    const scanId = previous?.scan_id || newScanId();
    const direction = previous?.direction || state.direction;
    const at = previous?.at || now;
    // Only a slow answer shows "checking": a fast one goes straight to the verdict, no flicker.
    const slow = setTimeout(() => showVerdict({ kind: 'info', result: 'pending', title: t('verdict.checking'), sound: null }), 150);
    state.scansSent++;
    try {
        // Just paired or reconnecting: a scan waits a moment for the session instead of failing.
        if (conn.state === 'connecting') await conn.whenOnline(3000);
        const reply = await conn.request({ type: 'scan', scan_id: scanId, payload: payload.slice(0, 4096), direction, at });
        clearTimeout(slow);
        unanswered.delete(payload);
        saveUnanswered();
        showReply(reply);
    } catch (err) {
        clearTimeout(slow);
        if (err.code === 'offline' || err.code === 'timeout' || err.code === 'internal') {
            unanswered.set(payload, { scan_id: scanId, payload, direction, at });
            saveUnanswered();
        }
        showFailure(err);
    }
}

const repeat = new RepeatFilter(3000);
function onCameraCode(text) {
    if (pairingCallback) {
        const cb = pairingCallback;
        if (cb(text)) stopPairingScan();
        return;
    }
    if (!$('.key-dialog').hidden) {
        if (text.includes('#key=')) shell.acceptKey(text); // the pairing QR, shown without asking
        return; // not paired yet: nothing to check a badge against
    }
    if (!repeat.accept(text, performance.now())) return;
    if ($('#helpdesk').hidden === false && document.activeElement?.closest?.('#walkin-form')) return;
    submitScan(text);
}

const wedge = new WedgeDetector({ maxGapMs: 35, minLength: 20 });
window.addEventListener('keydown', (ev) => {
    if (ev.isComposing) return;
    const text = wedge.key(ev.key, ev.timeStamp);
    if (text === null) return;
    ev.preventDefault();
    ev.stopPropagation();
    // A scanner typing into a focused field: take its characters back out.
    const el = document.activeElement;
    if (el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') && el.value.endsWith(text)) {
        el.value = el.value.slice(0, -text.length);
        el.dispatchEvent(new Event('input', { bubbles: true }));
    }
    if (pairingCallback || !$('.key-dialog').hidden) {
        if (shell.acceptKey?.(text)) stopPairingScan();
        return;
    }
    submitScan(text);
}, { capture: true });

const scanner = new CameraScanner($('#camera'), onCameraCode);
window.stagedoorScanner = scanner; // for diagnostics and the browser tests (track label)
async function startCamera() {
    const msg = $('#camera-msg');
    try {
        await scanner.start();
        msg.hidden = true;
    } catch (err) {
        msg.hidden = false;
        const key = err.name === 'NotAllowedError' ? 'camera.denied'
            : err.name === 'InsecureContext' ? 'camera.insecure'
                : err.name === 'NotFoundError' || err.name === 'OverconstrainedError' ? 'camera.none'
                    : 'camera.failed';
        fill(msg, icon('camera', 'camera-msg-icon'), h('strong', t(key)), h('span', t('camera.fallback')));
        msg.dataset.error = key;
    }
}

// ---- pairing by camera -------------------------------------------------------------------
function startPairingScan(callback) {
    pairingCallback = callback;
    $('.key-dialog').hidden = true;
    $('#pairing-hint').hidden = false;
}
function stopPairingScan() {
    pairingCallback = null;
    $('#pairing-hint').hidden = true;
}
$('#pairing-cancel').addEventListener('click', () => {
    stopPairingScan();
    shell.askKey(false);
});

// ---- undo ------------------------------------------------------------------------------------
function renderUndo() {
    const b = $('#undo-last');
    b.disabled = !state.lastScan;
    setText($('#undo-label'), state.lastScan ? t('door.undoName', { name: state.lastScan.name }) : t('door.undoLast'));
}
$('#undo-last').addEventListener('click', async () => {
    const last = state.lastScan;
    if (!last) return;
    try {
        await conn.request({ type: 'undo', scan_id: last.scan_id });
        state.lastScan = null;
        renderUndo();
        showToast(`↶ ${t('door.undone', { name: last.name })}`);
    } catch (err) {
        showToast(`✕ ${t('door.undoFailed')}: ${errorText(err)}`, 'err');
    }
});

// ---- help desk --------------------------------------------------------------------------------
const helpdesk = $('#helpdesk');
function openHelpdesk() {
    helpdesk.hidden = false;
    $('#search').focus();
}
function closeHelpdesk() {
    helpdesk.hidden = true;
}
$('#helpdesk-open').addEventListener('click', openHelpdesk);
$('#helpdesk-close').addEventListener('click', closeHelpdesk);
helpdesk.addEventListener('click', (ev) => { if (ev.target === helpdesk) closeHelpdesk(); });
window.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && !helpdesk.hidden) closeHelpdesk(); });
for (const tab of $$('#helpdesk .tab')) {
    tab.addEventListener('click', () => {
        for (const x of $$('#helpdesk .tab')) x.setAttribute('aria-selected', String(x === tab));
        for (const p of $$('#helpdesk .tab-panel')) p.hidden = p.dataset.panel !== tab.dataset.tab;
        (tab.dataset.tab === 'search' ? $('#search') : $('#walkin-form [name=name]')).focus();
    });
}

const desk = helpDesk({
    conn,
    input: $('#search'),
    status: $('#search-status'),
    list: $('#results'),
    showSearching: true,
    onCheckedIn: (reply) => showReply(reply),
    onError: showFailure,
});

const walkInIds = new RetryIds();
$('#walkin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const fields = Object.fromEntries(new FormData(form));
    // A retry of the same form (after a time-out) keeps its id: the person is registered once.
    const msg = walkInMessage(fields, walkInIds.idFor(JSON.stringify(fields)), Date.now());
    setText($('#walkin-error'), '');
    if (!msg.name) return;
    try {
        const reply = await conn.request(msg);
        walkInIds.done();
        form.reset();
        showReply({ ...reply, method: 'walk_in', direction: 'in' });
        renderWalkInBadge(reply);
    } catch (err) {
        setText($('#walkin-error'), `✕ ${errorText(err)}${err.field ? ` (${err.field})` : ''}`);
    }
});
function renderWalkInBadge(reply) {
    const box = $('#walkin-badge');
    // The server draws the badge (QR included), fetched with the key in the header, not the URL;
    // if it cannot be had, the code below still works.
    const img = h('img.walkin-qr', { alt: t('walkin.qrAlt') });
    img.addEventListener('load', () => URL.revokeObjectURL(img.src)); // the picture stays
    fetchBlobUrl(conn.key, `/api/badges/${reply.attendee.id}.svg`).then((url) => { img.src = url; }, () => img.remove());
    fill(box,
        h('h3', `✓ ${t('walkin.done', { name: reply.attendee.name })}`),
        img,
        h('p.muted', t('walkin.tokenHelp')),
        h('code.token', reply.token),
        h('button.btn.btn-small', { type: 'button', on: { click: () => { box.hidden = true; } } }, t('common.close')));
    box.hidden = false;
}

// ---- language & connection --------------------------------------------------------------------
onLangChange(() => {
    renderDirection();
    renderOnDeck();
    renderUndo();
    desk.render();
    if (state.verdict) hideVerdict();
});
/** After a reconnect: resend what got no answer; the results come as notes, not full screen. */
async function resendUnanswered() {
    saveUnanswered();
    for (const u of [...unanswered.values()]) {
        try {
            const reply = await conn.request({ type: 'scan', scan_id: u.scan_id, payload: u.payload.slice(0, 4096), direction: u.direction, at: u.at });
            unanswered.delete(u.payload);
            saveUnanswered();
            const who = reply.attendee?.name || t('verdict.notABadge');
            const ok = reply.result === 'ok';
            showToast(`${ok ? '✓' : '⚠'} ${t('door.resent')}: ${who} – ${ok ? t('dash.checkedIn') : t(`result.${reply.result}`, { fallback: t(`reason.${reply.result}`, { fallback: reply.result }) })}`, ok ? 'info' : 'err', 8000);
        } catch {
            return; // still no connection: the next welcome tries again
        }
    }
}

conn.on('welcome', () => {
    resendUnanswered();
    // resync: snapshots follow; a pending search is re-run against the fresh state
    if (!helpdesk.hidden && lookupMessage($('#search').value)) desk.search();
});

renderDirection();
renderCounts();
renderUndo();
startCamera();
window.stagedoorDoor = { state, conn, showReply }; // diagnostics and browser tests
