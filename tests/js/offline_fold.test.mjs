// The door's offline name search folds and ranks like the server's lookup
// (kiosk/web/js/offline/fold.js; the server's cases are tests/unit/ledger_test.cpp "lookup folds
// case, accents and German spellings" and "fold", and both run protocol/lookup_vectors.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { compareCodePoints, fold, foldedWords, searchPeople } from '../../kiosk/web/js/offline/fold.js';

test('offline fold: the server\'s fold examples', () => {
    for (const [text, folded, why] of [
        ['Müller', 'muller'], ['Mueller', 'muller'], ['Straße', 'strasse'], ['STRASSE', 'strasse'], ['José', 'jose'],
        ['Jose\u0301', 'jose', 'a decomposed accent'], ['Łukasz Wałęsa', 'lukasz walesa'], ['Ærø Œuvre', 'aro ouvre'],
        ['İstanbul Şişli', 'istanbul sisli'], ['Þór ẞ', 'thor ss'],
        ['aee uee', 'ae ue', 'one e dropped after a, o, u, as the server does'],
        ['Ω × Ж', 'Ω × Ж', 'letters without a Latin base are kept'],
    ]) assert.equal(fold(text), folded, why || text);
    assert.deepEqual(foldedWords("Sean O'Brien, Schäfer-Öztürk"), ['sean', 'obrien', 'schafer', 'ozturk']);
    assert.deepEqual(foldedWords('  '), []);
});

const roster = [
    { id: 1, name: 'Jana Müller', organisation: 'TU Dresden' },
    { id: 2, name: 'José Núñez', organisation: 'Hafen AG' },
    { id: 3, name: 'Karl Groß', organisation: 'Amt für Straßenbau' },
    { id: 4, name: 'Jörg Schäfer-Öztürk', organisation: 'Stadtwerke' },
    { id: 5, name: 'Maria Mueller', organisation: 'Rathaus' },
    { id: 6, name: "Sean O'Brien", organisation: 'Dublin Labs' },
];
const ids = (people, query) => searchPeople(people, query).map((p) => p.id);

test('offline search: the server\'s lookup examples (muller/mueller/Müller, strasse/Straße, jose/José)', () => {
    for (const [query, id, why] of [
        ['Muller', 1], ['mueller', 1], ['MÜLLER', 1], ['Müller', 5, 'Mueller and Müller are the same to a volunteer'],
        ['strasse', 3], ['Straße', 3], ['gross', 3], ['Jose', 2], ['nunez', 2], ['oeztuerk', 4], ['ozturk', 4],
        ['schafer', 4], ['obrien', 6], ['dresden', 1, 'organisation'], ['jan mul', 1, 'word prefixes'],
    ]) assert.ok(ids(roster, query).includes(id), why || `${query} finds ${id}`);
    assert.deepEqual(ids(roster, 'zzz'), []);
    assert.deepEqual(ids(roster, '   '), []);
});

test('offline search: best match first, then folded name, then id; at most 20', () => {
    const more = [...roster, { id: 7, name: 'Hafen Petersen', organisation: 'Freie Presse' }];
    assert.deepEqual(ids(more, 'hafen'), [7, 2], 'the name before an organisation match');
    // 100 full name, 90 name prefix, 70 name words, 50 organisation words, 35/25 substrings
    const tiers = [
        { id: 10, name: 'Ann Lee Smith', organisation: '' },
        { id: 11, name: 'Ann Lee', organisation: '' },
        { id: 12, name: 'Lee Ann', organisation: '' },
        { id: 13, name: 'Ann', organisation: 'Lee Corp' },
        { id: 14, name: 'Joann Leeds', organisation: '' },
    ];
    assert.deepEqual(ids(tiers, 'ann lee'), [11, 10, 12, 13, 14]);
    assert.deepEqual(ids(tiers, 'nn'), [13, 11, 10, 14, 12], 'substrings: equal scores by folded name');
    const many = Array.from({ length: 30 }, (_, i) => ({ id: 130 - i, name: `Schmidt ${130 - i}`, organisation: '' }));
    const found = ids(many, 'schmidt');
    assert.equal(found.length, 20);
    assert.deepEqual(found.slice(0, 3), [101, 102, 103]);
    const twins = [{ id: 9, name: 'Eva Berg', organisation: '' }, { id: 3, name: 'Eva Berg', organisation: '' }];
    assert.deepEqual(ids(twins, 'eva'), [3, 9], 'the same name: lower id first');
});

test('offline search: names sort in code point order like the server\'s UTF-8 bytes', () => {
    assert.ok(compareCodePoints('a\u{1F600}', 'a\uFF21') > 0, 'an astral character after U+FF21');
    assert.ok(compareCodePoints('ab', 'abc') < 0);
    assert.equal(compareCodePoints('x', 'x'), 0);
    assert.ok('a\u{1F600}' < 'a\uFF21', 'UTF-16 order would differ');
});

test('offline search: the shared vectors (protocol/lookup_vectors.json) give the server\'s answers', () => {
    const vectors = JSON.parse(readFileSync(new URL('../../protocol/lookup_vectors.json', import.meta.url), 'utf8'));
    assert.ok(vectors.lookups.length >= 100);
    for (const { text, folded } of vectors.folds) assert.equal(fold(text), folded, JSON.stringify(text));
    for (const { query, ids: expected } of vectors.lookups) assert.deepEqual(ids(vectors.roster, query), expected, JSON.stringify(query));
});
