// /door on event day (issue 14): scanner terminators and stray Enters, Undo that asks and only
// undoes this screen's admissions, no verdict before the server's answer, a sound per verdict,
// display times, German without English, layouts at tablet and phone sizes, icons instead of
// glyphs, and the printable walk-in badge. Real server, real Chromium.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
    DESKTOP, PHONE, ROSTER, closeEvent, decodeBadgeQr, doorVerdict, eventually, getJson, openEvent, openPage,
    screenshot, staysTheSame, startServer, waitDoorVerdict, wedgeScan,
} from './lib.mjs';

let event;
let server;
let browser;
const errors = [];

before(async () => ({ event, server, browser } = await openEvent()));
after(() => closeEvent({ browser, server, event }));

const TABLET = { width: 1024, height: 768 };
const TABLET_PORTRAIT = { width: 768, height: 1024 };
// Arrows, dingbats, symbols, fullwidth forms, emoji: missing from many kiosk fonts (a box).
const RISKY_GLYPH = /[\u2190-\u2BFF\u2E00-\u2E7F\u3000-\u303F\uFF00-\uFFEF\u{1F000}-\u{1FFFF}]/u;

const verdict = doorVerdict;
const waitVerdict = waitDoorVerdict;

/**
 * A door page. withoutList: its requests for the offline list never reach the server, so it has
 * no list to decide with (a door that was never online long enough): without the server's
 * answer it must not show a verdict at all.
 */
async function openDoor({ viewport = DESKTOP, locale = 'en-GB', init, withoutList = false } = {}) {
    const context = await browser.newContext({ viewport, locale });
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    if (withoutList) {
        await page.routeWebSocket(/\/ws$/, (ws) => {
            const toServer = ws.connectToServer();
            ws.onMessage((frame) => {
                if (!/"type":"offline_roster"/.test(String(frame))) toServer.send(frame);
            });
        });
    }
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(`${server.url}/door#key=${event.keys.door}`);
    await eventually(() => page.evaluate(() => document.body.dataset.conn === 'online'), { message: 'door online' });
    return page;
}

const arrived = async () => (await getJson(server, '/api/attendance', event.keys.organiser)).arrived;
const forgedToken = (token) => {
    const i = token.lastIndexOf('.') + 5;
    return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
};

test('door: a tapped button keeps no focus, and the LF of a CR+LF presses nothing', async () => {
    const page = await openDoor();
    await page.click('#direction-toggle [data-direction=in]');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'BODY', 'focus left the tapped button');
    // A button focused by the keyboard, then a scanner that ends its code with CR+LF.
    await page.focus('#helpdesk-open');
    const sent = await page.evaluate(() => window.stagedoorDoor.state.scansSent);
    await wedgeScan(page, event.tokenOf(ROSTER[4].name)); // the burst and its CR
    await page.keyboard.press('Enter'); // the LF, a real key press on the focused button
    await waitVerdict(page, (v) => v.kind === 'ok' && v.name === ROSTER[4].name, 'the welcome');
    assert.equal(await page.locator('#helpdesk').isHidden(), true, 'the LF did not open the help desk');
    assert.equal(await page.evaluate(() => window.stagedoorDoor.state.scansSent), sent + 1, 'one scan');
    assert.equal((await verdict(page)).hidden, false, 'the LF did not clear the verdict');
    await page.context().close();
});

test('door: Undo only for this screen\'s admission, and it asks naming the person', async () => {
    const other = await openDoor();
    await wedgeScan(other, event.tokenOf(ROSTER[3].name));
    await waitVerdict(other, (v) => v.kind === 'ok', 'admitted at the other door');
    await other.context().close();

    const page = await openDoor();
    await wedgeScan(page, event.tokenOf(ROSTER[3].name));
    await waitVerdict(page, (v) => v.result === 'already_in', 'already in');
    assert.equal(await page.locator('#undo-last').isDisabled(), true, 'no Undo after "already in"');

    await wedgeScan(page, event.tokenOf(ROSTER[2].name));
    await waitVerdict(page, (v) => v.kind === 'ok' && v.name === ROSTER[2].name, 'the welcome');
    const before = await arrived();
    await page.click('#verdict');
    await page.click('#undo-last');
    await page.locator('#undo-confirm[open]').waitFor({ timeout: 3000 });
    assert.equal(await page.locator('#undo-question').textContent(), `Undo the check-in of ${ROSTER[2].name}?`);
    await page.keyboard.press('Enter'); // a stray Enter lands on Cancel
    await page.locator('#undo-confirm:not([open])').waitFor({ state: 'attached', timeout: 3000 });
    assert.equal(await arrived(), before, 'nothing was undone');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'BODY', 'focus did not go back to Undo');
    await page.click('#undo-last');
    await page.click('#undo-yes');
    await eventually(async () => (await arrived()) === before - 1, { message: 'the undo reaches the server' });
    // The server counts the undo at its commit; the door disables Undo when the reply arrives.
    await page.locator('#undo-last:disabled').waitFor({ timeout: 3000 });
    await page.context().close();
});

test('door: without a list and without an answer the scan stays pending, and the late answer is shown', async () => {
    const page = await openDoor({ withoutList: true });
    const port = server.port;
    await server.stop();
    await eventually(() => page.evaluate(() => document.body.dataset.conn === 'offline'), { message: 'offline' });
    await wedgeScan(page, event.tokenOf(ROSTER[1].name));
    const pending = await waitVerdict(page, (v) => v.result === 'pending' && v.title === 'Not checked yet', 'the pending state');
    assert.equal(pending.kind, 'info');
    assert.doesNotMatch(pending.text, /No connection/);
    assert.match(await page.locator('#waiting-note').textContent(), /1 scan/);
    // longer than any verdict display: it stays until the answer comes
    await staysTheSame(async () => JSON.stringify(await verdict(page)), 4000);
    await screenshot(page, 'door-pending-desktop');

    server = await startServer(event.data, { listen: `127.0.0.1:${port}` });
    const late = await waitVerdict(page, (v) => v.kind === 'ok' && v.name === ROSTER[1].name, 'the late answer', 30000);
    assert.match(late.late, /^The answer came late, \d+ s after the scan$/);
    assert.equal(await page.locator('#waiting-note').isHidden(), true);
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.ok(attendance.recent.some((r) => r.attendee.name === ROSTER[1].name), 'stored by the server');
    await page.context().close();
});

test('door: without a list, a hung server: "not checked yet" after the time-out, then its late answer', async () => {
    const page = await openDoor({ withoutList: true });
    server.child.kill('SIGSTOP'); // the socket stays open and nothing comes back
    try {
        await wedgeScan(page, event.tokenOf(ROSTER[4].name)); // admitted in the first test
        await waitVerdict(page, (v) => v.result === 'pending' && v.title === 'Checking …', 'checking');
        await waitVerdict(page, (v) => v.result === 'pending' && v.title === 'Not checked yet', 'not checked yet after the time-out', 20000);
    } finally {
        server.child.kill('SIGCONT');
    }
    // the server answers the first request late (or the resend): the door shows that answer
    const late = await waitVerdict(page, (v) => v.result === 'already_in', 'the late answer', 20000);
    assert.equal(late.name, ROSTER[4].name);
    assert.match(late.late, /^The answer came late, \d+ s after the scan$/);
    await page.context().close();
});

/**
 * How long the page showed its next verdict with `result` (ms, measured in the page: page
 * timers fire late on a loaded machine, never early). Call before the scan; await the result.
 */
async function verdictShownMs(page, result) {
    await page.evaluate((wanted) => {
        const v = document.getElementById('verdict');
        window.__shown = { since: null, ms: null };
        new MutationObserver(() => {
            if (!v.hidden && v.dataset.result === wanted && window.__shown.since === null) window.__shown.since = performance.now();
            else if (v.hidden && window.__shown.since !== null && window.__shown.ms === null) window.__shown.ms = performance.now() - window.__shown.since;
        }).observe(v, { attributes: true, attributeFilter: ['hidden', 'data-result'] });
    }, result);
    return () => eventually(() => page.evaluate(() => window.__shown.ms), { timeoutMs: 20000, message: `the ${result} verdict to go` });
}

// Records every tone the page plays (type and frequency of each oscillator).
function recordTones() {
    window.__tones = [];
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...args) {
        window.__tones.push(`${this.type}:${this.frequency.value}`);
        return start.apply(this, args);
    };
}

test('door: each verdict class has its own sound; red stays about 6 s', async () => {
    const page = await openDoor({ init: recordTones });
    const toneOf = async (scan, kind) => {
        await page.evaluate(() => { window.__tones = []; });
        await scan();
        await waitVerdict(page, (v) => v.kind === kind, kind);
        return eventually(() => page.evaluate(() => window.__tones.join(' ')), { message: `a sound for ${kind}` });
    };
    const tones = {};
    tones.ok = await toneOf(() => wedgeScan(page, event.tokenOf(ROSTER[0].name)), 'ok');
    tones.warn = await toneOf(() => wedgeScan(page, event.tokenOf(ROSTER[0].name)), 'warn');
    tones.neutral = await toneOf(() => wedgeScan(page, 'https://example.org/this-is-not-a-badge'), 'neutral');
    await page.click('#direction-toggle [data-direction=out]');
    tones.out = await toneOf(() => wedgeScan(page, event.tokenOf(ROSTER[0].name)), 'out');
    await page.click('#direction-toggle [data-direction=in]');
    const redShown = await verdictShownMs(page, 'bad_signature');
    tones.err = await toneOf(() => wedgeScan(page, forgedToken(event.tokenOf(ROSTER[3].name))), 'err');
    assert.equal(new Set(Object.values(tones)).size, 5, `five different sounds: ${JSON.stringify(tones)}`);
    // red stays about 6 s (the others 3 s) ...
    const ms = await redShown();
    assert.ok(ms >= 5900, `red shown for ${Math.round(ms)} ms`);
    // ... or until tapped
    await wedgeScan(page, forgedToken(event.tokenOf(ROSTER[2].name)));
    await waitVerdict(page, (v) => v.kind === 'err', 'red again');
    await page.click('#verdict');
    assert.equal((await verdict(page)).hidden, true);
    await page.context().close();
});

test('door: the verdict display time is a setting kept on the door', async () => {
    const page = await openDoor();
    await page.selectOption('#verdict-time', '5000');
    assert.equal(await page.evaluate(() => localStorage.getItem('stagedoor.door.verdictMs')), '5000');
    await page.reload();
    await eventually(() => page.evaluate(() => document.body.dataset.conn === 'online'), { message: 'online again' });
    assert.equal(await page.locator('#verdict-time').inputValue(), '5000', 'kept after a reload');
    const shown = await verdictShownMs(page, 'malformed');
    await wedgeScan(page, 'https://example.org/still-not-a-badge');
    await waitVerdict(page, (v) => v.kind === 'neutral', 'grey');
    assert.equal(await page.locator('#verdict-bar').evaluate((b) => b.style.animationDuration), '5000ms');
    const ms = await shown();
    assert.ok(ms >= 4900, `shown for ${Math.round(ms)} ms`);
    await page.context().close();
});

test('door: German red verdict without English, and no glyph outside common fonts', async () => {
    const page = await openDoor({ viewport: TABLET, locale: 'de-DE' });
    await wedgeScan(page, forgedToken(event.tokenOf(ROSTER[4].name)));
    const red = await waitVerdict(page, (v) => v.kind === 'err', 'red');
    assert.match(red.title, /Badge ungültig/);
    assert.doesNotMatch(red.text, /signature|invalid|forged|damaged|Badge is|help desk/i, `German only: "${red.text}"`);
    assert.doesNotMatch(red.text, RISKY_GLYPH);
    await page.click('#verdict');
    const main = await page.locator('main').evaluate((m) => m.textContent + [...m.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label')).join(' '));
    assert.doesNotMatch(main, RISKY_GLYPH, 'door screen');
    assert.ok(await page.locator('#direction-toggle svg.icon').count() >= 2, 'direction icons are SVG');
    await page.click('#helpdesk-open');
    await page.locator('#search').pressSequentially('er', { delay: 30 }); // present and absent people
    await eventually(async () => (await page.locator('#results .result').count()) >= 3, { message: 'search results' });
    assert.doesNotMatch(await page.locator('#helpdesk').textContent(), RISKY_GLYPH, 'help desk');
    await page.context().close();

    const mod = await openPage(browser, `${server.url}/moderator#key=${event.keys.moderator}`, { viewport: DESKTOP, errors });
    const add = mod.locator('#add-toggle');
    await add.locator('svg.icon').waitFor({ timeout: 5000 });
    assert.doesNotMatch(await add.textContent(), RISKY_GLYPH, 'moderator "Add item"');
    await mod.context().close();
});

test('door: the side column fits at 1024x768 and 768x1024; the phone shows the door name', async () => {
    for (const viewport of [TABLET, TABLET_PORTRAIT]) {
        const page = await openDoor({ viewport, locale: 'de-DE' });
        await wedgeScan(page, event.tokenOf(ROSTER[2].name)); // Undo then names a person
        await page.click('#verdict', { timeout: 5000 });
        const clipped = await page.evaluate(() => [...document.querySelectorAll('.door-side *')]
            .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5 || el.scrollWidth > el.clientWidth + 1)
            .map((el) => `${el.tagName}#${el.id}.${el.className}`));
        assert.deepEqual(clipped, [], `${viewport.width}x${viewport.height}`);
        await screenshot(page, `door-tablet-${viewport.width}x${viewport.height}`);
        await page.context().close();
    }
    const phone = await openDoor({ viewport: PHONE, locale: 'de-DE' });
    const device = phone.locator('.topbar .device-name');
    assert.match(await device.textContent(), /Tür 1/);
    assert.ok(await device.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the door name is not cut');
    await screenshot(phone, 'door-phone-topbar');
    await phone.context().close();
});

test('door: the walk-in badge prints as A6 or a 62 mm label, band translated, no token', async () => {
    const page = await openDoor({ locale: 'de-DE' });
    await page.evaluate(() => { window.__prints = 0; window.print = () => { window.__prints++; }; });
    await page.click('#helpdesk-open');
    await page.click('#helpdesk .tab[data-tab=walkin]');
    await page.fill('#walkin-form [name=name]', 'Ola Druck');
    await page.selectOption('#walkin-form [name=category]', 'guest');
    await page.click('#walkin-form button[type=submit]');
    await waitVerdict(page, (v) => v.kind === 'ok' && v.name === 'Ola Druck', 'the walk-in welcome');
    await page.click('#verdict');
    const badge = page.locator('#walkin-badge .print-badge');
    await badge.waitFor({ timeout: 5000 });
    assert.equal(await badge.locator('.badge-band').textContent(), 'Gast');
    const token = await decodeBadgeQr(page);
    assert.match(token, /^SD1\./);
    assert.equal((await page.locator('#walkin-badge').textContent()).includes(token), false, 'no raw token');
    assert.doesNotMatch(await page.locator('#walkin-badge').textContent(), RISKY_GLYPH);
    await page.click('#print-badge');
    assert.equal(await page.evaluate(() => window.__prints), 1, 'the print dialog was asked for');

    const pageSize = async () => {
        const pdf = (await page.pdf({ preferCSSPageSize: true })).toString('latin1');
        const boxes = [...pdf.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
        const mm = (pt) => Math.round(pt / 72 * 25.4);
        return boxes.map(([w, hgt]) => `${mm(w)}x${mm(hgt)}`);
    };
    assert.deepEqual(await pageSize(), ['105x148'], 'one A6 page');
    await page.selectOption('#walkin-badge .badge-format', 'label');
    assert.deepEqual(await pageSize(), ['62x100'], 'one 62 mm label');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('main').isVisible(), false, 'only the badge is printed');
    assert.equal(await badge.isVisible(), true);
    await screenshot(page, 'door-walkin-print');
    await page.context().close();
    assert.deepEqual(errors, []);
});
