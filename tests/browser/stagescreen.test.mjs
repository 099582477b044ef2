// The stage screen as the room and the speaker see it (issue 14, "Stage"): the stale marker
// after about 5 s of silence with the clock dimmed, a message that leaves the speaker's name and
// the next line readable, hover controls that leave the next line free, and the chime setting
// always on screen. Real Chromium against the real server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeEvent, eventually, openEvent, openPage, screenshot } from './lib.mjs';

let event, server, browser; // openEvent's
let mod, stage; // the moderator drives, the stage screen (1920x1080 or 1280x720) is checked
const errors = [];
const FULL_HD = { width: 1920, height: 1080 };
const HD = { width: 1280, height: 720 };

before(async () => ({ event, server, browser } = await openEvent({ roster: null })));
after(() => closeEvent({ browser, server, event }));

const request = (msg) => mod.evaluate((m) => window.stagedoorModerator.conn.request(m), msg);

/** Bounding boxes of the selectors (null for one that is not rendered). */
const boxes = (page, selectors) => page.evaluate((list) => list.map((sel) => {
    const el = document.querySelector(sel);
    if (!el || !el.getClientRects().length) return null;
    const r = el.getBoundingClientRect();
    return { sel, left: r.left, top: r.top, right: r.right, bottom: r.bottom };
}), selectors);
const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const inside = (a, view) => a.left >= 0 && a.top >= 0 && a.right <= view.width + 0.5 && a.bottom <= view.height + 0.5;

test('stage screen: a running pitch with a next item', async () => {
    mod = await openPage(browser, `${server.url}/moderator#key=${event.keys.moderator}`, { errors });
    stage = await openPage(browser, `${server.url}/stage#key=${event.keys.stage}`, { viewport: FULL_HD, errors });
    for (const p of [mod, stage]) await eventually(() => p.evaluate(() => document.body.dataset.conn === 'online'), { message: 'online' });
    for (const title of ['Bürgerenergie auf Schuldächern in Sachsen', 'Wasserstoff für den Mittelstand']) {
        const added = await request({ type: 'agenda_add', item: { title, kind: 'pitch', organisation: 'Energiegenossenschaft Elbtal eG', duration_ms: 600000 } });
        assert.equal(added.type, 'ok', JSON.stringify(added));
    }
    await eventually(() => mod.evaluate(() => window.stagedoorModerator.agenda?.items.length === 2), { message: 'agenda' });
    await mod.click('#ctl-play');
    await stage.waitForFunction(() => document.body.dataset.state === 'running', null, { timeout: 5000 });
    await eventually(async () => (await stage.locator('#next').textContent()).includes('Wasserstoff'), { message: 'the next line' });
});

test('stage screen: the chime setting is visible without touching the screen, and toggles', async () => {
    const state = stage.locator('#chime-state');
    assert.equal(await stage.evaluate(() => document.body.classList.contains('pointer')), false, 'no pointer activity');
    assert.equal(await state.isVisible(), true, 'the chime state is on screen');
    assert.match(await state.textContent(), /Chime: Off/);
    const [box] = await boxes(stage, ['#chime-state']);
    assert.ok(inside(box, FULL_HD), JSON.stringify(box));
    assert.ok(Number(await state.evaluate((el) => getComputedStyle(el).opacity)) >= 0.5, 'readable, not faded out');
    await state.click();
    await eventually(async () => /Chime: On/.test(await state.textContent()), { message: 'the chime is on' });
    assert.equal(await stage.evaluate(() => localStorage.getItem('stagedoor.stage.chime')), 'on');
    assert.match(await stage.locator('#chime-toggle').textContent(), /Chime: On/, 'the hover control agrees');
    await state.click();
    await eventually(async () => /Chime: Off/.test(await state.textContent()), { message: 'the chime is off again' });
});

test('stage screen: a long message leaves the speaker name and the next line readable', async () => {
    const text = 'Noch eine Minute – bitte langsam zum Schluss kommen, danach Fragen aus dem Publikum';
    assert.equal((await request({ type: 'stage_message', text, tone: 'wrap_up', flash: false })).type, 'ok');
    await stage.locator('#stage-message').waitFor({ state: 'visible', timeout: 3000 });
    for (const view of [FULL_HD, HD]) {
        await stage.setViewportSize(view);
        await eventually(async () => {
            const [msg, name, next, clock] = await boxes(stage, ['#stage-message', '#speaker-name', '#next', '#clock']);
            return msg && name && next && clock && !overlap(msg, name) && !overlap(msg, next) && !overlap(msg, clock) &&
                inside(msg, view) && inside(name, view) && inside(next, view);
        }, { timeoutMs: 3000, message: `message, name, next line and clock apart at ${view.width}x${view.height}` });
        // Nothing else is painted over the name: the topmost element at its centre is the name.
        const onTop = await stage.evaluate(() => {
            const r = document.querySelector('#speaker-name').getBoundingClientRect();
            return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.id;
        });
        assert.equal(onTop, 'speaker-name');
        await screenshot(stage, `stage-message-${view.width}x${view.height}`);
    }
    assert.equal((await request({ type: 'stage_clear' })).type, 'ok');
    await stage.locator('#stage-message').waitFor({ state: 'hidden', timeout: 3000 });
});

test('stage screen: the hover controls leave the next line free', async () => {
    for (const view of [FULL_HD, HD]) {
        await stage.setViewportSize(view);
        await stage.mouse.move(view.width / 2, view.height / 2);
        await stage.mouse.move(view.width / 2 + 5, view.height / 2 + 5);
        await eventually(() => stage.evaluate(() => getComputedStyle(document.querySelector('#stage-controls')).opacity === '1'), { message: 'the controls are shown' });
        await eventually(async () => {
            const [controls, next, chime] = await boxes(stage, ['#stage-controls', '#next', '#chime-state']);
            return !overlap(controls, next) && !overlap(chime, next) && inside(next, view);
        }, { timeoutMs: 3000, message: `controls below the next line at ${view.width}x${view.height}` });
        await screenshot(stage, `stage-controls-${view.width}x${view.height}`);
    }
    await stage.setViewportSize(FULL_HD);
});

test('stage screen: stale after about 5 s without updates, the clock dimmed; fresh again after', async () => {
    // Watch the marker inside the page: when it appears, and how long nothing had arrived then.
    await stage.evaluate(() => {
        window.__stale = { shown: 0, silentFor: 0 };
        const el = document.querySelector('#stale');
        new MutationObserver(() => {
            if (!el.hidden && !window.__stale.shown) {
                window.__stale = { shown: Date.now(), silentFor: Date.now() - window.stagedoorStage.conn.lastMessageAt };
            }
        }).observe(el, { attributes: true, attributeFilter: ['hidden'] });
    });
    // While the server is up there is never a gap that long, though the timer only changes
    // every 5 s at most (heartbeat): the marker stays away for a while of normal running.
    const calmUntil = Date.now() + 8000;
    while (Date.now() < calmUntil) {
        assert.equal(await stage.evaluate(() => window.__stale.shown), 0, 'no stale marker while updates arrive');
        await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(await stage.evaluate(() => document.body.dataset.stale), 'false');

    server.child.kill('SIGSTOP'); // the socket stays open, nothing arrives
    try {
        await eventually(() => stage.evaluate(() => window.__stale.shown), { timeoutMs: 12000, message: 'the stale marker' });
        const { silentFor } = await stage.evaluate(() => window.__stale);
        assert.ok(silentFor >= 4500 && silentFor <= 7000, `the marker came after ${silentFor} ms without a frame`);
        assert.match(await stage.locator('#stale').textContent(), /No update for \d+ s – still counting/);
        assert.equal(await stage.evaluate(() => document.body.dataset.stale), 'true');
        await eventually(async () => Number(await stage.locator('#clock').evaluate((el) => getComputedStyle(el).opacity)) < 0.6, { message: 'the clock is dimmed' });
        await screenshot(stage, 'stage-stale-dimmed');
    } finally {
        server.child.kill('SIGCONT');
    }
    await stage.locator('#stale').waitFor({ state: 'hidden', timeout: 15000 });
    await eventually(async () => Number(await stage.locator('#clock').evaluate((el) => getComputedStyle(el).opacity)) === 1, { message: 'full brightness again' });
    assert.deepEqual(errors, []);
});
