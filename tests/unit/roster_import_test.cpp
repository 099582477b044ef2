// The roster import plan (pure) and how storage commits it.
#include "domain/roster_import.hpp"
#include "storage/attendance_store.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor::domain;
using stagedoor::protocol::Category;

namespace {

constexpr std::int64_t kNow = 1'795'712'400'000;

Attendee known(std::int64_t id, std::string name, std::string external_id, std::string email) {
    Attendee person;
    person.id = id;
    person.name = std::move(name);
    person.external_id = std::move(external_id);
    person.email = std::move(email);
    person.sector = "Wirtschaft";
    person.vip = true;
    person.serial = 1;
    person.token = "SD1.token-" + std::to_string(id) + ".sig";
    return person;
}

// Jana (M-1), Eva (no external id), a blocked Bernd (B-9) and a walk-in.
Attendance roster() {
    Attendance state;
    state.put_attendee(known(1, "Jana Köhler", "M-1", "jana@x.de"));
    state.put_attendee(known(2, "Eva Groß", "", "Eva@X.de"));
    Attendee blocked = known(3, "Bernd Block", "B-9", "bernd@x.de");
    blocked.blocked = true;
    blocked.serial = 2;
    state.put_attendee(blocked);
    Attendee walk_in = known(4, "Wanda Walk", "", "wanda@x.de");
    walk_in.walk_in = true;
    state.put_attendee(walk_in);
    return state;
}

RosterPlan plan(const Attendance& state, std::string_view csv, bool skip_bad = false,
                std::int64_t min_new_id = 1) {
    return plan_roster_import(state, parse_roster_csv(csv), {skip_bad, kNow, min_new_id});
}

std::vector<std::int64_t> ids(const std::vector<Attendee>& people) {
    std::vector<std::int64_t> out;
    for (const auto& person : people)
        out.push_back(person.id);
    return out;
}

} // namespace

TEST_CASE("roster plan: new people get ids above the roster, created_at and a badge order") {
    Attendance state = roster();
    auto result = plan(state, "name,email,external_id\nNeu Eins,neu1@x.de,N-1\nNeu Zwei,,\n");
    REQUIRE(result.writable());
    REQUIRE(result.added.size() == 2);
    CHECK(ids(result.added) == std::vector<std::int64_t>{5, 6});
    CHECK(result.added[0].name == "Neu Eins");
    CHECK(result.added[0].external_id == "N-1");
    CHECK(result.added[0].created_at == kNow);
    CHECK(result.added[0].token.empty()); // the domain signs nothing
    REQUIRE(result.badges.size() == 2);
    CHECK(result.badges[0].attendee_id == 5);
    CHECK(result.badges[0].serial == 1);
    CHECK(result.badges[1].attendee_id == 6);
    CHECK(result.updated.empty());
    // Pure: the state is as it was.
    CHECK(state.attendee_count() == 4);
    CHECK(state.next_attendee_id() == 5);

    SECTION("ids start above stored ones the caller knows of") {
        auto above = plan(state, "name\nNeu\n", false, 100);
        CHECK(ids(above.added) == std::vector<std::int64_t>{100});
        CHECK(above.badges[0].attendee_id == 100);
    }
    SECTION("running out of attendee ids refuses the file as a conflict") {
        auto full = plan(state, "name\nA\nB\n", false, stagedoor::protocol::kMaxAttendeeId);
        REQUIRE(full.refused);
        CHECK(full.refused->kind == Failure::Kind::conflict);
        CHECK_FALSE(full.writable());
        CHECK(full.added.empty());
        CHECK(full.badges.empty());
    }
}

TEST_CASE("roster plan: matches by external_id, else by email case-insensitively") {
    Attendance state = roster();
    SECTION("external_id: only the file's columns change, the badge stays") {
        auto result = plan(state, "name,email,external_id\nJana Köhler-Schmidt,jana.k@x.de,M-1\n");
        REQUIRE(result.updated.size() == 1);
        const Attendee& jana = result.updated[0];
        CHECK(jana.id == 1);
        CHECK(jana.name == "Jana Köhler-Schmidt");
        CHECK(jana.email == "jana.k@x.de");
        CHECK(jana.sector == "Wirtschaft"); // no sector column
        CHECK(jana.vip);                    // no vip column
        CHECK(jana.serial == 1);
        CHECK(jana.token == "SD1.token-1.sig");
        CHECK(result.added.empty());
        CHECK(result.badges.empty());
    }
    SECTION("email in another case, which also gives the person an external_id") {
        auto result = plan(state, "name,email,external_id\nDr. Eva Groß,EVA@x.DE,E-7\n");
        REQUIRE(result.updated.size() == 1);
        CHECK(result.updated[0].id == 2);
        CHECK(result.updated[0].external_id == "E-7");
        CHECK(result.updated[0].email == "EVA@x.DE");
    }
    SECTION("the same email with a different external_id is another person") {
        auto result = plan(state, "name,email,external_id\nJana Zwei,JANA@x.de,M-2\n");
        CHECK(result.updated.empty());
        REQUIRE(result.added.size() == 1);
        CHECK(result.added[0].external_id == "M-2");
    }
    SECTION("a walk-in found by email stays a walk-in") {
        auto result = plan(state, "name,email\nWanda Walker,wanda@x.de\n");
        REQUIRE(result.updated.size() == 1);
        CHECK(result.updated[0].id == 4);
        CHECK(result.updated[0].walk_in);
    }
    SECTION("a row equal field for field is unchanged, not updated") {
        auto result = plan(state, "name,email,external_id\nJana Köhler,jana@x.de,M-1\n");
        CHECK(result.unchanged == 1);
        CHECK(result.updated.empty());
        CHECK(result.added.empty());
    }
}

TEST_CASE("roster plan: blocked people and people missing from the file") {
    Attendance state = roster();
    SECTION("without a blocked column a blocked person stays blocked, badge untouched") {
        auto result = plan(state, "name,external_id\nBernd Block-Neu,B-9\n");
        REQUIRE(result.updated.size() == 1);
        CHECK(result.updated[0].blocked);
        CHECK(result.updated[0].serial == 2);
        CHECK(result.badges.empty());
    }
    SECTION("the blocked column unblocks and blocks; no badge is issued or revoked") {
        auto result = plan(state, "name,external_id,blocked\nBernd Block,B-9,nein\n"
                                  "Jana Köhler,M-1,ja\n");
        REQUIRE(result.updated.size() == 2);
        CHECK_FALSE(result.updated[0].blocked);
        CHECK(result.updated[1].blocked);
        CHECK(result.updated[1].serial == 1);
        CHECK(result.badges.empty());
    }
    SECTION("nobody is removed: people not in the file are not in the plan") {
        auto result = plan(state, "name,external_id\nJana Köhler,M-1\n");
        CHECK(result.unchanged == 1);
        CHECK(result.updated.empty());
        CHECK(result.added.empty());
    }
}

TEST_CASE("roster plan: bad and duplicate rows refuse the file unless skip_bad") {
    Attendance state = roster();
    // Line 3 names Jana again (by email), line 4 has no name, line 5 is fine.
    std::string csv = "name,email,external_id\nJana K,,M-1\nJ. Köhler,JANA@x.de,\n,,X-1\n"
                      "Neu,neu@x.de,N-5\n";
    auto refused = plan(state, csv);
    CHECK_FALSE(refused.writable());
    CHECK_FALSE(refused.refused);
    REQUIRE(refused.errors.size() == 2);
    CHECK(refused.errors[0].line == 3);
    CHECK(refused.errors[0].reason.find("same attendee as line 2") != std::string::npos);
    CHECK(refused.errors[1].line == 4);
    CHECK(refused.added.empty());
    CHECK(refused.updated.empty());
    CHECK(refused.badges.empty());

    auto skipped = plan(state, csv, true);
    REQUIRE(skipped.writable());
    REQUIRE(skipped.skipped.size() == 2);
    CHECK(skipped.skipped[0].line == 3);
    CHECK(skipped.skipped[1].line == 4);
    REQUIRE(skipped.updated.size() == 1);
    CHECK(skipped.updated[0].name == "Jana K");
    REQUIRE(skipped.added.size() == 1);
    CHECK(skipped.added[0].external_id == "N-5");
}

TEST_CASE("roster plan: an unusable file is refused as invalid, warnings kept") {
    Attendance state = roster();
    auto result = plan(state, "organisation,email\nX,x@x.de\n");
    REQUIRE(result.refused);
    CHECK(result.refused->kind == Failure::Kind::invalid);
    CHECK_FALSE(result.refused->message.empty());
    CHECK_FALSE(result.writable());

    auto warned = plan(state, "name,shoe size\nNeu,44\n");
    REQUIRE(warned.writable());
    CHECK_FALSE(warned.warnings.empty());
}

TEST_CASE("roster plan: apply puts the planned people into the state") {
    Attendance state = roster();
    auto result = plan(state, "name,external_id\nJana Neu,M-1\nNeu,N-1\n");
    apply_roster_plan(state, result);
    CHECK(state.attendee_count() == 5);
    CHECK(state.find_by_external_id("M-1")->name == "Jana Neu");
    CHECK(state.find_by_external_id("N-1")->id == 5);
    CHECK(state.counts().expected == 3); // Jana, Eva, the new one (Bernd blocked, Wanda walked in)
}

namespace {

// The import as the module and the CLI run it: plan, commit (signing badges), then apply.
RosterPlan import(stagedoor::storage::Database& db, Attendance& state, const RosterParse& roster,
                  bool skip_bad, const stagedoor::storage::BadgeIssuer& issuer, std::int64_t now) {
    auto plan = plan_roster_import(state, roster, {skip_bad, now, 1});
    if (plan.writable()) {
        stagedoor::storage::commit_roster_plan(db, plan, issuer, now);
        apply_roster_plan(state, plan);
    }
    return plan;
}

} // namespace

TEST_CASE("roster import: committed plans re-import by external_id, else email, never duplicate") {
    stagedoor::testing::TempDir dir;
    {
        stagedoor::storage::Database db(dir.path / "test.db", true);
        stagedoor::storage::migrate_attendance(db);
        stagedoor::storage::BadgeIssuer issuer(stagedoor::protocol::badge::SigningKey::generate(),
                                               stagedoor::protocol::badge::random_event_id());
        auto state = stagedoor::storage::load_attendance(db);
        auto first = parse_roster_csv("name;email;external_id;sector;vip\n"
                                      "Jana Köhler;jana@x.de;M-1;Wirtschaft;ja\n"
                                      "Eva Groß;eva@x.de;;Verwaltung;nein\n"
                                      "Ali Demir;;;;\n");
        auto summary = import(db, state, first, false, issuer, 1000);
        REQUIRE(summary.writable());
        CHECK(summary.added.size() == 3);
        std::string jana_token = state.find_by_external_id("M-1")->token;
        CHECK(jana_token.starts_with("SD1."));

        // Jana by external_id (new email), Eva by email (other case), a new person; the file
        // has no sector or vip column, so those stay as they were.
        auto second = parse_roster_csv("name,email,external_id\n"
                                       "Jana Köhler-Schmidt,jana.k@x.de,M-1\n"
                                       "Dr. Eva Groß,EVA@X.DE,E-7\n"
                                       "Neu Mensch,neu@x.de,\n");
        summary = import(db, state, second, false, issuer, 2000);
        REQUIRE(summary.writable());
        CHECK(summary.added.size() == 1);
        CHECK(summary.updated.size() == 2);
        CHECK(state.attendee_count() == 4);
        const auto* jana = state.find_by_external_id("M-1");
        REQUIRE(jana);
        CHECK(jana->name == "Jana Köhler-Schmidt");
        CHECK(jana->sector == "Wirtschaft");
        CHECK(jana->vip);
        CHECK(jana->token == jana_token); // the badge stays valid
        const auto* eva = state.find_by_external_id("E-7");
        REQUIRE(eva);
        CHECK(eva->name == "Dr. Eva Groß");

        // The same file again changes nothing; a bad row stops everything unless skip_bad.
        summary = import(db, state, second, false, issuer, 3000);
        CHECK(summary.unchanged == 3);
        CHECK(summary.added.size() + summary.updated.size() == 0);
        auto bad = parse_roster_csv("name,external_id,category\nNew One,N-1,member\n,N-2,member\n");
        summary = import(db, state, bad, false, issuer, 4000);
        CHECK_FALSE(summary.writable());
        REQUIRE(summary.errors.size() == 1);
        CHECK(summary.errors[0].line == 3);
        CHECK(state.attendee_count() == 4);
        summary = import(db, state, bad, true, issuer, 5000);
        CHECK(summary.writable());
        CHECK(summary.added.size() == 1);
        CHECK(summary.skipped.size() == 1);

        // Two rows for one person are a bad row, not a duplicate.
        auto twice = parse_roster_csv("name,email,external_id\nA,jana.k@x.de,\nB,,M-1\n");
        summary = import(db, state, twice, false, issuer, 6000);
        CHECK_FALSE(summary.writable());
        REQUIRE(summary.errors.size() == 1);
        CHECK(summary.errors[0].line == 3);

        // What was committed is what a restart loads.
        auto reloaded = stagedoor::storage::load_attendance(db);
        CHECK(reloaded.attendee_count() == 5);
        CHECK(reloaded.find_by_external_id("M-1")->name == "Jana Köhler-Schmidt");
        CHECK(reloaded.find_by_external_id("M-1")->token == jana_token);

        // Reissue: a new serial, the old one revoked.
        auto reissued = stagedoor::storage::reissue_badge(db, state, jana->id, issuer, 7000);
        CHECK(reissued.serial == 2);
        CHECK(reissued.token != jana_token);
        CHECK(stagedoor::storage::load_attendance(db).find_by_external_id("M-1")->serial == 2);
    }
}

TEST_CASE("roster import: a failed commit writes nothing") {
    stagedoor::testing::TempDir dir;
    stagedoor::storage::Database db(dir.path / "test.db", true);
    stagedoor::storage::migrate_attendance(db);
    stagedoor::storage::BadgeIssuer issuer(stagedoor::protocol::badge::SigningKey::generate(),
                                           stagedoor::protocol::badge::random_event_id());
    auto state = stagedoor::storage::load_attendance(db);
    auto plan = plan_roster_import(state, parse_roster_csv("name\nA\nB\n"), {false, kNow, 1});
    REQUIRE(plan.added.size() == 2);
    plan.added[1].id = plan.added[0].id; // the second insert fails on the primary key
    plan.badges.pop_back();
    CHECK_THROWS(stagedoor::storage::commit_roster_plan(db, plan, issuer, kNow));
    CHECK(stagedoor::storage::load_attendance(db).attendee_count() == 0);
    CHECK(stagedoor::storage::max_attendee_id(db) == 0);
}
