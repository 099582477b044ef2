// The attendance module over a real data folder (database, badge keys) and group-commit
// writer, with fakes for the network (transport, scheduler).
#include "app/attendance_module.hpp"
#include "app/router.hpp"
#include "fakes.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor;
using namespace stagedoor::app;
using nlohmann::json;
using stagedoor::testing::FakeScheduler;
using stagedoor::testing::FakeTransport;

namespace {

constexpr std::int64_t T0 = 1'795'712'400'000; // 2026-11-26T17:00:00Z

const Connection kDoor{1, Role::door, "Door 1"};
const Connection kDoor2{2, Role::door, "Door 2"};
const Connection kOrganiser{3, Role::organiser, "Organiser laptop"};
const Connection kStage{4, Role::stage, "Stage left"};

// An event folder with two people on the roster, and the module serving it.
struct Rig {
    Rig()
        : dir(storage::DataDir::init(folder.path / "event", "Test", "2026-11-26")) {
        writer = std::make_unique<storage::Writer>(
            dir.database_path(),
            [this](std::function<void()> task) { transport.post(std::move(task)); });
        context = std::make_unique<ModuleContext>(
            ModuleContext{dir, dir.event(), transport, scheduler, *writer, [this] { return now; }});
        module = std::make_unique<AttendanceModule>(*context);
        module->register_routes(router);
        module->start();
        auto imported = http("POST", "/api/roster", "name,external_id\nAda,A-1\nBen,B-2\n");
        REQUIRE(imported.status == 200);
    }
    ~Rig() {
        module->stop();
        writer->stop();
        module.reset();
    }

    const domain::Attendance& state() const { return module->state(); }
    std::string token(std::int64_t attendee_id) const {
        return state().attendee(attendee_id)->token;
    }
    // Sends a frame through the router as the dispatcher does; returns the request id. Plain
    // scans take the fast path.
    std::int64_t send(const Connection& connection, json frame) {
        std::int64_t id = next_request++;
        frame["id"] = id;
        std::string text = frame.dump();
        if (router.dispatch_text(connection, text)) return id;
        auto envelope = protocol::parse_envelope(text);
        REQUIRE(envelope.ok());
        router.dispatch(connection, *envelope);
        return id;
    }
    // An HTTP request with the organiser's key; waits for the answer.
    HttpResponse http(std::string method, std::string path, std::string body,
                      std::map<std::string, std::string> query = {}) {
        HttpRequest request;
        request.method = std::move(method);
        request.path = std::move(path);
        request.query = std::move(query);
        request.body = std::move(body);
        request.role = Role::organiser;
        std::optional<HttpResponse> answer;
        router.dispatch_http(std::move(request),
                             [&answer](HttpResponse response) { answer = std::move(response); });
        REQUIRE(transport.run_until([&] { return answer.has_value(); }));
        return *answer;
    }
    std::int64_t scan(const Connection& door, const std::string& scan_id, std::int64_t attendee_id,
                      std::string direction = "in") {
        return send(door, {{"type", "scan"},
                           {"scan_id", scan_id},
                           {"payload", token(attendee_id)},
                           {"direction", direction},
                           {"at", now}});
    }
    // The reply to request id, if there is one yet.
    std::optional<json> reply(const Connection& connection, std::int64_t id) const {
        for (const auto& entry : transport.sent)
            if (entry.to == connection.id && entry.message.value("re", json()) == id)
                return entry.message;
        return std::nullopt;
    }
    // Runs the writer's completions until request id is answered; returns the answer.
    json await(const Connection& connection, std::int64_t id) {
        REQUIRE(transport.run_until([&] { return reply(connection, id).has_value(); }));
        return *reply(connection, id);
    }
    // Ledger rows in the database (a connection of its own, as another process would see).
    std::int64_t stored_rows(const std::string& scan_id) const {
        storage::Database db(dir.database_path());
        auto query = db.prepare("SELECT COUNT(*) FROM ledger WHERE scan_id = ?");
        query.bind(1, scan_id);
        REQUIRE(query.step());
        return query.int64(0);
    }
    void exec(const std::string& sql) const {
        storage::Database db(dir.database_path());
        db.exec(sql);
    }

    stagedoor::testing::TempDir folder;
    std::int64_t now = T0;
    storage::DataDir dir;
    FakeTransport transport;
    FakeScheduler scheduler;
    Router router{transport};
    std::unique_ptr<storage::Writer> writer;
    std::unique_ptr<ModuleContext> context;
    std::unique_ptr<AttendanceModule> module;
    std::int64_t next_request = 1;
};

} // namespace

TEST_CASE("attendance module: a scan is answered only after its commit") {
    Rig rig;
    auto id = rig.scan(kDoor, "s-1", 1);
    // Decided in memory at once, but not answered before the writer's completion.
    CHECK_FALSE(rig.reply(kDoor, id));
    CHECK(rig.state().presence(1)->present);
    auto answer = rig.await(kDoor, id);
    CHECK(answer["type"] == "scan_result");
    CHECK(answer["result"] == "ok");
    CHECK(answer["scan_id"] == "s-1");
    CHECK(answer["attendee"]["name"] == "Ada");
    CHECK(answer["reason"] == "Checked in");
    CHECK(answer["replayed"] == false);
    CHECK(rig.stored_rows("s-1") == 1); // durable when answered

    // A second badge read: already_in, with where the admission was.
    auto again = rig.await(kDoor2, rig.scan(kDoor2, "s-2", 1));
    CHECK(again["result"] == "already_in");
    CHECK(again["first_entry"]["device"] == "Door 1");
    CHECK(again["reason"] == "Already checked in (at Door 1)");
}

TEST_CASE("attendance module: a retry while pending waits for the same commit") {
    Rig rig;
    auto first = rig.scan(kDoor, "s-1", 1);
    auto retry = rig.scan(kDoor, "s-1", 1);
    CHECK_FALSE(rig.reply(kDoor, first));
    CHECK_FALSE(rig.reply(kDoor, retry));
    auto answer = rig.await(kDoor, first);
    auto replayed = rig.await(kDoor, retry);
    CHECK(answer["result"] == "ok");
    CHECK(answer["replayed"] == false);
    CHECK(replayed["result"] == "ok");
    CHECK(replayed["replayed"] == true);
    CHECK(replayed["server_time"] == answer["server_time"]);
    CHECK(rig.stored_rows("s-1") == 1);
    CHECK(rig.state().ledger().size() == 1);

    // After the commit a retry is answered from the ledger, still replayed and still one row.
    auto later = rig.await(kDoor, rig.scan(kDoor, "s-1", 1));
    CHECK(later["result"] == "ok");
    CHECK(later["replayed"] == true);
    CHECK(rig.stored_rows("s-1") == 1);
}

TEST_CASE("attendance module: a failed commit answers internal and leaves no trace") {
    Rig rig;
    // A real write failure on the writer's connection: the database refuses this scan_id.
    rig.exec("CREATE TRIGGER refuse_poison BEFORE INSERT ON ledger WHEN NEW.scan_id = 'poison' "
             "BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
    auto counts_before = rig.state().counts();

    auto failed = rig.scan(kDoor, "poison", 1);
    auto retry = rig.scan(kDoor, "poison", 1); // waits for the same (failing) commit
    auto other = rig.scan(kDoor2, "fine", 2);  // may share the batch; stored regardless
    CHECK(rig.state().presence(1)->present);   // decided in memory meanwhile
    auto error = rig.await(kDoor, failed);
    CHECK(error["type"] == "error");
    CHECK(error["code"] == "internal");
    CHECK(rig.await(kDoor, retry)["code"] == "internal");
    CHECK(rig.await(kDoor2, other)["result"] == "ok");

    // Memory is rolled back: counts, presence and the scan index.
    CHECK(rig.state().find_scan("poison") == nullptr);
    CHECK_FALSE(rig.state().presence(1)->present);
    CHECK(rig.state().counts().present == counts_before.present + 1); // Ben only
    CHECK(rig.state().counts().arrived == counts_before.arrived + 1);
    CHECK(rig.stored_rows("poison") == 0);

    // Once the database takes it, the same scan_id gets a fresh verdict (not a replay).
    rig.exec("DROP TRIGGER refuse_poison");
    auto fresh = rig.await(kDoor, rig.scan(kDoor, "poison", 1));
    CHECK(fresh["result"] == "ok");
    CHECK(fresh["replayed"] == false);
    CHECK(rig.stored_rows("poison") == 1);
    CHECK(rig.state().presence(1)->present);
    // And the next scan works as usual.
    CHECK(rig.await(kDoor, rig.scan(kDoor, "next", 2, "out"))["result"] == "ok");
    CHECK(rig.state().counts().present == counts_before.present + 1);
}

TEST_CASE("attendance module: undo by the door that scanned, refused to others") {
    Rig rig;
    rig.await(kDoor, rig.scan(kDoor, "s-1", 1));
    REQUIRE(rig.state().counts().present == 1);

    auto unknown = rig.await(kDoor, rig.send(kDoor, {{"type", "undo"}, {"scan_id", "nope"}}));
    CHECK(unknown["code"] == "not_found");
    CHECK(unknown["field"] == "scan_id");
    auto other_door = rig.await(kDoor2, rig.send(kDoor2, {{"type", "undo"}, {"scan_id", "s-1"}}));
    CHECK(other_door["code"] == "forbidden");
    auto stage = rig.await(kStage, rig.send(kStage, {{"type", "undo"}, {"scan_id", "s-1"}}));
    CHECK(stage["code"] == "forbidden");

    auto id = rig.send(kDoor, {{"type", "undo"}, {"scan_id", "s-1"}});
    CHECK_FALSE(rig.reply(kDoor, id)); // answered after the reversal is stored
    auto done = rig.await(kDoor, id);
    CHECK(done["type"] == "ok");
    CHECK(rig.state().counts().present == 0);
    CHECK_FALSE(rig.state().presence(1)->present);
    CHECK(rig.stored_rows("s-1") == 2); // the scan and its reversal
    // Undoing again is harmless; a rejected scan cannot be undone.
    CHECK(rig.await(kDoor, rig.send(kDoor, {{"type", "undo"}, {"scan_id", "s-1"}}))["type"] ==
          "ok");
    rig.await(kDoor, rig.scan(kDoor, "out-1", 2, "out")); // not_in
    auto conflict = rig.await(kDoor, rig.send(kDoor, {{"type", "undo"}, {"scan_id", "out-1"}}));
    CHECK(conflict["code"] == "conflict");
    CHECK(conflict["field"] == "scan_id");
}

TEST_CASE("attendance module: a walk-in is registered, checked in and answered with a badge") {
    Rig rig;
    json walk_in = {{"type", "walk_in"},
                    {"name", "  Wanda Walk "},
                    {"organisation", "Hafen AG"},
                    {"scan_id", "w-1"}};
    auto id = rig.send(kDoor, walk_in);
    auto answer = rig.await(kDoor, id);
    REQUIRE(answer["type"] == "walk_in_result");
    CHECK(answer["result"] == "ok");
    CHECK(answer["attendee"]["name"] == "Wanda Walk");
    CHECK(answer["attendee"]["category"] == "guest");
    std::int64_t attendee_id = answer["attendee"]["id"];
    CHECK(attendee_id == 3);
    const domain::Attendee* person = rig.state().attendee(attendee_id);
    REQUIRE(person);
    CHECK(person->walk_in);
    CHECK(answer["token"] == person->token);
    CHECK(rig.state().counts().walk_ins == 1);
    CHECK(rig.state().counts().present == 1);
    CHECK(rig.stored_rows("w-1") == 1);
    {
        storage::Database db(rig.dir.database_path());
        auto stored = storage::read_attendee(db, attendee_id);
        REQUIRE(stored);
        CHECK(stored->token == person->token);
    }
    // A retry gets the same person, not a second one.
    auto retry = rig.await(kDoor, rig.send(kDoor, walk_in));
    CHECK(retry["attendee"]["id"] == attendee_id);
    CHECK(rig.state().attendee_count() == 3);
    // A scan_id already used for a badge scan is a conflict.
    rig.await(kDoor, rig.scan(kDoor, "s-1", 1));
    walk_in["scan_id"] = "s-1";
    auto conflict = rig.await(kDoor, rig.send(kDoor, walk_in));
    CHECK(conflict["code"] == "conflict");
    CHECK(conflict["field"] == "scan_id");
}

TEST_CASE("attendance module: a door registers regular walk-ins only; an organiser any") {
    Rig rig;
    for (std::string category : {"speaker", "staff", "press"}) {
        auto refused = rig.await(kDoor, rig.send(kDoor, {{"type", "walk_in"},
                                                         {"name", "Vera " + category},
                                                         {"category", category}}));
        INFO(refused.dump());
        CHECK(refused["code"] == "forbidden");
        CHECK(refused["field"] == "category");
        CHECK_THAT(refused["message"].get<std::string>(), Catch::Contains("organiser"));
    }
    CHECK(rig.state().attendee_count() == 2);
    CHECK(rig.state().counts().walk_ins == 0);
    for (std::string category : {"member", "guest", "new_member"}) {
        auto admitted = rig.await(kDoor, rig.send(kDoor, {{"type", "walk_in"},
                                                          {"name", "Rita " + category},
                                                          {"category", category}}));
        CHECK(admitted["attendee"]["category"] == category);
    }
    auto speaker = rig.await(kOrganiser, rig.send(kOrganiser, {{"type", "walk_in"},
                                                               {"name", "Sam Speaker"},
                                                               {"category", "speaker"}}));
    CHECK(speaker["attendee"]["category"] == "speaker");
    CHECK(rig.state().counts().walk_ins == 4);
}

TEST_CASE("attendance module: a roster upload changes memory only when it is stored") {
    Rig rig;
    auto upload = [&](std::string csv, std::map<std::string, std::string> query = {}) {
        auto response = rig.http("POST", "/api/roster", std::move(csv), std::move(query));
        return std::pair{response.status, json::parse(response.body)};
    };
    auto [status, refused] = upload("name,external_id\nAda Neu,A-1\n,X-9\n");
    CHECK(status == 400);
    CHECK(refused["applied"] == false);
    CHECK(refused["code"] == "bad_message");
    CHECK(refused["errors"][0]["line"] == 3);
    CHECK(rig.state().attendee(1)->name == "Ada");

    auto [ok_status, applied] =
        upload("name,external_id\nAda Neu,A-1\n,X-9\nCem,C-3\n", {{"skip_bad", "1"}});
    CHECK(ok_status == 200);
    CHECK(applied["applied"] == true);
    CHECK(applied["added"] == 1);
    CHECK(applied["updated"] == 1);
    CHECK(applied["skipped"].size() == 1);
    CHECK(rig.state().attendee(1)->name == "Ada Neu");
    const domain::Attendee* cem = rig.state().find_by_external_id("C-3");
    REQUIRE(cem);
    CHECK(cem->serial == 1);
    storage::Database db(rig.dir.database_path());
    auto stored = storage::read_attendee(db, cem->id);
    REQUIRE(stored);
    CHECK(stored->token == cem->token);
    CHECK(storage::read_attendee(db, 1)->name == "Ada Neu");
}

TEST_CASE("attendance module: every change reaches the offline doors as offline_update") {
    Rig rig;
    // The stage may not ask; a door gets its page and is subscribed.
    auto stage = rig.await(kStage, rig.send(kStage, {{"type", "offline_roster"}, {"after", 0}}));
    CHECK(stage["code"] == "forbidden");
    auto page = rig.await(kDoor, rig.send(kDoor, {{"type", "offline_roster"}, {"after", 0}}));
    REQUIRE(page["type"] == "offline_roster_page");
    REQUIRE(page["attendees"].size() == 2);
    CHECK(page["attendees"][0]["name"] == "Ada");
    CHECK(page["names"] == true);
    // The key doors verify badges with: the raw public key of the event's signing key.
    auto raw = protocol::badge::base64url_decode(page["verify_key"].get<std::string>());
    REQUIRE(raw);
    auto key = rig.dir.verify_key().raw();
    CHECK(*raw == std::vector<std::uint8_t>(key.begin(), key.end()));
    auto bad = rig.await(kDoor, rig.send(kDoor, {{"type", "offline_roster"}, {"after", -1}}));
    CHECK(bad["code"] == "bad_message");
    CHECK(bad["field"] == "after");

    std::size_t seen = 0;
    // Runs the update timer 250 ms on and returns the attendees of the new updates for Door 1.
    auto next_update = [&] {
        rig.now += OfflineRoster::kUpdateIntervalMs;
        rig.scheduler.run_due(rig.now);
        auto updates = rig.transport.sent_to(kDoor.id, "offline_update");
        json attendees = json::array();
        for (; seen < updates.size(); ++seen)
            for (const auto& attendee : updates[seen]["attendees"])
                attendees.push_back(attendee);
        return attendees;
    };

    // An admission at another door.
    rig.await(kDoor2, rig.scan(kDoor2, "s-1", 1));
    auto admitted = next_update();
    REQUIRE(admitted.size() == 1);
    CHECK(admitted[0]["id"] == 1);
    CHECK(admitted[0]["present"] == true);
    CHECK(admitted[0]["in_device"] == "Door 2");
    CHECK(admitted[0]["in_at"] == rig.state().presence(1)->arrived_at.value());
    // A refusal changes nothing and sends nothing.
    rig.await(kDoor2, rig.scan(kDoor2, "s-2", 1));
    CHECK(next_update().empty());
    // Undo.
    rig.await(kDoor2, rig.send(kDoor2, {{"type", "undo"}, {"scan_id", "s-1"}}));
    auto undone = next_update();
    REQUIRE(undone.size() == 1);
    CHECK(undone[0]["present"] == false);
    CHECK(undone[0]["in_device"].is_null());
    // Exit after an admission: two changes of one attendee within 250 ms make one entry.
    rig.await(kDoor2, rig.scan(kDoor2, "s-3", 2));
    rig.await(kDoor2, rig.scan(kDoor2, "s-4", 2, "out"));
    auto exited = next_update();
    REQUIRE(exited.size() == 1);
    CHECK(exited[0]["id"] == 2);
    CHECK(exited[0]["present"] == false);
    // A walk-in.
    auto walk_in = rig.await(
        kDoor2, rig.send(kDoor2, {{"type", "walk_in"}, {"name", "Wanda"}, {"scan_id", "w-1"}}));
    auto registered = next_update();
    REQUIRE(registered.size() == 1);
    CHECK(registered[0]["id"] == walk_in["attendee"]["id"]);
    CHECK(registered[0]["name"] == "Wanda");
    CHECK(registered[0]["serial"] == 1);
    CHECK(registered[0]["present"] == true);
    // A reissued badge.
    REQUIRE(rig.http("POST", "/api/badges/2/reissue", "", {}).status == 200);
    auto reissued = next_update();
    REQUIRE(reissued.size() == 1);
    CHECK(reissued[0]["id"] == 2);
    CHECK(reissued[0]["serial"] == 2);
    // A roster import that blocks Ben and adds Cem.
    REQUIRE(rig.http("POST", "/api/roster", "name,external_id,blocked\nBen,B-2,yes\nCem,C-3,no\n")
                .status == 200);
    auto imported = next_update();
    REQUIRE(imported.size() == 2);
    CHECK(imported[0]["id"] == 2);
    CHECK(imported[0]["blocked"] == true);
    CHECK(imported[1]["name"] == "Cem");

    // Door 2 never asked: it got no offline frames. Door 1 closed: it gets none from now on.
    CHECK(rig.transport.sent_to(kDoor2.id, "offline_update").empty());
    rig.module->on_disconnect(kDoor);
    rig.await(kDoor2, rig.scan(kDoor2, "s-5", 1));
    CHECK(next_update().empty());
    CHECK(rig.scheduler.timers.empty());
}

TEST_CASE("attendance module: a failed commit is taken back on the offline doors too") {
    Rig rig;
    rig.exec("CREATE TRIGGER refuse_poison BEFORE INSERT ON ledger WHEN NEW.scan_id = 'poison' "
             "BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
    rig.await(kDoor, rig.send(kDoor, {{"type", "offline_roster"}, {"after", 0}}));
    auto failed = rig.scan(kDoor2, "poison", 1);
    // A page answered while the scan is decided but not stored shows Ada inside ...
    auto page = rig.await(kDoor, rig.send(kDoor, {{"type", "offline_roster"}, {"after", 0}}));
    CHECK(page["attendees"][0]["present"] == true);
    CHECK(rig.await(kDoor2, failed)["code"] == "internal");
    // ... and the next update takes it back.
    rig.scheduler.run_due(rig.now);
    auto updates = rig.transport.sent_to(kDoor.id, "offline_update");
    REQUIRE(updates.size() == 1);
    CHECK(updates[0]["attendees"][0]["id"] == 1);
    CHECK(updates[0]["attendees"][0]["present"] == false);
}
