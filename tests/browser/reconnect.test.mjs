// Stop the server under open pages, start it again on the same port: the pages say they are
// offline, keep the stage counting, and recover without a reload.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, closeEvent, eventually, openEvent, openPage, screenshot, startServer } from './lib.mjs';

let event;
let server;
let browser;
const errors = [];

before(async () => ({ event, server, browser } = await openEvent()));
after(() => closeEvent({ browser, server, event }));

test('reconnect: pages go offline and come back without a reload', async () => {
    const door = await openPage(browser, `${server.url}/door#key=${event.keys.door}`, { viewport: DESKTOP, errors });
    const stage = await openPage(browser, `${server.url}/stage#key=${event.keys.stage}`, { viewport: DESKTOP, errors });
    const dash = await openPage(browser, `${server.url}/dashboard#key=${event.keys.organiser}`, { viewport: DESKTOP, errors });
    const pages = [door, stage, dash];
    for (const p of pages) {
        await eventually(() => p.evaluate(() => document.body.dataset.conn === 'online'), { message: `${p.url()} online` });
        await p.evaluate(() => { window.__sameDocument = true; });
    }
    const port = server.port;
    await server.stop();
    for (const p of pages) {
        await eventually(() => p.evaluate(() => document.body.dataset.conn === 'offline'), { message: `${p.url()} says offline` });
    }
    assert.equal(await door.locator('.offline-banner').isVisible(), true, 'the door shows the banner');
    assert.match(await door.locator('.offline-banner').textContent(), /No connection/);
    await stage.locator('#stale').waitFor({ state: 'visible', timeout: 3000 });
    assert.match(await stage.locator('#stale').textContent(), /Offline/);
    await screenshot(door, 'door-offline-desktop');

    server = await startServer(event.data, { listen: `127.0.0.1:${port}` });
    for (const p of pages) {
        await eventually(() => p.evaluate(() => document.body.dataset.conn === 'online'), { timeoutMs: 20000, message: `${p.url()} back online` });
        assert.equal(await p.evaluate(() => window.__sameDocument), true, 'no reload');
    }
    assert.equal(await door.locator('.offline-banner').isVisible(), false);
    // resynced from the snapshot: the dashboard has its numbers again
    await eventually(async () => (await dash.locator('#kpi-expected').textContent()) !== '–', { message: 'dashboard resynced' });
    assert.deepEqual(errors, []);
});

test('reconnect: a rejected key asks for a new one instead of retrying', async () => {
    const door = await openPage(browser, `${server.url}/door#key=not-the-key`, { viewport: DESKTOP, errors });
    await door.locator('.key-dialog:not([hidden])').waitFor({ timeout: 5000 });
    assert.match(await door.locator('.key-dialog h2').textContent(), /Key rejected/);
    assert.equal(await door.evaluate(() => window.stagedoorDoor.conn.state), 'unauthorized');
    await door.fill('#key-input', event.keys.door);
    await door.click('.key-form button[type=submit]');
    await eventually(() => door.evaluate(() => document.body.dataset.conn === 'online'), { message: 'online with the right key' });
    assert.equal(await door.locator('.key-dialog').isHidden(), true);
});

test('reconnect: when updates stop, the stage keeps counting and says so', async () => {
    const mod = await openPage(browser, `${server.url}/moderator#key=${event.keys.moderator}`, { viewport: DESKTOP, errors });
    const stage = await openPage(browser, `${server.url}/stage#key=${event.keys.stage}`, { viewport: DESKTOP, errors });
    for (const p of [mod, stage]) await eventually(() => p.evaluate(() => document.body.dataset.conn === 'online'), { message: 'online' });
    await mod.evaluate(() => window.stagedoorModerator.conn.request({ type: 'agenda_add', item: { title: 'Long talk', duration_ms: 600000 } }));
    await eventually(() => mod.evaluate(() => window.stagedoorModerator.agenda?.items.length > 0), { message: 'agenda' });
    await mod.click('#ctl-play');
    await stage.waitForFunction(() => document.body.dataset.state === 'running', null, { timeout: 5000 });

    server.child.kill('SIGSTOP'); // the socket stays open, nothing arrives: a hung server or network
    try {
        await stage.locator('#stale').waitFor({ state: 'visible', timeout: 20000 });
        assert.match(await stage.locator('#stale').textContent(), /No update for \d+ s – still counting/);
        const first = await stage.locator('#clock').textContent();
        await eventually(async () => (await stage.locator('#clock').textContent()) !== first, { timeoutMs: 2500, message: 'the clock keeps counting' });
        await screenshot(stage, 'stage-stale-desktop');
    } finally {
        server.child.kill('SIGCONT');
    }
    await stage.locator('#stale').waitFor({ state: 'hidden', timeout: 15000 });
    assert.deepEqual(errors, []);
});
