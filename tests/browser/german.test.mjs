// "No English in German": every view, opened in a German browser on the demo event, and every
// string a person can see (text, placeholders, titles, aria-labels, the page title) is compared
// with the English table of i18n.js. A string that equals an English entry whose German differs
// is English left in the German UI (an untranslated literal or a lookup in the wrong language).
// The server speaks English (its "message" and "reason" texts, PROTOCOL.md): a German view that
// shows one of those the page received is caught too. Limit: English that is in neither (a literal
// typed into the HTML that no table entry has) passes; give such text a key in i18n.js.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { dictionaries } from '../../kiosk/web/js/i18n.js';
import { BIN, DESKTOP, PHONE, eventually, launchBrowser, parseCsv, screenshot, startServer, wedgeScan } from './lib.mjs';

const GERMAN = 'de-DE';
let dir;
let data;
let keys;
let tokens;
let server;
let browser;
const errors = [];

before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'stagedoor-german-'));
    data = path.join(dir, 'event');
    const run = (...args) => execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    run('init', '--data', data, '--name', 'Innovationsnetzwerk – Novembertreffen', '--date', new Date().toISOString().slice(0, 10));
    run('import', '--data', data, 'scripts/demo-roster.csv');
    run('agenda', 'import', '--data', data, 'scripts/demo-agenda.csv');
    run('badges', '--data', data, '--out', path.join(data, 'badges'), '--csv-only');
    tokens = parseCsv(readFileSync(path.join(data, 'badges', 'badges.csv'), 'utf8'));
    keys = Object.fromEntries(['door', 'stage', 'moderator', 'organiser'].map((role) => [role, readFileSync(path.join(data, 'keys', `${role}.key`), 'utf8').trim()]));
    server = await startServer(data);
    browser = await launchBrowser();
});
after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The English entries that differ from their German one (not just in case), as matchers for a
 * whole string, ignoring case (badge bands are in capitals): "{name}" placeholders match any text. Templates that are nothing but placeholders and
 * punctuation (e.g. "{a} · {b}") say nothing about the language and are left out.
 */
export function englishMatchers({ de, en } = dictionaries) {
    const matchers = [];
    for (const [key, english] of Object.entries(en)) {
        if (de[key] === undefined || de[key].toLowerCase() === english.toLowerCase()) continue;
        const literal = english.replace(/\{\w+\}/g, '');
        if (!/\p{L}{2,}/u.test(literal)) continue;
        const pattern = escapeRegExp(english.trim()).replace(/\\\{\w+\\\}/g, '.+?');
        matchers.push({ key, english, regex: new RegExp(`^${pattern}$`, 'siu') });
    }
    return matchers;
}

/** Every visible string of the page: {where, text}. */
function visibleStrings(page) {
    return page.evaluate(async () => {
        const shown = (el) => el && el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
        const describe = (el) => {
            const parts = [];
            for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
                parts.unshift(e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '') + (e.classList.length ? `.${[...e.classList].join('.')}` : ''));
            }
            return parts.join(' > ');
        };
        const out = [{ where: 'document.title', text: document.title.trim() }];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = node.textContent.replace(/\s+/g, ' ').trim();
            const el = node.parentElement;
            if (!text || el.closest('script, style, template')) continue;
            // Options and SVG titles are not laid out themselves: their control or icon is.
            const holder = el.closest('select') || (el.closest('svg title') ? el.closest('svg') : el);
            if (shown(holder)) out.push({ where: describe(el), text });
        }
        for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
            if (!shown(el)) continue;
            for (const attr of ['placeholder', 'title', 'aria-label']) {
                const text = el.getAttribute(attr)?.replace(/\s+/g, ' ').trim();
                if (text) out.push({ where: `${describe(el)} @${attr}`, text });
            }
        }
        // Texts drawn inside SVG images (the walk-in's badge), read from the same URL.
        for (const img of document.querySelectorAll('img')) {
            if (!shown(img) || !/\.svg(\?|$)/.test(img.getAttribute('src') || '')) continue;
            const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), 'image/svg+xml');
            for (const text of svg.querySelectorAll('text')) out.push({ where: `${describe(img)} <text>`, text: text.textContent.trim() });
        }
        return out;
    });
}

const matchers = englishMatchers();

/**
 * The English texts of the server in a received frame: every "message" and "reason" string and
 * the agenda's warnings. (Other "text" fields, such as a moderator's message, are people's words.)
 */
function serverTexts(frame, into) {
    const walk = (value, field) => {
        if (Array.isArray(value)) value.forEach((v) => walk(v, field));
        else if (value && typeof value === 'object') {
            if (field === 'warnings' && typeof value.text === 'string') into.add(value.text);
            for (const [name, v] of Object.entries(value)) walk(v, name);
        } else if ((field === 'message' || field === 'reason') && typeof value === 'string' && value.length >= 6) {
            into.add(value);
        }
    };
    try {
        walk(JSON.parse(frame));
    } catch {
        // not JSON: nothing the view could show
    }
}

const serverSaid = new WeakMap(); // page -> Set of the server's English texts it received

/** Fails with every English string visible on `page`, and where it is. */
async function assertNoEnglish(page, view) {
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'de', `${view}: the page is in German`);
    const strings = await visibleStrings(page);
    assert.ok(strings.length > 5, `${view}: the walk sees the page's strings (${strings.length})`);
    const fromServer = [...(serverSaid.get(page) || [])];
    const found = [];
    for (const { where, text } of strings) {
        const hit = matchers.find((m) => m.regex.test(text));
        if (hit) found.push(`${where}: "${text}" (English of ${hit.key})`);
        const said = fromServer.find((m) => text.includes(m));
        if (said) found.push(`${where}: "${text}" (the server's English "${said}")`);
    }
    await screenshot(page, `german-${view}`);
    assert.deepEqual(found, [], `${view} shows English in German:\n${found.join('\n')}`);
}

async function openGerman(pathname, viewport = DESKTOP, setup = null) {
    const context = await browser.newContext({ viewport, locale: GERMAN });
    if (setup) await setup(context);
    const page = await context.newPage();
    const said = new Set();
    serverSaid.set(page, said);
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => serverTexts(String(payload), said)));
    page.on('response', async (response) => {
        if (response.headers()['content-type']?.startsWith('application/json')) serverTexts(await response.text().catch(() => ''), said);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(`${server.url}${pathname}`);
    return page;
}

const online = (page) => eventually(() => page.evaluate(() => document.body.dataset.conn === 'online'), { timeoutMs: 10000, message: 'the view to connect' });

test('german: the matchers know the English table and spare shared words', () => {
    assert.ok(matchers.length > 100, `${matchers.length} English strings`);
    const hits = (text) => matchers.filter((m) => m.regex.test(text)).map((m) => m.key);
    assert.ok(hits(dictionaries.en['door.ready']).includes('door.ready'));
    assert.deepEqual(hits(dictionaries.de['door.ready']), []);
    assert.deepEqual(hits('VIP'), [], 'a word both languages share is not English');
    assert.ok(hits(dictionaries.en['door.undoName'].replace('{name}', 'Ada')).includes('door.undoName'), 'templates match with their values');
});

test('german: index', async () => {
    const page = await openGerman('/');
    await eventually(() => page.evaluate(() => document.querySelectorAll('.view-link b')[0]?.textContent), { message: 'the index filled in' });
    await assertNoEnglish(page, 'index');
    await page.context().close();
});

/** Opens a view in German and waits until it is connected and ready(page) holds. */
async function openView(pathname, viewport, ready, setup = null) {
    const page = await openGerman(pathname, viewport, setup);
    await online(page);
    await eventually(() => ready(page), { timeoutMs: 10000, message: `${pathname} to show its data` });
    return page;
}

/** Checks a view at desktop and at phone size. */
async function atBothSizes(view, pathname, ready) {
    for (const [viewport, size] of [[DESKTOP, 'desktop'], [PHONE, 'phone']]) {
        const page = await openView(pathname, viewport, ready);
        await assertNoEnglish(page, `${view}-${size}`);
        await page.context().close();
    }
}

const doorReady = (page) => page.locator('#count-present').evaluate((el) => el.textContent !== '–');

test('german: door, its verdicts, the help desk and a walk-in', async () => {
    await atBothSizes('door', `/door#key=${keys.door}`, doorReady);
    const page = await openView(`/door#key=${keys.door}`, DESKTOP, doorReady);
    const verdictShown = (kind) => eventually(() => page.evaluate((k) => {
        const v = document.getElementById('verdict');
        return !v.hidden && (!k || v.dataset.kind === k);
    }, kind), { timeoutMs: 15000, message: `a ${kind || ''} verdict` });
    // A welcome, then a repeat ("already in"), then a forged badge.
    const guest = tokens.find((row) => row.name === 'Franziska Krüger');
    await wedgeScan(page, guest.token);
    await verdictShown('ok');
    await assertNoEnglish(page, 'door-welcome');
    await wedgeScan(page, guest.token);
    await eventually(() => page.evaluate(() => document.getElementById('verdict').dataset.result === 'already_in'), { timeoutMs: 8000, message: 'already in' });
    await assertNoEnglish(page, 'door-already-in');
    await wedgeScan(page, tokens[5].token.slice(0, -6) + 'AAAAAA');
    await verdictShown('err');
    await assertNoEnglish(page, 'door-invalid');

    await page.click('#helpdesk-open');
    await page.click('#helpdesk .tab[data-tab=walkin]');
    await assertNoEnglish(page, 'door-walkin-form');
    await page.fill('#walkin-form [name=name]', 'Zoë Walker');
    await page.fill('#walkin-form [name=organisation]', 'Gaststadt e.V.');
    await page.click('#walkin-form button[type=submit]');
    await eventually(() => page.locator('#walkin-badge').isVisible(), { timeoutMs: 8000, message: 'the walk-in badge' });
    await assertNoEnglish(page, 'door-walkin-badge');
    await page.click('#helpdesk .tab[data-tab=search]');
    await page.fill('#search', 'Fr');
    await eventually(() => page.locator('#helpdesk [data-panel=search]').evaluate((el) => /Krüger/.test(el.textContent)), { message: 'search results' });
    await assertNoEnglish(page, 'door-helpdesk');
    await page.context().close();
});

test('german: moderator, desktop and phone', async () => {
    await atBothSizes('moderator', `/moderator#key=${keys.moderator}`,
        (page) => page.evaluate(() => (window.stagedoorModerator?.agenda?.items.length ?? 0) > 5));
});

/** Replaces the event's agenda through the server's import (as the moderator's Import does). */
async function importAgenda(body, contentType) {
    const response = await fetch(`${server.url}/api/agenda/import`, {
        method: 'POST', body, headers: { authorization: `Bearer ${keys.moderator}`, 'content-type': contentType },
    });
    assert.equal(response.status, 200, await response.text());
}

test('german: moderator warnings (a block overrun and a speaker not on the attendee list)', async () => {
    // A real overrun from the server: the block's target end has passed.
    await importAgenda(JSON.stringify({
        items: [
            { id: 'late-1', title: 'Podium zur Stadtentwicklung', duration_ms: 600000, block: 'Spätblock' },
            { id: 'late-2', title: 'Abschlussrunde', duration_ms: 300000, block: 'Spätblock' },
        ],
        blocks: [{ name: 'Spätblock', target_end: Date.now() - 3600000 }],
    }), 'application/json');
    // The attendance module never lets an agenda speaker vanish, so the server's second warning
    // kind is added to its real agenda frames on their way to the page, in the server's shape.
    const addUnknownSpeaker = (context) => context.routeWebSocket(/\/ws$/, (ws) => {
        const upstream = ws.connectToServer();
        ws.onMessage((message) => upstream.send(message));
        upstream.onMessage((message) => {
            const frame = JSON.parse(String(message));
            if (frame.type === 'agenda') {
                frame.warnings.push({ item_id: 'late-2', text: "The speaker of 'Abschlussrunde' is not in the attendee list", kind: 'speaker_unknown' });
            }
            ws.send(JSON.stringify(frame));
        });
    });
    const page = await openView(`/moderator#key=${keys.moderator}`, DESKTOP,
        (p) => p.evaluate(() => (window.stagedoorModerator?.agenda?.warnings || []).length >= 2), addUnknownSpeaker);
    const warnings = await page.locator('#warnings').textContent();
    assert.match(warnings, /Block „Spätblock“ wird voraussichtlich (\d+:)?\d+:\d\d überziehen/, warnings);
    assert.match(warnings, /Sprecher:in von „Abschlussrunde“ steht nicht auf der Teilnehmerliste/, warnings);
    await assertNoEnglish(page, 'moderator-warnings');
    await page.context().close();
    await importAgenda(readFileSync('scripts/demo-agenda.csv'), 'text/csv');
});

test('german: stage', async () => {
    const page = await openGerman(`/stage#key=${keys.stage}`, { width: 1920, height: 1080 });
    await online(page);
    await page.mouse.move(960, 540); // shows the hover controls too
    await assertNoEnglish(page, 'stage');
    await page.context().close();
});

test('german: dashboard', async () => {
    const page = await openGerman(`/dashboard#key=${keys.organiser}`, { width: 1440, height: 900 });
    await online(page);
    await eventually(async () => (await page.locator('#kpi-expected').textContent()) === String(tokens.length), { timeoutMs: 10000, message: 'the expected count' });
    await assertNoEnglish(page, 'dashboard');
    await page.context().close();
});

test('german: no page errors', () => {
    assert.deepEqual(errors, []);
});
