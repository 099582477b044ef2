// The dashboard's audit log panel in real Chromium against the real server: a manual check-in
// and an undo appear newest first, the action filter narrows the list, and "for Excel (;)"
// saves a semicolon CSV fetched with the Authorization header (no key in any URL).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { DESKTOP, ROSTER, closeEvent, dashboardCheckIn, eventually, openEvent, openPage } from './lib.mjs';

let event;
let server;
let browser;
let dash;
const errors = [];
const urls = [];

before(async () => ({ event, server, browser } = await openEvent()));
after(() => closeEvent({ browser, server, event }));

const auditActions = () => dash.locator('#audit-list tr.audit-row').evaluateAll((rows) => rows.map((r) => r.dataset.action));

test('audit panel: a manual check-in and its undo are listed, newest first', async () => {
    dash = await openPage(browser, `${server.url}/dashboard#key=${event.keys.organiser}`, { viewport: DESKTOP, errors });
    dash.on('request', (r) => urls.push(r.url()));
    await dash.waitForFunction(() => document.body.dataset.conn === 'online');
    await dashboardCheckIn(dash, 'Richter', ROSTER[3].name, 1);
    await dash.locator('#undo-last').click();
    await eventually(async () => (await auditActions()).join() === 'undo,checkin.manual', { timeoutMs: 10000, message: 'undo above the check-in' });
    assert.match(await dash.locator('#audit-list').textContent(), /Manual check-in/);
    assert.match(await dash.locator('#audit-refusals').textContent(), /No refused attempts/);
});

test('audit panel: the action filter and the Excel CSV', async () => {
    await dash.locator('#audit-action').selectOption('checkin.manual');
    await eventually(async () => (await auditActions()).join() === 'checkin.manual', { message: 'only the check-in' });
    const [download] = await Promise.all([dash.waitForEvent('download'), dash.locator('#audit-csv-excel').click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    assert.equal(lines.length, 2, csv);
    assert.match(lines[0], /^seq;time;/);
    assert.match(lines[1], /;checkin\.manual;/);
    assert.ok(!urls.some((u) => u.includes(event.keys.organiser)), 'no key in any URL the panel fetched');
    assert.deepEqual(errors, []);
});
