// Door and run of show together: a pitcher two items away is announced at the door, and the
// moderator sees them arrive when the door scans their badge.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, ROSTER, closeEvent, eventually, openEvent, openPage, screenshot, wedgeScan } from './lib.mjs';

let event;
let server;
let browser;
const errors = [];

before(async () => ({ event, server, browser } = await openEvent()));
after(() => closeEvent({ browser, server, event }));

test('on deck: the door hears about the pitcher, the moderator sees them arrive', async () => {
    const door = await openPage(browser, `${server.url}/door#key=${event.keys.door}`, { viewport: DESKTOP, errors });
    const mod = await openPage(browser, `${server.url}/moderator#key=${event.keys.moderator}`, { viewport: DESKTOP, errors });
    for (const p of [door, mod]) await eventually(() => p.evaluate(() => document.body.dataset.conn === 'online'), { message: 'online' });
    const pitcher = ROSTER[0];
    const found = await door.evaluate((q) => window.stagedoorDoor.conn.request({ type: 'lookup', query: q }), 'Köhler');
    const speakerId = found.attendees.find((a) => a.name === pitcher.name).id;

    const add = (item) => mod.evaluate((it) => window.stagedoorModerator.conn.request({ type: 'agenda_add', item: it }), item);
    await add({ title: 'Opening', kind: 'talk', duration_ms: 300000 });
    await add({ title: 'Keynote', kind: 'talk', duration_ms: 600000 });
    await add({ title: 'Solar roofs for everyone', kind: 'pitch', speaker_id: speakerId, duration_ms: 300000 });
    await eventually(() => mod.evaluate(() => window.stagedoorModerator.agenda?.items.length === 3), { message: 'three items' });
    const row = mod.locator('.agenda-item', { hasText: 'Solar roofs' });
    assert.match(await row.textContent(), /missing/, 'the pitcher is not here yet, in words');

    await mod.click('#ctl-play'); // Opening starts: the pitch is two items away
    const notice = door.locator('.on-deck');
    await notice.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await notice.textContent(), new RegExp(pitcher.name));
    assert.match(await notice.textContent(), /not here yet/);
    await screenshot(door, 'door-ondeck-desktop');

    await wedgeScan(door, event.tokenOf(pitcher.name));
    await eventually(async () => /^ here$/.test(await notice.locator('.tag.tag-ok').textContent()) && (await notice.locator('.tag.tag-ok svg.icon').count()) === 1,
        { timeoutMs: 3000, message: 'the door notice says the pitcher is here (with its check icon)' });
    await eventually(async () => /here/.test(await row.locator('.tag').textContent()) && !/missing/.test(await row.textContent()),
        { timeoutMs: 3000, message: 'the moderator sees the pitcher arrive' });
    assert.deepEqual(errors, []);
});
