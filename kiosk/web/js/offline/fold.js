// The help desk's name search on the door's cached roster, folded exactly like the server's
// `lookup` (PROTOCOL 5.6; a port of server/domain/text_fold.cpp and the result order of
// server/domain/name_index.hpp): "muller", "mueller" and "Müller" are the same person, "strasse"
// finds "Straße", "jose" finds "José". Pure (tests/js/offline_fold.test.mjs).

// Base letters for Latin-1 Supplement U+00C0..U+00FF ('\0' = none; '*' = more than one letter).
const LATIN1 = 'aaaaaa*ceeeeiiii' // C0-CF (C6 = AE)
    + 'dnooooo\0ouuuuyt*' //        D0-DF (D7 x, DE thorn, DF sz)
    + 'aaaaaa*ceeeeiiii' //         E0-EF (E6 = ae)
    + 'dnooooo\0ouuuuyty'; //       F0-FF (F7 division)
// Latin Extended-A U+0100..U+017F.
const LATIN_EXTENDED_A = 'aaaaaaccccccccdd' // 100-10F
    + 'ddeeeeeeeeeegggg' //                    110-11F
    + 'gggghhhhiiiiiiii' //                    120-12F
    + 'ii**jjkkklllllll' //                    130-13F (132/133 ij)
    + 'lllnnnnnnnnnoooo' //                    140-14F
    + 'oo**rrrrrrssssss' //                    150-15F (152/153 oe)
    + 'ssttttttuuuuuuuu' //                    160-16F
    + 'uuuuwwyyyzzzzzzs'; //                   170-17F (17F long s)
const SPECIAL = new Map([
    [0xc6, 'ae'], [0xe6, 'ae'], [0xdf, 'ss'], [0xde, 'th'], [0xfe, 'th'], [0xd7, '\u00d7'], [0xf7, '\u00f7'],
    [0x132, 'ij'], [0x133, 'ij'], [0x152, 'oe'], [0x153, 'oe'], [0x1e9e, 'ss'],
    [0x218, 's'], [0x219, 's'], [0x21a, 't'], [0x21b, 't'],
    [0x2019, "'"], [0x2018, "'"], [0xb4, "'"],
    [0x2010, '-'], [0x2011, '-'], [0x2013, '-'], [0x2014, '-'], [0xa0, ' '],
]);

function foldCodePoint(ch) {
    const c = ch.codePointAt(0);
    if (c < 0x80) return c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : ch;
    const special = SPECIAL.get(c);
    if (special !== undefined) return special;
    if (c >= 0xc0 && c <= 0xff) return LATIN1[c - 0xc0];
    if (c >= 0x100 && c <= 0x17f) return LATIN_EXTENDED_A[c - 0x100];
    if (c >= 0x300 && c <= 0x36f) return ''; // combining marks of decomposed input ("e\u0301")
    return ch;
}

/**
 * Lower-cased (ASCII), accents stripped, ß -> ss, æ -> ae, and ae/oe/ue reduced to a/o/u so
 * that ü, ue and u all fold to u. Other characters are kept.
 */
export function fold(text) {
    let letters = '';
    for (const ch of String(text)) letters += foldCodePoint(ch);
    // The German transcription of an umlaut folds like the umlaut itself.
    return letters.replace(/([aou])e/g, '$1');
}

const isWordChar = (ch) => (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch.codePointAt(0) >= 0x80;

/** The folded words of a text (split at anything that is not a letter or digit; O'Brien is one). */
export function foldedWords(text) {
    const words = [];
    let current = '';
    for (const ch of fold(text)) {
        if (ch === "'") continue;
        if (isWordChar(ch)) {
            current += ch;
        } else if (current) {
            words.push(current);
            current = '';
        }
    }
    if (current) words.push(current);
    return words;
}

/** What a person is searched by: folded name and organisation, and their words. */
export function searchText(name, organisation) {
    const nameWords = foldedWords(name);
    return {
        name: fold(name),
        nameWords,
        joinedName: nameWords.join(' '),
        organisation: fold(organisation),
        organisationWords: foldedWords(organisation),
    };
}

/** A typed query, folded: {text (the words joined by single spaces), words}. */
export function foldedQuery(query) {
    const words = foldedWords(query);
    return { text: words.join(' '), words };
}

const anyStartsWith = (words, prefix) => words.some((w) => w.startsWith(prefix));

/** How well query matches candidate (searchText); 0 = not at all, higher is better (as the server). */
export function matchScore(query, candidate) {
    if (!query.words.length) return 0;
    if (candidate.joinedName === query.text) return 100;
    if (candidate.joinedName.startsWith(query.text)) return 90;
    let allNamePrefixes = true;
    let allPrefixes = true;
    let allSubstrings = true;
    for (const word of query.words) {
        const inName = anyStartsWith(candidate.nameWords, word);
        const inOrganisation = anyStartsWith(candidate.organisationWords, word);
        allNamePrefixes &&= inName;
        allPrefixes &&= inName || inOrganisation;
        allSubstrings &&= candidate.name.includes(word) || candidate.organisation.includes(word);
    }
    if (allNamePrefixes) return 70;
    if (allPrefixes) return 50;
    if (candidate.name.includes(query.text)) return 35;
    if (candidate.organisation.includes(query.text)) return 25;
    if (allSubstrings) return 10;
    return 0;
}

/** Code point (= UTF-8 byte) order, as the server sorts folded names; not UTF-16 unit order. */
export function compareCodePoints(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
        let x = a.charCodeAt(i);
        let y = b.charCodeAt(i);
        if (x === y) continue;
        // Surrogates (U+10000 and up) sort after U+E000..U+FFFF in code point order.
        x += x >= 0xd800 && x <= 0xdfff ? 0x2000 : x >= 0xe000 ? -0x800 : 0;
        y += y >= 0xd800 && y <= 0xdfff ? 0x2000 : y >= 0xe000 ? -0x800 : 0;
        return x - y;
    }
    return a.length - b.length;
}

export const SEARCH_LIMIT = 20; // the server's lookup limit

/**
 * Everyone in `people` ({id, name, organisation, ...}) that `query` matches, best first (higher
 * score, then folded name, then id), at most `limit`: the server's `lookup` result order.
 * `textOf(person)` may return a cached searchText.
 */
export function searchPeople(people, query, { limit = SEARCH_LIMIT, textOf = (p) => searchText(p.name, p.organisation) } = {}) {
    const folded = foldedQuery(query);
    if (!folded.words.length) return [];
    const found = [];
    for (const person of people) {
        const text = textOf(person);
        const score = matchScore(folded, text);
        if (score > 0) found.push({ person, score, name: text.name });
    }
    found.sort((a, b) => b.score - a.score || compareCodePoints(a.name, b.name) || a.person.id - b.person.id);
    return found.slice(0, limit).map((f) => f.person);
}
