// An offline door (issue 12), real Chromium against the real server: the door admits online; the
// server is SIGKILLed; the door keeps deciding from its own list (a valid badge green "offline", a
// revoked and a forged badge red, a second scan amber); a reload with the server still down shows
// the working door with its queue intact; the server comes back on the same data and port; the
// queue uploads, and /api/attendance and the ledger hold exactly what happened, once each.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import {
    BIN, DESKTOP, ROSTER, closeEvent, eventually, getJson, makeEvent, launchBrowser, openPage, parseCsv, screenshot,
    startServer, waitDoorVerdict, wedgeScan,
} from './lib.mjs';

let event;
let server;
let browser;
let page;
let revokedToken;
const errors = [];

const [online1, offline1, forgedPerson, revokedPerson, afterReload] = ROSTER.map((r) => r.name);

before(async () => {
    event = makeEvent();
    // A lost badge reissued before the doors open: the first badge (in badges.csv) is revoked.
    revokedToken = event.tokenOf(revokedPerson);
    const email = ROSTER.find((r) => r.name === revokedPerson).email;
    execFileSync(BIN, ['badge', 'reissue', '--data', event.data, email], { stdio: 'ignore' });
    server = await startServer(event.data);
    browser = await launchBrowser();
});
after(() => closeEvent({ browser, server, event }));

/** The door's mode pill: {mode, queued, text}. */
const modeOf = (p) => p.evaluate(() => {
    const pill = document.getElementById('mode-pill');
    return { mode: pill.dataset.mode, queued: Number(pill.dataset.queued), text: pill.textContent.replace(/\s+/g, ' ').trim() };
});
/** The attempts in the door's IndexedDB queue (scan_ids), read by the page itself. */
const queuedIds = (p) => p.evaluate(() => window.stagedoorDoor.offline.queuedIds());

const forged = (token) => {
    const i = token.lastIndexOf('.') + 5;
    return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
};

async function offlineVerdict(p, predicate, message) {
    const v = await waitDoorVerdict(p, (x) => predicate(x) && x.offline, message);
    await p.click('#verdict'); // the next scan starts from the ready screen
    return v;
}

test('offline: the door admits online and has its list and service worker', async () => {
    page = await openPage(browser, `${server.url}/door#key=${event.keys.door}`, { viewport: DESKTOP, errors });
    await eventually(() => page.evaluate(() => window.stagedoorDoor.offline.ready && !!navigator.serviceWorker.controller),
        { timeoutMs: 15000, message: 'the offline list loaded and the service worker in control' });
    await wedgeScan(page, event.tokenOf(online1));
    const v = await waitDoorVerdict(page, (x) => x.kind === 'ok' && x.name === online1, 'the online welcome');
    assert.equal(v.offline, false, 'an online verdict is not marked offline');
    assert.equal((await modeOf(page)).mode, 'online');
    assert.match((await modeOf(page)).text, /^Online/);
    await page.click('#verdict');
    // the door's own admission comes back as an offline_update: its list knows the person is in
    await eventually(() => page.evaluate((name) => window.stagedoorDoor.offline.isPresent(name), online1), { message: 'the list knows the admission' });
});

test('offline: with the server killed the door decides from its own list', async () => {
    await server.kill();
    await eventually(async () => (await modeOf(page)).mode === 'offline', { timeoutMs: 10000, message: 'the door says offline' });

    await wedgeScan(page, event.tokenOf(offline1));
    const ok = await offlineVerdict(page, (x) => x.kind === 'ok' && x.name === offline1, 'a green offline welcome');
    assert.match(ok.text, /Decided offline/);
    assert.equal(ok.result, 'ok');
    // the attempt was in IndexedDB before the green showed (door.js awaits the transaction);
    // here: it is there now, with the verdict the door showed
    assert.equal((await queuedIds(page)).length, 1);

    await wedgeScan(page, revokedToken);
    const revoked = await offlineVerdict(page, (x) => x.kind === 'err', 'the revoked badge refused');
    assert.equal(revoked.result, 'revoked');
    assert.equal(revoked.name, revokedPerson);

    await wedgeScan(page, forged(event.tokenOf(forgedPerson)));
    const bad = await offlineVerdict(page, (x) => x.kind === 'err', 'the forged badge refused');
    assert.equal(bad.result, 'bad_signature');

    await wedgeScan(page, event.tokenOf(offline1));
    const again = await offlineVerdict(page, (x) => x.kind === 'warn', 'the second scan amber');
    assert.equal(again.result, 'already_in');

    await wedgeScan(page, event.tokenOf(online1));
    const before = await offlineVerdict(page, (x) => x.kind === 'warn', 'the one admitted online is amber too');
    assert.equal(before.result, 'already_in');

    const mode = await eventually(async () => {
        const m = await modeOf(page);
        return m.queued === 5 ? m : false;
    }, { message: 'the pill counts five queued' });
    assert.match(mode.text, /^Offline · 5 queued/);
    assert.match(mode.text, /list as of \d\d:\d\d/);
    await screenshot(page, 'door-offline-mode');
});

test('offline: a reload with the server down shows the working door, queue intact', async () => {
    const queued = await queuedIds(page);
    await page.reload();
    await eventually(() => page.evaluate(() => window.stagedoorDoor?.offline.ready), { timeoutMs: 15000, message: 'the door from the service worker, its list from IndexedDB' });
    assert.deepEqual(await queuedIds(page), queued, 'the same attempts in the same order');
    await eventually(async () => (await modeOf(page)).mode === 'offline', { message: 'offline after the reload' });
    await eventually(async () => (await modeOf(page)).queued === queued.length, { message: 'the pill counts the queue' });
    await wedgeScan(page, event.tokenOf(afterReload));
    await offlineVerdict(page, (x) => x.kind === 'ok' && x.name === afterReload, 'a welcome after the reload');
    await wedgeScan(page, event.tokenOf(offline1));
    await offlineVerdict(page, (x) => x.result === 'already_in', 'still knows who came in before the reload');
    assert.equal((await queuedIds(page)).length, queued.length + 2);
});

test('offline: the server comes back, the queue uploads, the server holds the truth once', async () => {
    const queued = await queuedIds(page);
    server = await server.restart();
    await eventually(async () => {
        const m = await modeOf(page);
        return m.mode === 'online' && m.queued === 0;
    }, { timeoutMs: 40000, message: 'back online with an empty queue' });
    assert.deepEqual(await queuedIds(page), []);

    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.arrived, 3, 'admitted: one online, two offline');
    assert.equal(attendance.present, 3);
    const admitted = attendance.recent.map((r) => r.attendee.name).sort();
    assert.deepEqual(admitted, [online1, offline1, afterReload].sort(), 'each admitted person once');
    assert.equal(attendance.rejected.revoked, 1);
    assert.equal(attendance.rejected.bad_signature, 1);
    assert.equal(attendance.rejected.already_in, 3);

    const res = await fetch(`${server.url}/api/ledger.csv`, { headers: { Authorization: `Bearer ${event.keys.organiser}` } });
    const ledger = parseCsv((await res.text()).replace(/^\uFEFF/, ''));
    const ids = ledger.map((row) => row.scan_id);
    assert.equal(new Set(ids).size, ids.length, 'no scan_id twice in the ledger');
    for (const id of queued) assert.ok(ids.includes(id), `queued attempt ${id} is in the ledger`);
    assert.equal(ledger.length, 1 + queued.length, 'one row per scan: nothing lost, nothing doubled');
    assert.deepEqual(errors, []);
});
