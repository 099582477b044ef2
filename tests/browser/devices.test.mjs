// Devices in real Chromium against the real server: the dashboard pairs a door by QR code, a
// second browser context opens the pairing link and checks a badge in without ever seeing a
// role key, the dashboard removes it and it says so; the audit log lists what was done.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { DESKTOP, ROSTER, closeEvent, eventually, getJson, openEvent, openPage, screenshot, wedgeScan } from './lib.mjs';

let event;
let server;
let browser;
let dash;
let door;
let link;
const errors = [];
const seenByDoor = []; // every URL the door requested and every WebSocket frame it sent or got

before(async () => ({ event, server, browser } = await openEvent()));
after(() => closeEvent({ browser, server, event }));

/** Opens `url` in a fresh context that records what crosses its network boundary. */
async function openRecorded(url) {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => seenByDoor.push(r.url()));
    page.on('response', async (r) => seenByDoor.push(await r.text().catch(() => '')));
    page.on('websocket', (ws) => {
        ws.on('framesent', (f) => seenByDoor.push(String(f.payload)));
        ws.on('framereceived', (f) => seenByDoor.push(String(f.payload)));
    });
    await page.goto(url);
    return page;
}

const roleKeys = () => Object.values(event.keys);
const notice = (page) => page.evaluate(() => {
    const el = document.querySelector('.device-notice');
    return el && !el.hidden ? { kind: el.dataset.kind, text: el.textContent } : null;
});
/** Waits for the notice of `kind`: a pairing link shows "pairing…" first, then its outcome. */
async function noticeOf(page, kind, message) {
    let seen = null;
    try {
        return await eventually(async () => {
            seen = await notice(page);
            return seen?.kind === kind ? seen : null;
        }, { timeoutMs: 5000, message });
    } catch (err) {
        throw new Error(`${err.message}; the screen showed ${JSON.stringify(seen)}`);
    }
}

test('devices: "Add a door" shows a QR code, the link and its expiry', async () => {
    dash = await openPage(browser, `${server.url}/dashboard#key=${event.keys.organiser}`, { viewport: DESKTOP, errors });
    await dash.waitForFunction(() => document.body.dataset.conn === 'online');
    await dash.locator('.device-add button[data-role="door"]').click();
    assert.equal(await dash.locator('#pair-name').inputValue(), 'Door 1', 'a name is suggested');
    await dash.locator('.pair-form button[type="submit"]').click();
    const qr = dash.locator('.pair-result img.pair-qr');
    await qr.waitFor({ timeout: 5000 });
    assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml;charset=utf-8,%3C/);
    assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR image renders');
    link = await dash.locator('.pair-link').inputValue();
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/door#pair=[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    assert.match(await dash.locator('.pair-expiry').textContent(), /Valid for (29:[0-5]\d|30:00)/);
    await screenshot(dash, 'devices-pairing');
});

test('devices: the pairing link opens a working door without any role key', async () => {
    door = await openRecorded(link);
    await door.waitForFunction(() => document.body.dataset.conn === 'online', null, { timeout: 10000 });
    assert.equal(new URL(door.url()).hash, '', 'the code leaves the address bar');
    assert.match(await door.locator('.device-name').textContent(), /^Door 1$/, 'the name the organiser gave');
    const storage = await door.evaluate(() => ({ ...localStorage }));
    assert.match(storage['stagedoor.token.door'] || '', /^sdd_\d+_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(Object.keys(storage).filter((k) => k.startsWith('stagedoor.key.')), []);

    await wedgeScan(door, event.tokenOf(ROSTER[0].name));
    await eventually(async () => (await door.locator('#verdict').getAttribute('data-kind')) === 'ok', { message: 'the welcome' });
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.arrived, 1);
    assert.match(attendance.recent[0].device, /^Door 1\b/, 'the scan carries the server-given name');

    const page = await door.content();
    for (const key of roleKeys()) {
        assert.ok(!page.includes(key), 'no role key in the page');
        assert.ok(!JSON.stringify(storage).includes(key), 'no role key in storage');
        assert.ok(!seenByDoor.some((text) => text.includes(key)), 'no role key on the wire');
    }
});

test('devices: the list shows the door online; removing it shows "this device was removed"', async () => {
    const row = dash.locator('#device-list tr.device-row', { hasText: 'Door 1' });
    await eventually(async () => (await row.getAttribute('data-status')) === 'online', { timeoutMs: 8000, message: 'Door 1 online in the list' });
    assert.match(await row.textContent(), /127\.0\.0\.1/);
    assert.match(await row.textContent(), /web 0\.2 Chrome\/\d+/);
    await row.locator('.device-revoke').click();
    assert.match(await row.locator('.confirm-text').textContent(), /Really remove “Door 1”/);
    await row.locator('.device-revoke-confirm').click();

    const shown = await noticeOf(door, 'removed', 'the removed screen');
    assert.match(shown.text, /This device was removed/);
    assert.equal(await door.evaluate(() => localStorage.getItem('stagedoor.token.door')), null, 'the token is deleted');
    await screenshot(door, 'devices-removed');
    await eventually(async () => (await row.getAttribute('data-status')) === 'removed', { timeoutMs: 8000, message: 'Door 1 removed in the list' });
});

test('devices: a used pairing code gets a clear screen', async () => {
    const again = await openRecorded(link);
    const shown = await noticeOf(again, 'pairFailed', 'the pairing-failed screen');
    assert.match(shown.text, /already used or has expired – ask the organiser for a new one/);
    assert.equal(new URL(again.url()).hash, '');
    await again.context().close();
});

test('devices: the audit log lists the pairing and the removal, and downloads as CSV', async () => {
    const list = dash.locator('#audit-list');
    await eventually(async () => {
        const text = await list.textContent();
        return ['Pairing code created', 'Device paired', 'Device removed'].every((s) => text.includes(s));
    }, { timeoutMs: 10000, message: 'the audit entries' });
    const actions = await dash.locator('#audit-list tr.audit-row').evaluateAll((rows) => rows.map((r) => r.dataset.action));
    assert.deepEqual(actions.filter((a) => a.startsWith('device.')), ['device.revoke', 'device.paired', 'device.pair_code'], 'newest first');

    await dash.locator('#audit-action').selectOption('device.revoke');
    await eventually(async () => (await dash.locator('#audit-list tr.audit-row').count()) === 1, { message: 'the filter' });

    const [download] = await Promise.all([dash.waitForEvent('download'), dash.locator('#audit-csv-excel').click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv, /device\.revoke/);
    assert.ok(csv.split('\n')[0].includes(';'), 'semicolons for Excel');
    assert.deepEqual(errors, []);
});
