// The door's offline name search folds and ranks like the server's lookup
// (kiosk/web/js/offline/fold.js; the server's cases are tests/unit/ledger_test.cpp "lookup folds
// case, accents and German spellings" and "fold").
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { compareCodePoints, fold, foldedWords, searchPeople } from '../../kiosk/web/js/offline/fold.js';

test('offline fold: the server\'s fold examples', () => {
    assert.equal(fold('Müller'), 'muller');
    assert.equal(fold('Mueller'), 'muller');
    assert.equal(fold('Straße'), 'strasse');
    assert.equal(fold('STRASSE'), 'strasse');
    assert.equal(fold('José'), 'jose');
    assert.equal(fold('Jose\u0301'), 'jose', 'a decomposed accent');
    assert.equal(fold('Łukasz Wałęsa'), 'lukasz walesa');
    assert.equal(fold('Ærø Œuvre'), 'aro ouvre');
    assert.equal(fold('İstanbul Şişli'), 'istanbul sisli');
    assert.equal(fold('Þór ẞ'), 'thor ss');
    assert.equal(fold('aee uee'), 'ae ue', 'one e dropped after a, o, u, as the server does');
    assert.equal(fold('Ω × Ж'), 'Ω × Ж', 'letters without a Latin base are kept');
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
const has = (query, id) => ids(roster, query).includes(id);

test('offline search: the server\'s lookup examples (muller/mueller/Müller, strasse/Straße, jose/José)', () => {
    assert.ok(has('Muller', 1));
    assert.ok(has('mueller', 1));
    assert.ok(has('MÜLLER', 1));
    assert.ok(has('Müller', 5), 'Mueller and Müller are the same to a volunteer');
    assert.ok(has('strasse', 3));
    assert.ok(has('Straße', 3));
    assert.ok(has('gross', 3));
    assert.ok(has('Jose', 2));
    assert.ok(has('nunez', 2));
    assert.ok(has('oeztuerk', 4));
    assert.ok(has('ozturk', 4));
    assert.ok(has('schafer', 4));
    assert.ok(has('obrien', 6));
    assert.ok(has('dresden', 1), 'organisation');
    assert.ok(has('jan mul', 1), 'word prefixes');
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
