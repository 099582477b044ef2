// /dashboard in real Chromium: a scan from another client moves "arrived" within a second, and
// a VIP's arrival raises the banner.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, ROSTER, closeEvent, dashboardCheckIn, eventually, getJson, openEvent, openPage, screenshot } from './lib.mjs';

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
    // Every export twice: comma-separated, and for a German Excel (;); the ledger is linked too;
    // no key in any link.
    assert.deepEqual(links, [
        '/api/attendance.csv',
        '/api/attendance.csv?sep=semicolon',
        '/api/ledger.csv',
        '/api/ledger.csv?sep=semicolon',
        '/api/report.csv',
        '/api/report.csv?sep=semicolon',
        '/report',
        '/badges',
    ]);
    const excel = await dash.locator('#export-attendance a', { hasText: 'for Excel (;)' });
    const [download] = await Promise.all([dash.waitForEvent('download'), excel.click()]);
    assert.match(download.url(), /\/api\/attendance\.csv\?sep=semicolon&dl=[A-Za-z0-9_-]{43}$/);
    // Read as bytes, keeping the byte order mark.
    const text = readFileSync(await download.path(), 'utf8');
    assert.ok(text.startsWith('\uFEFFid;external_id;name;organisation;'), JSON.stringify(text.slice(0, 60)));
});

test('dashboard: exports and the badge sheet open through one-time links, never with the key', async () => {
    const [download] = await Promise.all([dash.waitForEvent('download'), dash.click('#dl-attendance')]);
    const url = download.url();
    assert.match(url, /\/api\/attendance\.csv\?dl=[A-Za-z0-9_-]{43}$/);
    assert.ok(!url.includes(event.keys.organiser));
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv, /^\uFEFFid,external_id,name/);
    assert.match(csv, new RegExp(ROSTER[0].name));
    assert.equal((await fetch(url)).status, 401, 'the link works once');
    assert.equal((await fetch(`${server.url}/api/attendance.csv?key=${event.keys.organiser}`)).status, 401, 'no key in a URL');

    const [sheet] = await Promise.all([dash.context().waitForEvent('page'), dash.click('#open-badges')]);
    await sheet.waitForURL(/\/badges\?dl=/);
    assert.ok(!sheet.url().includes(event.keys.organiser));
    await eventually(async () => (await sheet.content()).includes(ROSTER[0].name), { message: 'the badge sheet shows the roster' });
    await sheet.close();
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

test('dashboard: rejections by reason in organiser words, not the prompts for attendees', async () => {
    await door.evaluate((t) => window.doorScan(t), event.tokenOf(ROSTER[0].name)); // already in
    await eventually(async () => (await dash.locator('#rejected').textContent()).includes('Already inside'), { timeoutMs: 2000, message: 'the double scan' });
    const reasons = await dash.locator('#rejected li').allTextContents();
    assert.deepEqual(reasons.map((r) => r.replace(/^\d+/, '')).sort(), ['! Already inside (scanned twice)', '✕ Not a stagedoor badge']);
    assert.ok(!reasons.some((r) => /please/i.test(r)), reasons.join(' | '));
});

test("dashboard: an undone check-in leaves the door's admitted count", async () => {
    const admittedBy = async (device) => {
        const row = dash.locator('#doors tbody tr', { hasText: device });
        return Number(await row.locator('td').first().textContent());
    };
    assert.equal(await admittedBy('Door 7'), 2);
    assert.equal((await door.evaluate((t) => window.doorScan(t), event.tokenOf(ROSTER[2].name))).result, 'ok');
    await eventually(async () => (await admittedBy('Door 7')) === 3, { timeoutMs: 2000, message: 'three admitted' });
    // Undone from the dashboard (another device than the door that admitted).
    await dash.locator('#feed li', { hasText: ROSTER[2].name }).locator('.feed-undo').click();
    await eventually(async () => (await dash.locator('#kpi-arrived').textContent()) === '2', { message: 'the undo is counted' });
    await eventually(async () => (await admittedBy('Door 7')) === 2, { timeoutMs: 2000, message: 'the door admitted two again (live)' });
    const snapshot = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(snapshot.devices.find((d) => d.device === 'Door 7').admitted, 2, 'and in the snapshot');
});

test('dashboard: "Pitchers" lists pitch items only', async () => {
    const ids = await dash.evaluate(async (names) => {
        const out = [];
        for (const name of names) out.push((await window.stagedoorDashboard.conn.request({ type: 'lookup', query: name })).attendees[0].id);
        return out;
    }, [ROSTER[1].name, ROSTER[0].name]);
    const add = (item) => dash.evaluate((i) => window.stagedoorDashboard.conn.request({ type: 'agenda_add', item: i }), item);
    assert.equal((await add({ title: 'Welcome', kind: 'talk', speaker_id: ids[0], duration_ms: 300000 })).type, 'ok');
    assert.equal((await add({ title: 'Solar roofs', kind: 'pitch', speaker_id: ids[1], duration_ms: 180000 })).type, 'ok');
    await eventually(async () => (await dash.locator('#pitchers').textContent()).includes(ROSTER[0].name), { message: 'the pitcher is listed' });
    assert.doesNotMatch(await dash.locator('#pitchers').textContent(), new RegExp(ROSTER[1].name), 'the welcome speaker is no pitcher');
    assert.equal(await dash.locator('#pitchers li').count(), 1);
});

test('dashboard: the printable report (attendance, arrivals, pitch plan) prints as PDF', async () => {
    const report = await dash.context().newPage();
    report.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await report.goto(`${server.url}${await dash.locator('#open-report').getAttribute('href')}`);
    await report.waitForFunction(() => document.body.dataset.ready, null, { timeout: 10000 });
    assert.equal(await report.evaluate(() => document.body.dataset.ready), 'true', await report.locator('#report-error').textContent());
    assert.match(await report.locator('#report-title').textContent(), /Browser Test Event/);
    const summary = await report.locator('#summary').textContent();
    assert.match(summary, new RegExp(`Arrived\\s*2 / ${ROSTER.length}`));
    assert.match(summary, /VIPs here\s*1 \/ 1/);
    assert.ok(await report.locator('#arrivals svg rect.bar').count() >= 1, 'the arrivals chart has a bar');
    const rows = await report.locator('#pitch-plan tbody tr').allTextContents();
    assert.equal(rows.length, 1, rows.join(' | '));
    assert.match(rows[0], /Solar roofs/);
    assert.match(rows[0], new RegExp(ROSTER[0].name));
    assert.match(rows[0], /3:00/);
    await screenshot(report, 'report-desktop');
    // Printed: no button, white paper, one A4 page for this small event.
    await report.emulateMedia({ media: 'print' });
    assert.equal(await report.locator('#print').isVisible(), false);
    const pdf = await report.pdf({ format: 'A4', printBackground: true });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    assert.equal(pages, 1, `${pages} pages`);
    await report.close();
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
