// Search folding for the help desk: "Muller", "Mueller" and "Müller" are the same person to a
// volunteer typing fast on a tablet, and so are "Strasse" and "Straße", "Jose" and "José".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::domain {

// Lower-cased, accents stripped (é -> e), ß -> ss, æ -> ae, and the German transcriptions
// ae/oe/ue reduced to a/o/u so that ü, ue and u all fold to u. Characters without a Latin
// base letter are kept (lower-cased where ASCII).
std::string fold(std::string_view text);

// The folded words of a text (split at anything that is not a letter or digit).
std::vector<std::string> folded_words(std::string_view text);

// How well a query matches a person; 0 = not at all. Higher is better.
struct SearchText {
    std::string name;                    // folded
    std::vector<std::string> name_words; // folded
    std::string joined_name;             // name_words joined by single spaces
    std::string organisation;            // folded
    std::vector<std::string> organisation_words;
    static SearchText of(std::string_view name, std::string_view organisation);
};

struct FoldedQuery {
    std::string text;               // folded
    std::vector<std::string> words; // folded
    static FoldedQuery of(std::string_view query);
    bool empty() const { return words.empty(); }
};

int match_score(const FoldedQuery& query, const SearchText& candidate);

} // namespace stagedoor::domain
