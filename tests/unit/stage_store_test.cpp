#include "storage/data_dir.hpp"
#include "storage/stage_store.hpp"

#include <catch2/catch.hpp>
#include <random>

using namespace stagedoor;
using namespace stagedoor::domain;

namespace {

struct TempDb {
    TempDb() {
        std::random_device random;
        root = std::filesystem::temp_directory_path() /
               ("stagedoor-store-" + std::to_string(random()));
        std::filesystem::create_directories(root);
        db.emplace(root / "stagedoor.db", true);
        db->migrate(storage::stage_migrations());
    }
    ~TempDb() {
        db.reset();
        std::filesystem::remove_all(root);
    }
    std::filesystem::path root;
    std::optional<storage::Database> db;
};

StageState sample_state() {
    StageState state;
    Agenda agenda;
    for (int i = 1; i <= 3; ++i) {
        ItemChanges changes;
        changes.title = "Pitch " + std::to_string(i) + " — Köhler, \"quoted\"";
        changes.duration_ms = 180'000;
        changes.kind = ItemKind::pitch;
        changes.block = "New member pitches";
        if (i == 2) changes.speaker_id = std::optional<std::int64_t>(42);
        changes.at_zero = i == 3 ? AtZero::next : AtZero::stop;
        AgendaItem item;
        REQUIRE_FALSE(make_item("p" + std::to_string(i), changes, item));
        agenda.items.push_back(item);
    }
    agenda.items[2].skipped = true;
    agenda.items[1].no_show = false;
    agenda.block_targets["New member pitches"] = 1'795'716'600'000;
    REQUIRE_FALSE(replace_agenda(state, agenda));
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, 1'000'000));
    REQUIRE_FALSE(apply_timer(state, {TimerAction::add_time, {}, -15'000}, 1'010'000));
    REQUIRE(settle(state, 1'200'000)); // held at 0:00
    return state;
}

} // namespace

TEST_CASE("stage store: an empty database loads as an idle, empty stage") {
    TempDb temp;
    auto stored = storage::load_stage(*temp.db);
    CHECK(stored.state == StageState{});
    CHECK(stored.screen == ScreenState{});
    CHECK_FALSE(stored.saved_at);
    // Migrations are named and applied once.
    temp.db->migrate(storage::stage_migrations());
}

TEST_CASE("stage store: save and load round-trip every field") {
    TempDb temp;
    auto state = sample_state();
    REQUIRE(held_at_zero(state.timer));
    storage::save_stage(*temp.db, state, 1'200'001);
    ScreenState screen{SpeakerMessage{"Bitte zum Schluss kommen", Tone::wrap_up, true, 1'190'000},
                       true};
    storage::save_screen(*temp.db, screen);

    auto stored = storage::load_stage(*temp.db);
    CHECK(stored.state == state);
    CHECK(stored.screen == screen);
    CHECK(stored.saved_at == 1'200'001);

    // Saving again replaces (a removed item is gone, order follows the state).
    REQUIRE_FALSE(apply_timer(state, {TimerAction::stop, {}, {}}, 1'300'000));
    REQUIRE_FALSE(remove_item(state, "p2"));
    REQUIRE_FALSE(move_item(state, "p3", std::string("p1")));
    storage::save_stage(*temp.db, state, 1'300'001);
    storage::save_screen(*temp.db, ScreenState{});
    auto again = storage::load_stage(*temp.db);
    CHECK(again.state == state);
    CHECK(again.state.agenda.items.front().id == "p3");
    CHECK(again.screen == ScreenState{});
}

TEST_CASE("stage store: unreadable rows are reported, not guessed") {
    TempDb temp;
    storage::save_stage(*temp.db, sample_state(), 1);
    temp.db->exec("UPDATE stage_timer SET phase = 'sleeping'");
    CHECK_THROWS_AS(storage::load_stage(*temp.db), storage::DatabaseError);
    temp.db->exec("UPDATE stage_timer SET phase = 'idle', item_id = 'gone'");
    CHECK_THROWS_AS(storage::load_stage(*temp.db), storage::DatabaseError);
}

TEST_CASE("stage store: the control log keeps device, role and time") {
    TempDb temp;
    storage::append_control(*temp.db, {1000, "Moderator phone", "moderator", "timer_control",
                                       R"({"action":"start"})", "ok", 4});
    storage::append_control(*temp.db, {2000, "Door 1", "door", "blackout", R"({"on":true})",
                                       "forbidden", std::nullopt});
    auto log = storage::load_control_log(*temp.db);
    REQUIRE(log.size() == 2);
    CHECK(log[0].device == "Moderator phone");
    CHECK(log[0].seq == 4);
    CHECK(log[1].outcome == "forbidden");
    CHECK_FALSE(log[1].seq);
    CHECK(storage::load_control_log(*temp.db, 1).front().at == 2000);
}

TEST_CASE("stage store: attendees for the import, when the table exists") {
    TempDb temp;
    CHECK(storage::load_attendee_records(*temp.db).empty());
    temp.db->exec(
        "CREATE TABLE attendees (id INTEGER PRIMARY KEY, external_id TEXT, name TEXT NOT NULL, "
        "organisation TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', sector TEXT)");
    temp.db->exec("INSERT INTO attendees (id, external_id, name, organisation, email) VALUES "
                  "(7, 'M-0007', 'Franziska Böhm', 'Zweckverband', 'fb@example.org'), (8, NULL, "
                  "'No Id', '', '')");
    auto records = storage::load_attendee_records(*temp.db);
    REQUIRE(records.size() == 2);
    CHECK(records[0].external_id == "M-0007");
    CHECK(records[0].email == "fb@example.org");
    CHECK(records[1].external_id.empty());
}

TEST_CASE("data folder: one process at a time owns a data folder") {
    TempDb temp;
    auto first = storage::DataDirLock::try_acquire(temp.root);
    REQUIRE(first);
    CHECK_FALSE(storage::DataDirLock::try_acquire(temp.root));
    first.reset();
    CHECK(storage::DataDirLock::try_acquire(temp.root));
}
