// /door: camera and keyboard-wedge check-in with a full-screen verdict, counts, on-deck
// notices and the help desk (search, manual check-in, walk-ins, undo).

import { helpDesk, lookupMessage, walkInMessage } from './common/help-desk.js';
import { newScanId, RetryIds } from './common/ids.js';
import { ANSWER_WITHIN_MS, DoorMode, OfflineDoor, undecided } from './door-offline.js';
import { $, $$, fill, h, setText } from './dom.js';
import { formatTimeOfDay } from './format.js';
import { errorText, getLang, onLangChange, t } from './i18n.js';
import { icon } from './icons.js';
import { CameraScanner } from './scanner.js';
import { registerServiceWorker } from './offline/register.js';
import { pref, setPref } from './pairing.js';
import { startView } from './shell.js';
import { sounds } from './sound.js';
import { RepeatFilter, WedgeDetector } from './wedge.js';
import { showToast } from './toast.js';

const VERDICT_CHOICES_MS = [2000, 3000, 5000, 8000]; // the door's "verdict shown for" setting
const DEFAULT_VERDICT_MS = 3000;
const RED_MIN_MS = 6000; // a red verdict stays at least this long: staff must see it

let pairingCallback = null;
const shell = startView({ role: 'door', deviceBase: t('device.door'), onScanKey: startPairingScan });
const conn = shell.conn;

const state = {
    direction: pref('stagedoor.door.direction') === 'out' ? 'out' : 'in',
    counts: null,
    lastScan: null, // {scan_id, name, direction, offline, before}
    onDeck: [],
    verdictTimer: null,
    verdict: null, // last shown verdict model
    verdictMs: storedVerdictMs(),
    waitingFor: null, // scan_id whose answer the verdict screen waits for
    scansSent: 0, // diagnostics: scan requests made by this page
};
/** The door's display time for verdicts (ms), one of VERDICT_CHOICES_MS. */
function storedVerdictMs() {
    const ms = Number(pref('stagedoor.door.verdictMs'));
    return VERDICT_CHOICES_MS.includes(ms) ? ms : DEFAULT_VERDICT_MS;
}

// ---- offline mode, cache and queue (door-offline.js) --------------------------------------------
// Offline (socket down, or no answer within 2 s) the door decides from its cached list; every
// attempt is in the IndexedDB queue before its verdict shows, and uploads when the server is back.
const mode = new DoorMode();
let offline = null; // the OfflineDoor once IndexedDB is open; null where it is not available
const waiting = new Map(); // scan_id -> scan: undecided attempts (no list yet) waiting for the server
let syncedSinceEmpty = 0; // attempts answered since the queue was last empty (for "N sent")

function doorMode() {
    return mode.mode({ connected: conn.state === 'online', lastMessageAt: conn.lastMessageAt });
}

OfflineDoor.open({ conn, device: () => shell.device(), onAnswer: onSynced, onChange: renderMode })
    .then(async (door) => {
        offline = door;
        for (const a of await door.queued()) if (undecided(a)) waiting.set(a.scan_id, a);
        window.stagedoorDoor.offline = offlineDiagnostics(door);
        renderMode();
        renderWaiting();
    })
    .catch((err) => console.warn('offline door not available (no IndexedDB): online only', err));
registerServiceWorker();

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
    fill($('#direction-flag'), directionIcon(state.direction), ` ${t(state.direction === 'in' ? 'door.entry' : 'door.exit')}`);
}
function directionIcon(direction) {
    return icon(direction === 'in' ? 'arrowRight' : 'arrowLeft');
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
                type: 'button', 'aria-label': t('common.dismiss'),
                on: { click: () => { state.onDeck = state.onDeck.filter((x) => x !== n); renderOnDeck(); } },
            }, icon('close'))),
        h('div.on-deck-name', n.speaker.name),
        n.speaker.organisation ? h('div.on-deck-org', n.speaker.organisation) : null,
        h('div.on-deck-item', `${t('quoted', { text: n.item.title })} · ${t('onDeck.position', { n: n.position })}`),
        n.speaker.present
            ? h('span.tag.tag-ok', icon('check'), ` ${t('presence.here')}`)
            : h('span.tag.tag-warn', icon('alert'), ` ${t('presence.notHere')}`))));
}

// ---- verdict -------------------------------------------------------------------------------
const ICONS = { ok: 'check', out: 'check', warn: 'exclaim', err: 'close', neutral: 'question', info: 'timer' };
// Each verdict class sounds different, so staff can tell them apart without looking.
const SOUNDS = { ok: 'ok', out: 'exit', warn: 'warning', neutral: 'neutral', err: 'error' };

/** Maps a scan_result (or a failure) to what the attendee and staff see. */
function verdictFor(reply) {
    const a = reply.attendee && !reply.attendee.name && reply.offline
        ? { ...reply.attendee, name: t('verdict.nameHidden'), hidden: true } // `serve --offline-names off`
        : reply.attendee;
    const chips = [];
    if (a?.vip) chips.push({ icon: 'star', text: t('chip.vip'), cls: 'vip' });
    if (a?.category && (a.category !== 'member' || a.hidden)) chips.push({ text: t(`category.${a.category}`) });
    if (reply.method === 'walk_in') chips.push({ text: t('chip.walkIn') });
    if (reply.method === 'manual') chips.push({ text: t('chip.manual') });
    if (reply.direction === 'out') chips.push({ icon: 'arrowLeft', text: t('door.exit') });
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
            extra: getLang() === 'en' ? reply.reason || '' : '', // the server's reason is English
        };
    }
}

/** How long a verdict of `kind` stays (ms); null: until an answer or a tap (pending). */
function holdMs(kind) {
    if (kind === 'info') return null;
    return kind === 'err' ? Math.max(RED_MIN_MS, 2 * state.verdictMs) : state.verdictMs;
}

function showVerdict(model) {
    state.verdict = model;
    const v = $('#verdict');
    v.dataset.kind = model.kind;
    v.dataset.result = model.result || '';
    fill($('#verdict-icon'), icon(ICONS[model.kind]));
    $('#verdict-offline').hidden = !model.offline;
    setText($('#verdict-title'), model.title);
    setText($('#verdict-name'), model.name || '');
    setText($('#verdict-org'), model.org || '');
    fill($('#verdict-chips'), (model.chips || []).map((c) => h(`span.chip${c.cls ? '.' + c.cls : ''}`,
        c.icon ? icon(c.icon) : null, c.icon ? ` ${c.text}` : c.text)));
    setText($('#verdict-detail'), model.detail || '');
    setText($('#verdict-extra'), model.extra || '');
    setText($('#verdict-late'), model.late || '');
    v.hidden = false;
    // restart the bar that drains while the verdict stays
    const ms = holdMs(model.kind);
    const bar = $('#verdict-bar');
    bar.style.animation = 'none';
    void bar.offsetWidth;
    bar.style.animation = '';
    bar.style.animationDuration = ms ? `${ms}ms` : '';
    clearTimeout(state.verdictTimer);
    if (ms) state.verdictTimer = setTimeout(hideVerdict, ms);
    const sound = SOUNDS[model.kind];
    if (sound) sounds[sound]();
}
function hideVerdict() {
    clearTimeout(state.verdictTimer);
    $('#verdict').hidden = true;
    state.verdict = null;
}
$('#verdict').addEventListener('click', hideVerdict);

/** Shows a final answer; `late` says that it came after the screen said "not checked yet". */
function showReply(reply, late = '') {
    const model = verdictFor(reply);
    model.result = reply.result;
    model.reply = reply;
    model.late = late;
    model.offline = reply.offline === true; // decided here (a synced answer echoes the verdict as a string)
    if (reply.scan_id !== state.waitingFor) state.waitingFor = null; // a help-desk answer took the screen
    showVerdict(model);
    // A pitcher on deck who just came in: the notice says so at once.
    if (reply.result === 'ok' && reply.direction === 'in' && reply.attendee) {
        const deck = state.onDeck.filter((n) => n.speaker.id === reply.attendee.id);
        for (const n of deck) n.speaker.present = true;
        if (deck.length) renderOnDeck();
    }
    // Undo is offered for what this screen just recorded: an admission or an exit, not a repeat.
    if (reply.scan_id && reply.result === 'ok' && reply.attendee) {
        state.lastScan = {
            scan_id: reply.scan_id, name: model.name, direction: reply.direction,
            offline: model.offline, before: reply.before || null,
        };
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
    });
}

// ---- scanning ---------------------------------------------------------------------------
/** Shows that `scan` waits for the server; `noAnswer`: no answer yet, it is sent again. */
function showPending(scan, noAnswer) {
    if (noAnswer) scan.late = true;
    renderWaiting();
    if (state.waitingFor !== scan.scan_id) return;
    showVerdict({
        kind: 'info',
        result: 'pending',
        title: noAnswer ? t('verdict.notYet') : t('verdict.checking'),
        detail: noAnswer ? t('verdict.notYetDetail') : '',
    });
}

/** The count of undecided scans still waiting for the server, beside the counts. */
function renderWaiting() {
    const note = $('#waiting-note');
    note.hidden = waiting.size === 0;
    fill(note, icon('timer'), ` ${t('door.waiting', { n: waiting.size })}`);
}

const retryable = (err) => err.code === 'offline' || err.code === 'timeout' || err.code === 'internal';

async function sendScan(scan) {
    state.scansSent++;
    return conn.request({ type: 'scan', scan_id: scan.scan_id, payload: scan.payload, direction: scan.direction, at: scan.at });
}

/**
 * The server's answer for an undecided `scan` (from its request, the queue's upload or a late
 * reply): on the verdict screen if it still waits for this scan, else as a note. Later answers
 * for it are ignored.
 */
function settle(scan, reply) {
    if (!waiting.delete(scan.scan_id)) return;
    offline?.store.remove(scan.scan_id).then(() => offline.outbox.changed());
    renderWaiting();
    const late = scan.late ? t('door.lateAnswer', { s: Math.max(1, Math.round((Date.now() - scan.at) / 1000)) }) : '';
    if (state.waitingFor === scan.scan_id) {
        state.waitingFor = null;
        showReply(reply, late);
        return;
    }
    const who = reply.attendee?.name || t('verdict.notABadge');
    const ok = reply.result === 'ok';
    const what = ok ? t('dash.checkedIn') : t(`result.${reply.result}`, { fallback: t(`reason.${reply.result}`, { fallback: reply.result }) });
    showToast(`${late || t('door.resent')}: ${who} – ${what}`, ok ? 'info' : 'err', 8000);
}

/**
 * Asks the server about `scan`: {reply}, {error}, or {late:true} when no answer came within
 * ANSWER_WITHIN_MS (the request stays open: a late reply of an undecided scan still settles it).
 */
async function askServer(scan) {
    const slow = setTimeout(() => showPending(scan, false), 150); // a fast answer shows no "checking"
    let deadline;
    const late = new Promise((resolve) => { deadline = setTimeout(() => resolve({ late: true }), ANSWER_WITHIN_MS); });
    const answer = sendScan(scan).then((reply) => ({ reply }), (error) => ({ error }));
    answer.then((outcome) => { if (outcome.reply && waiting.has(scan.scan_id)) settle(scan, outcome.reply); });
    try {
        return await Promise.race([answer, late]);
    } finally {
        clearTimeout(slow);
        clearTimeout(deadline);
    }
}

async function submitScan(payload) {
    hideVerdict();
    const scan = { scan_id: newScanId(), payload: payload.slice(0, 4096), direction: state.direction, at: Date.now() };
    state.waitingFor = scan.scan_id;
    // Just opened or paired: a scan waits a moment for the first session instead of failing.
    if (conn.state === 'connecting' && !conn.everOnline) await whileConnecting(ANSWER_WITHIN_MS);
    if (doorMode() === 'online') {
        const outcome = await askServer(scan);
        if (outcome.reply) {
            if (state.waitingFor === scan.scan_id) state.waitingFor = null;
            showReply(outcome.reply);
            return;
        }
        if (outcome.error && !retryable(outcome.error)) {
            if (state.waitingFor === scan.scan_id) showFailure(outcome.error); // bad_message, forbidden
            return;
        }
        if (outcome.late) mode.noAnswer(Date.now());
        renderMode();
    }
    await decideOffline(scan);
}

/** Resolves when the connection leaves 'connecting' (up, or failed), or after `ms`. */
function whileConnecting(ms) {
    return new Promise((resolve) => {
        const done = () => {
            off();
            clearTimeout(timer);
            resolve();
        };
        const off = conn.on('state', (s) => { if (s !== 'connecting') done(); });
        const timer = setTimeout(done, ms);
    });
}

/**
 * Offline: the verdict from the cached list, queued durably (same scan_id: a late online answer
 * and the upload are one attempt) before it shows. Without a list (never online, no IndexedDB)
 * the scan waits for the server as undecided: never a verdict the server may contradict.
 */
async function decideOffline(scan) {
    if (!offline?.ready) {
        waitForServer(scan);
        return;
    }
    let verdict;
    try {
        verdict = await offline.decideScan(scan);
    } catch (err) {
        console.error('offline decision not stored', err);
        if (state.waitingFor === scan.scan_id) showVerdict({ kind: 'err', result: 'not_stored', title: t('verdict.failed'), detail: t('verdict.notStored') });
        return;
    }
    if (state.waitingFor !== scan.scan_id) return; // another scan took the screen meanwhile
    state.waitingFor = null;
    showReply(verdict);
}

/** Keeps an undecided scan (queued when the queue is available) until the server answers it. */
function waitForServer(scan) {
    waiting.set(scan.scan_id, scan);
    showPending(scan, true);
    if (offline) offline.queueUndecided(scan).catch((err) => console.error('scan not queued', err));
    else if (conn.state === 'online') sendScan(scan).then((reply) => settle(scan, reply), () => {});
}

/** A reply that came after its request timed out (the connection passes it on by type). */
conn.on('scan_result', (reply) => {
    const scan = waiting.get(reply.scan_id);
    if (scan) settle(scan, reply);
});

/** An uploaded attempt's answer (door-offline.js Outbox). */
function onSynced(attempt, reply, error) {
    syncedSinceEmpty++;
    if (undecided(attempt)) {
        const scan = waiting.get(attempt.scan_id) || { ...attempt, late: true };
        scan.late = true;
        if (reply) settle(scan, reply);
        else if (waiting.delete(attempt.scan_id)) {
            renderWaiting();
            if (state.waitingFor === attempt.scan_id) showFailure(error); // refused for good
        }
        return;
    }
    if (attempt.type === 'walk_in' && reply?.attendee) badgeReady(reply, attempt);
    if (reply?.conflict) showToast(`⚠ ${t('door.syncConflict', { name: reply.attendee?.name || '?' })}`, 'err', 8000);
}

// ---- mode pill -----------------------------------------------------------------------------------
/** "Online" / "Offline · 3 queued", and how old the list is (offline) or what is being sent. */
function renderMode() {
    const pill = $('#mode-pill');
    const current = doorMode();
    const queued = offline?.queue.queued ?? 0;
    pill.dataset.mode = current;
    pill.dataset.queued = String(queued);
    const main = current === 'online' ? t('door.modeOnline') : `${t('door.modeOffline')} · ${t('door.queued', { n: queued })}`;
    setText($('#mode-text'), main);
    let detail = '';
    if (current === 'offline') {
        detail = offline?.ready ? t('door.cacheAge', { time: formatTimeOfDay(offline.listTime) }) : t('door.noCache');
    } else if (queued > 0) {
        detail = t('door.sending', { n: queued });
    }
    setText($('#mode-detail'), detail);
    if (queued === 0 && syncedSinceEmpty > 0 && current === 'online') {
        showToast(t('door.synced', { n: syncedSinceEmpty }));
        syncedSinceEmpty = 0;
    }
}
conn.on('state', renderMode);
setInterval(renderMode, 500); // a frame after a stall brings the door back online

const repeat = new RepeatFilter(3000);
function onCameraCode(text) {
    if (pairingCallback) {
        const cb = pairingCallback;
        if (cb(text)) stopPairingScan();
        return;
    }
    if (!$('.key-dialog').hidden) {
        if (/#(key|pair)=/.test(text)) shell.acceptKey(text); // the pairing QR, shown without asking
        return; // not paired yet: nothing to check a badge against
    }
    if (!repeat.accept(text, performance.now())) return;
    if ($('#helpdesk').hidden === false && document.activeElement?.closest?.('#walkin-form')) return;
    submitScan(text);
}

const wedge = new WedgeDetector({ maxGapMs: 35, minLength: 20 });
window.addEventListener('pointerdown', () => wedge.endEcho(), { capture: true });
window.addEventListener('keydown', (ev) => {
    if (ev.isComposing) return;
    if (wedge.isEcho(ev.key, ev.timeStamp)) {
        ev.preventDefault(); // the LF of a CR+LF: it must not press a button or submit a form
        ev.stopPropagation();
        return;
    }
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
// Undo asks first and names whom it undoes: a stray Enter or tap must not undo the next person.
const undoDialog = $('#undo-confirm');
$('#undo-last').addEventListener('click', () => {
    const last = state.lastScan;
    if (!last) return;
    undoDialog.dataset.scanId = last.scan_id;
    setText($('#undo-question'), t(last.direction === 'out' ? 'door.undoAskOut' : 'door.undoAskIn', { name: last.name }));
    undoDialog.showModal(); // focus goes to Cancel (autofocus): an Enter there undoes nothing
});
$('#undo-cancel').addEventListener('click', () => undoDialog.close());
$('#undo-yes').addEventListener('click', async () => {
    undoDialog.close();
    const last = state.lastScan;
    if (!last || last.scan_id !== undoDialog.dataset.scanId) return;
    const done = (text) => {
        if (state.lastScan === last) state.lastScan = null;
        renderUndo();
        showToast(text);
    };
    // Decided offline and not uploaded yet: it leaves the queue, and the list forgets it.
    if (last.offline && offline && await offline.unqueue(last.scan_id, last.before)) {
        done(t('door.undoQueued', { name: last.name }));
        return;
    }
    if (doorMode() === 'offline') {
        showToast(`${t('door.undoFailed')}: ${t('door.undoNeedsServer')}`, 'err');
        return;
    }
    try {
        await conn.request({ type: 'undo', scan_id: last.scan_id });
        done(t('door.undone', { name: last.name }));
    } catch (err) {
        showToast(`${t('door.undoFailed')}: ${errorText(err)}`, 'err');
    }
});

// Focus never stays on an action button after a tap (a closed dialog gives it back to the one
// that opened it): a scanner's stray Enter would press it again. In an open dialog it stays on
// Cancel, where an Enter does no harm.
document.addEventListener('click', (ev) => {
    const focused = document.activeElement;
    if (ev.target.closest?.('button') && focused?.tagName === 'BUTTON' && !focused.closest('dialog[open]')) focused.blur();
});

// ---- verdict display time ------------------------------------------------------------------
const verdictTime = $('#verdict-time');
function renderVerdictTime() {
    fill(verdictTime, VERDICT_CHOICES_MS.map((ms) => h('option', { value: String(ms), text: t('door.seconds', { s: ms / 1000 }) })));
    verdictTime.value = String(state.verdictMs);
}
verdictTime.addEventListener('change', () => {
    state.verdictMs = Number(verdictTime.value);
    setPref('stagedoor.door.verdictMs', String(state.verdictMs));
    verdictTime.blur();
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
    lookup: deskLookup,
    checkIn: deskCheckIn,
});

/**
 * The help desk's search: the server's lookup online, the cached list offline ({attendees,
 * note}); offline without names or without a list it says why it cannot search.
 */
async function deskLookup(message, serverLookup) {
    if (doorMode() === 'online' || !offline) return { attendees: await serverLookup(message) };
    if (!offline.ready) throw Object.assign(new Error(t('help.noCache')), { text: t('help.noCache') });
    if (!offline.names) throw Object.assign(new Error(t('help.namesOff')), { text: t('help.namesOff') });
    return { attendees: await offline.search(message.query), note: () => t('help.offlineSearch', { time: formatTimeOfDay(offline.listTime) }) };
}

/** A help-desk check-in or out: the server online, else decided from the list and queued. */
function deskCheckIn(attendee, direction, serverCheckIn) {
    if (doorMode() === 'online' || !offline?.ready) return serverCheckIn();
    return offline.decideManual(attendee, direction);
}

const walkInIds = new RetryIds();
$('#walkin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const fields = Object.fromEntries(new FormData(form));
    // A retry of the same form (after a time-out) keeps its id: the person is registered once.
    const msg = walkInMessage(fields, walkInIds.idFor(JSON.stringify(fields)), Date.now());
    setText($('#walkin-error'), '');
    if (!msg.name) return;
    if (doorMode() === 'offline' && offline) {
        await registerOffline(msg, form);
        return;
    }
    try {
        const reply = await conn.request(msg);
        walkInIds.done();
        form.reset();
        showReply({ ...reply, method: 'walk_in', direction: 'in' });
        renderWalkInBadge(reply);
    } catch (err) {
        setText($('#walkin-error'), `${errorText(err)}${err.field ? ` (${err.field})` : ''}`);
    }
});
/**
 * Offline: the walk-in is queued (durable) and admitted; it gets a provisional number, and the
 * real badge is offered once the queue has uploaded it (badgeReady).
 */
async function registerOffline(msg, form) {
    let number;
    try {
        number = await offline.queueWalkIn(msg);
    } catch (err) {
        setText($('#walkin-error'), t('verdict.notStored'));
        return;
    }
    walkInIds.done();
    form.reset();
    const person = { name: msg.name, organisation: msg.organisation || '', category: msg.category };
    showReply({ result: 'ok', direction: 'in', method: 'walk_in', attendee: person, offline: true });
    const box = $('#walkin-badge');
    fill(box,
        h('h3', icon('check'), ` ${t('walkin.done', { name: msg.name })}`),
        h('p.walkin-provisional', { dataset: { scanId: msg.scan_id } }, h('span.provisional-number', number), ' ', t('walkin.provisional', { number })),
        h('button.btn.btn-small', { type: 'button', on: { click: () => { box.hidden = true; } } }, t('common.close')));
    box.hidden = false;
}

/** A walk-in registered offline was synced: its real badge is offered (and shown if still open). */
function badgeReady(reply, attempt) {
    const open = $(`#walkin-badge [data-scan-id="${attempt.scan_id}"]`);
    if (open && !$('#walkin-badge').hidden) {
        renderWalkInBadge(reply);
        return;
    }
    const name = reply.attendee.name || attempt.name;
    const button = h('button.btn.badge-ready', {
        type: 'button',
        on: {
            click: () => {
                button.remove();
                openHelpdesk();
                $('#helpdesk .tab[data-tab=walkin]').click();
                renderWalkInBadge(reply);
            },
        },
    }, icon('print'), ` ${t('walkin.badgeReady', { name })} – ${t('walkin.showBadge')}`);
    $('#badges-ready').append(button);
    showToast(t('walkin.badgeReady', { name }), 'info', 8000);
}

// ---- walk-in badge ------------------------------------------------------------------------
// A printable badge built here (translated band, no raw token on screen); the QR comes from the
// server's badge drawing, fetched with the Authorization header (never a key in a URL).
const BADGE_PAGES = { a6: '105mm 148mm', label: '62mm 100mm' }; // A6 page, 62 mm label roll
const badgePageStyle = h('style#badge-page');
document.head.append(badgePageStyle);

function badgeFormat() {
    return pref('stagedoor.door.badgeFormat') === 'label' ? 'label' : 'a6';
}
function setBadgeFormat(format) {
    setPref('stagedoor.door.badgeFormat', format);
    document.body.dataset.badgeFormat = format;
    badgePageStyle.textContent = `@page { size: ${BADGE_PAGES[format]}; margin: 0; }`;
}

/** The QR element of the server's badge SVG for attendee `id`, or null when not available. */
async function fetchBadgeQr(id) {
    try {
        const res = await fetch(`/api/badges/${id}.svg`, { headers: { Authorization: `Bearer ${conn.credential}` }, cache: 'no-store' });
        if (!res.ok) return null;
        const doc = new DOMParser().parseFromString(await res.text(), 'image/svg+xml');
        const qr = doc.querySelector('svg svg[shape-rendering="crispEdges"]');
        if (!qr) return null;
        for (const attr of ['x', 'y', 'width', 'height']) qr.removeAttribute(attr);
        qr.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
        return document.importNode(qr, true);
    } catch {
        return null; // the person is registered all the same: the help desk reprints later
    }
}

function renderWalkInBadge(reply) {
    const box = $('#walkin-badge');
    const person = reply.attendee;
    const qr = h('div.badge-qr', { role: 'img', 'aria-label': t('walkin.qrAlt') });
    const format = h('select.field.badge-format', {
        'aria-label': t('walkin.format'),
        on: { change: (ev) => setBadgeFormat(ev.target.value) },
    }, h('option', { value: 'a6', text: t('walkin.formatA6') }), h('option', { value: 'label', text: t('walkin.formatLabel') }));
    format.value = badgeFormat();
    setBadgeFormat(format.value);
    fill(box,
        h('h3', icon('check'), ` ${t('walkin.done', { name: person.name })}`),
        h('div.print-badge', { dataset: { category: person.category || 'guest' } },
            h('div.badge-event', shell.event?.name || ''),
            h('div.badge-name', person.name),
            h('div.badge-org', person.organisation || ''),
            qr,
            h('div.badge-band', t(`category.${person.category || 'guest'}`))),
        h('div.badge-actions',
            format,
            h('button.btn.btn-primary#print-badge', { type: 'button', on: { click: () => window.print() } }, icon('print'), ` ${t('walkin.print')}`),
            h('button.btn.btn-small', { type: 'button', on: { click: () => { box.hidden = true; } } }, t('common.close'))));
    box.hidden = false;
    fetchBadgeQr(person.id).then((svg) => {
        if (svg) qr.replaceChildren(svg);
        qr.dataset.loaded = String(!!svg);
    });
}

// ---- language & connection --------------------------------------------------------------------
onLangChange(() => {
    renderDirection();
    renderOnDeck();
    renderUndo();
    renderVerdictTime();
    renderWaiting();
    renderMode();
    desk.render();
    if (state.verdict) hideVerdict();
});
conn.on('welcome', () => {
    renderMode();
    // Without the IndexedDB queue (no storage here) undecided scans are resent from memory.
    if (!offline) for (const scan of waiting.values()) sendScan(scan).then((reply) => settle(scan, reply), () => {});
    // resync: snapshots follow; a pending search is re-run against the fresh state
    if (!helpdesk.hidden && lookupMessage($('#search').value)) desk.search();
});

renderDirection();
renderCounts();
renderUndo();
renderVerdictTime();
renderWaiting();
renderMode();
startCamera();
window.stagedoorDoor = { state, conn, showReply, offline: null }; // diagnostics and browser tests

/** What the browser tests read of the offline side (window.stagedoorDoor.offline). */
function offlineDiagnostics(door) {
    return {
        get ready() { return door.ready; },
        queuedIds: async () => (await door.queued()).map((a) => a.scan_id),
        isPresent: async (name) => (await door.search(name)).some((a) => a.name === name && a.present),
    };
}
