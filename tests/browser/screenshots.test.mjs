// scripts/screenshots keeps working: run into a temp folder, it writes every picture the README
// shows, at the sizes the issue names, each small enough to keep in the repository.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { BIN } from './lib.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(path.join(os.tmpdir(), 'stagedoor-shots-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file) {
    const png = readFileSync(file);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', `${file} is a PNG`);
    return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bytes: png.length };
}

test('screenshots: the script writes every README picture at its size', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/screenshots.mjs', '--out', out], {
        cwd: ROOT, env: { ...process.env, STAGEDOOR_BIN: BIN }, timeout: 150000,
    });
    const expected = {
        'door-tablet-de.png': [1024, 768],
        'door-verdict-de.png': [1024, 768],
        'door-phone-en.png': [390, 844],
        'moderator-phone-de.png': [390, 844],
        'stage-1080p.png': [1920, 1080],
        'dashboard-de.png': [1440, 900],
        'badges-de.png': [794, 1123], // one A4 sheet at 96 dpi
    };
    assert.deepEqual(readdirSync(out).sort(), Object.keys(expected).sort(), stdout);
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const [name, [width, height]] of Object.entries(expected)) {
        const size = pngSize(path.join(out, name));
        assert.ok(Math.abs(size.width - width) <= 1 && Math.abs(size.height - height) <= 1, `${name}: ${size.width}x${size.height}, not ${width}x${height}`);
        assert.ok(size.bytes < 400 * 1024, `${name}: ${size.bytes} bytes`);
        assert.ok(readme.includes(`(docs/screenshots/${name})`), `the README shows ${name}`);
    }
});
