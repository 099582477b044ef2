// /dashboard in real Chromium: a scan from another client moves "arrived" within a second, and
// a VIP's arrival raises the banner.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, ROSTER, closeEvent, dashboardCheckIn, eventually, openEvent, openPage, screenshot } from './lib.mjs';

let event;
let server;
let browser;
let dash;
let door; // a second client: a raw WebSocket inside a page of the server's origin
const errors = [];

before(async () => ({ event, server, browser } = await openEvent()));
after(() => closeEvent({ browser, server, event }));

/** Opens a door session over a raw WebSocket in `page`; window.doorScan(token) resolves with the reply. */
async function rawDoor(page, key) {
    await page.evaluate((key) => new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/ws`);
        const waiting = new Map();
        let id = 1;
        ws.onmessage = (e) => {
            const m = JSON.parse(e.data);
            if (m.re !== undefined && waiting.has(m.re)) {
                waiting.get(m.re)(m);
                waiting.delete(m.re);
            }
        };
        const send = (msg) => new Promise((res) => {
            const n = id++;
            waiting.set(n, res);
            ws.send(JSON.stringify({ ...msg, id: n }));
        });
        ws.onopen = async () => {
            const w = await send({ type: 'hello', protocol: 1, role: 'door', device: 'Door 7', key });
            if (w.type !== 'welcome') reject(new Error(JSON.stringify(w)));
            window.doorScan = (payload) => send({ type: 'scan', scan_id: crypto.randomUUID(), payload, direction: 'in', at: Date.now() });
            resolve();
        };
        ws.onerror = () => reject(new Error('websocket failed'));
    }), key);
}

test('dashboard: the snapshot shows the roster', async () => {
    dash = await openPage(browser, `${server.url}/dashboard#key=${event.keys.organiser}`, { viewport: DESKTOP, errors });
    await eventually(async () => (await dash.locator('#kpi-expected').textContent()) === String(ROSTER.length), { message: 'expected count' });
    assert.equal(await dash.locator('#kpi-arrived').textContent(), '0');
    assert.match(await dash.locator('#vips-missing').textContent(), new RegExp(ROSTER[1].name), 'the VIP is listed as missing');
    const links = await dash.evaluate(() => [...document.querySelectorAll('.tools a')].map((a) => a.getAttribute('href')));
    assert.deepEqual(links, [
        `/api/attendance.csv?key=${event.keys.organiser}`,
        `/api/report.csv?key=${event.keys.organiser}`,
        `/badges?key=${event.keys.organiser}`,
    ]);
});

test('dashboard: a scan elsewhere moves "arrived" within one second', async () => {
    door = await openPage(browser, `${server.url}/healthz`, { errors });
    await rawDoor(door, event.keys.door);
    const sent = Date.now();
    const reply = await door.evaluate((t) => window.doorScan(t), event.tokenOf(ROSTER[0].name));
    assert.equal(reply.result, 'ok', JSON.stringify(reply));
    await dash.waitForFunction(() => document.getElementById('kpi-arrived').textContent === '1', null, { timeout: 1000 });
    const took = Date.now() - sent;
    assert.ok(took < 1000, `arrived moved after ${took} ms`);
    await eventually(async () => (await dash.locator('#feed').textContent()).includes(ROSTER[0].name), { timeoutMs: 1000, message: 'the feed shows the arrival' });
    assert.match(await dash.locator('#doors').textContent(), /Door 7/);
});

test('dashboard: a VIP arrival raises the banner', async () => {
    await door.evaluate((t) => window.doorScan(t), event.tokenOf(ROSTER[1].name));
    const banner = dash.locator('#vip-banner');
    await banner.waitFor({ state: 'visible', timeout: 1500 });
    assert.match(await banner.textContent(), new RegExp(`VIP arrived: ${ROSTER[1].name}`));
    await eventually(async () => (await dash.locator('#vips-arrived').textContent()).includes(ROSTER[1].name), { message: 'the VIP moves to arrived' });
    assert.equal(await dash.locator('#kpi-arrived').textContent(), '2');
    await screenshot(dash, 'dashboard-desktop');
});

test('dashboard: a rejected scan is counted by reason', async () => {
    await door.evaluate(() => window.doorScan('https://example.org/not-a-badge'));
    await eventually(async () => (await dash.locator('#kpi-rejected').textContent()) === '1', { timeoutMs: 2000, message: 'rejected count' });
    assert.match(await dash.locator('#rejected').textContent(), /Not a stagedoor badge|Unknown badge/);
});

test('dashboard: search and manual check-in, then undo', async () => {
    await dashboardCheckIn(dash, 'Richter', ROSTER[3].name, 3);
    await dash.locator('#undo-last').click();
    await eventually(async () => (await dash.locator('#kpi-arrived').textContent()) === '2', { message: 'undo counted' });
});

test('dashboard: phone layout', async () => {
    const phone = await openPage(browser, `${server.url}/dashboard#key=${event.keys.organiser}`, { viewport: PHONE, locale: 'de-DE', errors });
    await eventually(async () => (await phone.locator('#kpi-arrived').textContent()) === '2', { message: 'phone dashboard' });
    await screenshot(phone, 'dashboard-phone');
    await phone.context().close();
    assert.deepEqual(errors, []);
});
