// /moderator: run-of-show console. Every control is a request; the screen only changes when
// the server's `timer`/`agenda`/`stage` pushes say so, so what you see is what the stage shows.

import { $, $$, fill, h, setText } from './dom.js';
import { renderDisplayList } from './common/display-health.js';
import { formatDelta, formatDurationShort, formatTimeOfDay } from './format.js';
import { icon } from './icons.js';
import { errorText, onLangChange, t } from './i18n.js';
import { startView } from './shell.js';
import { timerView } from './timer-model.js';
import { showToast } from './toast.js';

const shell = startView({ role: 'moderator', deviceBase: t('device.moderator'), syncReport: true });
const conn = shell.conn;

let timer = null;
let agenda = null;
let stage = { message: null, blackout: false };
let displays = [];

conn.on('timer', (m) => {
    const wasTiming = timing();
    timer = m;
    renderNow();
    renderPlay();
    trackUndo();
    if (wasTiming !== timing()) renderAgenda(); // rows offer "Load" only while nothing runs
});
conn.on('agenda', (m) => {
    agenda = m;
    renderAgenda();
    renderNow();
});
conn.on('stage', (m) => {
    stage = m;
    renderStageState();
    renderNowStage();
});
conn.on('displays', (m) => {
    displays = m.displays || [];
    renderDisplays();
});

// ---- requests ----------------------------------------------------------------------------
async function send(message, okText) {
    const fb = $('#ctl-feedback');
    try {
        await conn.request(message);
        fb.dataset.kind = 'ok';
        setText(fb, okText ? `✓ ${okText}` : '');
        return true;
    } catch (err) {
        fb.dataset.kind = 'err';
        const text = `✕ ${errorText(err)}`;
        setText(fb, text);
        showToast(text, 'err');
        return false;
    }
}
const control = (action, extra = {}, okText) => send({ type: 'timer_control', action, ...extra }, okText);

function playAction() {
    const s = timer?.state || 'idle';
    if (s === 'running' || s === 'overtime') return 'pause';
    if (s === 'paused') return 'resume';
    return 'start';
}
function timing() {
    return timer?.state === 'running' || timer?.state === 'overtime';
}
function renderPlay() {
    const action = playAction();
    for (const b of $$('[data-do="play"]')) {
        b.querySelector('.play-icon').replaceChildren(icon(action === 'pause' ? 'pause' : 'play'));
        setText(b.querySelector('.play-label'), t(`mod.${action}`));
        b.dataset.action = action;
    }
}

// ---- next and its undo ------------------------------------------------------------------------
// After a Next from this screen, "Undo" is offered until the stage changes again (the server
// refuses an undo after any other change: PROTOCOL.md 7.3) or for at most a minute.
const UNDO_OFFER_MS = 60000;
let undo = null; // {before: seq before the Next, seq: the seq it made (null until pushed), until}

async function pressNext() {
    const before = timer?.seq ?? 0;
    if (!(await control('next'))) return;
    undo = { before, seq: null, until: Date.now() + UNDO_OFFER_MS };
    setTimeout(trackUndo, UNDO_OFFER_MS + 50);
    trackUndo();
}
function trackUndo() {
    const seq = timer?.seq ?? 0;
    if (undo && undo.seq === null && seq > undo.before) undo.seq = seq;
    if (undo && ((undo.seq !== null && seq !== undo.seq) || Date.now() > undo.until)) undo = null;
    $('#undo-next').hidden = !(undo && undo.seq !== null);
}
async function undoNext() {
    if (!undo || undo.seq === null) return;
    undo = null;
    trackUndo();
    await send({ type: 'undo_next' }, t('mod.undone'));
}

function focusMessage() {
    const field = $('#msg-text');
    field.scrollIntoView({ block: 'center' });
    field.focus({ preventScroll: true });
}
const toggleBlackout = () => send({ type: 'blackout', on: !stage.blackout });
const addTime = (ms) => control('add_time', { ms });

// Buttons that exist twice (controls card and the phone's bottom bar) share one action.
const ACTIONS = {
    play: () => control(playAction()),
    next: pressNext,
    undo: undoNext,
    message: focusMessage,
    blackout: toggleBlackout,
};
for (const b of $$('[data-do]')) b.addEventListener('click', () => ACTIONS[b.dataset.do]());
$('#ctl-prev').addEventListener('click', () => control('previous'));
for (const b of $$('[data-add]')) b.addEventListener('click', () => addTime(Number(b.dataset.add)));
const swapNext = () => send({ type: 'swap_next' }, t('mod.swapped'));
$('#ctl-swap').addEventListener('click', swapNext);

/** Destructive buttons ask for a second press within 3 s. */
function confirmButton(button, labelEl, labelKey, run) {
    let armed = null;
    button.addEventListener('click', () => {
        if (armed) {
            clearTimeout(armed);
            armed = null;
            button.classList.remove('armed');
            labelEl.textContent = t(labelKey);
            run();
            return;
        }
        button.classList.add('armed');
        labelEl.textContent = t('mod.confirm');
        armed = setTimeout(() => {
            armed = null;
            button.classList.remove('armed');
            labelEl.textContent = t(labelKey);
        }, 3000);
    });
    return () => button.click();
}
const pressReset = confirmButton($('#ctl-reset'), $('#reset-label'), 'mod.reset', () => control('reset'));
confirmButton($('#ctl-stop'), $('#stop-label'), 'mod.stop', () => control('stop'));

// ---- hotkeys ------------------------------------------------------------------------------------
// One table drives both the keys and the `?` overlay, so the overlay cannot go stale.
const HOTKEYS = [
    { shown: ['key.space'], keys: [' '], label: 'mod.startPause', run: ACTIONS.play },
    { shown: ['N'], keys: ['n', 'N'], label: 'mod.next', run: pressNext },
    { shown: ['U'], keys: ['u', 'U'], label: 'mod.undoNextKey', run: undoNext },
    { shown: ['P'], keys: ['p', 'P'], label: 'mod.previous', run: () => control('previous') },
    { shown: ['+'], keys: ['+', '='], label: 'mod.plus30', run: () => addTime(30000) },
    { shown: ['−'], keys: ['-', '−'], label: 'mod.minus30', run: () => addTime(-30000) },
    { shown: ['↑'], keys: ['ArrowUp'], label: 'mod.plusMinute', run: () => addTime(60000) },
    { shown: ['↓'], keys: ['ArrowDown'], label: 'mod.minusMinute', run: () => addTime(-60000) },
    { shown: ['M'], keys: ['m', 'M'], label: 'mod.writeMessage', run: focusMessage },
    { shown: ['B'], keys: ['b', 'B'], label: 'mod.blackoutToggle', run: toggleBlackout },
    { shown: ['R', 'R'], keys: ['r', 'R'], label: 'mod.reset', run: () => pressReset() },
    { shown: ['?'], keys: ['?'], label: 'mod.keysHelp', run: () => toggleKeysHelp() },
];

function renderKeysHelp() {
    fill($('#keys-table'), HOTKEYS.map((k) => h('tr',
        h('td', k.shown.map((s, i) => [i ? ' ' : null, h('kbd', s.startsWith('key.') ? t(s) : s)])),
        h('td', t(k.label), k.shown.length > 1 ? h('span.muted', ` (${t('mod.pressTwice')})`) : null))));
}
function toggleKeysHelp() {
    const dialog = $('#keys-help');
    if (dialog.open) dialog.close();
    else dialog.showModal();
}
$('#keys-open').addEventListener('click', toggleKeysHelp);

window.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tag = document.activeElement?.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    if ($('#keys-help').open && ev.key !== '?') return; // the overlay closes with Esc or its button
    if (tag === 'BUTTON' && (ev.key === ' ' || ev.key === 'Enter')) {
        if (ev.key === 'Enter') return; // Enter on a focused button activates it as usual
        document.activeElement.blur(); // Space is always start/pause, never "press the focused button"
    }
    const hotkey = HOTKEYS.find((k) => k.keys.includes(ev.key));
    if (!hotkey) return;
    ev.preventDefault();
    hotkey.run();
});

// ---- now panel ------------------------------------------------------------------------------
function renderNow() {
    const item = timer?.item;
    setText($('#now-title'), item ? item.title : t('mod.nothing'));
    const sp = item?.speaker;
    const agendaItem = agenda?.items.find((i) => i.id === item?.id);
    const speakerEl = $('#now-speaker');
    speakerEl.replaceChildren();
    if (sp) {
        speakerEl.append(sp.name + (sp.organisation ? ` · ${sp.organisation}` : ''), ' ');
        if (agendaItem?.speaker) speakerEl.append(presenceTag(agendaItem.speaker));
    } else if (item?.organisation) {
        speakerEl.append(item.organisation);
    }
    const n = timer?.next;
    setText($('#now-next'), n ? `${t('stage.next')}: ${[n.speaker_name, n.title].filter(Boolean).join(' · ')}` : '');
    if (agenda && item) {
        const idx = agenda.items.findIndex((i) => i.id === item.id);
        setText($('#now-index'), idx >= 0 ? t('mod.itemOf', { n: idx + 1, total: agenda.items.length }) : '');
    } else setText($('#now-index'), '');
    renderNowWarnings();
    renderBlocks();
}

/** The item whose speaker is on next, as the server picks it (PROTOCOL.md 7.6): past breaks. */
function nextSpeakerItem() {
    const items = agenda?.items || [];
    let i = items.findIndex((it) => it.id === agenda.current);
    if (!(i >= 0 && timer?.state === 'idle')) i += 1;
    while (i < items.length && (items[i].kind === 'break' || items[i].status === 'skipped' || items[i].status === 'no_show')) i += 1;
    return items[i] || null;
}
/** True for the warning about the missing next speaker (the others: unknown speaker, overrun). */
function isMissingSpeaker(w) {
    const next = nextSpeakerItem();
    return !!next && w.item_id === next.id && !!next.speaker && !next.speaker.present;
}
/** A warning in the screen's language, from its kind (the server's text is English). */
function warningText(w) {
    if (isMissingSpeaker(w)) {
        const item = nextSpeakerItem();
        return t('mod.missingSpeaker', { name: item.speaker.name, title: item.title });
    }
    const item = agenda?.items.find((i) => i.id === w.item_id);
    if (w.kind === 'block_overrun') return t('mod.blockOverrun', { block: w.block, d: formatDelta(w.overrun_ms).slice(1) });
    if (w.kind === 'speaker_unknown') return t('mod.speakerUnknown', { title: item?.title ?? w.item_id });
    return item?.speaker && !item.speaker.present ? t('mod.speakerNotIn', { name: item.speaker.name }) : w.text;
}
function warningLine(w) {
    return h('li.warning', h('span', { 'aria-hidden': 'true' }, '⚠ '), warningText(w));
}

/** The warnings where the moderator looks (above the fold on a phone), with a Swap at hand. */
function renderNowWarnings() {
    fill($('#now-warnings'), (agenda?.warnings || []).map((w) => {
        const line = warningLine(w);
        if (isMissingSpeaker(w)) line.append(' ', h('button.btn.btn-small', { type: 'button', on: { click: swapNext } }, t('mod.swap')));
        return line;
    }));
}

/** Blackout and the message on stage, in the Now card. */
function renderNowStage() {
    const parts = [];
    if (stage.blackout) parts.push(h('span.tag.tag-err.now-blackout', `◼ ${t('mod.blackoutActive')}`));
    if (stage.message) parts.push(h('span.now-message', h('span.muted', `${t('mod.onStage')}: `), stage.message.text));
    fill($('#now-stage'), parts);
}

function renderBlocks() {
    const blocks = agenda?.blocks?.length ? agenda.blocks : timer?.block ? [timer.block] : [];
    fill($('#blocks'), blocks.map((b) => {
        const late = b.target_end ? b.projected_end - b.target_end : null;
        let status = null;
        if (late !== null) {
            status = late > 30000
                ? h('span.tag.tag-err', `⚠ ${t('mod.late', { d: formatDelta(late).slice(1) })}`)
                : late < -30000
                    ? h('span.tag.tag-ok', `✓ ${t('mod.early', { d: formatDelta(late).slice(1) })}`)
                    : h('span.tag.tag-ok', `✓ ${t('mod.onTime')}`);
        }
        return h('div.block-line',
            h('b', b.name), ' ',
            h('span.muted', `${t('mod.projectedEnd')} ${formatTimeOfDay(b.projected_end)}`),
            b.target_end ? h('span.muted', ` · ${t('mod.target')} ${formatTimeOfDay(b.target_end)}`) : null,
            ' ', status);
    }));
}

function presenceTag(speaker) {
    return speaker.present
        ? h('span.tag.tag-ok', `● ${t('presence.here')}`)
        : h('span.tag.tag-warn', `○ ${t('presence.missing')}`);
}

function frame() {
    const now = conn.serverNow();
    const v = timerView(timer, now);
    setText($('#mini-clock'), v.text);
    const phase = v.state === 'paused' ? 'paused' : v.state === 'stopped' ? 'stopped' : v.phase;
    if (document.body.dataset.phase !== phase) document.body.dataset.phase = phase;
    $('#progress').style.transform = `scaleX(${v.progress.toFixed(4)})`;
    const label = !timer?.item ? '' : phase === 'paused' ? `‖ ${t('stage.paused')}`
        : phase === 'stopped' ? `■ ${t('stage.stopped')}`
            : phase === 'idle' ? `○ ${t('stage.ready')}`
                : phase === 'overtime' ? `⚠ ${t('stage.overtime')}`
                    : phase === 'danger' ? `⚠ ${t('stage.danger')}`
                        : phase === 'warning' ? `⚠ ${t('stage.warning')}` : `▶ ${t('stage.running')}`;
    setText($('#phase-label'), label);
    requestAnimationFrame(frame);
}

// ---- agenda -------------------------------------------------------------------------------------
const STATUS_ICON = { pending: '○', current: '▶', done: '✓', skipped: '⤼', no_show: '✕' };

/** An agenda warning in the page's language (the server's text is English). */

function renderAgenda() {
    if (!agenda) return;
    const items = agenda.items;
    fill($('#warnings'), (agenda.warnings || []).map(warningLine));
    fill($('#agenda'), items.map((item, i) => {
        const sp = item.speaker;
        const times = [];
        if (item.status === 'done' && item.actual_start && item.actual_end) {
            const actual = item.actual_end - item.actual_start;
            times.push(h('span', `${formatTimeOfDay(item.actual_start)}–${formatTimeOfDay(item.actual_end)}`));
            const delta = actual - item.duration_ms;
            times.push(h(`span.delta${Math.abs(delta) > 30000 ? (delta > 0 ? '.late' : '.early') : ''}`, formatDelta(delta)));
        } else {
            times.push(h('span', { title: t('mod.projectedStart') }, `≈ ${formatTimeOfDay(item.actual_start || item.projected_start)}`));
        }
        times.push(h('span.muted', formatDurationShort(item.duration_ms + (item.added_ms || 0))));
        const isCurrent = item.id === agenda.current;
        return h(`li.agenda-item.status-${item.status}${isCurrent ? '.current' : ''}`, { dataset: { id: item.id } },
            h('div.ai-status', { title: t(`status.${item.status}`) },
                h('span.ai-icon', { 'aria-hidden': 'true' }, STATUS_ICON[item.status] || '○'),
                h('span.visually-hidden', t(`status.${item.status}`))),
            h('div.ai-main',
                h('div.ai-title', item.title, item.status === 'skipped' || item.status === 'no_show'
                    ? h('span.tag.tag-muted', t(`status.${item.status}`)) : null),
                h('div.ai-speaker', sp ? [sp.name, sp.organisation ? h('span.muted', ` · ${sp.organisation}`) : null, ' ', presenceTag(sp)] : item.organisation || ''),
                h('div.ai-times', times)),
            h('div.ai-actions',
                rowStartButtons(item, isCurrent),
                h('button.btn.btn-small', { type: 'button', disabled: i === 0, title: t('mod.up'), 'aria-label': `${t('mod.up')}: ${item.title}`, on: { click: () => move(i, -1) } }, '↑'),
                h('button.btn.btn-small', { type: 'button', disabled: i === items.length - 1, title: t('mod.down'), 'aria-label': `${t('mod.down')}: ${item.title}`, on: { click: () => move(i, +1) } }, '↓'),
                item.status === 'done' || isCurrent ? null : h('button.btn.btn-small', {
                    type: 'button', 'aria-pressed': String(item.status === 'skipped'),
                    on: { click: () => send({ type: 'agenda_skip', item_id: item.id, skipped: item.status !== 'skipped' }) },
                }, item.status === 'skipped' ? t('mod.unskip') : t('mod.skip')),
                sp && item.status !== 'done' && !isCurrent ? h('button.btn.btn-small', {
                    type: 'button', 'aria-pressed': String(item.status === 'no_show'),
                    on: { click: () => send({ type: 'no_show', item_id: item.id, no_show: item.status !== 'no_show' }) },
                }, item.status === 'no_show' ? t('mod.unNoShow') : t('mod.noShow')) : null));
    }));
}

/**
 * "Load" (only while nothing runs: then goto just loads) and "Start now" (a fresh run at once,
 * pressed twice like Reset): two clearly different buttons, never one ambiguous ▶.
 */
function rowStartButtons(item, isCurrent) {
    if (isCurrent || item.status === 'skipped' || item.status === 'no_show') return null;
    const load = timing() ? null : h('button.btn.btn-small.ai-load', {
        type: 'button', title: t('mod.loadHint'), 'aria-label': `${t('mod.loadHint')}: ${item.title}`,
        on: { click: () => control('goto', { item: item.id }) },
    }, t('mod.load'));
    const label = h('span', t('mod.startNow'));
    const start = h('button.btn.btn-small.ai-start', { type: 'button', title: t('mod.startNowHint'), 'aria-label': `${t('mod.startNowHint')}: ${item.title}` },
        h('span', { 'aria-hidden': 'true' }, '▶ '), label);
    confirmButton(start, label, 'mod.startNow', () => control('start', { item: item.id }));
    return [load, start];
}

function move(index, direction) {
    const items = agenda.items;
    const item = items[index];
    const before = direction < 0 ? items[index - 1].id : (items[index + 2]?.id ?? null);
    send({ type: 'agenda_move', item_id: item.id, before });
}

$('#add-toggle').addEventListener('click', () => {
    const f = $('#add-form');
    f.hidden = !f.hidden;
    if (!f.hidden) f.title.focus();
});
$('#add-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const duration = (Number(f.minutes.value) || 0) * 60000 + (Number(f.seconds.value) || 0) * 1000;
    if (duration <= 0) return;
    const item = { title: f.title.value.trim(), duration_ms: duration };
    if (f.organisation.value.trim()) item.organisation = f.organisation.value.trim();
    const last = agenda?.items[agenda.items.length - 1];
    const msg = { type: 'agenda_add', item };
    if (last) msg.after = last.id;
    if (await send(msg, t('mod.added'))) {
        f.reset();
        f.hidden = true;
    }
});

// ---- messages -------------------------------------------------------------------------------
const PRESETS = [
    { key: 'preset.oneMinute', tone: 'info', flash: false },
    { key: 'preset.wrapUp', tone: 'wrap_up', flash: false },
    { key: 'preset.timeUp', tone: 'stop', flash: true },
];
function renderPresets() {
    fill($('#presets'), PRESETS.map((p) => h(`button.btn.preset.tone-${p.tone}`, {
        type: 'button',
        on: { click: () => send({ type: 'stage_message', text: t(p.key), tone: p.tone, flash: p.flash }, t('mod.sent')) },
    }, t(p.key))));
}
$('#msg-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = $('#msg-text').value.trim();
    if (!text) return;
    if (await send({ type: 'stage_message', text, tone: $('#msg-tone').value, flash: $('#msg-flash').checked }, t('mod.sent'))) {
        $('#msg-text').value = '';
    }
});
$('#msg-clear').addEventListener('click', () => send({ type: 'stage_clear' }));

function renderStageState() {
    const m = stage.message;
    const box = $('#current-message');
    box.replaceChildren();
    if (m) {
        box.dataset.tone = m.tone;
        box.append(h('span.muted', `${t('mod.onStage')}: `), h('b', m.text), ' ', h('span.tag.tag-muted', t(`tone.${m.tone}`)));
    } else {
        delete box.dataset.tone;
        box.append(h('span.muted', t('mod.noMessage')));
    }
    for (const b of $$('[data-do="blackout"]')) {
        b.setAttribute('aria-pressed', String(!!stage.blackout));
        b.classList.toggle('btn-danger', !!stage.blackout);
        setText(b.querySelector('.blackout-label'), stage.blackout ? t('mod.blackoutOff') : t('mod.blackoutOn'));
    }
}

// ---- displays ----------------------------------------------------------------------------------
function renderDisplays() {
    renderDisplayList($('#display-list'), displays, { detailed: true, now: conn.serverNow() });
}
setInterval(renderDisplays, 5000);

function renderAll() {
    renderPlay();
    renderNow();
    renderAgenda();
    renderPresets();
    renderStageState();
    renderNowStage();
    renderDisplays();
    renderKeysHelp();
}
onLangChange(renderAll);
renderAll();
requestAnimationFrame(frame);
window.stagedoorModerator = { get timer() { return timer; }, get agenda() { return agenda; }, conn };
