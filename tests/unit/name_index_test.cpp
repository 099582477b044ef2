#include "domain/attendance.hpp"
#include "domain/name_index.hpp"
#include "domain/text_fold.hpp"
#include "stagedoor/protocol/text.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

using namespace stagedoor::domain;
using nlohmann::json;

namespace {

struct Candidate {
    std::int64_t id;
    SearchText text;
};

// Everyone's search text, folded once for all the queries of a comparison.
std::vector<Candidate> candidates_of(const Attendance& state) {
    std::vector<Candidate> candidates;
    for (const Attendee* person : state.attendees())
        candidates.push_back({person->id, SearchText::of(person->name, person->organisation)});
    return candidates;
}

// The linear lookup that served before the index: score everyone, sort, cut. The reference.
std::vector<std::int64_t> linear_lookup(const std::vector<Candidate>& candidates,
                                        std::string_view query, std::size_t limit) {
    FoldedQuery folded = FoldedQuery::of(query);
    if (folded.empty()) return {};
    std::vector<std::pair<int, const Candidate*>> scored;
    for (const Candidate& candidate : candidates) {
        int score = match_score(folded, candidate.text);
        if (score > 0) scored.emplace_back(score, &candidate);
    }
    std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first > b.first;
        if (a.second->text.name != b.second->text.name)
            return a.second->text.name < b.second->text.name;
        return a.second->id < b.second->id;
    });
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < scored.size() && i < limit; ++i)
        ids.push_back(scored[i].second->id);
    return ids;
}

std::vector<std::int64_t> indexed_lookup(const Attendance& state, std::string_view query,
                                         std::size_t limit) {
    std::vector<std::int64_t> ids;
    for (const LookupMatch& match : state.lookup(query, limit))
        ids.push_back(match.attendee->id);
    return ids;
}

const std::vector<std::string> kFirstNames = {
    "Anna",  "Anna-Lena", "Jürgen", "Juergen", "José",   "Jose",   "Zoë",   "Åsa",
    "Björn", "Mia",       "Ali",    "Ömer",    "Uwe",    "Ulrike", "Sören", "Ægir",
    "Émile", "Łukasz",    "Nguyen", "Xaver",   "Yvonne", "Aa",     "Ute",   "Max"};
const std::vector<std::string> kLastNames = {
    "Müller", "Mueller", "Muller", "Straße",   "Strasse",    "O'Brien",  "Nguyen", "Meyer",
    "Maier",  "Schmidt", "Öztürk", "Weiß",     "de la Cruz", "Lang",     "Jung",   "Wang",
    "Zhang",  "Ng",      "Abel",   "Ängström", "Groß",       "van Dijk", "Ax",     "Ek"};
const std::vector<std::string> kOrganisations = {
    "",         "Müller GmbH", "Universität Köln", "ACME Corp.", "Straßenbau AG", "Anna & Co",
    "Ngo e.V.", "Mu",          "Ünal Ltd",         "Jung & Lang"};

std::string pick(const std::vector<std::string>& list, std::mt19937& random) {
    return list[random() % list.size()];
}

Attendee generated_person(std::int64_t id, std::mt19937& random) {
    Attendee person;
    person.id = id;
    person.name = pick(kFirstNames, random) + " " + pick(kLastNames, random);
    if (random() % 4 == 0) person.name += " " + std::to_string(random() % 100);
    if (random() % 9 == 0) person.name = pick(kLastNames, random) + ", " + person.name;
    person.organisation = pick(kOrganisations, random);
    return person;
}

// Short ones, umlauts, transcriptions, initials, several words, and pieces of real names.
std::vector<std::string> queries_for(const Attendance& state, std::mt19937& random) {
    std::vector<std::string> queries = {
        "a",     "m",      "x",       "z",      "ü",           "ö",         "ß",
        "mü",    "mu",     "mue",     "mül",    "muel",        "mull",      "ng",
        "ng ",   "an",     "aa",      "a m",    "j m",         "m j",       "anna lena",
        "lena",  "straße", "strasse", "strase", "o'brien",     "obrien",    "brien",
        "de la", "la cr",  "cruz de", "gmbh",   "müller gmbh", "köln uni",  "co",
        "acme",  "e.v.",   "jose",    "josé",   "zoe",         "asa",       "ae",
        "æ",     "ss",     "weiss",   "12",     "1",           "anna 1",    "ax",
        "ek",    "ute",    "uwe ek",  "ünal",   "ü ü",         "nothing",   "qq",
        "!!",    " ",      "",        "ung",    "ang",         "jung lang", "lang & jung"};
    std::vector<const Attendee*> people = state.attendees();
    for (int i = 0; i < 150; ++i) {
        const Attendee& person = *people[random() % people.size()];
        const std::string& source = i % 3 == 2 ? person.organisation : person.name;
        if (source.empty()) continue;
        std::size_t start = random() % source.size();
        std::size_t length = 1 + random() % 8;
        queries.push_back(source.substr(start, length)); // may cut a UTF-8 sequence: also fine
    }
    return queries;
}

Attendance generated_roster(std::int64_t size, std::mt19937& random) {
    Attendance state;
    for (std::int64_t id = 1; id <= size; ++id)
        state.put_attendee(generated_person(id, random));
    return state;
}

void check_same_as_linear(const Attendance& state, std::mt19937& random) {
    std::vector<Candidate> candidates = candidates_of(state);
    for (const std::string& query : queries_for(state, random)) {
        std::vector<std::int64_t> expected = linear_lookup(candidates, query, 500);
        for (std::size_t limit : {std::size_t{1}, std::size_t{20}, std::size_t{500}}) {
            INFO("query '" << query << "', limit " << limit);
            std::vector<std::int64_t> first(
                expected.begin(),
                expected.begin() + static_cast<std::ptrdiff_t>(std::min(limit, expected.size())));
            REQUIRE(indexed_lookup(state, query, limit) == first);
        }
    }
}

// The offline door's name search (kiosk/web/js/offline/fold.js) runs the same vectors
// (tests/js/offline_fold.test.mjs): a roster, folds and lookups, as the server answers them.
const char* const kLookupVectorsPath = STAGEDOOR_SOURCE_DIR "/protocol/lookup_vectors.json";

json lookup_vectors() {
    std::mt19937 random(20261127);
    Attendance state = generated_roster(200, random);
    json roster = json::array();
    json folds = json::array();
    for (const Attendee* person : state.attendees()) {
        roster.push_back(
            {{"id", person->id}, {"name", person->name}, {"organisation", person->organisation}});
        for (const std::string* text : {&person->name, &person->organisation})
            folds.push_back({{"text", *text}, {"folded", fold(*text)}});
    }
    for (std::string text :
         {"Łukasz Wałęsa", "Ærø Œuvre", "İstanbul Şişli", "Jose\xCC\x81", "O\xE2\x80\x99Neil",
          "Ann\xC2\xA0Lee\xE2\x80\x93Smith", "Þór ẞ", "Ω × Ж 😀", "aee uee oe"})
        folds.push_back({{"text", text}, {"folded", fold(text)}});
    json lookups = json::array();
    std::mt19937 queries_random(1);
    for (const std::string& query : queries_for(state, queries_random)) {
        if (!stagedoor::protocol::is_valid_utf8(query))
            continue; // a query cut inside a UTF-8 sequence cannot travel in JSON
        lookups.push_back({{"query", query}, {"ids", indexed_lookup(state, query, 20)}});
    }
    return {{"roster", roster}, {"folds", folds}, {"lookups", lookups}};
}

} // namespace

TEST_CASE("name index: regenerate the shared lookup vectors", "[.generate]") {
    // Run with STAGEDOOR_WRITE_LOOKUP_VECTORS=1 to rewrite protocol/lookup_vectors.json.
    if (std::getenv("STAGEDOOR_WRITE_LOOKUP_VECTORS") == nullptr) {
        WARN("set STAGEDOOR_WRITE_LOOKUP_VECTORS=1 to rewrite " << kLookupVectorsPath);
        return;
    }
    std::ofstream out(kLookupVectorsPath);
    out << lookup_vectors().dump(1) << "\n";
    REQUIRE(out.good());
}

TEST_CASE("name index: the shared lookup vectors file matches the server", "[lookup]") {
    std::ifstream in(kLookupVectorsPath);
    REQUIRE(in.good());
    json committed = json::parse(in);
    CHECK(committed.at("lookups").size() >= 100);
    CHECK(committed == lookup_vectors());
}

TEST_CASE("name index: lookup gives what scoring everyone gives, on a generated roster",
          "[lookup]") {
    std::mt19937 random(20261127);
    Attendance state = generated_roster(3000, random);
    check_same_as_linear(state, random);
    // The short queries are not empty, so the comparison compares something.
    CHECK(indexed_lookup(state, "a", 20).size() == 20);
    CHECK(indexed_lookup(state, "mü", 500).size() == 500);
}

TEST_CASE("name index: stays current through renames, blocks, new badges, walk-ins and removals",
          "[lookup]") {
    std::mt19937 random(7);
    Attendance state = generated_roster(1500, random);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 200; ++i) {
            auto id = static_cast<std::int64_t>(1 + random() % 1500);
            const Attendee* existing = state.attendee(id);
            Attendee changed = existing ? *existing : generated_person(id, random);
            switch (random() % 4) {
            case 0: // a new name and organisation (a roster re-import)
                changed.name = generated_person(id, random).name;
                changed.organisation = pick(kOrganisations, random);
                break;
            case 1: // blocked: same name
                changed.blocked = !changed.blocked;
                break;
            case 2: // reissued: same name
                changed.serial = static_cast<std::uint16_t>(changed.serial + 1);
                break;
            default:
                state.remove_attendee(id);
                continue;
            }
            state.put_attendee(changed);
        }
        WalkInDetails walk_in;
        walk_in.name = "Zora Walkin-Neu";
        walk_in.organisation = "Tür";
        state.put_attendee(make_walk_in(walk_in, 5000 + round, 1000));
        check_same_as_linear(state, random);
    }
    CHECK(indexed_lookup(state, "zora walkin", 20).size() == 3);
}

TEST_CASE("name index: a renamed or removed person is found by the new name only", "[lookup]") {
    NameIndex index;
    index.put(1, "Jürgen Müller", "Acme");
    index.put(2, "Anna Schmidt", "");
    REQUIRE(index.search(FoldedQuery::of("mueller"), 20).size() == 1);
    index.put(1, "Jürgen Meyer", "Acme");
    CHECK(index.search(FoldedQuery::of("mueller"), 20).empty());
    CHECK(index.search(FoldedQuery::of("ller"), 20).empty());
    REQUIRE(index.search(FoldedQuery::of("meyer"), 20).size() == 1);
    CHECK(index.search(FoldedQuery::of("meyer"), 20)[0].score == 70);
    CHECK(index.search(FoldedQuery::of("acme"), 20).size() == 1);
    index.remove(1);
    CHECK(index.search(FoldedQuery::of("acme"), 20).empty());
    CHECK(index.search(FoldedQuery::of("j"), 20).empty());
    CHECK(index.size() == 1);
    index.put(1, "Jürgen Müller", "");
    CHECK(index.size() == 2);
    auto found = index.search(FoldedQuery::of("jürgen müller"), 20);
    REQUIRE(found.size() == 1);
    CHECK(found[0].id == 1);
    CHECK(found[0].score == 100);
    CHECK(index.search(FoldedQuery::of("  "), 20).empty());
}
