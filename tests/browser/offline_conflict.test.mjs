// Two doors offline admit the same badge (issue 12): after the server is back and both queues
// are synced, the organiser's dashboard lists exactly one offline conflict naming both doors and
// their times, and the person is counted once. Real Chromium, real server (SIGKILLed, restarted).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
    DESKTOP, ROSTER, closeEvent, eventually, getJson, openEvent, openPage, screenshot, staysTheSame, waitDoorVerdict,
    wedgeScan,
} from './lib.mjs';

let event;
let server;
let browser;
const errors = [];

before(async () => ({ event, server, browser } = await openEvent()));
after(() => closeEvent({ browser, server, event }));

/** A door page on its own browser profile, named `name` (a role-key door names itself). */
async function openDoor(name) {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    await context.addInitScript((device) => localStorage.setItem('stagedoor.device.door', device), name);
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${name} pageerror: ${e.message}`));
    await page.goto(`${server.url}/door#key=${event.keys.door}`);
    await eventually(() => page.evaluate(() => window.stagedoorDoor.offline.ready), { timeoutMs: 15000, message: `${name} has its offline list` });
    return page;
}

const modeOf = (p) => p.evaluate(() => ({ mode: document.getElementById('mode-pill').dataset.mode, queued: Number(document.getElementById('mode-pill').dataset.queued) }));
const conflictRows = (dash) => dash.locator('#conflicts .conflict').evaluateAll((rows) => rows.map((r) => r.textContent));

test('offline conflict: two offline doors admit one badge, the dashboard shows one conflict naming both', async () => {
    const door1 = await openDoor('Door 1');
    const door2 = await openDoor('Door 2');
    const dash = await openPage(browser, `${server.url}/dashboard#key=${event.keys.organiser}`, { viewport: { width: 1440, height: 900 }, errors });
    await eventually(() => dash.evaluate(() => document.body.dataset.conn === 'online'), { message: 'dashboard online' });
    assert.deepEqual(await conflictRows(dash), [], 'no conflict yet');
    assert.match(await dash.locator('#conflicts').textContent(), /No conflicts/);

    await server.kill();
    const person = ROSTER[1].name;
    for (const door of [door1, door2]) {
        await eventually(async () => (await modeOf(door)).mode === 'offline', { timeoutMs: 10000, message: 'door offline' });
        await wedgeScan(door, event.tokenOf(person));
        await waitDoorVerdict(door, (v) => v.kind === 'ok' && v.offline && v.name === person, 'admitted offline');
        await eventually(async () => (await modeOf(door)).queued === 1, { message: 'one attempt queued' });
    }

    server = await server.restart();
    for (const door of [door1, door2]) {
        await eventually(async () => {
            const m = await modeOf(door);
            return m.mode === 'online' && m.queued === 0;
        }, { timeoutMs: 40000, message: 'the door synced its queue' });
    }
    await eventually(async () => (await conflictRows(dash)).length > 0, { timeoutMs: 20000, message: 'the conflict on the dashboard' });
    // one conflict, and it stays one (the push and the next snapshot are the same conflict)
    assert.equal(await staysTheSame(async () => (await conflictRows(dash)).length, 1500), 1);
    const [row] = await conflictRows(dash);
    assert.match(row, /Admitted twice/);
    assert.match(row, new RegExp(person));
    assert.match(row, /Door 1 at \d\d:\d\d \(offline\)/);
    assert.match(row, /Door 2 at \d\d:\d\d \(offline\)/);
    await dash.locator('#conflicts-panel').scrollIntoViewIfNeeded();
    await screenshot(dash, 'dashboard-offline-conflict');

    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.arrived, 1, 'the person is counted once');
    assert.equal(attendance.present, 1);
    assert.equal(attendance.conflicts.length, 1);
    const api = await getJson(server, '/api/offline/conflicts', event.keys.organiser);
    assert.equal(api.conflicts.length, 1);
    assert.deepEqual(api.conflicts[0].scans.map((s) => s.device).sort(), ['Door 1', 'Door 2']);

    // a reloaded dashboard lists it from the snapshot alone
    await dash.reload();
    await eventually(async () => (await conflictRows(dash)).length === 1, { timeoutMs: 10000, message: 'the conflict after a reload' });
    assert.deepEqual(errors, []);
});
