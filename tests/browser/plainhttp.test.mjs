// /door over plain http from another machine, as a PC with a USB scanner on the venue network
// opens it: not a secure context, so no crypto.randomUUID and no camera. Scans, help-desk
// check-ins and walk-ins must all still work. The host name is mapped to 127.0.0.1 inside
// Chromium; nothing leaves the machine.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, ROSTER, closeEvent, eventually, getJson, openEvent, openPage, wedgeScan } from './lib.mjs';

const HOST = 'door-pc.venue.test';
let event;
let server;
let browser;
let page;
const errors = [];

const verdict = (p) => p.evaluate(() => ({
    hidden: document.getElementById('verdict').hidden,
    kind: document.getElementById('verdict').dataset.kind,
    name: document.getElementById('verdict-name').textContent,
}));
const waitVerdict = (p, predicate, message) => eventually(async () => {
    const v = await verdict(p);
    return !v.hidden && predicate(v) ? v : false;
}, { timeoutMs: 5000, message });

before(async () => ({ event, server, browser } = await openEvent({
    browserArgs: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
})));
after(() => closeEvent({ browser, server, event }));

test('plain http: the door page is not a secure context and still admits a scanned badge', async () => {
    page = await openPage(browser, `http://${HOST}:${server.port}/door#key=${event.keys.door}`, { viewport: DESKTOP, errors });
    assert.equal(await page.evaluate(() => window.isSecureContext), false);
    assert.equal(await page.evaluate(() => typeof crypto.randomUUID), 'undefined');
    await eventually(() => page.evaluate(() => document.body.dataset.connection === 'online' || !!window.stagedoorDoor),
        { message: 'the door page started' });
    await wedgeScan(page, event.tokenOf(ROSTER[0].name));
    const v = await waitVerdict(page, (x) => x.kind === 'ok', 'the green welcome over plain http');
    assert.equal(v.name, ROSTER[0].name);
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.arrived, 1);
});

test('plain http: a walk-in is registered once', async () => {
    await page.click('#helpdesk-open');
    await page.click('#helpdesk .tab[data-tab=walkin]');
    await page.fill('#walkin-form [name=name]', 'Pia Plain');
    await page.click('#walkin-form button[type=submit]');
    await waitVerdict(page, (x) => x.kind === 'ok' && x.name === 'Pia Plain', 'the walk-in welcome');
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.walk_ins, 1);
    assert.equal(attendance.arrived, 2);
    assert.deepEqual(errors, []);
});
