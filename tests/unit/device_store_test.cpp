// Paired devices in real SQLite: pairing codes (hashed, single use, expiry), device tokens
// (hashed, revocable), rename, last seen, and the purge of device names and addresses.
#include "storage/data_dir.hpp"
#include "storage/device_store.hpp"
#include "storage/purge.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor;
using protocol::Role;
using storage::DeviceStore;
using storage::TokenRefusal;

namespace {

constexpr std::int64_t kNow = 1764158400000;

std::int64_t count(const storage::Database& db, const std::string& sql) {
    auto query = db.prepare(sql);
    REQUIRE(query.step());
    return query.int64(0);
}

} // namespace

TEST_CASE("device store: a code pairs as many devices as it has uses, until it expires") {
    testing::TempDir temp;
    storage::Database db(temp.path / "event.db", true);
    DeviceStore store(db);
    auto pairing = store.create_pairing(Role::door, "Door 1", 2, kNow + 60'000, "test", kNow);
    REQUIRE(pairing.code.size() == domain::kPairingCodeChars);
    // Only the hash is stored.
    CHECK(count(db, "SELECT COUNT(*) FROM pairing_codes WHERE code_hash = '" + pairing.code +
                        "'") == 0);

    std::string typed = domain::group_pairing_code(pairing.code);
    for (char& c : typed)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto first = store.redeem(typed, "web 1", "10.0.0.7", kNow + 1);
    REQUIRE(first.has_value());
    CHECK(first->device.name == "Door 1");
    CHECK(first->device.role == Role::door);
    CHECK(first->device.address == "10.0.0.7");
    auto second = store.redeem(pairing.code, "web 1", "10.0.0.8", kNow + 2);
    REQUIRE(second.has_value());
    CHECK(second->device.id != first->device.id);
    CHECK(second->token != first->token);
    CHECK_FALSE(store.redeem(pairing.code, "web 1", "10.0.0.9", kNow + 3)); // used up
    CHECK(store.list().size() == 2);

    auto expiring = store.create_pairing(Role::stage, "Screen", 1, kNow + 10, "test", kNow);
    CHECK_FALSE(store.redeem(expiring.code, "", "", kNow + 10));
    CHECK_FALSE(store.redeem("not a code", "", "", kNow));
    CHECK(store.list().size() == 2);
    // Used-up and expired codes are cleaned up when the next one is made.
    store.create_pairing(Role::door, "Door 3", 1, kNow + 120'000, "test", kNow + 100);
    CHECK(count(db, "SELECT COUNT(*) FROM pairing_codes") == 1);
}

TEST_CASE("device store: a token authenticates its device until it is revoked") {
    testing::TempDir temp;
    storage::Database db(temp.path / "event.db", true);
    DeviceStore store(db);
    auto code = store.create_pairing(Role::moderator, "Mod", 1, kNow + 60'000, "test", kNow).code;
    auto paired = store.redeem(code, "", "", kNow);
    REQUIRE(paired.has_value());
    CHECK(count(db, "SELECT COUNT(*) FROM devices WHERE token_hash = '" + paired->token + "'") ==
          0);

    auto found = store.authenticate(paired->token);
    REQUIRE(std::holds_alternative<storage::DeviceRecord>(found));
    CHECK(std::get<storage::DeviceRecord>(found).name == "Mod");
    // Another secret with the right id, or no token format at all: unknown.
    std::string forged = paired->token;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    CHECK(std::get<TokenRefusal>(store.authenticate(forged)) == TokenRefusal::unknown);
    CHECK(std::get<TokenRefusal>(store.authenticate("door-key")) == TokenRefusal::unknown);

    CHECK(store.rename(paired->device.id, "Moderator desk"));
    CHECK_FALSE(store.rename(999, "x"));
    CHECK(store.find(paired->device.id)->name == "Moderator desk");
    DeviceStore::Seen seen{paired->device.id, kNow + 5000, "10.0.0.3", "web 2"};
    store.record_seen(std::span(&seen, 1));
    CHECK(store.find(paired->device.id)->last_seen == kNow + 5000);
    CHECK(store.find(paired->device.id)->app == "web 2");

    CHECK(store.revoke(paired->device.id, kNow + 9000));
    CHECK(store.revoke(paired->device.id, kNow + 9999)); // the first time stays
    CHECK(store.find(paired->device.id)->revoked_at == kNow + 9000);
    CHECK(std::get<TokenRefusal>(store.authenticate(paired->token)) == TokenRefusal::revoked);
    CHECK_FALSE(store.revoke(999, kNow));
}

TEST_CASE("device store: the purge removes pairing codes and device names and addresses") {
    testing::TempDir temp;
    auto dir = storage::DataDir::init(temp.path / "event", "Purge", "2026-11-26");
    for (auto mode : {storage::PurgeMode::keep_stats, storage::PurgeMode::delete_all}) {
        {
            storage::Database db(dir.database_path());
            DeviceStore store(db);
            auto code =
                store.create_pairing(Role::door, "Anna's phone", 2, kNow + 60'000, "test", kNow);
            REQUIRE(store.redeem(code.code, "web", "10.0.0.5", kNow));
        }
        storage::purge_data_dir(dir, mode, kNow + 1000);
        storage::Database db(dir.database_path());
        CHECK(count(db, "SELECT COUNT(*) FROM pairing_codes") == 0);
        CHECK(count(db, "SELECT COUNT(*) FROM devices WHERE name LIKE '%Anna%' OR address <> ''") ==
              0);
        if (mode == storage::PurgeMode::keep_stats) {
            // The devices stay as numbered rows, their tokens useless.
            CHECK(count(db, "SELECT COUNT(*) FROM devices") == 1);
            CHECK(count(db, "SELECT COUNT(*) FROM devices WHERE revoked_at IS NULL") == 0);
        } else {
            CHECK(count(db, "SELECT COUNT(*) FROM devices") == 0);
        }
    }
}
