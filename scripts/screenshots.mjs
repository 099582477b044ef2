// Drives the demo event in Chromium and writes docs/screenshots/*.png (run via scripts/screenshots).
// The event: scripts/demo-roster.csv and scripts/demo-agenda.csv, 60 guests and the guest of
// honour checked in, the guest of honour's welcome address running on the stage timer.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { BIN, PHONE, eventually, launchBrowser, parseCsv, startServer, wedgeScan } from '../tests/browser/lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// --out DIR writes elsewhere (the browser test "screenshots" runs the script into a temp folder).
const outAt = process.argv.indexOf('--out');
const OUT = outAt > 0 ? path.resolve(process.argv[outAt + 1]) : path.join(ROOT, 'docs', 'screenshots');
const TABLET = { width: 1024, height: 768 };
const STAGE = { width: 1920, height: 1080 };
const DASHBOARD = { width: 1440, height: 900 };
const MAX_BYTES = 400 * 1024; // keep the repository small: a few hundred KB per picture at most

const run = (...args) => execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function makeDemoEvent(dir) {
    const data = path.join(dir, 'event');
    run('init', '--data', data, '--name', 'Innovation Network – November meeting', '--date', new Date().toISOString().slice(0, 10));
    run('import', '--data', data, path.join(ROOT, 'scripts/demo-roster.csv'));
    run('agenda', 'import', '--data', data, path.join(ROOT, 'scripts/demo-agenda.csv'));
    run('badges', '--data', data, '--out', path.join(data, 'badges'), '--csv-only');
    const badges = parseCsv(readFileSync(path.join(data, 'badges', 'badges.csv'), 'utf8'));
    const keys = Object.fromEntries(['door', 'stage', 'moderator', 'organiser'].map((role) => [role, readFileSync(path.join(data, 'keys', `${role}.key`), 'utf8').trim()]));
    return { data, badges, keys };
}

/** A calm camera picture (one dark grey Y4M frame) instead of Chromium's moving test pattern. */
function quietCamera(dir) {
    const [width, height] = [640, 480];
    const file = path.join(dir, 'camera.y4m');
    writeFileSync(file, Buffer.concat([
        Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\nFRAME\n`),
        Buffer.alloc(width * height, 48), // luma
        Buffer.alloc((width / 2) * (height / 2) * 2, 128), // neutral chroma
    ]));
    return file;
}

async function open(browser, url, viewport, locale) {
    const context = await browser.newContext({ viewport, locale, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(url);
    await eventually(() => page.evaluate(() => document.body.dataset.conn === 'online' || !document.body.dataset.conn && document.readyState === 'complete'), { timeoutMs: 15000, message: `${url} to connect` });
    return page;
}

async function shoot(page, name, target = page) {
    const file = path.join(OUT, `${name}.png`);
    await target.screenshot({ path: file });
    const bytes = statSync(file).size;
    if (bytes > MAX_BYTES) throw new Error(`${file} is ${Math.round(bytes / 1024)} KB, more than ${MAX_BYTES / 1024} KB`);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${Math.round(bytes / 1024)} KB)`);
}

/** Checks in `people` over the door page's own connection, as a busy door would. */
async function checkIn(door, tokens) {
    await door.evaluate(async (payloads) => {
        for (const payload of payloads) {
            await window.stagedoorDoor.conn.request({ type: 'scan', scan_id: crypto.randomUUID(), payload, direction: 'in', at: Date.now() });
        }
    }, tokens);
}

async function main() {
    mkdirSync(OUT, { recursive: true });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagedoor-screenshots-'));
    let server;
    let browser;
    try {
        const event = makeDemoEvent(dir);
        server = await startServer(event.data);
        browser = await launchBrowser({ video: quietCamera(dir) });
        const url = (view, role) => `${server.url}/${view}#key=${event.keys[role]}`;
        const token = (name) => event.badges.find((b) => b.name === name).token;

        // The door on a tablet in German: a busy evening, the next guest welcomed, then ready again.
        const door = await open(browser, url('door', 'door'), TABLET, 'de-DE');
        const guests = event.badges.filter((b) => !/Katrin Lehmann/.test(b.name)).slice(0, 61).map((b) => b.token);
        await checkIn(door, guests);
        await wedgeScan(door, token('Katrin Lehmann'));
        await eventually(() => door.evaluate(() => !document.getElementById('verdict').hidden), { message: 'the welcome' });
        await shoot(door, 'door-verdict-de');
        await eventually(() => door.evaluate(() => document.getElementById('verdict').hidden), { timeoutMs: 15000, message: 'the door ready again' });
        await shoot(door, 'door-tablet-de');

        // The door on a phone in English, ready for the next badge.
        const phoneDoor = await open(browser, url('door', 'door'), PHONE, 'en-GB');
        await eventually(() => phoneDoor.evaluate(() => document.getElementById('count-present').textContent !== '–'), { message: 'door counts' });
        await shoot(phoneDoor, 'door-phone-en');

        // The moderator on a phone, the guest of honour's welcome address running.
        const moderator = await open(browser, url('moderator', 'moderator'), PHONE, 'de-DE');
        await eventually(() => moderator.evaluate(() => (window.stagedoorModerator.agenda?.items.length ?? 0) > 0), { message: 'the agenda' });
        await moderator.evaluate(() => window.stagedoorModerator.conn.request({ type: 'timer_control', action: 'start', item: 'guest' }));
        await eventually(() => moderator.evaluate(() => window.stagedoorModerator.timer?.state === 'running'), { message: 'the running timer' });
        await shoot(moderator, 'moderator-phone-de');

        // The stage screen at 1080p.
        const stage = await open(browser, url('stage', 'stage'), STAGE, 'en-GB');
        await eventually(() => stage.evaluate(() => window.stagedoorStage.timer?.state === 'running'), { message: 'the stage timer' });
        await shoot(stage, 'stage-1080p');

        // The organiser's dashboard.
        const dashboard = await open(browser, url('dashboard', 'organiser'), DASHBOARD, 'de-DE');
        await eventually(async () => Number(await dashboard.locator('#kpi-arrived').textContent()) >= guests.length, { message: 'the arrivals' });
        await shoot(dashboard, 'dashboard-de');

        // The first page of the printable badge sheet, in German.
        const sheet = await browser.newPage({ viewport: { width: 900, height: 1200 } });
        await sheet.setExtraHTTPHeaders({ Authorization: `Bearer ${event.keys.organiser}` });
        await sheet.goto(`${server.url}/badges?lang=de`);
        await shoot(sheet, 'badges-de', sheet.locator('section.sheet').first());
    } finally {
        await browser?.close();
        await server?.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}

await main();
