// The purge in real SQLite: what it removes, what the counts keep, the one path through the
// append-only triggers, and an event folder of an older version.
#include "old_ledger.hpp"
#include "storage/attendance_store.hpp"
#include "storage/audit_store.hpp"
#include "storage/purge.hpp"
#include "storage/stage_store.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <set>

using namespace stagedoor;
using protocol::Category;
using protocol::Direction;
using protocol::Method;
using protocol::ScanOutcome;
using storage::PurgeMode;

namespace {

using testing::TempDir;

constexpr std::int64_t kStart = 1764158400000; // 2025-11-26 12:00 UTC

domain::Attendee person(std::int64_t id, std::string name, Category category) {
    domain::Attendee attendee;
    attendee.id = id;
    attendee.external_id = "EXT-" + std::to_string(id);
    attendee.name = std::move(name);
    attendee.organisation = "Org of " + attendee.name;
    attendee.email = "person" + std::to_string(id) + "@example.org";
    attendee.sector = "Wirtschaft";
    attendee.notes = "allergic to nuts";
    attendee.category = category;
    attendee.created_at = kStart;
    attendee.serial = 1;
    attendee.token = "SD1.token-of-" + std::to_string(id);
    attendee.token_issued_at = kStart;
    return attendee;
}

domain::LedgerEntry entry(std::int64_t seq, std::optional<std::int64_t> attendee_id,
                          std::string device, std::int64_t minutes) {
    domain::LedgerEntry row;
    row.seq = seq;
    row.scan_id = "scan-" + std::to_string(seq);
    row.attendee_id = attendee_id;
    row.result = attendee_id ? ScanOutcome::ok : ScanOutcome::malformed;
    row.direction = Direction::in;
    row.method = Method::scan;
    row.device = std::move(device);
    row.role = "door";
    row.server_time = kStart + minutes * 60'000;
    return row;
}

// An event after the doors closed: four people, one walk-in, check-ins at two doors (one of
// them named after its owner), an exit, an undo, a refused scan of someone's e-mail address,
// a control log entry and a pitch linked to its speaker.
struct PastEvent {
    TempDir temp;
    storage::DataDir dir = storage::DataDir::init(temp.path / "event", "Sommerfest", "2026-06-01");

    PastEvent() {
        storage::Database db(dir.database_path());
        storage::migrate_attendance(db);
        db.migrate(storage::stage_migrations());
        auto walk_in = person(5, "Zoë Walker", Category::guest);
        walk_in.walk_in = true;
        for (const auto& attendee :
             {person(1, "Jana Köhler", Category::member), person(2, "Eva Groß", Category::guest),
              person(3, "Ada Lovelace", Category::speaker),
              person(4, "Jörg Müller", Category::member), walk_in}) {
            storage::insert_attendee(db, attendee);
            storage::insert_badge(db, attendee);
        }
        storage::insert_ledger_entry(db, entry(1, 1, "Anna Schmidt's phone", 0));
        storage::insert_ledger_entry(db, entry(2, 2, "Door 2", 3));
        storage::insert_ledger_entry(db, entry(3, 3, "Door 2", 17));
        auto out = entry(4, 2, "Door 2", 40);
        out.direction = Direction::out;
        storage::insert_ledger_entry(db, out);
        auto refused = entry(5, std::nullopt, "Anna Schmidt's phone", 41);
        refused.payload = "mailto:person4@example.org";
        storage::insert_ledger_entry(db, refused);
        storage::insert_ledger_entry(db, entry(6, 4, "Door 2", 42));
        auto undo = entry(7, 4, "Door 2", 43);
        undo.reverses_seq = 6;
        storage::insert_ledger_entry(db, undo);
        storage::insert_ledger_entry(db, entry(8, 5, "Anna Schmidt's phone", 44));
        storage::append_control(db, {kStart, "Moderator Max", "moderator", "stage_message",
                                     R"({"text":"Ada, one minute"})", "ok", 3});
        storage::migrate_audit(db);
        storage::append_audit(db, {0, kStart, 7, "Anna Schmidt's phone", "door", "192.0.2.7",
                                   "walkin", "5", R"({"name":"Zoë Walker"})", "ok"});
        storage::append_audit(db, {0, kStart, 0, "Moderator Max", "moderator", "192.0.2.8",
                                   "stage.message", "", R"({"text":"Ada, one minute"})", "ok"});
        domain::StageState stage;
        domain::AgendaItem pitch;
        pitch.id = "p1";
        pitch.title = "Engines for everyone";
        pitch.kind = domain::ItemKind::pitch;
        pitch.speaker_id = 3;
        pitch.organisation = "Engines Ltd";
        pitch.duration_ms = 180'000;
        stage.agenda.items.push_back(pitch);
        storage::save_stage(db, stage, kStart);
        domain::ScreenState screen;
        screen.message =
            domain::SpeakerMessage{"Ada, one minute", domain::Tone::wrap_up, false, kStart};
        storage::save_screen(db, screen);
        std::filesystem::create_directories(dir.badges_dir());
        std::ofstream(dir.badges_dir() / "badges.csv") << "Jana Köhler,person1@example.org\n";
        std::ofstream(dir.badges_dir() / "badge-1.svg") << "<svg>Jana Köhler</svg>";
    }

    domain::Attendance attendance() const {
        storage::Database db(dir.database_path());
        return storage::load_attendance(db);
    }
};

bool refuses(storage::Database& db, const char* sql) {
    try {
        db.exec(sql);
    } catch (const storage::DatabaseError&) {
        return true;
    }
    return false;
}

std::int64_t count(const storage::Database& db, const char* sql) {
    auto query = db.prepare(sql);
    REQUIRE(query.step());
    return query.int64(0);
}

} // namespace

TEST_CASE("purge store: --keep-stats keeps every count and nothing that names a person") {
    PastEvent event;
    auto before = event.attendance();
    auto before_snapshot = before.snapshot(kStart + 3'600'000);

    auto counts = storage::purge_data_dir(event.dir, PurgeMode::keep_stats, kStart + 7'200'000);
    CHECK(counts.attendees_anonymised == 5);
    CHECK(counts.attendees_deleted == 0);
    CHECK(counts.badges_deleted == 5);
    CHECK(counts.ledger_anonymised == 8);
    CHECK(counts.ledger_deleted == 0);
    CHECK(counts.control_log_deleted == 1);
    CHECK(counts.speaker_links_removed == 1);
    CHECK(counts.badge_files_deleted == 2);
    CHECK(counts.audit_log_deleted == 2);
    CHECK_FALSE(std::filesystem::exists(event.dir.badges_dir()));

    auto after = event.attendance();
    auto after_snapshot = after.snapshot(kStart + 3'600'000);
    CHECK(after.counts() == before.counts());
    CHECK(after_snapshot.by_category == before_snapshot.by_category);
    CHECK(after_snapshot.by_sector == before_snapshot.by_sector);
    CHECK(after_snapshot.rejected == before_snapshot.rejected);
    REQUIRE(after_snapshot.arrivals.size() == before_snapshot.arrivals.size());
    for (std::size_t i = 0; i < after_snapshot.arrivals.size(); ++i) {
        CHECK(after_snapshot.arrivals[i].t == before_snapshot.arrivals[i].t);
        CHECK(after_snapshot.arrivals[i].count == before_snapshot.arrivals[i].count);
    }
    std::set<std::int64_t> ids;
    for (const auto* attendee : after.attendees()) {
        ids.insert(attendee->id);
        CHECK(attendee->name.empty());
        CHECK(attendee->organisation.empty());
        CHECK(attendee->email.empty());
        CHECK(attendee->external_id.empty());
        CHECK(attendee->notes.empty());
        CHECK(attendee->token.empty());
    }
    CHECK(ids == std::set<std::int64_t>{1, 2, 3, 4, 5});
    std::set<std::string> devices;
    for (const auto& row : after.ledger()) {
        devices.insert(row.device);
        CHECK(row.payload.empty());
    }
    CHECK(devices == std::set<std::string>{"device 1", "device 2"});

    storage::Database db(event.dir.database_path());
    CHECK_FALSE(db.prepare("PRAGMA foreign_key_check").step());
    CHECK(count(db, "SELECT COUNT(*) FROM stage_control_log") == 0);
    CHECK(count(db, "SELECT COUNT(*) FROM audit_log") == 0);
    auto stage = storage::load_stage(db);
    REQUIRE(stage.state.agenda.items.size() == 1);
    CHECK(stage.state.agenda.items[0].title == "Engines for everyone");
    CHECK_FALSE(stage.state.agenda.items[0].speaker_id);
    CHECK_FALSE(stage.screen.message);
    auto log = storage::load_purge_log(db);
    REQUIRE(log.size() == 1);
    CHECK(log[0].at == kStart + 7'200'000);
    CHECK(log[0].mode == PurgeMode::keep_stats);
    CHECK(log[0].counts == counts);
}

TEST_CASE("purge store: the default deletes every person; a second purge is harmless") {
    PastEvent event;
    auto preview = storage::preview_purge(event.dir, PurgeMode::delete_all);
    CHECK(event.attendance().ledger().size() == 8); // the preview changed nothing
    CHECK(std::filesystem::exists(event.dir.badges_dir() / "badges.csv"));

    auto counts = storage::purge_data_dir(event.dir, PurgeMode::delete_all, kStart);
    CHECK(counts == preview);
    CHECK(counts.attendees_deleted == 5);
    CHECK(counts.ledger_deleted == 8);
    CHECK(counts.badges_deleted == 5);
    CHECK(counts.audit_log_deleted == 2);
    auto after = event.attendance();
    CHECK(after.attendees().empty());
    CHECK(after.ledger().empty());

    auto again = storage::purge_data_dir(event.dir, PurgeMode::keep_stats, kStart + 1);
    CHECK(again == storage::PurgeCounts{});
    storage::Database db(event.dir.database_path());
    auto log = storage::load_purge_log(db);
    REQUIRE(log.size() == 2);
    CHECK(log[0].counts == counts);
    CHECK(log[1].counts == storage::PurgeCounts{});
    // The purge record survives: nothing may change or delete it.
    CHECK(refuses(db, "UPDATE purge_log SET at = 0"));
    CHECK(refuses(db, "DELETE FROM purge_log"));
    CHECK(storage::load_purge_log(db).size() == 2);
}

TEST_CASE("purge store: the append-only triggers open only while the purge marker exists") {
    PastEvent event;
    storage::Database db(event.dir.database_path());
    CHECK(refuses(db, "UPDATE ledger SET device = 'x'"));
    CHECK(refuses(db, "DELETE FROM ledger WHERE seq = 8"));
    CHECK(refuses(db, "UPDATE badges SET token = 'x'"));
    CHECK(refuses(db, "DELETE FROM badges"));
    CHECK(refuses(db, "UPDATE audit_log SET device = 'x'"));
    CHECK(refuses(db, "DELETE FROM audit_log"));
    CHECK(count(db, "SELECT COUNT(*) FROM ledger") == 8);
    CHECK(count(db, "SELECT COUNT(*) FROM badges") == 5);
    CHECK(count(db, "SELECT COUNT(*) FROM audit_log") == 2);

    // Only inside a transaction that holds the marker (the purge's, which clears it again).
    db.exec("BEGIN");
    db.exec("INSERT INTO purge_in_progress (id) VALUES (1)");
    db.exec("DELETE FROM ledger WHERE seq = 8");
    db.exec("DELETE FROM audit_log");
    db.exec("ROLLBACK");
    CHECK(count(db, "SELECT COUNT(*) FROM audit_log") == 2);
    CHECK(count(db, "SELECT COUNT(*) FROM ledger") == 8);
    CHECK(count(db, "SELECT COUNT(*) FROM purge_in_progress") == 0);
}

TEST_CASE("purge store: an event of an older version migrates, keeps its rows and can purge") {
    TempDir temp;
    auto dir = storage::DataDir::init(temp.path / "event", "Old event", "2025-06-01");
    {
        storage::Database db(dir.database_path());
        db.migrate(storage::attendance_migrations().first(4)); // before the purge path existed
        auto attendee = person(1, "Jana Köhler", Category::member);
        storage::insert_attendee(db, attendee);
        storage::insert_badge(db, attendee);
        testing::insert_old_ledger_row(db, entry(1, 1, "Door 1", 0));
    }
    {
        storage::Database db(dir.database_path());
        storage::migrate_attendance(db);
        auto state = storage::load_attendance(db);
        REQUIRE(state.attendees().size() == 1);
        CHECK(state.attendees()[0]->token == "SD1.token-of-1");
        CHECK(state.counts().arrived == 1);
        CHECK(refuses(db, "DELETE FROM ledger"));
        CHECK(refuses(db, "DELETE FROM badges"));
    }
    auto counts = storage::purge_data_dir(dir, PurgeMode::delete_all, kStart);
    CHECK(counts.attendees_deleted == 1);
    CHECK(counts.ledger_deleted == 1);
}

TEST_CASE("purge store: a large event is purged in seconds, not per person times per check-in") {
    // 30,000 people and 60,000 check-ins. Checking the ledger's reference at every renumbered
    // person read the whole ledger each time: about two minutes here instead of about one
    // second; the bound leaves room for a loaded machine and the sanitizers.
    TempDir temp;
    auto dir = storage::DataDir::init(temp.path / "event", "Big event", "2026-06-01");
    {
        storage::Database db(dir.database_path());
        storage::migrate_attendance(db);
        db.exec(R"sql(
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
INSERT INTO attendees (id, external_id, name, email, category, created_at, updated_at)
    SELECT i, 'X-' || i, 'Person ' || i, 'p' || i || '@example.org', 'member', 1, 1 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
INSERT INTO ledger (seq, scan_id, attendee_id, result, direction, method, device, role,
                    server_time)
    SELECT i, 'scan-' || i, 1 + i % 30000, 'ok', CASE WHEN i <= 30000 THEN 'in' ELSE 'out' END,
           'scan', 'Door ' || (i % 16), 'door', 1764158400000 + i * 100 FROM n;
COMMIT;
)sql");
    }
    auto before = std::chrono::steady_clock::now();
    auto counts = storage::purge_data_dir(dir, PurgeMode::keep_stats, kStart);
    auto took = std::chrono::steady_clock::now() - before;
    CHECK(counts.attendees_anonymised == 30000);
    CHECK(counts.ledger_anonymised == 60000);
    CHECK(took < std::chrono::seconds(40));
}
