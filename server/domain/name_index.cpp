#include "domain/name_index.hpp"

#include <algorithm>
#include <limits>

namespace stagedoor::domain {

namespace {

// Each tier finds everyone scoring at least its floor (see the header); best is the highest
// score of a person the tiers before have not found.
constexpr int kNamePrefixFloor = 90;
constexpr int kNameWordFloor = 70;
constexpr int kWordPrefixFloor = 50;
constexpr int kSubstringBest = 35;
constexpr std::size_t kMaxGram = 3;
// Above this many candidates a tier walks everyone in result order instead.
constexpr std::size_t kManyCandidates = 2048;

std::uint32_t gram(std::string_view bytes) {
    std::uint32_t packed = static_cast<std::uint32_t>(bytes.size()) << 24;
    for (std::size_t i = 0; i < bytes.size(); ++i)
        packed |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << (16 - 8 * i);
    return packed;
}

// The ordinals of the people whose key starts with prefix, in a set of (key, ..., ordinal).
template <typename Set, typename Visit>
void for_prefix(const Set& set, std::string_view prefix, Visit&& visit) {
    using Key = typename Set::value_type;
    constexpr std::size_t kLast = std::tuple_size_v<Key> - 1;
    Key low{};
    std::get<0>(low) = prefix;
    if constexpr (kLast == 2) std::get<1>(low) = std::numeric_limits<std::int64_t>::min();
    for (auto it = set.lower_bound(low); it != set.end() && std::get<0>(*it).starts_with(prefix);
         ++it)
        if (!visit(std::get<kLast>(*it))) return;
}

} // namespace

// What the tiers have scored so far, each person once.
struct NameIndex::Found {
    const NameIndex& index;
    const FoldedQuery& query;
    std::vector<Ordinal> matched; // score > 0

    int score(Ordinal ordinal) {
        if (index.stamps_[ordinal] == index.epoch_) return index.scores_[ordinal];
        int score = match_score(query, index.entries_[ordinal].text);
        index.stamps_[ordinal] = index.epoch_;
        index.scores_[ordinal] = score;
        if (score > 0) matched.push_back(ordinal);
        return score;
    }
    std::size_t at_least(int floor) const {
        return static_cast<std::size_t>(
            std::count_if(matched.begin(), matched.end(),
                          [&](Ordinal ordinal) { return index.scores_[ordinal] >= floor; }));
    }
};

std::vector<NameIndex::Gram> NameIndex::grams_of(const SearchText& text) {
    std::vector<Gram> grams;
    for (const auto* words : {&text.name_words, &text.organisation_words})
        for (std::string_view word : *words)
            for (std::size_t at = 0; at < word.size(); ++at)
                for (std::size_t length = 1; length <= kMaxGram && at + length <= word.size();
                     ++length)
                    grams.push_back(gram(word.substr(at, length)));
    std::sort(grams.begin(), grams.end());
    grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
    return grams;
}

void NameIndex::insert_views(Ordinal ordinal) {
    const SearchText& text = entries_[ordinal].text;
    const Entry& entry = entries_[ordinal];
    (entry.plain() ? plain_names_ : other_names_).emplace(text.joined_name, entry.id, ordinal);
    result_order_.emplace(text.name, entry.id, ordinal);
    for (const std::string& word : text.name_words)
        name_words_.emplace(word, ordinal);
    for (const auto* words : {&text.name_words, &text.organisation_words})
        for (const std::string& word : *words)
            words_.emplace(word, ordinal);
    for (Gram each : grams_of(text)) {
        std::vector<Ordinal>& list = postings_[each];
        // New people get the highest ordinal so far: nearly always an append.
        if (list.empty() || list.back() < ordinal) {
            list.push_back(ordinal);
            continue;
        }
        auto at = std::lower_bound(list.begin(), list.end(), ordinal);
        if (*at != ordinal) list.insert(at, ordinal);
    }
}

void NameIndex::erase_views(Ordinal ordinal) {
    const SearchText& text = entries_[ordinal].text;
    const Entry& entry = entries_[ordinal];
    (entry.plain() ? plain_names_ : other_names_).erase({text.joined_name, entry.id, ordinal});
    result_order_.erase({text.name, entry.id, ordinal});
    for (const std::string& word : text.name_words)
        name_words_.erase({word, ordinal});
    for (const auto* words : {&text.name_words, &text.organisation_words})
        for (const std::string& word : *words)
            words_.erase({word, ordinal});
    for (Gram each : grams_of(text)) {
        auto found = postings_.find(each);
        if (found == postings_.end()) continue;
        std::vector<Ordinal>& list = found->second;
        auto at = std::lower_bound(list.begin(), list.end(), ordinal);
        if (at != list.end() && *at == ordinal) list.erase(at);
        if (list.empty()) postings_.erase(found);
    }
}

void NameIndex::put(std::int64_t id, std::string_view name, std::string_view organisation) {
    auto [it, added] = ordinals_.try_emplace(id, static_cast<Ordinal>(entries_.size()));
    if (added) {
        entries_.push_back(Entry{id, false, {}});
        stamps_.push_back(0);
        scores_.push_back(0);
    }
    Ordinal ordinal = it->second;
    Entry& entry = entries_[ordinal];
    // The views into the old text go before the text does.
    if (entry.live)
        erase_views(ordinal);
    else
        ++live_;
    entry.text = SearchText::of(name, organisation);
    entry.live = true;
    insert_views(ordinal);
}

void NameIndex::remove(std::int64_t id) {
    auto it = ordinals_.find(id);
    if (it == ordinals_.end() || !entries_[it->second].live) return;
    erase_views(it->second);
    Entry& entry = entries_[it->second];
    entry.live = false;
    entry.text = SearchText{};
    --live_;
}

void NameIndex::scan_name_prefix(const FoldedQuery& query, std::size_t limit, Found& found) const {
    // Plain names come in result order (score 100 first: the query itself sorts first), so
    // the first `limit` of them beat every plain name after them.
    std::size_t taken = 0;
    for_prefix(plain_names_, query.text, [&](Ordinal ordinal) {
        found.score(ordinal);
        return ++taken < limit;
    });
    for_prefix(other_names_, query.text, [&](Ordinal ordinal) {
        found.score(ordinal);
        return true;
    });
}

bool NameIndex::scan_in_result_order(std::size_t limit, int best_left, Found& found) const {
    // After `limit` people with the best score anyone not found yet can have, the people
    // after them in result order cannot make it into the results.
    std::size_t best = 0;
    for (const auto& [name, id, ordinal] : result_order_)
        if (found.score(ordinal) >= best_left && ++best >= limit) return false;
    return true;
}

bool NameIndex::scan_word_prefix(const FoldedQuery& query, const WordSet& words, std::size_t limit,
                                 int best_left, Found& found) const {
    // Everyone sought has every query word as a prefix of one of their words, so walking the
    // rarest word's range is enough. The ranges are walked side by side until one ends.
    std::vector<WordSet::const_iterator> positions;
    for (const std::string& word : query.words)
        positions.push_back(words.lower_bound({word, 0}));
    std::size_t rarest = positions.size();
    for (std::size_t step = 0; step < kManyCandidates && rarest == positions.size(); ++step)
        for (std::size_t i = 0; i < positions.size() && rarest == positions.size(); ++i) {
            if (positions[i] == words.end() || !positions[i]->first.starts_with(query.words[i]))
                rarest = i;
            else
                ++positions[i];
        }
    if (rarest == positions.size()) return scan_in_result_order(limit, best_left, found);
    for_prefix(words, query.words[rarest], [&](Ordinal ordinal) {
        found.score(ordinal);
        return true;
    });
    return false;
}

bool NameIndex::scan_substrings(const FoldedQuery& query, std::size_t limit, Found& found) const {
    // Everyone scoring above 0 has every query word inside one of their words, so they are on
    // every posting list of every word's grams (the whole word when it is short, else its
    // trigrams). The shortest list is filtered by the others.
    std::vector<const std::vector<Ordinal>*> lists;
    for (std::string_view word : query.words) {
        std::size_t length = std::min(word.size(), kMaxGram);
        for (std::size_t at = 0; at + length <= word.size(); ++at) {
            auto it = postings_.find(gram(word.substr(at, length)));
            if (it == postings_.end()) return true;
            lists.push_back(&it->second);
        }
    }
    if (lists.empty()) return true;
    std::sort(lists.begin(), lists.end(), [](auto* a, auto* b) { return a->size() < b->size(); });
    if (lists.front()->size() > kManyCandidates)
        return scan_in_result_order(limit, kSubstringBest, found);
    for (Ordinal ordinal : *lists.front()) {
        bool everywhere = std::all_of(lists.begin() + 1, lists.end(), [&](auto* list) {
            return std::binary_search(list->begin(), list->end(), ordinal);
        });
        if (everywhere) found.score(ordinal);
    }
    return true;
}

std::vector<NameIndex::Match> NameIndex::search(const FoldedQuery& query, std::size_t limit) const {
    std::vector<Match> matches;
    if (query.empty() || limit == 0) return matches;
    if (++epoch_ == 0) { // wrapped: old stamps could look current
        std::fill(stamps_.begin(), stamps_.end(), 0);
        epoch_ = 1;
    }
    Found found{*this, query, {}};
    scan_name_prefix(query, limit, found);
    // Each step runs only while the steps before have found fewer than limit people, and
    // none once someone has scored everyone.
    bool everyone = found.at_least(kNamePrefixFloor) >= limit;
    if (!everyone)
        everyone = scan_word_prefix(query, name_words_, limit, kNameWordFloor, found) ||
                   found.at_least(kNameWordFloor) >= limit;
    if (!everyone)
        everyone = scan_word_prefix(query, words_, limit, kWordPrefixFloor, found) ||
                   found.at_least(kWordPrefixFloor) >= limit;
    if (!everyone) scan_substrings(query, limit, found);
    std::vector<std::pair<int, const Entry*>> scored;
    for (Ordinal ordinal : found.matched)
        scored.emplace_back(scores_[ordinal], &entries_[ordinal]);
    auto better = [](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first > b.first;
        if (a.second->text.name != b.second->text.name)
            return a.second->text.name < b.second->text.name;
        return a.second->id < b.second->id;
    };
    std::size_t kept = std::min(limit, scored.size());
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(kept),
                      scored.end(), better);
    for (std::size_t i = 0; i < kept; ++i)
        matches.push_back({scored[i].second->id, scored[i].first});
    return matches;
}

} // namespace stagedoor::domain
