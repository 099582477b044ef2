// The help desk's search index: who matches a typed name, without scoring the whole roster.
// It gives exactly what scoring everyone with match_score would (same scores, same order, same
// limit), but scores only the people that can match, best tiers first:
//   1. names that start with the query (scores 100, 90): sorted sets of joined names. A name
//      that folds to its joined words ("anna muller", not "anna-lena o'brien") sorts there as
//      the results do, so this tier stops after `limit` of them: a query of one letter costs
//      `limit` plus the names with punctuation that start with it;
//   2. every query word a prefix of a name word (70), then of a name or organisation word
//      (50): sorted word sets;
//   3. every query word somewhere inside a word (35, 25, 10): n-gram posting lists (1, 2 and
//      3 bytes of a folded word), intersected.
// It stops after a tier when the tiers so far have found at least `limit` people, since no one
// found later can score higher. When a tier's candidates are many (a word that begins many
// names or organisations: "müller", one letter), it walks everyone in result order instead
// and stops after `limit` people with the best score anyone not yet found can have. A query
// that matches most people but few of them well (initials of common letters, "j m") walks
// far; one that matches nobody well and few at all scores everyone: a design limit, at most a
// few times as long as scoring everyone took before the index. Pure and single-threaded
// (search uses scratch space); updates are O(grams * log n).
//
// Memory: about 1.2 KB per attendee (measured: 60,000 people, names of 12 and organisations
// of 25 characters): the folded texts, ~8 set nodes and ~80 posting entries of 4 bytes. The
// attendee no longer keeps its own folded text (about 0.2 KB of that was there before).
#pragma once

#include "domain/text_fold.hpp"

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace stagedoor::domain {

class NameIndex {
  public:
    // It holds views into its own entries: movable (they stay put), not copyable.
    NameIndex() = default;
    NameIndex(const NameIndex&) = delete;
    NameIndex& operator=(const NameIndex&) = delete;
    NameIndex(NameIndex&&) = default;
    NameIndex& operator=(NameIndex&&) = default;

    // Adds the person under id, or replaces what was indexed for id.
    void put(std::int64_t id, std::string_view name, std::string_view organisation);
    // Forgets id (nothing when it is not indexed).
    void remove(std::int64_t id);
    // The number of people indexed.
    std::size_t size() const { return live_; }

    struct Match {
        std::int64_t id = 0;
        int score = 0; // match_score, > 0
    };
    // Everyone match_score rates above 0, best first: higher score, then folded name, then id.
    // At most limit.
    std::vector<Match> search(const FoldedQuery& query, std::size_t limit) const;

  private:
    using Ordinal = std::uint32_t; // position in entries_; never reused for another id
    using Gram = std::uint32_t;    // 1 to 3 bytes and the length
    struct Entry {
        std::int64_t id = 0;
        bool live = false;
        SearchText text;
        // text.name == text.joined_name: ordering by joined name is ordering by result.
        bool plain() const { return text.name == text.joined_name; }
    };
    struct Found;

    void insert_views(Ordinal ordinal);
    void erase_views(Ordinal ordinal);
    static std::vector<Gram> grams_of(const SearchText& text);
    void scan_name_prefix(const FoldedQuery& query, std::size_t limit, Found& found) const;
    // These return true when they scored everyone.
    using WordSet = std::set<std::pair<std::string_view, Ordinal>>;
    bool scan_word_prefix(const FoldedQuery& query, const WordSet& words, std::size_t limit,
                          int best_left, Found& found) const;
    bool scan_substrings(const FoldedQuery& query, std::size_t limit, Found& found) const;
    bool scan_in_result_order(std::size_t limit, int best_left, Found& found) const;

    // A deque: the sets below hold views into the entries' strings, which must not move.
    std::deque<Entry> entries_;
    std::unordered_map<std::int64_t, Ordinal> ordinals_; // every id ever put
    std::size_t live_ = 0;
    // (joined name, id, ordinal): the plain names, and the others.
    using NameKey = std::tuple<std::string_view, std::int64_t, Ordinal>;
    std::set<NameKey> plain_names_;
    std::set<NameKey> other_names_;
    std::set<NameKey> result_order_; // (folded name, id, ordinal): everyone, as results sort
    WordSet name_words_;
    WordSet words_;                                           // name and organisation words
    std::unordered_map<Gram, std::vector<Ordinal>> postings_; // each sorted by ordinal
    // Per ordinal, the score this search gave (valid when the stamp is the search's epoch).
    mutable std::vector<std::uint32_t> stamps_;
    mutable std::vector<int> scores_;
    mutable std::uint32_t epoch_ = 0;
};

} // namespace stagedoor::domain
