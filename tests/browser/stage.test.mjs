// /moderator drives, /stage follows: start, pause, +30 s, overtime, messages and blackout, each
// checked on both screens in real Chromium against the real server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, closeEvent, eventually, openEvent, openPage, screenshot, staysTheSame } from './lib.mjs';

let event;
let server;
let browser;
let mod;
let stage;
const errors = [];

const seconds = (text) => {
    const m = text.match(/^(\+?)(\d+):(\d\d)$/);
    if (!m) return NaN;
    return (m[1] ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
};
const stageText = () => stage.locator('#clock').textContent();
const modText = () => mod.locator('#mini-clock').textContent();

// The timer needs no guests.
before(async () => ({ event, server, browser } = await openEvent({ roster: null })));
after(() => closeEvent({ browser, server, event }));

test('stage: both screens connect and the stage reports its clock sync', async () => {
    mod = await openPage(browser, `${server.url}/moderator#key=${event.keys.moderator}`, { viewport: DESKTOP, errors });
    stage = await openPage(browser, `${server.url}/stage#key=${event.keys.stage}`, { viewport: DESKTOP, errors });
    await eventually(() => mod.evaluate(() => document.body.dataset.conn === 'online'), { message: 'moderator online' });
    await eventually(() => stage.evaluate(() => document.body.dataset.conn === 'online'), { message: 'stage online' });
    await eventually(async () => (await mod.locator('#display-list').textContent()).includes('Stage 1'), { timeoutMs: 8000, message: 'the stage appears under displays' });
    // After the connect burst the estimate is the best sample's offset, not still easing
    // away from a slow first exchange.
    await eventually(() => stage.evaluate(() => window.stagedoorStage.conn.clock.added >= 8), { message: 'the ping burst is done' });
    const { health, easing } = await stage.evaluate(() => {
        const conn = window.stagedoorStage.conn;
        return { health: conn.syncHealth(), easing: Math.abs(conn.clock.offset(performance.timeOrigin + performance.now()) - conn.clock.targetOffset()) };
    });
    assert.ok(easing < 0.001, `the offset in use is the target (off by ${easing} ms)`);
    assert.ok(health && Math.abs(health.offset_ms) < 50 && health.delay_ms < 50, JSON.stringify(health));
});

test('stage: start on the moderator, the stage counts down', async () => {
    await mod.click('#add-toggle');
    await mod.fill('#add-form [name=title]', 'Solar roofs for everyone');
    await mod.fill('#add-form [name=organisation]', 'TU Dresden');
    await mod.fill('#add-form [name=minutes]', '2');
    await mod.fill('#add-form [name=seconds]', '0');
    await mod.click('#add-form button[type=submit]');
    await eventually(async () => (await mod.locator('#agenda').textContent()).includes('Solar roofs'), { message: 'the item is on the agenda' });
    await mod.click('#ctl-play');
    await eventually(async () => {
        const s = seconds(await stageText());
        return s >= 110 && s <= 119;
    }, { timeoutMs: 10000, message: 'the stage counts down from 2:00' });
    assert.equal(await stage.locator('#speaker-name').textContent(), 'Solar roofs for everyone');
    assert.equal(await stage.evaluate(() => document.body.dataset.phase), 'normal');
    const diff = Math.abs(seconds(await stageText()) - seconds(await modText()));
    assert.ok(diff <= 1, 'moderator and stage agree');
});

test('stage: pause freezes both screens', async () => {
    await mod.click('#ctl-play');
    await stage.waitForFunction(() => document.body.dataset.state === 'paused', null, { timeout: 3000 });
    await mod.waitForFunction(() => document.body.dataset.phase === 'paused', null, { timeout: 3000 });
    const frozen = await staysTheSame(stageText, 1500);
    assert.equal(await modText(), frozen);
    assert.match(await stage.locator('#phase-label').textContent(), /Paused/);
});

test('stage: +30 s shows on both', async () => {
    const before30 = seconds(await stageText());
    await mod.click('[data-add="30000"]');
    await eventually(async () => seconds(await stageText()) === before30 + 30, { timeoutMs: 3000, message: 'the stage shows +30 s' });
    await eventually(async () => seconds(await modText()) === before30 + 30, { timeoutMs: 3000, message: 'the moderator shows +30 s' });
    await mod.click('#ctl-play'); // resume
    await stage.waitForFunction(() => document.body.dataset.state === 'running', null, { timeout: 3000 });
    await screenshot(stage, 'stage-running-desktop');
    await screenshot(mod, 'moderator-desktop');
});

test('stage: overtime shows +0:0x in red on both', async () => {
    const added = await mod.evaluate(() => window.stagedoorModerator.conn.request({
        type: 'agenda_add', item: { title: 'Lightning pitch', organisation: 'H2 Freight GmbH', duration_ms: 2000, at_zero: 'count_up' },
    }));
    assert.equal(added.type, 'ok', JSON.stringify(added));
    const item = await eventually(() => mod.evaluate(() => window.stagedoorModerator.agenda?.items.find((i) => i.title === 'Lightning pitch')), { message: 'the short item' });
    await mod.evaluate((id) => window.stagedoorModerator.conn.request({ type: 'timer_control', action: 'goto', item: id }), item.id);
    await eventually(() => mod.evaluate((id) => window.stagedoorModerator.timer?.item?.id === id, item.id), { message: 'the short item is current' });
    const state = await mod.evaluate(() => window.stagedoorModerator.timer.state);
    if (state !== 'running' && state !== 'overtime') await mod.click('#ctl-play');
    await eventually(async () => /^\+0:0[1-9]$/.test(await stageText()), { timeoutMs: 8000, message: 'the stage shows +0:0x' });
    assert.equal(await stage.evaluate(() => document.body.dataset.phase), 'overtime');
    assert.match(await stage.locator('#phase-label').textContent(), /Over time/);
    await eventually(async () => /^\+0:0\d$/.test(await modText()), { timeoutMs: 3000, message: 'the moderator shows overtime' });
    await screenshot(stage, 'stage-overtime-desktop');
});

test('stage: a message to the speaker, clear, and blackout', async () => {
    await mod.locator('#presets button', { hasText: 'Please wrap up' }).click();
    const msg = stage.locator('#stage-message');
    await msg.waitFor({ state: 'visible', timeout: 3000 });
    assert.equal(await stage.locator('#stage-message-text').textContent(), 'Please wrap up');
    assert.equal(await msg.getAttribute('data-tone'), 'wrap_up');
    await screenshot(stage, 'stage-message-desktop');
    await mod.click('#msg-clear');
    await msg.waitFor({ state: 'hidden', timeout: 3000 });
    await mod.click('#blackout');
    await stage.locator('#blackout').waitFor({ state: 'visible', timeout: 3000 });
    await mod.click('#blackout');
    await stage.locator('#blackout').waitFor({ state: 'hidden', timeout: 3000 });
});

test('stage: keyboard shortcuts on the moderator', async () => {
    await mod.click('body', { position: { x: 5, y: 300 } }).catch(() => {});
    const wasState = await mod.evaluate(() => window.stagedoorModerator.timer.state);
    await mod.keyboard.press('Space');
    await eventually(() => mod.evaluate((s) => window.stagedoorModerator.timer.state !== s, wasState), { timeoutMs: 3000, message: 'Space toggles the timer' });
});

test('stage: phone layouts', async () => {
    const phoneMod = await openPage(browser, `${server.url}/moderator#key=${event.keys.moderator}`, { viewport: PHONE, locale: 'de-DE', errors });
    const phoneStage = await openPage(browser, `${server.url}/stage#key=${event.keys.stage}`, { viewport: PHONE, locale: 'de-DE', errors });
    await eventually(async () => !Number.isNaN(seconds(await phoneStage.locator('#clock').textContent())), { message: 'phone stage shows the timer' });
    await eventually(() => phoneMod.evaluate(() => !!window.stagedoorModerator.agenda), { message: 'phone moderator has the agenda' });
    await screenshot(phoneMod, 'moderator-phone');
    await screenshot(phoneStage, 'stage-phone');
    await phoneMod.context().close();
    await phoneStage.context().close();
    assert.deepEqual(errors, []);
});
