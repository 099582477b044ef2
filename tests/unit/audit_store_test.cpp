// The audit log in real SQLite: rows come back newest first, the filters, and the append-only
// triggers.
#include "storage/audit_store.hpp"
#include "storage/data_dir.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor;

namespace {

using testing::TempDir;

constexpr std::int64_t kStart = 1764158400000;

storage::AuditEntry row(std::int64_t minutes, std::int64_t device_id, std::string device,
                        std::string action) {
    return {0,     kStart + minutes * 60'000, device_id, std::move(device), "door",
            "::1", std::move(action),         "target",  R"({"k":1})",      "ok"};
}

struct AuditDb {
    TempDir temp;
    storage::Database db{temp.path / "event.sqlite", true};
    AuditDb() {
        storage::migrate_audit(db);
        storage::append_audit(db, row(0, 3, "Door 1", "checkin.manual"));
        storage::append_audit(db, row(1, 0, "(role key)", "timer.start"));
        storage::append_audit(db, row(2, 3, "Door 1", "walkin"));
        storage::append_audit(db, row(3, 4, "Door 2", "timer.pause"));
        storage::append_audit(db, row(4, 4, "Door 2", "timers"));
    }
    std::vector<std::string> actions(const storage::AuditFilter& filter) const {
        std::vector<std::string> out;
        for (const auto& entry : storage::load_audit(db, filter))
            out.push_back(entry.action);
        return out;
    }
};

} // namespace

TEST_CASE("audit store: rows come back whole and newest first") {
    AuditDb audit;
    auto rows = storage::load_audit(audit.db, {});
    REQUIRE(rows.size() == 5);
    CHECK(rows[0].action == "timers");
    CHECK(rows[4].action == "checkin.manual");
    auto expected = row(0, 3, "Door 1", "checkin.manual");
    expected.seq = 1;
    CHECK(rows[4] == expected);
    CHECK(rows[0].seq == 5);
}

TEST_CASE("audit store: filters by action family, device id or name, time and limit") {
    AuditDb audit;
    using V = std::vector<std::string>;
    CHECK(audit.actions({.action = "timer"}) == V{"timer.pause", "timer.start"});
    CHECK(audit.actions({.action = "timer.start"}) == V{"timer.start"});
    CHECK(audit.actions({.action = "timers"}) == V{"timers"});
    CHECK(audit.actions({.action = "time"}).empty());
    CHECK(audit.actions({.device = "3"}) == V{"walkin", "checkin.manual"});
    CHECK(audit.actions({.device = "Door 2"}) == V{"timers", "timer.pause"});
    CHECK(audit.actions({.device = "0"}) == V{"timer.start"});
    CHECK(audit.actions({.since = kStart + 2 * 60'000}) == V{"timers", "timer.pause", "walkin"});
    CHECK(audit.actions({.limit = 2}) == V{"timers", "timer.pause"});
    CHECK(audit.actions({.before_seq = 3, .limit = 1}) == V{"timer.start"});
    CHECK(audit.actions({.action = "walkin", .device = "Door 2"}).empty());
}

TEST_CASE("audit store: the log is append-only, except inside the purge") {
    AuditDb audit;
    storage::Database db(audit.temp.path / "event.sqlite");
    CHECK_THROWS_AS(db.exec("UPDATE audit_log SET device = 'someone else'"),
                    storage::DatabaseError);
    CHECK_THROWS_AS(db.exec("DELETE FROM audit_log WHERE seq = 1"), storage::DatabaseError);
    CHECK(storage::load_audit(db, {}).size() == 5);
    // Only while the purge's marker row exists (inside the purge's transaction).
    db.exec("BEGIN");
    db.exec("INSERT INTO purge_in_progress (id) VALUES (1)");
    db.exec("DELETE FROM audit_log");
    db.exec("ROLLBACK");
    CHECK(storage::load_audit(db, {}).size() == 5);
}

TEST_CASE("audit store: an event without the table reads as an empty log") {
    TempDir temp;
    storage::Database db(temp.path / "event.sqlite", true);
    CHECK(storage::load_audit(db, {}).empty());
}
