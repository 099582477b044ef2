// The help desk of an offline door (issue 12), real Chromium against the real server (SIGKILLed
// and restarted): name search on the cached list, a manual check-in queued and undone before it
// was sent, a walk-in with a provisional number whose real badge appears after the sync; and a
// door of a server started with --offline-names off, which shows "name hidden" and explains why
// it cannot search.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
    DESKTOP, ROSTER, closeEvent, decodeBadgeQr, eventually, getJson, makeEvent, openEvent, openPage, startServer,
    waitDoorVerdict, wedgeScan,
} from './lib.mjs';

let event;
let server;
let browser;
const errors = [];

before(async () => ({ event, server, browser } = await openEvent()));
after(() => closeEvent({ browser, server, event }));

const queuedIds = (p) => p.evaluate(() => window.stagedoorDoor.offline.queuedIds());
const mode = (p) => p.evaluate(() => document.getElementById('mode-pill').dataset.mode);

async function offlineDoor(srv, ev) {
    const page = await openPage(browser, `${srv.url}/door#key=${ev.keys.door}`, { viewport: DESKTOP, errors });
    await eventually(() => page.evaluate(() => window.stagedoorDoor.offline?.ready), { timeoutMs: 15000, message: 'the offline list' });
    await srv.kill();
    await eventually(async () => (await mode(page)) === 'offline', { timeoutMs: 10000, message: 'offline' });
    return page;
}

test('offline help desk: search, a manual check-in undone from the queue, a walk-in with its badge after the sync', async () => {
    const page = await offlineDoor(server, event);
    await page.click('#helpdesk-open');
    await page.locator('#search').pressSequentially('Demir', { delay: 30 });
    const row = page.locator('#results .result', { hasText: ROSTER[2].name });
    await row.waitFor({ timeout: 5000 });
    assert.match(await page.locator('#search-status').textContent(), /^Offline: searching the list on this door \(as of \d\d:\d\d\) · 1 found$/);
    await row.locator('button').click();
    const v = await waitDoorVerdict(page, (x) => x.kind === 'ok' && x.offline && x.name === ROSTER[2].name, 'the manual check-in, offline');
    assert.match(v.text, /Manual/);
    assert.equal((await queuedIds(page)).length, 1);
    await eventually(async () => /here since/.test(await row.textContent()), { message: 'the cached list shows the person inside' });

    // Undo before the sync: the attempt leaves the queue, and the list forgets the admission.
    await page.click('#verdict');
    await page.click('#helpdesk-close');
    await page.click('#undo-last');
    await page.click('#undo-yes');
    // The queue empties when the IndexedDB transaction commits; the toast follows a task later.
    await eventually(async () => (await queuedIds(page)).length === 0, { message: 'the queued check-in removed' });
    await page.locator('#toasts', { hasText: `Removed from the queue: ${ROSTER[2].name}` }).waitFor({ timeout: 5000 });

    await page.click('#helpdesk-open');
    await page.click('#helpdesk .tab[data-tab=walkin]');
    await page.fill('#walkin-form [name=name]', 'Zoë Walker');
    await page.click('#walkin-form button[type=submit]');
    await waitDoorVerdict(page, (x) => x.kind === 'ok' && x.offline && x.name === 'Zoë Walker', 'the walk-in admitted offline');
    await page.click('#verdict');
    const provisional = await page.locator('#walkin-badge .provisional-number').textContent();
    assert.match(provisional, /^P-\d{4}$/);
    assert.equal((await queuedIds(page)).length, 1);

    server = await server.restart();
    await eventually(async () => (await mode(page)) === 'online' && (await queuedIds(page)).length === 0, { timeoutMs: 40000, message: 'the walk-in synced' });
    const token = await decodeBadgeQr(page);
    assert.match(token, /^SD1\./, 'the real badge replaced the provisional number');
    const attendance = await getJson(server, '/api/attendance', event.keys.organiser);
    assert.equal(attendance.walk_ins, 1);
    assert.equal(attendance.arrived, 1, 'the undone check-in never reached the server');
    assert.deepEqual(errors, []);
});

test('offline help desk: names kept off the door show "name hidden" and no search', async () => {
    const hidden = makeEvent({ name: 'Names Off' });
    const srv = await startServer(hidden.data, { args: ['--offline-names', 'off'] });
    try {
        const page = await offlineDoor(srv, hidden);
        await wedgeScan(page, hidden.tokenOf(ROSTER[1].name));
        const v = await waitDoorVerdict(page, (x) => x.kind === 'ok' && x.offline, 'admitted offline');
        assert.equal(v.name, 'name hidden');
        assert.match(v.text, /Member/, 'the category instead of the name');
        await page.click('#verdict');
        await page.click('#helpdesk-open');
        await page.locator('#search').pressSequentially('Weber', { delay: 30 });
        await eventually(async () => /No name search offline/.test(await page.locator('#search-status').textContent()), { message: 'the reason' });
        assert.equal(await page.locator('#results .result').count(), 0);
        await page.context().close();
    } finally {
        await srv.stop();
        hidden.cleanup();
    }
    assert.deepEqual(errors, []);
});
