// The dashboard's "Devices" panel: pair a new door, stage screen or moderator by QR code, and
// the list of paired devices (online, last seen, offline queue, address, app; rename, re-pair,
// remove).
// Pure parts first (tests/js/devices_panel.test.mjs), then the panel.

import { apiRequest } from './common/api.js';
import { fill, h, setText } from './dom.js';
import { formatSeconds, formatTimeOfDay, secondsSince } from './format.js';
import { icon } from './icons.js';
import { errorText, onLangChange, t } from './i18n.js';
import { cleanDeviceName } from './pairing.js';
import { showToast } from './toast.js';

const REFRESH_MS = 3000; // the list is polled: GET /api/devices is small
const PAIRING_EXPIRES_S = 30 * 60;

/** The "Add …" buttons: role and the default name's base ("Door" -> "Door 3"). */
export const PAIRING_ROLES = [
    { role: 'door', label: 'devices.addDoor', base: 'device.door' },
    { role: 'stage', label: 'devices.addStage', base: 'device.stage' },
    { role: 'moderator', label: 'devices.addModerator', base: 'device.moderator' },
];

/** The body of POST /api/devices/pairings, or null when the name is empty after cleaning. */
export function pairingRequest(role, name, { uses = 1, expiresS = PAIRING_EXPIRES_S } = {}) {
    const clean = cleanDeviceName(name);
    if (!clean) return null;
    return { role, name: clean, uses, expires_s: expiresS };
}

/** "Door 3" when "Door 1" and "Door 2" exist among `devices` (the suggested name). */
export function suggestName(base, devices) {
    const taken = new Set(devices.filter((d) => !d.revoked_at).map((d) => d.name));
    let n = 1;
    while (taken.has(`${base} ${n}`)) n++;
    return `${base} ${n}`;
}

/** How long a pairing code still works: "29:12", or null once it has expired. */
export function remainingText(expiresAt, serverNow) {
    const ms = expiresAt - serverNow;
    return ms > 0 ? formatSeconds(Math.ceil(ms / 1000)) : null;
}

/** online | offline | removed */
export function deviceStatus(device) {
    if (device.revoked_at) return 'removed';
    return device.online ? 'online' : 'offline';
}

/**
 * A door's offline queue as the device list shows it: "12 queued · last sync 18:02", or null
 * when the device never reported one (not an offline-capable door, or not since the restart).
 */
export function queueText(queue) {
    if (!queue) return null;
    const sync = queue.last_sync ? t('devices.lastSync', { time: formatTimeOfDay(queue.last_sync) }) : t('devices.neverSynced');
    return `${t('devices.queued', { n: queue.queued })} · ${sync}`;
}

/** Working devices first (online before offline), removed ones last; by name within. */
export function sortDevices(devices) {
    const rank = { online: 0, offline: 1, removed: 2 };
    return [...devices].sort((a, b) => rank[deviceStatus(a)] - rank[deviceStatus(b)] || a.name.localeCompare(b.name));
}

// ---- the panel ------------------------------------------------------------------------------

/**
 * Fills `root` (an empty card) with the panel and keeps its list fresh while `conn` is online.
 * Returns {render, refresh, devices()} for the dashboard (language changes) and the audit panel.
 */
export function devicesPanel(conn, root) {
    let devices = [];
    let pairing = null; // {role, name, code, link, expires_at, qr_svg} on show
    const listeners = new Set();

    const addButtons = h('div.device-add');
    const form = pairingForm(conn, (reply) => {
        pairing = reply;
        renderPairing();
        refresh();
    });
    const result = h('div.pair-result', { hidden: true });
    const list = h('table.device-list#device-list');
    const heading = h('h2');
    fill(root, heading, addButtons, form.el, result, list);

    function renderPairing() {
        result.hidden = !pairing;
        if (pairing) renderPairingResult(result, pairing, conn, () => { pairing = null; renderPairing(); });
    }

    async function refresh() {
        if (conn.state !== 'online') return;
        try {
            devices = (await apiRequest(conn, '/api/devices')).devices || [];
            // Not under someone's hands: a rename being typed or a removal being confirmed.
            if (!list.querySelector('.device-rename-input, .confirm-text')) renderList();
            for (const fn of listeners) fn(devices);
        } catch {
            // offline or not (yet) allowed: the top bar says so; the next refresh tries again
        }
    }

    function renderList() {
        renderDeviceTable(list, sortDevices(devices), conn, {
            rename: (d, name) => act(`/api/devices/${d.id}/rename`, { name }, t('devices.renamed', { name })),
            revoke: (d) => act(`/api/devices/${d.id}/revoke`, undefined, t('devices.removedToast', { name: d.name })),
            repair: (d) => form.open(d.role, d.name),
        });
    }

    async function act(path, body, done) {
        try {
            await apiRequest(conn, path, { method: 'POST', body });
            showToast(`✓ ${done}`);
        } catch (err) {
            showToast(`✕ ${errorText(err)}`, 'err');
        }
        renderList(); // ends the edit or confirmation; refresh() then shows the new state
        refresh();
    }

    function render() {
        setText(heading, t('devices.title'));
        fill(addButtons, PAIRING_ROLES.map(({ role, label, base }) => h('button.btn', {
            type: 'button', dataset: { role },
            on: { click: () => form.open(role, suggestName(t(base), devices)) },
        }, icon('plus'), ` ${t(label)}`)));
        form.render();
        renderPairing();
        renderList();
    }

    conn.on('welcome', refresh);
    onLangChange(render);
    let ticks = 0;
    setInterval(() => {
        if (pairing) renderPairingCountdown(result, pairing, conn);
        if (++ticks % (REFRESH_MS / 1000) === 0 && !document.hidden) refresh();
    }, 1000);
    render();
    return { render, refresh, devices: () => devices, onChange: (fn) => listeners.add(fn) };
}

/** The "name this device" step after an "Add …" button: creates the pairing code. */
function pairingForm(conn, onCreated) {
    let role = null;
    const title = h('h3.sub');
    const input = h('input.field#pair-name', { type: 'text', maxlength: '64', autocomplete: 'off' });
    const error = h('p.key-error', { role: 'alert' });
    const submit = h('button.btn.btn-primary', { type: 'submit' });
    const cancel = h('button.btn', { type: 'button', on: { click: () => close() } });
    const el = h('form.pair-form', { hidden: true, on: { submit: (ev) => { ev.preventDefault(); create(); } } },
        title, h('label', { for: 'pair-name' }, h('span.pair-name-label')), input, error, h('div.key-actions', submit, cancel));

    async function create() {
        const body = pairingRequest(role, input.value);
        if (!body) {
            error.textContent = t('devices.nameMissing');
            return;
        }
        submit.disabled = true;
        try {
            const reply = await apiRequest(conn, '/api/devices/pairings', { method: 'POST', body });
            close();
            onCreated({ ...reply, role, name: body.name });
        } catch (err) {
            error.textContent = `✕ ${errorText(err)}`;
        } finally {
            submit.disabled = false;
        }
    }

    function close() {
        el.hidden = true;
        error.textContent = '';
    }

    function render() {
        if (role) setText(title, t(`devices.pairTitle.${role}`));
        setText(el.querySelector('.pair-name-label'), t('devices.name'));
        setText(submit, t('devices.createCode'));
        setText(cancel, t('common.cancel'));
    }

    return {
        el,
        render,
        open(nextRole, name) {
            role = nextRole;
            input.value = name;
            error.textContent = '';
            el.hidden = false;
            render();
            input.focus();
            input.select();
        },
    };
}

/** The QR code, the link with a copy button, and the expiry countdown of a new pairing code. */
function renderPairingResult(el, pairing, conn, onDone) {
    // The server's SVG goes in as an image: no markup from a response enters the page.
    const qr = h('img.pair-qr', { alt: t('devices.qrAlt', { name: pairing.name }), src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(pairing.qr_svg || '')}` });
    const link = h('input.field.pair-link', { type: 'text', readonly: true, value: pairing.link, 'aria-label': t('devices.link') });
    const copy = h('button.btn', { type: 'button', on: { click: () => copyLink(link) } }, t('devices.copy'));
    fill(el, qr, h('div.pair-info',
        h('h3.sub', t('devices.scanThis', { name: pairing.name, role: t(`role.${pairing.role}`) })),
        h('p.muted', t('devices.scanHelp')),
        h('div.pair-link-row', link, copy),
        h('p', t('devices.code'), ' ', h('b.pair-code.num', pairing.code)),
        h('p.pair-expiry.num'),
        h('button.btn', { type: 'button', on: { click: onDone } }, t('devices.done'))));
    renderPairingCountdown(el, pairing, conn);
}

function renderPairingCountdown(el, pairing, conn) {
    const left = remainingText(pairing.expires_at, conn.serverNow());
    const expiry = el.querySelector('.pair-expiry');
    if (!expiry) return;
    setText(expiry, left ? t('devices.expiresIn', { time: left }) : t('devices.expired'));
    el.classList.toggle('expired', !left);
}

async function copyLink(input) {
    try {
        await navigator.clipboard.writeText(input.value);
    } catch {
        input.select(); // no clipboard API over plain HTTP: the old way
        document.execCommand('copy');
    }
    showToast(`✓ ${t('devices.copied')}`);
}

/** The device list with its actions; `actions` = {rename(d, name), revoke(d), repair(d)}. */
function renderDeviceTable(table, devices, conn, actions) {
    const now = conn.serverNow();
    const head = ['devices.name', 'devices.role', 'devices.status', 'dash.lastSeen', 'devices.queue', 'devices.address', 'devices.app', ''];
    fill(table,
        h('thead', h('tr', head.map((k) => h('th', k ? t(k) : '')))),
        h('tbody', devices.length === 0 ? h('tr', h('td.empty', { colspan: String(head.length) }, t('devices.none')))
            : devices.map((d) => {
                const status = deviceStatus(d);
                return h(`tr.device-row.${status}`, { dataset: { id: String(d.id), status } },
                    h('th.device-name-cell', { scope: 'row' }, d.name),
                    h('td', t(`role.${d.role}`, { fallback: d.role })),
                    h('td', h(`span.tag.${status === 'online' ? 'tag-ok' : 'tag-muted'}`, `${status === 'online' ? '●' : '○'} ${t(`devices.${status}`)}`)),
                    h('td.muted.num', d.online ? t('devices.now') : d.last_seen ? `${formatTimeOfDay(d.last_seen)} · ${t('mod.ago', { s: secondsSince(d.last_seen, now) })}` : '–'),
                    h(`td.num.device-queue${d.queue?.queued ? '.has-queue' : '.muted'}`, queueText(d.queue) || '–'),
                    h('td.muted.num', d.address || '–'),
                    h('td.muted', d.app || '–'),
                    h('td.device-actions', deviceActions(d, status, actions)));
            })));
}

function deviceActions(d, status, actions) {
    const cell = h('span.device-action-group');
    const button = (cls, label, onClick) => h(`button.btn.btn-small.${cls}`, { type: 'button', on: { click: onClick } }, label);
    const repair = button('device-repair', t('devices.repair'), () => actions.repair(d));
    if (status === 'removed') return fill(cell, repair);
    const rename = button('device-rename', t('devices.rename'), () => {
        const input = h('input.field.device-rename-input', { type: 'text', value: d.name, maxlength: '64', 'aria-label': t('devices.rename') });
        const save = button('device-rename-save', t('devices.save'), () => {
            const name = cleanDeviceName(input.value);
            if (name && name !== d.name) actions.rename(d, name);
            else fill(cell, rename, repair, revoke);
        });
        input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') save.click(); });
        fill(cell, input, save);
        input.focus();
    });
    const revoke = button('device-revoke.btn-danger', t('devices.revoke'), () => fill(cell,
        h('span.confirm-text', t('devices.revokeConfirm', { name: d.name })),
        button('device-revoke-confirm.btn-danger', t('devices.revokeYes'), () => actions.revoke(d)),
        button('device-revoke-cancel', t('common.cancel'), () => fill(cell, rename, repair, revoke))));
    return fill(cell, rename, repair, revoke);
}
