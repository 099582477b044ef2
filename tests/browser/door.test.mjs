// /door in real Chromium: a badge held up to a fake camera, a keyboard-wedge scanner, a forged
// badge, a repeat, and a manual check-in at the help desk, all against the real server.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
    DESKTOP, PHONE, ROSTER, closeEvent, decodeBadgeQr, doorVerdict, eventually, getJson, openEvent,
    openPage, paintBadgeVideo, screenshot, waitDoorVerdict, wedgeScan,
} from './lib.mjs';

let event;
let server;
let browser;
let page;
const errors = [];

const verdict = doorVerdict;
const waitVerdict = waitDoorVerdict;

// The fake camera shows the first guest's badge.
const camera = (e) => paintBadgeVideo(e.tokenOf(ROSTER[0].name), path.join(e.dir, 'badge.y4m'));
before(async () => ({ event, server, browser } = await openEvent({ camera })));
after(() => closeEvent({ browser, server, event }));

test('door: a badge held up to the camera checks in and shows the welcome', async () => {
    const started = Date.now();
    page = await openPage(browser, `${server.url}/door#key=${event.keys.door}`, { viewport: DESKTOP, errors });
    assert.equal(new URL(page.url()).hash, '', 'the key leaves the address bar');
    const v = await waitVerdict(page, (x) => x.kind === 'ok', 'the green welcome');
    const elapsed = Date.now() - started;
    assert.equal(v.name, ROSTER[0].name);
    assert.equal(v.org, ROSTER[0].organisation);
    assert.match(v.title, /Welcome/);
    const label = await page.evaluate(() => window.stagedoorScanner.trackLabel);
    assert.ok(label.includes('badge.y4m'), `the camera is the painted badge (track label ${label})`);
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.arrived, 1);
    assert.equal(attendance.recent[0].attendee.name, ROSTER[0].name);
    assert.equal(attendance.recent[0].method, 'scan');
    await screenshot(page, 'door-welcome-desktop');
    console.log(`# camera scan to welcome: ${elapsed} ms (page load included)`);
});

test('door: the same badge held up stays one check-in', async () => {
    // The camera keeps seeing badge 0; the page must not submit it again (no amber verdict).
    await eventually(async () => (await verdict(page)).hidden, { timeoutMs: 6000, message: 'the verdict returns to ready' });
    assert.equal(await page.evaluate(() => window.stagedoorDoor.state.scansSent), 1, 'one request for one badge');
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.arrived, 1);
});

test('door: a keyboard-wedge scanner checks in a second person', async () => {
    await wedgeScan(page, event.tokenOf(ROSTER[1].name));
    const v = await waitVerdict(page, (x) => x.kind === 'ok' && x.name === ROSTER[1].name, 'the welcome for the wedge scan');
    assert.ok(v.detail === '' || typeof v.detail === 'string');
    const chips = await page.locator('#verdict-chips').textContent();
    assert.match(chips, /VIP/, 'the VIP is flagged for the door staff');
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.arrived, 2);
});

test('door: a repeat scan is amber and says when and where', async () => {
    await wedgeScan(page, event.tokenOf(ROSTER[1].name));
    const v = await waitVerdict(page, (x) => x.kind === 'warn', 'the amber repeat');
    assert.equal(v.result, 'already_in');
    assert.equal(v.name, ROSTER[1].name);
    assert.match(v.title, /Already checked in/);
    assert.match(v.detail, /^at \d\d:\d\d at Door 1$/);
    await screenshot(page, 'door-repeat-desktop');
});

test('door: a forged badge is red with the reason in words', async () => {
    const token = event.tokenOf(ROSTER[2].name);
    // Change one character early in the signature: still well-formed base64url, wrong signature.
    const i = token.lastIndexOf('.') + 5;
    const forged = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    await wedgeScan(page, forged);
    const v = await waitVerdict(page, (x) => x.kind === 'err', 'the red verdict');
    assert.match(v.title, /Badge not valid/);
    assert.equal(v.result, 'bad_signature');
    assert.ok(v.detail.length > 10, `a reason in words: "${v.detail}"`);
    await screenshot(page, 'door-forged-desktop');
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.arrived, 2, 'nobody was admitted');
});

test('door: a person typing in the search box is not taken for a scanner', async () => {
    await page.click('#verdict').catch(() => {});
    await page.click('#helpdesk-open');
    await page.locator('#search').pressSequentially(ROSTER[2].name.slice(0, 5), { delay: 90 });
    await page.keyboard.press('Enter');
    await eventually(() => page.locator('#results .result').count(), { message: 'search results' });
    assert.equal((await verdict(page)).hidden, true, 'no scan was submitted');
});

test('door: manual check-in at the help desk', async () => {
    await page.locator('#search').fill('');
    await page.locator('#search').pressSequentially('Demir', { delay: 40 });
    const row = page.locator('#results .result', { hasText: ROSTER[2].name });
    await row.waitFor({ timeout: 5000 });
    await row.locator('button').click();
    const v = await waitVerdict(page, (x) => x.kind === 'ok' && x.name === ROSTER[2].name, 'the manual welcome');
    assert.match(await page.locator('#verdict-chips').textContent(), /Manual/);
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.arrived, 3);
    assert.equal(attendance.recent[0].method, 'manual');
    assert.ok(v);
    // the list updates: the person now shows as present
    await eventually(async () => /here since/.test(await row.textContent()), { message: 'the result shows the person present' });
});

test('door: undo the last scan', async () => {
    await page.click('#verdict').catch(() => {});
    await page.click('#helpdesk-close');
    const undo = page.locator('#undo-last');
    assert.match(await undo.textContent(), new RegExp(ROSTER[2].name));
    await undo.click();
    // it asks first, naming whom it undoes
    await page.locator('#undo-confirm[open]').waitFor({ timeout: 3000 });
    assert.match(await page.locator('#undo-question').textContent(), new RegExp(`Undo the check-in of ${ROSTER[2].name}`));
    await page.click('#undo-yes');
    await eventually(async () => (await getJson(server, '/api/attendance', event.keys.organiser)).arrived === 2, { message: 'the undo reaches the server' });
});

test('door: a walk-in is registered, admitted and gets a badge', async () => {
    await page.click('#helpdesk-open');
    await page.click('#helpdesk .tab[data-tab=walkin]');
    await page.fill('#walkin-form [name=name]', 'Zoë Walker');
    await page.fill('#walkin-form [name=organisation]', 'Gaststadt e.V.');
    // A door registers regular walk-ins only (speaker, staff and press need an organiser).
    const categories = await page.locator('#walkin-form [name=category] option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(categories, ['guest', 'member', 'new_member']);
    await page.selectOption('#walkin-form [name=category]', 'guest');
    await page.click('#walkin-form button[type=submit]');
    const v = await waitVerdict(page, (x) => x.kind === 'ok' && x.name === 'Zoë Walker', 'the walk-in welcome');
    assert.equal(v.org, 'Gaststadt e.V.');
    assert.match(await page.locator('#verdict-chips').textContent(), /Walk-in/);
    await page.click('#verdict');
    const badge = page.locator('#walkin-badge');
    await badge.waitFor({ state: 'visible', timeout: 3000 });
    // the badge's QR holds a real badge token; the token itself is not on screen
    const token = await decodeBadgeQr(page);
    assert.match(token, /^SD1\./);
    assert.equal((await badge.textContent()).includes(token), false, 'no raw token on screen');
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.walk_ins, 1);
    assert.equal(attendance.arrived, 3);
    await screenshot(page, 'door-walkin-desktop');
    await page.click('#helpdesk-close');
});

test('door: phone layout and German', async () => {
    const phone = await openPage(browser, `${server.url}/door`, { viewport: PHONE, locale: 'de-DE', errors });
    // the key was stored per role in this context? a fresh context has no key: it asks for one
    await phone.locator('.key-dialog:not([hidden])').waitFor({ timeout: 5000 });
    await phone.fill('#key-input', `${server.url}/door#key=${event.keys.door}`);
    await phone.click('.key-form button[type=submit]');
    await eventually(() => phone.evaluate(() => document.body.dataset.conn === 'online'), { message: 'paired by pasted link' });
    await eventually(async () => (await phone.locator('#count-arrived').textContent()) === '3', { message: 'counts on the phone' });
    assert.match(await phone.locator('.ready').textContent(), /Badge vor die Kamera/);
    // the fake camera still shows the first badge: amber, in German
    const v = await waitVerdict(phone, (x) => x.kind === 'warn', 'the repeat on the phone');
    assert.match(v.title, /Bereits eingecheckt/);
    assert.match(v.detail, /^um \d\d:\d\d an Door 1$/);
    await screenshot(phone, 'door-repeat-phone');
    await phone.click('#verdict');
    await screenshot(phone, 'door-ready-phone');
    await phone.context().close();
    assert.deepEqual(errors, []);
});
