#include "domain/text_fold.hpp"

#include "stagedoor/protocol/text.hpp"

#include <algorithm>
#include <cstdint>

namespace stagedoor::domain {

namespace {

using namespace std::string_view_literals;

// Base letters for Latin-1 Supplement U+00C0..U+00FF ('\0' = none; '*' = multi-letter).
constexpr std::string_view kLatin1 = "aaaaaa*ceeeeiiii"     // C0-CF (C6 = AE)
                                     "dnooooo\0ouuuuyt*"    // D0-DF (D7 x, DE thorn, DF sz)
                                     "aaaaaa*ceeeeiiii"     // E0-EF (E6 = ae)
                                     "dnooooo\0ouuuuyty"sv; // F0-FF (F7 division)

// Latin Extended-A U+0100..U+017F, two entries per letter pair (upper, lower) mostly.
constexpr std::string_view kLatinExtendedA = "aaaaaaccccccccdd"  // 100-10F
                                             "ddeeeeeeeeeegggg"  // 110-11F
                                             "gggghhhhiiiiiiii"  // 120-12F
                                             "ii**jjkkklllllll"  // 130-13F (132/133 ij)
                                             "lllnnnnnnnnnoooo"  // 140-14F (149 'n, 14A/B eng)
                                             "oo**rrrrrrssssss"  // 150-15F (152/153 oe)
                                             "ssttttttuuuuuuuu"  // 160-16F
                                             "uuuuwwyyyzzzzzzs"; // 170-17F (17F long s)
static_assert(kLatin1.size() == 64 && kLatinExtendedA.size() == 128);

void fold_code_point(std::string& out, char32_t c) {
    if (c < 0x80) {
        char ascii = static_cast<char>(c);
        if (ascii >= 'A' && ascii <= 'Z') ascii = static_cast<char>(ascii - 'A' + 'a');
        out += ascii;
        return;
    }
    if (c >= 0xC0 && c <= 0xFF) {
        switch (c) {
        case 0xC6:
        case 0xE6:
            out += "ae";
            return;
        case 0xDF:
            out += "ss";
            return;
        case 0xDE:
        case 0xFE:
            out += "th";
            return;
        case 0xD7:
        case 0xF7:
            protocol::append_utf8(out, c);
            return;
        default:
            out += kLatin1[c - 0xC0];
            return;
        }
    }
    if (c >= 0x100 && c <= 0x17F) {
        switch (c) {
        case 0x132:
        case 0x133:
            out += "ij";
            return;
        case 0x152:
        case 0x153:
            out += "oe";
            return;
        default:
            out += kLatinExtendedA[c - 0x100];
            return;
        }
    }
    switch (c) {
    case 0x1E9E:
        out += "ss";
        return; // capital sharp s
    case 0x218:
    case 0x219:
        out += 's';
        return; // s with comma below (Romanian)
    case 0x21A:
    case 0x21B:
        out += 't';
        return;
    case 0x2019:
    case 0x2018:
    case 0x00B4:
    case 0x0060:
        out += '\'';
        return;
    case 0x2010:
    case 0x2011:
    case 0x2013:
    case 0x2014:
        out += '-';
        return;
    case 0x00A0:
        out += ' ';
        return;
    default:
        break;
    }
    // Combining diacritical marks (decomposed input such as "e\u0301") are dropped.
    if (c >= 0x300 && c <= 0x36F) return;
    protocol::append_utf8(out, c);
}

bool is_word_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

bool any_word_starts_with(const std::vector<std::string>& words, std::string_view prefix) {
    return std::any_of(words.begin(), words.end(),
                       [&](const std::string& word) { return starts_with(word, prefix); });
}

std::string join_words(const std::vector<std::string>& words) {
    std::string joined;
    for (const auto& word : words) {
        if (!joined.empty()) joined += ' ';
        joined += word;
    }
    return joined;
}

} // namespace

std::string fold(std::string_view text) {
    std::string letters;
    letters.reserve(text.size());
    for (std::size_t i = 0; i < text.size();)
        fold_code_point(letters, protocol::next_utf8(text, i));
    // ae/oe/ue -> a/o/u: the German transcription of an umlaut folds like the umlaut itself.
    std::string out;
    out.reserve(letters.size());
    for (std::size_t i = 0; i < letters.size(); ++i) {
        char c = letters[i];
        out += c;
        if ((c == 'a' || c == 'o' || c == 'u') && i + 1 < letters.size() && letters[i + 1] == 'e')
            ++i;
    }
    return out;
}

std::vector<std::string> folded_words(std::string_view text) {
    std::string folded = fold(text);
    std::vector<std::string> words;
    std::string current;
    for (char c : folded) {
        if (c == '\'') continue; // O'Brien is one word: obrien
        if (is_word_char(static_cast<unsigned char>(c))) {
            current += c;
        } else if (!current.empty()) {
            words.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) words.push_back(std::move(current));
    return words;
}

SearchText SearchText::of(std::string_view name, std::string_view organisation) {
    SearchText text;
    text.name = fold(name);
    text.name_words = folded_words(name);
    text.joined_name = join_words(text.name_words);
    text.organisation = fold(organisation);
    text.organisation_words = folded_words(organisation);
    return text;
}

FoldedQuery FoldedQuery::of(std::string_view query) {
    FoldedQuery folded;
    folded.words = folded_words(query);
    // The joined words, so "  müller , jana" and "muller jana" are the same query.
    folded.text = join_words(folded.words);
    return folded;
}

int match_score(const FoldedQuery& query, const SearchText& candidate) {
    if (query.empty()) return 0;
    const std::string& name_joined = candidate.joined_name;
    if (name_joined == query.text) return 100;
    if (starts_with(name_joined, query.text)) return 90;
    bool all_name_prefixes = true;
    bool all_prefixes = true;
    bool all_substrings = true;
    for (const auto& word : query.words) {
        bool in_name = any_word_starts_with(candidate.name_words, word);
        bool in_organisation = any_word_starts_with(candidate.organisation_words, word);
        all_name_prefixes = all_name_prefixes && in_name;
        all_prefixes = all_prefixes && (in_name || in_organisation);
        all_substrings = all_substrings && (candidate.name.find(word) != std::string::npos ||
                                            candidate.organisation.find(word) != std::string::npos);
    }
    if (all_name_prefixes) return 70;
    if (all_prefixes) return 50;
    if (candidate.name.find(query.text) != std::string::npos) return 35;
    if (candidate.organisation.find(query.text) != std::string::npos) return 25;
    if (all_substrings) return 10;
    return 0;
}

} // namespace stagedoor::domain
