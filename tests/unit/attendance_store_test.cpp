// The attendance tables in real SQLite: migrations on old data, and what a ledger row keeps.
#include "old_ledger.hpp"
#include "storage/attendance_store.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor;
using protocol::Direction;
using protocol::Method;
using protocol::ScanOutcome;

namespace {

using testing::TempDir;

domain::Attendee person(std::int64_t id) {
    domain::Attendee attendee;
    attendee.id = id;
    attendee.name = "Person " + std::to_string(id);
    attendee.created_at = 1;
    return attendee;
}

domain::LedgerEntry row(std::int64_t seq, std::string scan_id, std::int64_t attendee_id) {
    domain::LedgerEntry entry;
    entry.seq = seq;
    entry.scan_id = std::move(scan_id);
    entry.attendee_id = attendee_id;
    entry.result = ScanOutcome::ok;
    entry.direction = Direction::in;
    entry.method = Method::scan;
    entry.device = "Door 1";
    entry.role = "door";
    entry.kiosk_time = 1764158400000 + seq;
    entry.server_time = 1764158400100 + seq;
    entry.badge_serial = 1;
    return entry;
}

std::vector<std::string> ledger_indexes(storage::Database& db) {
    std::vector<std::string> names;
    auto query = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                            "tbl_name = 'ledger' AND name NOT LIKE 'sqlite_autoindex%'");
    while (query.step())
        names.push_back(query.text(0));
    return names;
}

bool throws_on(storage::Database& db, const char* sql) {
    try {
        db.exec(sql);
    } catch (const storage::DatabaseError&) {
        return true;
    }
    return false;
}

} // namespace

TEST_CASE("attendance store: the lean-ledger migration keeps every row of an older event") {
    TempDir dir;
    auto migrations = storage::attendance_migrations();
    REQUIRE(migrations.size() >= 4);
    {
        storage::Database db(dir.path / "event.db", true);
        db.migrate(migrations.first(3)); // an event created before the migration
        storage::insert_attendee(db, person(1));
        storage::insert_attendee(db, person(2));
        testing::insert_old_ledger_row(db, row(1, "door1-1", 1));
        auto second = row(2, "door1-2", 2);
        second.payload = "SD1.a-payload-that-was-kept.sig";
        testing::insert_old_ledger_row(db, second);
        auto reversal = row(3, "door1-2", 2);
        reversal.reverses_seq = 2;
        testing::insert_old_ledger_row(db, reversal);
        auto again = row(4, "door1-3", 1);
        again.result = ScanOutcome::already_in;
        again.first_entry_seq = 1;
        testing::insert_old_ledger_row(db, again);
        CHECK(ledger_indexes(db).size() == 2); // scan_id and reversal
    }
    storage::Database db(dir.path / "event.db");
    storage::migrate_attendance(db);

    auto state = storage::load_attendance(db);
    REQUIRE(state.ledger().size() == 4);
    CHECK(state.ledger()[1].payload == "SD1.a-payload-that-was-kept.sig");
    CHECK(state.ledger()[2].reverses_seq == 2);
    CHECK(state.ledger()[3].first_entry_seq == 1);
    CHECK(state.find_scan("door1-3")->seq == 4);
    CHECK(state.counts().present == 1);

    // Only the reversal index is left; the scan_id uniqueness lives in the server's index.
    CHECK(ledger_indexes(db) == std::vector<std::string>{"ledger_reversal"});
    auto fk = db.prepare("PRAGMA foreign_key_check");
    CHECK_FALSE(fk.step());
    // Still append-only, still checked, still one reversal per entry.
    CHECK(throws_on(db, "UPDATE ledger SET result = 'ok' WHERE seq = 4"));
    CHECK(throws_on(db, "DELETE FROM ledger WHERE seq = 1"));
    auto bad_method = db.prepare(
        "INSERT INTO ledger (seq, scan_id, result, direction, method, device, role, server_time) "
        "VALUES (5, 'x', 'ok', 'in', 'telepathy', 'd', 'door', 1)");
    CHECK_THROWS(bad_method.run());
    auto bad_direction = db.prepare(
        "INSERT INTO ledger (seq, scan_id, result, direction, method, device, role, server_time) "
        "VALUES (6, 'x', 'ok', 'sideways', 'scan', 'd', 'door', 1)");
    CHECK_THROWS(bad_direction.run());
    auto twice = row(7, "door1-2", 2);
    twice.reverses_seq = 2;
    CHECK_THROWS(storage::insert_ledger_entry(db, twice));
    auto dangling = row(8, "door1-8", 999); // no such attendee
    CHECK_THROWS(storage::insert_ledger_entry(db, dangling));
}

TEST_CASE("attendance store: a fresh event has the lean ledger and reloads what it stored") {
    TempDir dir;
    storage::Database db(dir.path / "event.db", true);
    storage::migrate_attendance(db);
    CHECK(ledger_indexes(db) == std::vector<std::string>{"ledger_reversal"});
    storage::insert_attendee(db, person(1));
    db.exec("BEGIN");
    for (int i = 1; i <= 100; ++i)
        storage::insert_ledger_entry(db, row(i, "door1-" + std::to_string(i), 1));
    db.exec("COMMIT");
    auto state = storage::load_attendance(db);
    CHECK(state.ledger().size() == 100);
    CHECK(state.find_scan("door1-100")->seq == 100);
}

TEST_CASE("attendance store: an event from before offline doors opens, and conflicts survive") {
    TempDir dir;
    auto migrations = storage::attendance_migrations();
    REQUIRE(migrations.size() >= 7);
    {
        storage::Database db(dir.path / "event.db", true);
        db.migrate(migrations.first(6)); // the last event before offline doors
        storage::insert_attendee(db, person(1));
        storage::insert_attendee(db, person(2));
        testing::insert_old_ledger_row(db, row(1, "door1-1", 1));
    }
    {
        storage::Database db(dir.path / "event.db");
        storage::migrate_attendance(db);
        auto state = storage::load_attendance(db);
        REQUIRE(state.ledger().size() == 1);
        CHECK_FALSE(state.ledger()[0].offline_verdict);
        CHECK(state.presence(1)->present);
        // Door 2 admitted person 1 offline too; Door 3 showed person 2 a refusal.
        auto twice = row(2, "door2-7", 1);
        twice.result = ScanOutcome::already_in;
        twice.first_entry_seq = 1;
        twice.offline_verdict = ScanOutcome::ok;
        twice.device = "Door 2";
        storage::insert_ledger_entry(db, twice);
        auto refused = row(3, "door3-1", 2);
        refused.result = ScanOutcome::revoked;
        refused.offline_verdict = ScanOutcome::revoked;
        refused.device = "Door 3";
        storage::insert_ledger_entry(db, refused);
    }
    storage::Database db(dir.path / "event.db");
    storage::migrate_attendance(db);
    auto state = storage::load_attendance(db);
    REQUIRE(state.ledger().size() == 3);
    CHECK(state.ledger()[1].offline_verdict == ScanOutcome::ok);
    CHECK(state.ledger()[2].offline_verdict == ScanOutcome::revoked);
    CHECK(state.counts().present == 1);
    auto conflicts = state.offline_conflicts();
    REQUIRE(conflicts.size() == 1);
    CHECK(conflicts[0].kind == protocol::ConflictKind::admitted_twice);
    CHECK(conflicts[0].entry->scan_id == "door2-7");
    CHECK(conflicts[0].admission->scan_id == "door1-1");
    // Still append-only after the new column.
    CHECK(throws_on(db, "UPDATE ledger SET offline_verdict = 'ok' WHERE seq = 3"));
}
