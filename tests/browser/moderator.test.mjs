// The moderator console at event size: the phone's bottom bar and "Now" card (German), and on a
// desktop the agenda row's "Load" / "Start now", undoing a mistaken Next and the hotkeys.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, ROSTER, closeEvent, eventually, openEvent, openPage, screenshot } from './lib.mjs';

const errors = [];
const run = {}; // {event, server, browser} of this file's event
const PITCHER = ROSTER[0].name;
before(async () => {
    Object.assign(run, await openEvent());
    await addAgenda();
});
after(() => closeEvent(run));

const moderatorUrl = () => `${run.server.url}/moderator#key=${run.event.keys.moderator}`;
const timerOf = (page) => page.evaluate(() => window.stagedoorModerator.timer);
const request = (page, message) => page.evaluate((m) => window.stagedoorModerator.conn.request(m), message);
const online = (page) => eventually(() => page.evaluate(() => document.body.dataset.conn === 'online'), { message: 'online' });

/** The attendee id of a roster person, looked up the way a door does. */
async function attendeeId(name) {
    const door = await openPage(run.browser, `${run.server.url}/door#key=${run.event.keys.door}`, { viewport: DESKTOP, errors });
    await online(door);
    const found = await door.evaluate((q) => window.stagedoorDoor.conn.request({ type: 'lookup', query: q }), name);
    await door.context().close();
    return found.attendees.find((a) => a.name === name).id;
}

/** Opening, a changeover, then a pitch whose speaker has not arrived; then Closing. */
async function addAgenda() {
    const speakerId = await attendeeId(PITCHER);
    const mod = await openPage(run.browser, moderatorUrl(), { viewport: DESKTOP, errors });
    await online(mod);
    await request(mod, { type: 'agenda_add', item: { title: 'Eröffnung', kind: 'talk', duration_ms: 300000 } });
    await request(mod, { type: 'agenda_add', item: { title: 'Umbau', kind: 'break', duration_ms: 30000, at_zero: 'next' } });
    await request(mod, { type: 'agenda_add', item: { title: 'Pitch: Solardächer', kind: 'pitch', speaker_id: speakerId, duration_ms: 180000 } });
    await request(mod, { type: 'agenda_add', item: { title: 'Closing', kind: 'talk', duration_ms: 600000 } });
    await mod.context().close();
}

test('moderator on a phone: bottom bar, warning past the changeover and blackout in the Now card, no cut label', async () => {
    const mod = await openPage(run.browser, moderatorUrl(), { viewport: PHONE, locale: 'de-DE', errors });
    await online(mod);
    await eventually(() => mod.evaluate(() => window.stagedoorModerator.agenda?.items.length === 4), { message: 'the agenda' });

    // The bar sits at the bottom of the viewport, all six controls in it, also when scrolled down.
    const bar = mod.locator('#mod-bar');
    const barBox = async () => bar.boundingBox();
    assert.ok(await bar.isVisible(), 'the bottom bar shows on a phone');
    assert.equal(await bar.locator('button').count(), 6);
    await mod.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    let box = await barBox();
    assert.ok(Math.abs(box.y + box.height - PHONE.height) <= 1, `bar bottom at ${box.y + box.height}`);
    for (const b of await bar.locator('button').all()) {
        const r = await b.boundingBox();
        assert.ok(r.y >= box.y && r.y + r.height <= PHONE.height, 'every bar button is on screen');
        assert.ok(await b.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), `label fits: ${await b.textContent()}`);
    }

    // Start from the bar: "Eröffnung" runs, the changeover is next, the pitcher after it is missing.
    await mod.click('#bar-play');
    await eventually(async () => (await timerOf(mod))?.state === 'running', { message: 'running' });
    await mod.evaluate(() => window.scrollTo(0, 0));
    const warning = mod.locator('#now-warnings .warning');
    await warning.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await warning.textContent(), new RegExp(`${PITCHER} ist nicht eingecheckt`));
    box = await barBox();
    const w = await warning.boundingBox();
    assert.ok(w.y + w.height <= box.y, `the warning (bottom ${w.y + w.height}) is above the bar (${box.y}) without scrolling`);

    // Blackout from the bar shows in the Now card.
    await mod.click('#bar-blackout');
    const blackout = mod.locator('#now-stage .now-blackout');
    await blackout.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await blackout.textContent(), /Bühne ist schwarz/);
    assert.equal(await mod.getAttribute('#bar-blackout', 'aria-pressed'), 'true');

    // Message from the bar goes to the message field.
    await mod.click('#bar-message');
    assert.equal(await mod.evaluate(() => document.activeElement?.id), 'msg-text');

    // The armed Reset says "Nochmal drücken" in full.
    await mod.click('#ctl-reset');
    const reset = mod.locator('#ctl-reset');
    assert.equal(await mod.textContent('#reset-label'), 'Nochmal drücken');
    assert.ok(await reset.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), 'the armed label is not cut');
    const labelBox = await mod.locator('#reset-label').boundingBox();
    const resetBox = await reset.boundingBox();
    assert.ok(labelBox.x >= resetBox.x && labelBox.x + labelBox.width <= resetBox.x + resetBox.width, 'the label lies inside its button');
    await mod.evaluate(() => window.scrollTo(0, 0));
    await screenshot(mod, 'moderator-phone-de');
    assert.deepEqual(errors, []);
    await mod.context().close();
});

test('moderator on a desktop: "Load" and "Start now" on rows, undo a Next, hotkeys and the ? overlay', async () => {
    const mod = await openPage(run.browser, moderatorUrl(), { viewport: DESKTOP, errors });
    await online(mod);
    await eventually(() => mod.evaluate(() => window.stagedoorModerator.agenda?.items.length === 4), { message: 'the agenda' });
    if ((await timerOf(mod)).state !== 'running') await request(mod, { type: 'timer_control', action: 'start' });
    await eventually(async () => (await timerOf(mod)).state === 'running', { message: 'running' });
    const closing = mod.locator('.agenda-item', { hasText: 'Closing' });
    const opening = mod.locator('.agenda-item', { hasText: 'Eröffnung' });
    const idOf = (title) => mod.evaluate((t) => window.stagedoorModerator.agenda.items.find((i) => i.title === t).id, title);

    // While an item runs, a row offers no "Load" (it would start the item); "Start now" asks twice.
    assert.equal(await closing.locator('.ai-load').count(), 0);
    await closing.locator('.ai-start').click();
    assert.match(await closing.locator('.ai-start').textContent(), /Press again/);
    assert.notEqual((await timerOf(mod)).item.id, await idOf('Closing'), 'one press does not start it');
    await closing.locator('.ai-start').click();
    await eventually(async () => (await timerOf(mod)).item.id === await idOf('Closing'), { message: 'Closing started' });
    assert.equal((await timerOf(mod)).state, 'running');

    // Paused, "Load" loads without starting.
    await mod.keyboard.press('Space');
    await eventually(async () => (await timerOf(mod)).state === 'paused', { message: 'paused' });
    await opening.locator('.ai-load').click();
    await eventually(async () => (await timerOf(mod)).item.id === await idOf('Eröffnung'), { message: 'Opening loaded' });
    assert.equal((await timerOf(mod)).state, 'idle');

    // A mistaken Next is taken back: the item it ended runs on with the same deadline.
    await mod.keyboard.press('Space');
    await eventually(async () => (await timerOf(mod)).state === 'running', { message: 'Opening running' });
    const running = await timerOf(mod);
    assert.equal(await mod.isVisible('#undo-next'), false);
    await mod.click('#ctl-next');
    await eventually(async () => (await timerOf(mod)).item.id !== running.item.id, { message: 'moved on' });
    await mod.locator('#undo-next').waitFor({ state: 'visible', timeout: 5000 });
    await mod.click('#undo-next-btn');
    await eventually(async () => (await timerOf(mod)).item.id === running.item.id, { message: 'Next undone' });
    const back = await timerOf(mod);
    assert.equal(back.state, 'running');
    assert.equal(back.ends_at, running.ends_at);
    assert.ok(back.seq > running.seq);
    await mod.locator('#undo-next').waitFor({ state: 'hidden', timeout: 5000 });

    // ±1 min, blackout and message from the keyboard.
    await mod.keyboard.press('ArrowUp');
    await eventually(async () => (await timerOf(mod)).ends_at === running.ends_at + 60000, { message: '+1 min' });
    await mod.keyboard.press('ArrowDown');
    await eventually(async () => (await timerOf(mod)).ends_at === running.ends_at, { message: '−1 min' });
    const blackoutNow = () => mod.evaluate(() => document.querySelector('#blackout').getAttribute('aria-pressed'));
    const before = await blackoutNow();
    await mod.keyboard.press('b');
    await eventually(async () => (await blackoutNow()) !== before, { message: 'blackout toggled' });
    await mod.keyboard.press('m');
    assert.equal(await mod.evaluate(() => document.activeElement?.id), 'msg-text');
    await mod.evaluate(() => document.activeElement.blur());

    // "?" lists the keys.
    await mod.keyboard.press('?');
    const help = mod.locator('#keys-help');
    await help.waitFor({ state: 'visible', timeout: 5000 });
    const text = await help.textContent();
    for (const expected of ['+1 minute', '−1 minute', 'Write a message', 'Blackout on/off', 'Undo a mistaken Next']) assert.ok(text.includes(expected), `overlay lists ${expected}`);
    for (const key of ['↑', '↓', 'M', 'B', 'U', '?']) assert.ok(await help.locator('kbd', { hasText: key }).count() > 0, `overlay shows ${key}`);
    await screenshot(mod, 'moderator-keys-desktop');
    await mod.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden', timeout: 5000 });
    assert.deepEqual(errors, []);
});
