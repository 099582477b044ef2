// Shared set-up for the browser tests: a real stagedoor server over a temp event folder, and a
// headless Chromium (fake camera optional). See /work/shared/notes/browser-tests.md.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const BIN = process.env.STAGEDOOR_BIN || path.resolve('build/server/stagedoor');
export const ARTIFACTS = process.env.STAGEDOOR_ARTIFACTS || path.join(os.tmpdir(), 'stagedoor-artifacts');
export const CHROMIUM = process.env.STAGEDOOR_CHROMIUM || '/usr/lib/chromium/chromium';
// The views under test are this tree's, whatever web folder the binary was built with.
export const WEB_ROOT = fileURLToPath(new URL('../../kiosk/web/', import.meta.url));

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Default roster: one VIP, one speaker, one exhibitor, one member. */
export const ROSTER = [
    { name: 'Jana Köhler', organisation: 'TU Dresden', email: 'jana@example.org', category: 'speaker', sector: 'Wissenschaft & Forschung', vip: '0' },
    { name: 'Klaus Weber', organisation: 'Stadtwerke Leipzig', email: 'klaus@example.org', category: 'member', sector: 'Energie', vip: '1' },
    { name: 'Aylin Demir', organisation: 'Fraunhofer IWU', email: 'aylin@example.org', category: 'member', sector: 'Wissenschaft & Forschung', vip: '0' },
    { name: 'Tom Richter', organisation: 'Sächsische Zeitung', email: 'tom@example.org', category: 'press', sector: 'Medien', vip: '0' },
    { name: 'Marie Schulz', organisation: 'Startup Hub', email: 'marie@example.org', category: 'new_member', sector: 'Wirtschaft', vip: '0' },
];

function run(args) {
    try {
        return execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
        throw new Error(`stagedoor ${args.join(' ')} failed (${err.status}):\n${err.stdout}\n${err.stderr}`);
    }
}

/** Minimal RFC 4180 CSV reader (quoted fields, commas and newlines inside quotes). */
export function parseCsv(text) {
    const rows = [];
    let row = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') {
                field += '"';
                i++;
            } else if (c === '"') quoted = false;
            else field += c;
        } else if (c === '"') quoted = true;
        else if (c === ',') {
            row.push(field);
            field = '';
        } else if (c === '\n' || c === '\r') {
            if (c === '\r' && text[i + 1] === '\n') i++;
            row.push(field);
            rows.push(row);
            row = [];
            field = '';
        } else field += c;
    }
    if (field !== '' || row.length) {
        row.push(field);
        rows.push(row);
    }
    const [header, ...body] = rows.filter((r) => r.length > 1 || r[0] !== '');
    return body.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] ?? ''])));
}

const csvField = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * A fresh event: init, roster import, badges. Returns {dir, keys, badges}; badges are the rows
 * of badges.csv (each with a token), in roster order when the CSV keeps it.
 */
export function makeEvent({ name = 'Browser Test Event', date = new Date().toISOString().slice(0, 10), roster = ROSTER } = {}) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagedoor-web-'));
    const data = path.join(dir, 'event');
    run(['init', '--data', data, '--name', name, '--date', date]);
    const keys = {};
    for (const role of ['door', 'stage', 'moderator', 'organiser']) {
        keys[role] = readFileSync(path.join(data, 'keys', `${role}.key`), 'utf8').trim();
    }
    const cleanup = () => rmSync(dir, { recursive: true, force: true });
    if (!roster) return { dir, data, keys, badges: [], tokenOf: () => { throw new Error('no roster'); }, cleanup };
    const columns = Object.keys(roster[0]);
    const csv = [columns.join(','), ...roster.map((r) => columns.map((c) => csvField(String(r[c] ?? ''))).join(','))].join('\n') + '\n';
    const rosterPath = path.join(dir, 'roster.csv');
    writeFileSync(rosterPath, csv);
    run(['import', '--data', data, rosterPath]);
    run(['badges', '--data', data, '--out', path.join(data, 'badges')]);
    const badges = parseCsv(readFileSync(path.join(data, 'badges', 'badges.csv'), 'utf8'));
    const tokenOf = (personName) => {
        const row = badges.find((b) => b.name === personName);
        if (!row) throw new Error(`no badge for ${personName} in badges.csv (columns: ${Object.keys(badges[0] || {}).join(', ')})`);
        return row.token;
    };
    return { dir, data, keys, badges, tokenOf, cleanup };
}

/**
 * Starts `stagedoor serve`; resolves when it prints "listening on http://HOST:PORT". `args`:
 * more serve options (e.g. ['--offline-names', 'off']). The server object has stop() (SIGTERM),
 * kill() (SIGKILL) and restart() (a new server on the same data folder, port and options).
 */
export function startServer(data, { listen = '127.0.0.1:0', timeoutMs = 15000, args = [] } = {}) {
    return new Promise((resolve, reject) => {
        const child = spawn(BIN, ['serve', '--data', data, '--listen', listen, '--web', WEB_ROOT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`server did not say "listening on" within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
        }, timeoutMs);
        child.stderr.on('data', (d) => { err += d; });
        child.stdout.on('data', (d) => {
            out += d;
            const m = out.match(/listening on (https?:\/\/[^\s]+)/);
            if (m && timer) {
                clearTimeout(timer);
                const url = m[1].replace(/\/$/, '');
                resolve({
                    url,
                    port: Number(new URL(url).port),
                    child,
                    output: () => ({ out, err }),
                    stop: () => stopProcess(child),
                    kill: () => killProcess(child),
                    restart: () => startServer(data, { listen: `127.0.0.1:${Number(new URL(url).port)}`, timeoutMs, args }),
                });
            }
        });
        child.on('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`server exited (${code}) before listening\nstdout: ${out}\nstderr: ${err}`));
        });
    });
}

function stopProcess(child) {
    return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
        }
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
            clearTimeout(kill);
            resolve();
        });
        child.kill('SIGTERM');
    });
}

/** SIGKILL: the server dies mid-work, as a crash or a pulled plug would stop it. */
function killProcess(child) {
    return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
    });
}

/**
 * Headless Chromium; `video` is an absolute .y4m path for the fake camera, `args` more flags
 * (e.g. --host-resolver-rules to reach the server under a name that is not a secure context).
 */
export function launchBrowser({ video, args: extra = [] } = {}) {
    const args = [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    ];
    if (video) args.push(`--use-file-for-fake-video-capture=${video}`);
    args.push(...extra);
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** A page that logs its errors into `errors` (asserted empty by the tests). */
/**
 * What a test file needs: a fresh event (options as makeEvent), its server and a browser.
 * camera(event), if given, returns a fake-camera video file for the browser.
 */
export async function openEvent({ camera, browserArgs, ...eventOptions } = {}) {
    const event = makeEvent(eventOptions);
    const server = await startServer(event.data);
    const video = camera ? camera(event) : undefined;
    const browser = await launchBrowser({ video, args: browserArgs });
    return { event, server, browser };
}

/** Closes what openEvent opened (the server given may be a restarted one). */
export async function closeEvent({ browser, server, event }) {
    await browser?.close();
    await server?.stop();
    event?.cleanup();
}

export async function openPage(browser, url, { viewport = DESKTOP, locale = 'en-GB', errors = [] } = {}) {
    const context = await browser.newContext({ viewport, locale });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() === 'error' && !/WebSocket connection|ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text())) {
            errors.push(`console: ${m.text()}`);
        }
    });
    await page.goto(url);
    return page;
}

/** Paints `text` as a QR code on a 640x480 Y4M frame (4-module quiet zone); atomic replace. */
export function paintBadgeVideo(text, file) {
    const ascii = execFileSync('qrencode', ['-t', 'ASCII', '-m', '0', '-l', 'M', text], { encoding: 'utf8' });
    const rows = ascii.split('\n').filter((l) => l.length > 0).map((l) => {
        const modules = [];
        for (let i = 0; i < l.length; i += 2) modules.push(l[i] === '#');
        return modules;
    });
    const n = rows.length;
    const W = 640;
    const H = 480;
    const scale = Math.floor(Math.min(W, H) / (n + 8));
    const size = scale * n;
    const x0 = Math.floor((W - size) / 2);
    const y0 = Math.floor((H - size) / 2);
    const luma = Buffer.alloc(W * H, 235);
    for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
            if (!rows[y][x]) continue;
            for (let dy = 0; dy < scale; dy++) luma.fill(16, (y0 + y * scale + dy) * W + x0 + x * scale, (y0 + y * scale + dy) * W + x0 + (x + 1) * scale);
        }
    }
    const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
    const frame = Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F30:1 Ip A1:1 C420jpeg\n`), Buffer.from('FRAME\n'), luma, chroma]);
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp.y4m`;
    writeFileSync(tmp, frame);
    renameSync(tmp, file);
    return file;
}

export async function getJson(server, pathname, key) {
    const res = await fetch(`${server.url}${pathname}`, { headers: { Authorization: `Bearer ${key}` } });
    if (!res.ok) throw new Error(`GET ${pathname}: ${res.status} ${await res.text()}`);
    return res.json();
}

/** On /dashboard: searches `query`, checks `name` in by hand, waits for "arrived" to read `arrived`. */
export async function dashboardCheckIn(page, query, name, arrived) {
    await page.locator('#search').pressSequentially(query, { delay: 30 });
    const row = page.locator('#results .result', { hasText: name });
    await row.waitFor({ timeout: 5000 });
    await row.locator('button').click();
    await eventually(async () => (await page.locator('#kpi-arrived').textContent()) === String(arrived), { message: 'manual check-in counted' });
}

/** Polls fn() (sync or async) until it returns a truthy value; throws after timeoutMs. */
export async function eventually(fn, { timeoutMs = 5000, intervalMs = 50, message = 'condition' } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
        try {
            last = await fn();
            if (last) return last;
        } catch (err) {
            last = err;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

/** Asserts that fn() keeps returning the same value for `ms` (a bounded observation, not a sleep). */
export async function staysTheSame(fn, ms) {
    const first = await fn();
    const until = Date.now() + ms;
    while (Date.now() < until) {
        const now = await fn();
        if (now !== first) throw new Error(`changed from ${JSON.stringify(first)} to ${JSON.stringify(now)}`);
        await new Promise((r) => setTimeout(r, 100));
    }
    return first;
}

export async function screenshot(page, name) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file });
    return file;
}

/**
 * Types like a keyboard-wedge scanner: the characters and Enter as one burst of keydown events,
 * a few microseconds apart. Key presses sent one by one from the test process arrive with this
 * machine's scheduling delays (tens of ms each when both cores are busy), which the door rightly
 * takes for a person typing; a scanner's burst is dispatched inside the page instead, where the
 * door's listener sees it as it would see a scanner's.
 */
export async function wedgeScan(page, text) {
    await page.evaluate((burst) => {
        for (const key of [...burst, 'Enter'])
            window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
    }, text);
}

/** Draws the walk-in badge's QR (inline SVG) on a canvas and decodes it with jsQR. */
export async function decodeBadgeQr(p) {
    await p.locator('#walkin-badge .badge-qr[data-loaded=true] svg').waitFor({ timeout: 5000 });
    return p.evaluate(async () => {
        const svg = document.querySelector('#walkin-badge .badge-qr svg');
        const img = new Image();
        img.src = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' }));
        await img.decode();
        const canvas = Object.assign(document.createElement('canvas'), { width: 400, height: 400 });
        const ctx = canvas.getContext('2d');
        ctx.drawImage(img, 0, 0, 400, 400);
        return window.jsQR(ctx.getImageData(0, 0, 400, 400).data, 400, 400)?.data || '';
    });
}

/** What the door's full-screen verdict shows now. */
export function doorVerdict(page) {
    return page.evaluate(() => {
        const v = document.getElementById('verdict');
        const text = (id) => document.getElementById(id)?.textContent ?? '';
        return {
            hidden: v.hidden,
            kind: v.dataset.kind,
            result: v.dataset.result,
            title: text('verdict-title'),
            name: text('verdict-name'),
            org: text('verdict-org'),
            detail: text('verdict-detail'),
            late: text('verdict-late'),
            offline: document.getElementById('verdict-offline')?.hidden === false, // decided offline
            text: v.textContent,
        };
    });
}

/** Waits for a visible door verdict that satisfies predicate (generous: machines get loaded). */
export async function waitDoorVerdict(page, predicate, message, timeoutMs = 15000) {
    let last = null;
    try {
        return await eventually(async () => {
            last = await doorVerdict(page);
            return !last.hidden && predicate(last) ? last : false;
        }, { timeoutMs, message });
    } catch (err) {
        const sent = await page.evaluate(() => window.stagedoorDoor?.state.scansSent).catch(() => '?');
        err.message += `; the verdict was ${JSON.stringify(last)}, scans sent ${sent}`;
        throw err;
    }
}
