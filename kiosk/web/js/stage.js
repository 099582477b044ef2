// /stage: the speaker's countdown, drawn every frame from the last `timer` anchor and the
// estimated server clock, so it keeps counting smoothly even when updates stop.

import { displayHealth } from './common/display-health.js';
import { $, h, setText } from './dom.js';
import { formatMs, formatTimeOfDay } from './format.js';
import { icon } from './icons.js';
import { onLangChange, t } from './i18n.js';
import { pref, setPref } from './pairing.js';
import { startView } from './shell.js';
import { sounds } from './sound.js';
import { chimeBetween, timerView } from './timer-model.js';

// The marker shows after about 5 s without a frame (a timer push, its 5 s heartbeat or a pong).
// The stage pings every 2 s so that a silent network shows within those 5 s, not after the
// connection's 12 s (its sync pings come every 10 s); the pongs also refresh the clock sync.
const STAGE_STALE_AFTER_MS = 5000;
const STAGE_HEARTBEAT_MS = 2000;

const shell = startView({ role: 'stage', deviceBase: t('device.stage'), syncReport: true });
const conn = shell.conn;
const body = document.body;

const prefs = {
    chime: pref('stagedoor.stage.chime') === 'on',
    flash: pref('stagedoor.stage.flash') !== 'off',
};
let timer = null;
let stage = { message: null, blackout: false };
let previousRemaining = null;
let clockShape = '';

conn.on('timer', (msg) => {
    if (!timer || timer.item?.id !== msg.item?.id) previousRemaining = null; // no chime on a switch
    timer = msg;
    renderStatic();
});
conn.on('stage', (msg) => {
    stage = msg;
    renderStage();
});
conn.on('welcome', () => renderStatic());

// ---- per-frame ------------------------------------------------------------------------------
function frame() {
    const now = conn.serverNow();
    const view = timerView(timer, now);
    const clock = $('#clock');
    setText(clock, view.text);
    // Size the digits by their shape (m:ss, +m:ss, h:mm:ss), not per second: nothing jumps.
    const shape = view.text.replace(/\d/g, '0');
    if (shape !== clockShape) {
        clockShape = shape;
        fitClock();
    }
    const phase = view.state === 'paused' ? 'paused' : view.state === 'stopped' ? 'stopped' : view.phase;
    if (body.dataset.phase !== phase) body.dataset.phase = phase;
    if (body.dataset.state !== view.state) body.dataset.state = view.state;
    $('#progress').style.transform = `scaleX(${view.progress.toFixed(4)})`;
    setText($('#phase-label'), phaseLabel(view, phase));
    setText($('#wall-clock'), formatTimeOfDay(now));

    const chime = chimeBetween(previousRemaining, view.remainingMs, timer);
    if (chime && prefs.chime) (chime === 'zero' ? sounds.chimeZero : sounds.chimeWarning)();
    previousRemaining = view.remainingMs;

    renderStale();
    requestAnimationFrame(frame);
}

/** Largest font size at which the widest text of this shape fits the box (measured, any font). */
function fitClock() {
    const clock = $('#clock');
    const box = clock.parentElement;
    const probe = document.createElement('span');
    probe.className = 'clock';
    probe.style.cssText = 'position:absolute;visibility:hidden;font-size:100px;';
    probe.textContent = clockShape; // "0" is as wide as any tabular digit
    document.body.append(probe);
    const w = probe.getBoundingClientRect().width;
    const hgt = probe.getBoundingClientRect().height;
    probe.remove();
    if (!w || !hgt) return;
    const size = Math.min((box.clientWidth * 0.96 * 100) / w, (box.clientHeight * 0.98 * 100) / hgt);
    clock.style.setProperty('--clock-size', `${Math.max(24, Math.floor(size))}px`);
}
new ResizeObserver(() => fitClock()).observe(document.querySelector('.clock-wrap'));

function phaseLabel(view, phase) {
    if (!timer?.item) return '';
    if (phase === 'paused') return `‖ ${t('stage.paused')}`;
    if (phase === 'stopped') return `■ ${t('stage.stopped')}`;
    if (phase === 'idle') return `○ ${t('stage.ready')}`;
    if (phase === 'overtime') return `⚠ ${t('stage.overtime')}`;
    if (view.remainingMs !== null && view.remainingMs <= 0) return `■ ${t('stage.timeUp')}`;
    if (phase === 'danger') return `⚠ ${t('stage.danger')}`;
    if (phase === 'warning') return `⚠ ${t('stage.warning')}`;
    return `▶ ${t('stage.running')}`;
}

function renderStale() {
    const el = $('#stale');
    const since = conn.lastMessageAt ? Date.now() - conn.lastMessageAt : 0;
    let text = '';
    if (conn.displayState === 'offline') text = `⚠ ${t('stage.offline')}`;
    else if (conn.state === 'online' && since > STAGE_STALE_AFTER_MS) text = `⚠ ${t('stage.stale', { s: Math.round(since / 1000) })}`;
    el.hidden = !text;
    setText(el, text);
    // The clock dims while it may be wrong, so nobody on stage trusts it to the second.
    const stale = text ? 'true' : 'false';
    if (body.dataset.stale !== stale) body.dataset.stale = stale;
}
setInterval(() => {
    if (conn.state === 'online') conn.ping();
}, STAGE_HEARTBEAT_MS);

// ---- on change ------------------------------------------------------------------------------
function renderStatic() {
    const item = timer?.item;
    const speaker = item?.speaker;
    setText($('#speaker-name'), speaker ? speaker.name : item ? item.title : '');
    const meta = speaker
        ? [speaker.organisation || item.organisation, item.title ? t('quoted', { text: item.title }) : ''].filter(Boolean).join(' · ')
        : item?.organisation || '';
    setText($('#speaker-meta'), meta);
    const next = $('#next');
    next.replaceChildren();
    if (timer?.next) {
        next.append(`${t('stage.next')}: `);
        const b = document.createElement('b');
        b.textContent = timer.next.speaker_name || timer.next.title;
        next.append(b);
        if (timer.next.speaker_name && timer.next.title) next.append(` · ${timer.next.title}`);
    }
}

const TONE_ICON = { info: 'info', wrap_up: 'alert', stop: 'stop' };
function renderStage() {
    const box = $('#stage-message');
    const m = stage.message;
    box.hidden = !m;
    if (m) {
        box.dataset.tone = m.tone;
        box.classList.toggle('flash', !!m.flash);
        $('#stage-message-icon').replaceChildren(icon(TONE_ICON[m.tone] || 'info'));
        setText($('#stage-message-text'), m.text);
    }
    $('#blackout').hidden = !stage.blackout;
}

// ---- sync health ------------------------------------------------------------------------------
function renderSync() {
    const health = conn.syncHealth();
    const dot = $('#sync-dot');
    // Graded as the moderator grades this display; no connection or no measurement is bad.
    const graded = displayHealth({ ...health, connected: conn.state === 'online' });
    const level = graded === 'good' || graded === 'fair' ? graded : 'bad';
    dot.dataset.health = level;
    const lines = [`${level === 'good' ? '●' : level === 'fair' ? '◐' : '○'} ${t(`sync.${level}`)} · ${t(`conn.${conn.state}`)}`];
    if (health) {
        lines.push(`${t('sync.offset')}: ${formatMs(health.offset_ms)}`);
        lines.push(`${t('sync.delay')}: ${Math.round(health.delay_ms)} ms`);
        lines.push(`${t('sync.age')}: ${Math.round(health.sample_age_ms / 1000)} s`);
    } else {
        lines.push(t('sync.none'));
    }
    const info = $('#sync-info');
    info.replaceChildren(...lines.map((l) => Object.assign(document.createElement('div'), { textContent: l })));
}
$('#sync-dot').addEventListener('click', () => {
    const info = $('#sync-info');
    info.hidden = !info.hidden;
});
conn.on('sync', renderSync);
conn.on('state', renderSync);
setInterval(renderSync, 1000);

// ---- controls -----------------------------------------------------------------------------------
function renderControls() {
    const chimeText = `${t('stage.chime')}: ${prefs.chime ? t('common.on') : t('common.off')}`;
    const chime = $('#chime-toggle');
    chime.setAttribute('aria-pressed', String(prefs.chime));
    chime.replaceChildren(icon(prefs.chime ? 'bell' : 'bellOff'), ` ${chimeText}`);
    // Always on screen, small: the chime is off until someone turns it on for this display.
    const state = $('#chime-state');
    state.dataset.on = String(prefs.chime);
    state.setAttribute('aria-pressed', String(prefs.chime));
    state.replaceChildren(icon(prefs.chime ? 'bell' : 'bellOff'), h('span', chimeText));
    const flash = $('#flash-toggle');
    flash.setAttribute('aria-pressed', String(prefs.flash));
    setText(flash, `${t('stage.flash')}: ${prefs.flash ? t('common.on') : t('common.off')}`);
    body.classList.toggle('flash', prefs.flash);
}
function toggleChime() {
    prefs.chime = !prefs.chime;
    setPref('stagedoor.stage.chime', prefs.chime ? 'on' : 'off');
    if (prefs.chime) sounds.chimeWarning(); // audible confirmation, and unlocks audio
    renderControls();
}
$('#chime-toggle').addEventListener('click', toggleChime);
$('#chime-state').addEventListener('click', toggleChime);
$('#flash-toggle').addEventListener('click', () => {
    prefs.flash = !prefs.flash;
    setPref('stagedoor.stage.flash', prefs.flash ? 'on' : 'off');
    renderControls();
});
$('#fullscreen').addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen?.().catch(() => {});
});
let pointerTimer = null;
window.addEventListener('pointermove', () => {
    body.classList.add('pointer');
    clearTimeout(pointerTimer);
    pointerTimer = setTimeout(() => body.classList.remove('pointer'), 3000);
});
window.addEventListener('keydown', (ev) => {
    if (ev.key === 'f' || ev.key === 'F') $('#fullscreen').click();
});

onLangChange(() => {
    renderStatic();
    renderControls();
    renderSync();
});
renderControls();
renderStatic();
renderStage();
renderSync();
requestAnimationFrame(frame);
window.stagedoorStage = { get timer() { return timer; }, conn };
