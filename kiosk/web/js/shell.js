// What every view shares: pairing, the top bar (event, role, device, connection, DE/EN),
// the offline banner and the key prompt.

import { Connection, STALE_AFTER_MS } from './connection.js';
import { $, h, setText } from './dom.js';
import { applyIcons, icon } from './icons.js';
import { applyI18n, getLang, onLangChange, setLang, t } from './i18n.js';
import {
    cleanDeviceName,
    keyFromInput,
    storeDevice,
    storeKey,
    storedDevice,
    storedKey,
    takeKeyFromAddressBar,
} from './pairing.js';

/**
 * @param role        wire role: door | stage | moderator | organiser
 * @param deviceBase  default device name without the number ("Door" -> "Door 1")
 * @param syncReport  send sync_report every 10 s (displays that show the countdown)
 * @param onScanKey   optional: offers "scan the pairing QR" in the key prompt (door)
 */
export function startView({ role, deviceBase, syncReport = false, onScanKey = null }) {
    applyI18n(document);
    applyIcons(document);
    const key = takeKeyFromAddressBar(role) || storedKey(role);
    let device = storedDevice(role, `${deviceBase} 1`);

    const conn = new Connection({ role, device, key, syncReport });
    const shell = { conn, role, event: null };

    // ---- top bar --------------------------------------------------------------------------
    const bar = $('#topbar');
    const statusPill = h('span.conn-pill', { role: 'status', 'aria-live': 'polite' },
        h('span.conn-dot', { 'aria-hidden': 'true' }), h('span.conn-text'));
    const eventName = h('span.event-name');
    const roleLabel = h('span.role-label');
    const deviceButton = h('button.device-name', {
        type: 'button',
        on: { click: () => editDevice() },
    });
    const langToggle = h('div.lang-toggle', { role: 'group', 'aria-label': 'Sprache / Language' },
        ['de', 'en'].map((lang) => h('button', {
            type: 'button', dataset: { lang }, text: lang.toUpperCase(),
            on: { click: () => setLang(lang) },
        })));
    if (bar) {
        bar.replaceChildren(
            h('div.topbar-left', h('span.brand', { 'aria-hidden': 'true' }, '◆'), eventName,
                h('span.sep', { 'aria-hidden': 'true' }, '·'), roleLabel,
                h('span.sep', { 'aria-hidden': 'true' }, '·'), deviceButton),
            h('div.topbar-right', statusPill, langToggle));
    } else {
        // Full-screen views (stage) place the device name and language toggle themselves.
        $('#device-slot')?.replaceChildren(deviceButton);
        $('#lang-slot')?.replaceChildren(langToggle);
    }

    // ---- offline banner ------------------------------------------------------------------
    const banner = h('div.offline-banner', { role: 'alert', hidden: true });
    document.body.prepend(banner);

    // ---- key prompt ------------------------------------------------------------------------
    const keyInput = h('input#key-input', { type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off' });
    const keyError = h('p.key-error', { role: 'alert' });
    const keyTitle = h('h2');
    const keyHelp = h('p.key-help');
    const keySubmit = h('button.btn.btn-primary', { type: 'submit' });
    const keyScan = onScanKey
        ? h('button.btn', { type: 'button', on: { click: () => onScanKey((text) => acceptKey(text)) } })
        : null;
    const keyForm = h('form.key-form', {
        on: {
            submit: (ev) => {
                ev.preventDefault();
                acceptKey(keyInput.value);
            },
        },
    }, keyTitle, keyHelp, h('label', { for: 'key-input', class: 'key-label' }), keyInput, keyError,
        h('div.key-actions', keySubmit, keyScan));
    const keyDialog = h('div.key-dialog', { hidden: true, role: 'dialog', 'aria-modal': 'true' }, keyForm);
    document.body.append(keyDialog);
    let keyRejected = false;

    function acceptKey(text) {
        const k = keyFromInput(text);
        if (!k) {
            keyError.textContent = t('key.invalid');
            return false;
        }
        storeKey(role, k);
        keyDialog.hidden = true;
        keyRejected = false;
        keyInput.value = '';
        keyError.textContent = '';
        conn.reconnectWith({ key: k });
        render();
        return true;
    }

    function askKey(rejected) {
        keyRejected = rejected;
        keyDialog.hidden = false;
        renderKeyDialog();
        keyInput.focus();
    }

    function renderKeyDialog() {
        keyTitle.textContent = keyRejected ? `✕ ${t('key.rejected')}` : t('key.title');
        keyHelp.textContent = t('key.help', { role: t(`role.${role}`) });
        keyForm.querySelector('.key-label').textContent = t('key.label');
        keySubmit.textContent = t('key.connect');
        if (keyScan) keyScan.replaceChildren(icon('scan'), ` ${t('key.scan')}`);
        keyDialog.classList.toggle('rejected', keyRejected);
    }

    function editDevice() {
        const input = h('input.device-input', {
            type: 'text', value: device, maxlength: '64', 'aria-label': t('device.edit'),
        });
        let done = false;
        const finish = (save) => {
            if (done) return;
            done = true;
            const name = cleanDeviceName(input.value);
            input.replaceWith(deviceButton);
            if (save && name && name !== device) {
                device = name;
                storeDevice(role, name);
                conn.reconnectWith({ device: name });
            }
            render();
        };
        input.addEventListener('keydown', (ev) => {
            if (ev.key === 'Enter') finish(true);
            else if (ev.key === 'Escape') finish(false);
            ev.stopPropagation(); // the page's shortcuts and the wedge scanner stay out of it
        });
        input.addEventListener('blur', () => finish(true));
        deviceButton.replaceWith(input);
        input.focus();
        input.select();
    }

    // ---- rendering ------------------------------------------------------------------------
    function render() {
        document.documentElement.lang = getLang();
        for (const b of langToggle.children) b.setAttribute('aria-pressed', String(b.dataset.lang === getLang()));
        setText(eventName, shell.event?.name || 'stagedoor');
        setText(roleLabel, t(`role.${role}`));
        setText(deviceButton, `${device} ✎`);
        deviceButton.title = t('device.edit');
        renderStatus();
        if (!keyDialog.hidden) renderKeyDialog();
    }

    function renderStatus() {
        const now = Date.now();
        let state = conn.key ? conn.displayState : 'unpaired';
        let text;
        const age = conn.lastMessageAt ? Math.round((now - conn.lastMessageAt) / 1000) : 0;
        if (state === 'online' && now - conn.lastMessageAt > STALE_AFTER_MS) {
            state = 'stale';
            text = t('conn.stale', { s: age });
        } else if (state === 'offline') {
            const wait = Math.max(0, Math.ceil(((conn.nextAttemptAt || now) - now) / 1000));
            text = t('conn.offline');
            banner.textContent = `⚠ ${t('banner.offline', { s: wait })}${conn.lastMessageAt ? ' · ' + t('conn.lastUpdate', { s: age }) : ''}`;
        } else {
            text = t(`conn.${state}`);
        }
        if (state === 'unauthorized') banner.textContent = `✕ ${t('key.rejected')}`;
        banner.hidden = !(state === 'offline' || state === 'unauthorized');
        banner.dataset.state = state;
        document.body.dataset.conn = state;
        statusPill.dataset.state = state;
        setText(statusPill.querySelector('.conn-text'), text);
    }

    conn.on('state', (state) => {
        renderStatus();
        if (state === 'online' && keyRejected) keyDialog.hidden = true;
    });
    conn.on('welcome', (welcome) => {
        shell.event = welcome.event;
        document.title = `${t(`role.${role}`)} · ${welcome.event.name}`;
        render();
    });
    conn.on('unauthorized', () => {
        storeKey(role, null);
        askKey(true);
    });
    onLangChange(() => {
        applyI18n(document);
        render();
    });
    setInterval(renderStatus, 1000);

    render();
    if (key) conn.start();
    else askKey(false);
    shell.render = render;
    shell.askKey = askKey;
    shell.acceptKey = acceptKey;
    shell.device = () => device;
    return shell;
}
