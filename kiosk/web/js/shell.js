// What every view shares: pairing, the top bar (event, role, device, connection, DE/EN),
// the offline banner, the key prompt and the full-screen pairing / "device removed" notices.

import { Connection, STALE_AFTER_MS, isDeviceRemoved } from './connection.js';
import { $, fill, h, setText } from './dom.js';
import { applyIcons, icon } from './icons.js';
import { applyI18n, errorText, getLang, onLangChange, setLang, t } from './i18n.js';
import {
    appDescription,
    cleanDeviceName,
    keyFromInput,
    pairCodeFromFragment,
    pairCodeFromInput,
    redeemPairingCode,
    storeDevice,
    storeKey,
    storeToken,
    storedDevice,
    storedKey,
    storedToken,
    takeKeyFromAddressBar,
} from './pairing.js';

/** The page of each role: a pairing code for another role sends the browser there. */
const VIEW_OF_ROLE = { door: '/door', stage: '/stage', moderator: '/moderator', organiser: '/dashboard' };

/** Takes "#pair=CODE" out of the address bar (it must not stay in the history); returns the code. */
function takePairCodeFromAddressBar() {
    const code = pairCodeFromFragment(location.hash);
    if (code) history.replaceState(null, '', location.pathname + location.search);
    return code;
}

/**
 * A full-screen notice over the view (pairing in progress, pairing failed, device removed).
 * show(kind, {title, text, actions: [{label, primary, onClick}]}) replaces what it shows.
 */
function createNotice() {
    const title = h('h2');
    const text = h('p.notice-text');
    const actions = h('div.key-actions');
    const el = h('div.device-notice', { hidden: true, role: 'alertdialog', 'aria-modal': 'true' },
        h('div.key-form', title, text, actions));
    document.body.append(el);
    return {
        el,
        show(kind, content) {
            el.dataset.kind = kind;
            setText(title, content.title);
            setText(text, content.text || '');
            fill(actions, (content.actions || []).map((a) => h(`button.btn${a.primary ? '.btn-primary' : ''}`,
                { type: 'button', on: { click: a.onClick } }, a.label)));
            el.hidden = false;
        },
        hide() {
            el.hidden = true;
            delete el.dataset.kind;
        },
        get kind() {
            return el.hidden ? null : el.dataset.kind;
        },
    };
}

/**
 * @param role        wire role: door | stage | moderator | organiser
 * @param deviceBase  default device name without the number ("Door" -> "Door 1")
 * @param syncReport  send sync_report every 10 s (displays that show the countdown)
 * @param onScanKey   optional: offers "scan the pairing QR" in the key prompt (door)
 */
export function startView({ role, deviceBase, syncReport = false, onScanKey = null }) {
    applyI18n(document);
    applyIcons(document);
    // A link's credential replaces the stored one; a device token wins over a stored role key.
    const linkKey = takeKeyFromAddressBar(role);
    const pairCode = takePairCodeFromAddressBar();
    if (linkKey) storeToken(role, null);
    const token = linkKey ? null : storedToken(role);
    const key = linkKey || (token ? null : storedKey(role));
    let device = storedDevice(role, `${deviceBase} 1`);

    // The app text goes with a device token only: it is shown in the organiser's device list.
    const appText = appDescription(navigator.userAgent);
    const conn = new Connection({ role, device, key, token, app: token ? appText : null, syncReport });
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
        const code = pairCodeFromInput(text);
        if (code) {
            keyDialog.hidden = true;
            pairWith(code);
            return true;
        }
        const k = keyFromInput(text);
        if (!k) {
            keyError.textContent = t('key.invalid');
            return false;
        }
        storeKey(role, k);
        storeToken(role, null);
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

    // ---- pairing by code, and the notices -----------------------------------------------------
    const notice = createNotice();
    let noticeState = null; // {kind, error}: re-rendered when the language changes

    async function pairWith(code) {
        showNotice({ kind: 'pairing' });
        conn.stop();
        try {
            const paired = await redeemPairingCode(code, { app: appText });
            storeToken(paired.role, paired.token);
            if (paired.name) storeDevice(paired.role, cleanDeviceName(paired.name));
            if (paired.role !== role) {
                location.replace(VIEW_OF_ROLE[paired.role] || '/');
                return;
            }
            storeKey(role, null); // the device token replaces a role key used before
            device = storedDevice(role, device);
            hideNotice();
            conn.app = appText;
            conn.reconnectWith({ token: paired.token, device });
            render();
        } catch (err) {
            showNotice({ kind: 'pairFailed', error: err, code });
        }
    }

    function showNotice(state) {
        noticeState = state;
        renderNotice();
    }

    function hideNotice() {
        noticeState = null;
        notice.hide();
    }

    function renderNotice() {
        const s = noticeState;
        if (!s) return;
        const askAgain = { label: t('pair.enterKey'), onClick: () => { hideNotice(); askKey(false); } };
        if (s.kind === 'pairing') {
            notice.show('pairing', { title: t('pair.working'), text: t('pair.workingHelp') });
        } else if (s.kind === 'pairFailed') {
            const offline = s.error?.code === 'offline';
            const actions = offline ? [{ label: t('pair.retry'), primary: true, onClick: () => pairWith(s.code) }] : [];
            if (conn.credential) actions.push({ label: t('pair.continue'), onClick: () => { hideNotice(); conn.start(); } });
            else actions.push(askAgain);
            notice.show('pairFailed', {
                title: `✕ ${t('pair.failedTitle')}`,
                text: offline ? t('pair.offline') : s.error?.code === 'unauthorized' ? t('pair.failed') : `${t('pair.failed')} (${errorText(s.error)})`,
                actions,
            });
        } else if (s.kind === 'removed') {
            notice.show('removed', { title: `✕ ${t('removed.title')}`, text: t('removed.help'), actions: [{ ...askAgain, label: t('removed.pairAgain'), primary: true }] });
        }
    }

    function editDevice() {
        if (conn.token) return; // a paired device has the name the organiser gave it
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
        setText(deviceButton, conn.token ? device : `${device} ✎`);
        deviceButton.title = conn.token ? t('device.named') : t('device.edit');
        renderStatus();
        if (!keyDialog.hidden) renderKeyDialog();
        renderNotice();
    }

    function renderStatus() {
        const now = Date.now();
        let state = conn.credential ? conn.displayState : 'unpaired';
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
        if (conn.token && welcome.device && welcome.device !== device) {
            device = welcome.device; // renamed by the organiser
            storeDevice(role, device);
        }
        document.title = `${t(`role.${role}`)} · ${welcome.event.name}`;
        render();
    });
    conn.on('unauthorized', (err) => {
        if (conn.token || isDeviceRemoved(err)) {
            // The device token no longer works anywhere: forget it and say so plainly.
            storeToken(role, null);
            conn.token = null;
            conn.app = null;
            keyDialog.hidden = true;
            showNotice({ kind: 'removed' });
            render();
            return;
        }
        storeKey(role, null);
        askKey(true);
    });
    onLangChange(() => {
        applyI18n(document);
        render();
    });
    setInterval(renderStatus, 1000);

    render();
    if (pairCode) pairWith(pairCode);
    else if (conn.credential) conn.start();
    else askKey(false);
    shell.render = render;
    shell.askKey = askKey;
    shell.acceptKey = acceptKey;
    shell.device = () => device;
    return shell;
}
