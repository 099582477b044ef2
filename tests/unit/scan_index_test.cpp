// The flat scan_id index against a std::unordered_map model, with hashes chosen to collide so
// that probe runs wrap around the table and deletions have to shift members back.
#include "domain/scan_index.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <unordered_map>

using stagedoor::domain::ScanIndex;

namespace {

// seq -> scan id, as the ledger would hold them.
struct Keys {
    std::map<std::int64_t, std::string> by_seq;
    std::string_view operator()(std::int64_t seq) const {
        auto it = by_seq.find(seq);
        return it == by_seq.end() ? std::string_view() : std::string_view(it->second);
    }
};

} // namespace

TEST_CASE("scan index: finds what was inserted, tells same-hash ids apart") {
    ScanIndex index;
    Keys keys;
    CHECK(index.find("a", 7, keys) == 0); // empty
    keys.by_seq = {{1, "a"}, {2, "b"}, {3, "c"}};
    index.insert(7, 1);
    index.insert(7, 2); // same hash, another id
    index.insert(ScanIndex::hash("c"), 3);
    CHECK(index.find("a", 7, keys) == 1);
    CHECK(index.find("b", 7, keys) == 2);
    CHECK(index.find("c", ScanIndex::hash("c"), keys) == 3);
    CHECK(index.find("d", 7, keys) == 0);
    CHECK(index.size() == 3);
    index.erase(7, 1);
    CHECK(index.find("a", 7, keys) == 0);
    CHECK(index.find("b", 7, keys) == 2); // still found after its predecessor left
    index.erase(7, 99);                   // not there: nothing happens
    CHECK(index.size() == 2);
    CHECK_THROWS(index.insert(1, 0));
}

TEST_CASE("scan index: random inserts and erases agree with a hash map") {
    for (std::uint32_t seed : {1u, 2u, 3u}) {
        INFO("seed " << seed);
        std::mt19937_64 rng(seed);
        ScanIndex index;
        Keys keys;
        std::unordered_map<std::string, std::int64_t> model;
        std::int64_t next_seq = 1;
        // Few distinct hashes near the table's end: long runs that wrap around to slot 0.
        auto hash_of = [](const std::string& id) {
            return 1023 - (ScanIndex::hash(id) % 24) + (ScanIndex::hash(id) % 3) * 1024;
        };
        for (int step = 0; step < 20000; ++step) {
            std::string id = "scan-" + std::to_string(rng() % 3000);
            auto found = model.find(id);
            if (rng() % 3 != 0) {
                if (found == model.end()) {
                    keys.by_seq[next_seq] = id;
                    index.insert(hash_of(id), next_seq);
                    model[id] = next_seq++;
                }
            } else if (found != model.end()) {
                index.erase(hash_of(id), found->second);
                keys.by_seq.erase(found->second);
                model.erase(found);
            }
            if (step % 97 == 0) {
                REQUIRE(index.size() == model.size());
                for (int probe = 0; probe < 3000; probe += 7) {
                    std::string other = "scan-" + std::to_string(probe);
                    auto expected = model.find(other);
                    REQUIRE(index.find(other, hash_of(other), keys) ==
                            (expected == model.end() ? 0 : expected->second));
                }
            }
        }
        CHECK(model.size() > 500); // the table grew past its first size
    }
}

TEST_CASE("scan index: entries stay findable while a growth moves them over") {
    ScanIndex index;
    Keys keys;
    std::mt19937_64 rng(7);
    // Inserts only: growth moves four slots per insert, so lookups must look in both tables.
    for (std::int64_t seq = 1; seq <= 20000; ++seq) {
        std::string id = "id-" + std::to_string(seq);
        keys.by_seq[seq] = id;
        index.insert(ScanIndex::hash(id), seq);
        for (int probe = 0; probe < 4; ++probe) {
            std::int64_t earlier =
                1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(seq));
            std::string earlier_id = "id-" + std::to_string(earlier);
            REQUIRE(index.find(earlier_id, ScanIndex::hash(earlier_id), keys) == earlier);
        }
        REQUIRE(index.find("absent", ScanIndex::hash("absent"), keys) == 0);
    }
    CHECK(index.size() == 20000);
    // An erase in the middle of a growth finishes the move first, then removes.
    index.erase(ScanIndex::hash("id-5"), 5);
    CHECK(index.find("id-5", ScanIndex::hash("id-5"), keys) == 0);
    CHECK(index.find("id-6", ScanIndex::hash("id-6"), keys) == 6);
    CHECK(index.size() == 19999);
}
