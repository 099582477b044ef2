// Every string key the views use exists in German and English, with the same placeholders.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { dictionaries, pickLanguage, t } from '../../kiosk/web/js/i18n.js';

const web = fileURLToPath(new URL('../../kiosk/web/', import.meta.url));

function usedKeys() {
    const keys = new Set();
    // js/ and its folders (js/common/ holds the shared view components)
    for (const f of readdirSync(`${web}js`, { recursive: true }).filter((n) => n.endsWith('.js'))) {
        const src = readFileSync(`${web}js/${f}`, 'utf8');
        for (const m of src.matchAll(/\bt\(\s*'([a-zA-Z_.]+)'/g)) keys.add(m[1]);
        for (const m of src.matchAll(/\bkey: '([a-z]+\.[a-zA-Z_.]+)'/g)) keys.add(m[1]);
    }
    for (const f of readdirSync(web).filter((n) => n.endsWith('.html'))) {
        const src = readFileSync(`${web}${f}`, 'utf8');
        for (const m of src.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)) keys.add(m[1]);
    }
    return keys;
}

// Keys built at run time: t(`category.${x}`) and friends.
const dynamic = {
    category: ['member', 'guest', 'new_member', 'speaker', 'staff', 'press'],
    reason: ['unknown_badge', 'bad_signature', 'revoked', 'wrong_event', 'malformed'],
    error: ['offline', 'timeout', 'forbidden', 'not_found', 'conflict', 'bad_message', 'rate_limited', 'internal', 'unauthorized', 'too_large'],
    role: ['door', 'stage', 'moderator', 'organiser'],
    conn: ['connecting', 'online', 'offline', 'unauthorized', 'unpaired'],
    status: ['pending', 'current', 'done', 'skipped', 'no_show'],
    tone: ['info', 'wrap_up', 'stop'],
    sync: ['good', 'fair', 'bad'],
    mod: ['start', 'pause', 'resume'],
    result: ['already_in', 'not_in'],
    rejectedReason: ['unknown_badge', 'bad_signature', 'revoked', 'wrong_event', 'malformed', 'already_in', 'not_in'],
    method: ['scan', 'manual', 'walk_in'],
    devices: ['online', 'offline', 'removed', 'pairTitle.door', 'pairTitle.stage', 'pairTitle.moderator'],
    audit: ['time', 'who', 'action', 'target', 'outcome', 'act.timer', 'act.export'],
};

test('i18n: every key used by a view exists in both languages', () => {
    const keys = usedKeys();
    for (const [prefix, names] of Object.entries(dynamic)) for (const n of names) keys.add(`${prefix}.${n}`);
    assert.ok(keys.size > 150, `found ${keys.size} keys`);
    const missing = [];
    for (const k of keys) for (const lang of ['de', 'en']) if (!(k in dictionaries[lang])) missing.push(`${lang}:${k}`);
    assert.deepEqual(missing, []);
});

test('i18n: both dictionaries have the same keys and placeholders', () => {
    const de = dictionaries.de;
    const en = dictionaries.en;
    assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort());
    const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
    for (const k of Object.keys(de)) assert.equal(holes(de[k]), holes(en[k]), k);
});

test('i18n: language from the browser, German or English', () => {
    assert.equal(pickLanguage(null, ['de-DE', 'en']), 'de');
    assert.equal(pickLanguage(null, ['fr-FR', 'en-GB']), 'en');
    assert.equal(pickLanguage(null, ['fr-FR']), 'en');
    assert.equal(pickLanguage('de', ['en-US']), 'de', 'the toggle wins');
    assert.equal(t('verdict.alreadyInAt', { time: '18:04', device: 'Door 2' }, 'en'), 'at 18:04 at Door 2');
    assert.equal(t('verdict.alreadyInAt', { time: '18:04', device: 'Tür 2' }, 'de'), 'um 18:04 an Tür 2');
    assert.equal(t('no.such.key', { fallback: 'x' }), 'x');
});
