// The stage module with a real SQLite store and group-commit writer, and fakes for the network
// (transport, scheduler) and the attendance module (presence).
#include "app/router.hpp"
#include "app/stage_module.hpp"
#include "fakes.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <random>

using namespace stagedoor;
using namespace stagedoor::app;
using nlohmann::json;
using stagedoor::testing::FakePresence;
using stagedoor::testing::FakeScheduler;
using stagedoor::testing::FakeTransport;

namespace {

constexpr std::int64_t T0 = 1'795'712'400'000; // 2026-11-26T17:00:00Z

struct TempFolder {
    TempFolder() {
        std::random_device random;
        path = std::filesystem::temp_directory_path() /
               ("stagedoor-stage-" + std::to_string(random()));
        std::filesystem::create_directories(path);
    }
    ~TempFolder() { std::filesystem::remove_all(path); }
    std::filesystem::path path;
};

const char* kAgenda = "id,title,kind,speaker,duration,at_zero,block\n"
                      "welcome,Welcome,talk,,5:00,count_up,\n"
                      "p1,Pitch one,pitch,N-0001,3:00,count_up,Pitches\n"
                      "c1,Changeover,break,,0:30,next,Pitches\n"
                      "p2,Pitch two,pitch,N-0002,3:00,stop,Pitches\n"
                      "p3,Pitch three,pitch,N-0003,3:00,count_up,Pitches\n";

// One server's worth of stage: data folder, writer, module, and the fakes around it.
struct Rig {
    explicit Rig(const std::filesystem::path& root, std::int64_t start_time = T0)
        : now(start_time)
        , dir(root) {
        {
            storage::Database db(dir.database_path(), true);
            db.exec("CREATE TABLE IF NOT EXISTS attendees (id INTEGER PRIMARY KEY, external_id "
                    "TEXT, name TEXT NOT NULL, "
                    "organisation TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '')");
            db.exec("INSERT OR IGNORE INTO attendees VALUES (1, 'N-0001', 'Ada Lovelace', 'Engines "
                    "Ltd', 'ada@x.example'), "
                    "(2, 'N-0002', 'Ben Okafor', 'SunCo', 'ben@x.example'), (3, 'N-0003', 'Cem "
                    "Aydin', 'Cemtech', '')");
        }
        presence.people[1] = {1, "Ada Lovelace", "Engines Ltd", true, T0 - 60'000};
        presence.people[2] = {2, "Ben Okafor", "SunCo", false, std::nullopt};
        presence.people[3] = {3, "Cem Aydin", "Cemtech", true, T0 - 30'000};
        writer = std::make_unique<storage::Writer>(
            dir.database_path(),
            [this](std::function<void()> task) { transport.post(std::move(task)); });
        context = std::make_unique<ModuleContext>(
            ModuleContext{dir, storage::EventConfig{"0123456789abcdef", "Test", "2026-11-26"},
                          transport, scheduler, *writer, [this] { return now; }});
        module = std::make_unique<StageModule>(*context, &presence);
        module->register_routes(router);
        module->start();
    }
    ~Rig() {
        module->stop();
        writer->stop();
        module.reset();
    }

    // Sends a frame as connection; returns the request id.
    std::int64_t send(const Connection& connection, json frame) {
        std::int64_t id = next_request++;
        frame["id"] = id;
        auto envelope = protocol::parse_envelope(frame.dump());
        REQUIRE(envelope.ok());
        router.dispatch(connection, *envelope);
        return id;
    }
    // Sends and waits for the reply (ok or error); returns it.
    json request(const Connection& connection, json frame) {
        auto id = send(connection, std::move(frame));
        json reply;
        REQUIRE(transport.run_until([&] {
            for (const auto& entry : transport.sent)
                if (entry.to == connection.id && entry.message.value("re", json()) == id) {
                    reply = entry.message;
                    return true;
                }
            return false;
        }));
        return reply;
    }
    json control(const Connection& connection, std::string action, json extra = json::object()) {
        json frame = {{"type", "timer_control"}, {"action", action}};
        frame.update(extra);
        return request(connection, frame);
    }
    void import_agenda(const std::string& text = kAgenda) {
        auto response = http("POST", "/api/agenda/import", text, Role::organiser);
        INFO(response.body);
        REQUIRE(response.status == 200);
        auto seq = json::parse(response.body)["seq"].get<std::uint64_t>();
        REQUIRE(transport.run_until([&] { return module->durable_state().seq == seq; }));
    }
    HttpResponse http(std::string method, std::string path, std::string body,
                      std::optional<Role> role) {
        HttpRequest request;
        request.method = std::move(method);
        request.path = std::move(path);
        request.body = std::move(body);
        request.role = role;
        std::optional<HttpResponse> answer;
        router.dispatch_http(std::move(request),
                             [&answer](HttpResponse response) { answer = std::move(response); });
        // Some routes answer after their commit, on the "event loop".
        REQUIRE(transport.run_until([&] { return answer.has_value(); }));
        return *answer;
    }
    json last_broadcast(std::string_view type) const {
        auto all = transport.broadcasts_of(type);
        REQUIRE_FALSE(all.empty());
        return all.back()->message;
    }

    std::int64_t now;
    storage::DataDir dir;
    FakeTransport transport;
    FakeScheduler scheduler;
    FakePresence presence;
    Router router{transport};
    std::unique_ptr<storage::Writer> writer;
    std::unique_ptr<ModuleContext> context;
    std::unique_ptr<StageModule> module;
    std::int64_t next_request = 1;
};

const Connection kModerator{1, Role::moderator, "Moderator phone"};
const Connection kOrganiser{2, Role::organiser, "Organiser laptop"};
const Connection kStageLeft{3, Role::stage, "Stage left"};
const Connection kStageRight{4, Role::stage, "Stage right"};
const Connection kDoor{5, Role::door, "Door 1"};

} // namespace

TEST_CASE("stage module: welcome sends timer, agenda and stage; displays to editors") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    rig.module->on_welcome(kStageLeft);
    rig.module->on_welcome(kModerator);
    for (auto connection : {kStageLeft.id, kModerator.id}) {
        REQUIRE(rig.transport.sent_to(connection, "timer").size() == 1);
        REQUIRE(rig.transport.sent_to(connection, "agenda").size() == 1);
        REQUIRE(rig.transport.sent_to(connection, "stage").size() == 1);
    }
    auto timer = rig.transport.sent_to(kStageLeft.id, "timer")[0];
    CHECK(timer["state"] == "idle");
    CHECK(timer["item"]["id"] == "welcome");
    CHECK(timer["remaining_ms"] == 300'000);
    CHECK(timer["next"]["id"] == "p1");
    CHECK(timer["next"]["speaker_name"] == "Ada Lovelace");
    CHECK(timer["server_time"] == T0);
    CHECK(rig.transport.sent_to(kStageLeft.id, "displays").empty());
    auto displays = rig.transport.sent_to(kModerator.id, "displays");
    REQUIRE(displays.size() == 1);
    CHECK(displays[0]["displays"][0]["device"] == "Stage left");
    CHECK(displays[0]["displays"][0]["connected"] == true);
    CHECK(displays[0]["displays"][0]["offset_ms"].is_null());
}

TEST_CASE("stage module: a change is stored before it is broadcast") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    auto broadcasts_before = rig.transport.broadcasts.size();
    auto id = rig.send(kModerator, {{"type", "timer_control"}, {"action", "start"}});
    // Applied in memory, but nothing is sent until the writer has committed.
    CHECK(rig.module->state().timer.phase == domain::TimerPhase::running);
    CHECK(rig.transport.broadcasts.size() == broadcasts_before);
    CHECK_FALSE(rig.transport.replied(kModerator.id, id));
    REQUIRE(rig.transport.run_until([&] { return rig.transport.replied(kModerator.id, id); }));
    {
        storage::Database db(rig.dir.database_path());
        auto stored = storage::load_stage(db);
        CHECK(stored.state == rig.module->durable_state());
        CHECK(stored.state.timer.ends_at == T0 + 300'000);
        auto log = storage::load_control_log(db);
        REQUIRE_FALSE(log.empty());
        CHECK(log.back().device == "Moderator phone");
        CHECK(log.back().role == "moderator");
        CHECK(log.back().action == "timer_control");
        CHECK(json::parse(log.back().detail) == json{{"action", "start"}});
        CHECK(log.back().outcome == "ok");
        CHECK(log.back().at == T0);
    }
    auto timer = rig.last_broadcast("timer");
    CHECK(timer["state"] == "running");
    CHECK(timer["ends_at"] == T0 + 300'000);
    CHECK(timer["started_at"] == T0);
    CHECK(timer["remaining_ms"].is_null());
    auto timers = rig.transport.broadcasts_of("timer");
    CHECK(timers.back()->key == "timer");
    CHECK(timers.back()->roles.contains(Role::door));
    CHECK(timers.back()->roles.contains(Role::stage));
    CHECK(rig.transport.broadcasts_of("agenda").back()->key == "agenda");
    CHECK(rig.last_broadcast("agenda")["current"] == "welcome");
    CHECK(rig.last_broadcast("agenda")["items"][0]["status"] == "current");
}

TEST_CASE("stage module: stage and door may not control; refusals are counted, not logged") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    for (const auto& connection : {kStageLeft, kDoor}) {
        auto reply = rig.control(connection, "start");
        CHECK(reply["type"] == "error");
        CHECK(reply["code"] == "forbidden");
        CHECK(rig.request(connection, {{"type", "blackout"}, {"on", true}})["code"] == "forbidden");
    }
    CHECK(rig.module->state().timer.phase == domain::TimerPhase::idle);
    CHECK(rig.control(kModerator, "pause")["code"] == "conflict");
    CHECK(rig.control(kModerator, "goto", {{"item", "nope"}})["code"] == "not_found");
    auto bad = rig.control(kModerator, "add_time");
    CHECK(bad["code"] == "bad_message");
    CHECK(bad["field"] == "ms");
    auto invalid =
        rig.request(kOrganiser, {{"type", "agenda_update"},
                                 {"item_id", "p1"},
                                 {"changes", {{"duration_ms", 1000}, {"warn_ms", 5000}}}});
    CHECK(invalid["code"] == "bad_message");
    CHECK(invalid["field"] == "warn_ms");
    // The router refused what the module never saw (a role without the right, a message that
    // does not decode) and counted it per device; it is not stored frame by frame.
    using Key = Router::RefusalKey;
    const auto& refusals = rig.router.refusals();
    CHECK(refusals.at(Key{"Stage left", "timer_control", protocol::ErrorCode::forbidden}) == 1);
    CHECK(refusals.at(Key{"Stage left", "blackout", protocol::ErrorCode::forbidden}) == 1);
    CHECK(refusals.at(Key{"Door 1", "timer_control", protocol::ErrorCode::forbidden}) == 1);
    CHECK(refusals.at(Key{"Door 1", "blackout", protocol::ErrorCode::forbidden}) == 1);
    CHECK(refusals.at(Key{"Moderator phone", "timer_control", protocol::ErrorCode::bad_message}) ==
          1);
    // What the module decided and refused is counted the same way, by the code it got.
    CHECK(refusals.at(Key{"Moderator phone", "timer_control", protocol::ErrorCode::conflict}) == 1);
    CHECK(refusals.at(Key{"Moderator phone", "timer_control", protocol::ErrorCode::not_found}) ==
          1);
    CHECK(refusals.at(Key{"Organiser laptop", "agenda_update", protocol::ErrorCode::bad_message}) ==
          1);
    CHECK(rig.router.refusals_total() == 8);
    // Nothing refused is stored frame by frame: the control log holds accepted controls only.
    rig.writer->stop();
    storage::Database db(rig.dir.database_path());
    for (const auto& entry : storage::load_control_log(db))
        CHECK(entry.outcome == "ok");
}

TEST_CASE("stage module: two displays get identical anchors; heartbeat every 5 s") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    REQUIRE(rig.control(kModerator, "start", {{"item", "p1"}})["type"] == "ok");
    auto timers = rig.transport.broadcasts_of("timer");
    // One frame for everybody: both displays get exactly the same bytes.
    CHECK(timers.back()->roles.contains(Role::stage));
    auto seq = timers.back()->message["seq"];
    auto ends_at = timers.back()->message["ends_at"];

    rig.now = T0 + 5'000;
    rig.scheduler.run_due(rig.now);
    auto beat = rig.last_broadcast("timer");
    CHECK(beat["seq"] == seq);
    CHECK(beat["ends_at"] == ends_at);
    CHECK(beat["server_time"] == T0 + 5'000);
    CHECK(rig.scheduler.times().front() <= T0 + 10'000);
}

TEST_CASE("stage module: pause and resume over the wire") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    REQUIRE(rig.control(kModerator, "start", {{"item", "p1"}})["type"] == "ok");
    rig.now = T0 + 60'000;
    REQUIRE(rig.control(kModerator, "pause")["type"] == "ok");
    auto paused = rig.last_broadcast("timer");
    CHECK(paused["state"] == "paused");
    CHECK(paused["remaining_ms"] == 120'000);
    CHECK(paused["ends_at"].is_null());
    rig.now = T0 + 90'000;
    REQUIRE(rig.control(kOrganiser, "resume")["type"] == "ok");
    auto resumed = rig.last_broadcast("timer");
    CHECK(resumed["state"] == "running");
    CHECK(resumed["ends_at"] == T0 + 210'000);
    CHECK(resumed["seq"].get<int>() > paused["seq"].get<int>());
    REQUIRE(rig.control(kModerator, "add_time", {{"ms", 30'000}})["type"] == "ok");
    CHECK(rig.last_broadcast("timer")["added_ms"] == 30'000);
    CHECK(rig.last_broadcast("timer")["block"]["name"] == "Pitches");
}

TEST_CASE("stage module: the scheduler fires at zero: overtime, auto-advance, hold") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    REQUIRE(rig.control(kModerator, "start", {{"item", "c1"}})["type"] == "ok");
    CHECK(std::find(rig.scheduler.times().begin(), rig.scheduler.times().end(), T0 + 30'000) !=
          rig.scheduler.times().end());
    rig.now = T0 + 30'004;
    rig.scheduler.run_due(rig.now);
    REQUIRE(
        rig.transport.run_until([&] { return rig.last_broadcast("timer")["item"]["id"] == "p2"; }));
    auto advanced = rig.last_broadcast("timer");
    CHECK(advanced["state"] == "running");
    CHECK(advanced["started_at"] == T0 + 30'000); // exactly at zero, not when the timer fired
    CHECK(advanced["ends_at"] == T0 + 210'000);
    // p2 holds at 0:00 (at_zero=stop).
    rig.now = T0 + 210'000;
    rig.scheduler.run_due(rig.now);
    REQUIRE(
        rig.transport.run_until([&] { return rig.last_broadcast("timer")["state"] == "stopped"; }));
    CHECK(rig.last_broadcast("timer")["remaining_ms"] == 0);
    REQUIRE(rig.control(kModerator, "next")["type"] == "ok");
    REQUIRE(rig.control(kModerator, "start")["type"] == "ok");
    rig.now = T0 + 400'000;
    rig.scheduler.run_due(rig.now);
    REQUIRE(rig.transport.run_until(
        [&] { return rig.last_broadcast("timer")["state"] == "overtime"; }));
}

TEST_CASE("stage module: restart resumes from the stored anchors") {
    TempFolder folder;
    std::int64_t ends_at = 0;
    {
        Rig rig(folder.path);
        rig.import_agenda();
        REQUIRE(rig.control(kModerator, "start", {{"item", "p1"}})["type"] == "ok");
        REQUIRE(rig.request(kModerator, {{"type", "stage_message"},
                                         {"text", "Wrap up"},
                                         {"tone", "wrap_up"},
                                         {"flash", true}})["type"] == "ok");
        ends_at = rig.last_broadcast("timer")["ends_at"];
    }
    SECTION("running continues with the right remaining time") {
        Rig restarted(folder.path, T0 + 100'000);
        CHECK(restarted.module->state().timer.phase == domain::TimerPhase::running);
        CHECK(restarted.module->state().timer.ends_at == ends_at);
        restarted.module->on_welcome(kStageLeft);
        auto timer = restarted.transport.sent_to(kStageLeft.id, "timer")[0];
        CHECK(timer["ends_at"] == ends_at);
        CHECK(timer["item"]["id"] == "p1");
        auto screen = restarted.transport.sent_to(kStageLeft.id, "stage")[0];
        CHECK(screen["message"]["text"] == "Wrap up");
        CHECK(screen["message"]["flash"] == true);
        // The deadline is scheduled again.
        CHECK(std::find(restarted.scheduler.times().begin(), restarted.scheduler.times().end(),
                        ends_at) != restarted.scheduler.times().end());
    }
    SECTION("the clock passed zero while down: overtime, stored before the first push") {
        auto seq = 0;
        {
            Rig restarted(folder.path, T0 + 400'000);
            CHECK(restarted.module->state().timer.phase == domain::TimerPhase::overtime);
            seq = static_cast<int>(restarted.module->state().seq);
        }
        storage::Database db(folder.path / "stagedoor.db");
        CHECK(storage::load_stage(db).state.seq == static_cast<std::uint64_t>(seq));
    }
}

TEST_CASE("stage module: a paused item stays paused across a restart") {
    TempFolder folder;
    {
        Rig rig(folder.path);
        rig.import_agenda();
        REQUIRE(rig.control(kModerator, "start", {{"item", "p1"}})["type"] == "ok");
        rig.now = T0 + 50'000;
        REQUIRE(rig.control(kModerator, "pause")["type"] == "ok");
    }
    Rig restarted(folder.path, T0 + 3'600'000);
    CHECK(restarted.module->state().timer.phase == domain::TimerPhase::paused);
    CHECK(restarted.module->state().timer.remaining_ms == 130'000);
    CHECK(restarted.scheduler.times().size() == 1); // only the heartbeat
}

TEST_CASE("stage module: presence changes reach moderator and organiser at once") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    REQUIRE(rig.control(kModerator, "start", {{"item", "p1"}})["type"] == "ok");
    rig.control(kModerator, "next"); // c1 (break) runs; p2 (Ben, absent) is upcoming after it
    auto agenda = rig.last_broadcast("agenda");
    CHECK(agenda["items"][3]["speaker"]["present"] == false);
    auto count = rig.transport.broadcasts_of("agenda").size();
    rig.presence.set_present(2, true, T0 + 1000);
    auto agendas = rig.transport.broadcasts_of("agenda");
    REQUIRE(agendas.size() == count + 1);
    CHECK(agendas.back()->roles.contains(Role::moderator));
    CHECK(agendas.back()->roles.contains(Role::organiser));
    CHECK_FALSE(agendas.back()->roles.contains(Role::stage));
    CHECK(agendas.back()->message["items"][3]["speaker"]["present"] == true);
    CHECK(agendas.back()->message["items"][3]["speaker"]["arrived_at"] == T0 + 1000);
    // Someone who is not on the agenda: no push.
    rig.presence.people[99] = {99, "Zed", "", false, std::nullopt};
    rig.presence.set_present(99, true, T0);
    CHECK(rig.transport.broadcasts_of("agenda").size() == count + 1);
}

TEST_CASE("stage module: swap_next and the missing-speaker warning") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda(
        "id,title,kind,speaker,duration,block\n"
        "p1,One,pitch,N-0001,3:00,B\np2,Two,pitch,N-0002,3:00,B\np3,Three,pitch,N-0003,3:00,B\n");
    REQUIRE(rig.control(kModerator, "start")["type"] == "ok");
    auto agenda = rig.last_broadcast("agenda");
    REQUIRE(agenda["warnings"].size() == 1);
    CHECK(agenda["warnings"][0]["item_id"] == "p2");
    // The kind lets a view say it in its own language (the text is English).
    CHECK(agenda["warnings"][0]["kind"] == "speaker_not_checked_in");
    CHECK_FALSE(agenda["warnings"][0].contains("block"));
    REQUIRE(rig.request(kModerator, {{"type", "swap_next"}})["type"] == "ok");
    agenda = rig.last_broadcast("agenda");
    CHECK(agenda["items"][1]["id"] == "p3");
    CHECK(agenda["warnings"].empty());
    CHECK(rig.request(kModerator, {{"type", "swap_next"}})["code"] == "conflict");
}

TEST_CASE("stage module: undo_next takes back the last Next, once") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda("id,title,kind,speaker,duration,block\n"
                      "p1,One,pitch,,3:00,B\np2,Two,pitch,,3:00,B\n");
    CHECK(rig.request(kModerator, {{"type", "undo_next"}})["code"] == "conflict");
    REQUIRE(rig.control(kModerator, "start")["type"] == "ok");
    auto running = rig.last_broadcast("timer");
    REQUIRE(rig.control(kModerator, "next")["type"] == "ok");
    REQUIRE(rig.last_broadcast("timer")["item"]["id"] == "p2");
    CHECK(rig.request(kStageLeft, {{"type", "undo_next"}})["code"] == "forbidden");

    REQUIRE(rig.request(kModerator, {{"type", "undo_next"}})["type"] == "ok");
    auto undone = rig.last_broadcast("timer");
    CHECK(undone["item"]["id"] == "p1");
    CHECK(undone["state"] == "running");
    CHECK(undone["ends_at"] == running["ends_at"]);
    CHECK(undone["seq"].get<std::int64_t>() > running["seq"].get<std::int64_t>());
    CHECK(rig.module->durable_state().timer.item_id == "p1");
    CHECK(rig.request(kModerator, {{"type", "undo_next"}})["code"] == "conflict");

    // A change after the Next (here a pause) makes it final.
    REQUIRE(rig.control(kModerator, "next")["type"] == "ok");
    REQUIRE(rig.control(kModerator, "pause")["type"] == "ok");
    auto failure = rig.request(kModerator, {{"type", "undo_next"}});
    CHECK(failure["code"] == "conflict");
    CHECK(rig.last_broadcast("timer")["item"]["id"] == "p2");
}

TEST_CASE("stage module: on_deck goes to door and organiser when a pitch is two items away") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    // Idle on welcome: next non-break items are p1 (1) and p2 (2).
    REQUIRE(rig.control(kModerator, "start")["type"] == "ok");
    auto decks = rig.transport.broadcasts_of("on_deck");
    REQUIRE(decks.size() == 1);
    CHECK(decks[0]->message["item"]["id"] == "p2");
    CHECK(decks[0]->message["speaker"]["name"] == "Ben Okafor");
    CHECK(decks[0]->message["speaker"]["present"] == false);
    CHECK(decks[0]->message["position"] == 2);
    CHECK(decks[0]->roles.contains(Role::door));
    CHECK(decks[0]->roles.contains(Role::organiser));
    CHECK_FALSE(decks[0]->roles.contains(Role::moderator));
    // A change that keeps p2 two away does not repeat the notice.
    REQUIRE(rig.control(kModerator, "add_time", {{"ms", 10'000}})["type"] == "ok");
    CHECK(rig.transport.broadcasts_of("on_deck").size() == 1);
    REQUIRE(rig.control(kModerator, "next")["type"] == "ok"); // p1 on: p3 is two away
    decks = rig.transport.broadcasts_of("on_deck");
    REQUIRE(decks.size() == 2);
    CHECK(decks[1]->message["item"]["id"] == "p3");
    // A door that connects later gets the latest notice.
    rig.module->on_welcome(kDoor);
    CHECK(rig.transport.sent_to(kDoor.id, "on_deck").size() == 1);
}

TEST_CASE("stage module: sync reports and display health") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.module->on_welcome(kStageLeft);
    rig.module->on_welcome(kStageRight);
    auto reply = rig.request(
        kStageLeft,
        {{"type", "sync_report"}, {"offset_ms", -12.5}, {"delay_ms", 4}, {"sample_age_ms", 800}});
    CHECK(reply["type"] == "ok");
    // The list goes out at most once a second, so thousands of displays connecting and
    // reporting cost one push per second: the second display and the report wait for it.
    CHECK(rig.transport.broadcasts_of("displays").size() == 1);
    rig.now += 1000;
    rig.scheduler.run_due(rig.now);
    CHECK(rig.transport.broadcasts_of("displays").size() == 2);
    auto displays = rig.last_broadcast("displays");
    REQUIRE(displays["displays"].size() == 2);
    CHECK(displays["displays"][0]["offset_ms"] == -12.5);
    CHECK(displays["displays"][0]["last_report"] == T0);
    CHECK(displays["displays"][1]["offset_ms"].is_null());
    CHECK(rig.request(kDoor, {{"type", "sync_report"},
                              {"offset_ms", 1},
                              {"delay_ms", -1},
                              {"sample_age_ms", 0}})["code"] == "bad_message");
    rig.module->on_disconnect(kStageRight);
    rig.now += 1000;
    rig.scheduler.run_due(rig.now);
    displays = rig.last_broadcast("displays");
    CHECK(displays["displays"][1]["connected"] == false);
    CHECK(rig.transport.broadcasts_of("displays").back()->key == "displays");
    // The display reconnects under the same name: one entry, connected.
    rig.module->on_welcome(Connection{9, Role::stage, "Stage right"});
    rig.now += 1000;
    rig.scheduler.run_due(rig.now);
    displays = rig.last_broadcast("displays");
    REQUIRE(displays["displays"].size() == 2);
    CHECK(displays["displays"][1]["connected"] == true);

    // A closed connection is listed for a minute, then dropped.
    rig.module->on_disconnect(kStageLeft);
    rig.now += StageModule::kForgetDisplayMs - 1;
    rig.scheduler.run_due(rig.now);
    displays = rig.last_broadcast("displays");
    REQUIRE(displays["displays"].size() == 2);
    CHECK(displays["displays"][0]["connected"] == false);
    rig.now += 1;
    rig.scheduler.run_due(rig.now);
    rig.now += 1000;
    rig.scheduler.run_due(rig.now);
    displays = rig.last_broadcast("displays");
    REQUIRE(displays["displays"].size() == 1);
    CHECK(displays["displays"][0]["device"] == "Stage right");
}

TEST_CASE("stage module: stage messages and blackout are pushed to everyone") {
    TempFolder folder;
    Rig rig(folder.path);
    REQUIRE(rig.request(kModerator, {{"type", "stage_message"},
                                     {"text", "One minute"},
                                     {"tone", "wrap_up"},
                                     {"flash", false}})["type"] == "ok");
    auto screen = rig.last_broadcast("stage");
    CHECK(screen["message"]["text"] == "One minute");
    CHECK(screen["message"]["at"] == T0);
    CHECK(screen["blackout"] == false);
    REQUIRE(rig.request(kOrganiser, {{"type", "blackout"}, {"on", true}})["type"] == "ok");
    CHECK(rig.last_broadcast("stage")["blackout"] == true);
    REQUIRE(rig.request(kModerator, {{"type", "stage_clear"}})["type"] == "ok");
    CHECK(rig.last_broadcast("stage")["message"].is_null());
    CHECK(rig.transport.broadcasts_of("stage").back()->key == "stage");
}

TEST_CASE("stage module: agenda edits over the wire") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    auto added = rig.request(
        kModerator, {{"type", "agenda_add"},
                     {"item", {{"title", "Surprise"}, {"duration_ms", 60'000}, {"speaker_id", 3}}},
                     {"after", "welcome"}});
    REQUIRE(added["type"] == "ok");
    auto agenda = rig.last_broadcast("agenda");
    CHECK(agenda["items"][1]["title"] == "Surprise");
    CHECK(agenda["items"][1]["speaker"]["name"] == "Cem Aydin");
    std::string new_id = agenda["items"][1]["id"];
    CHECK(rig.request(
              kModerator,
              {{"type", "agenda_add"},
               {"item",
                {{"title", "Ghost"}, {"duration_ms", 60'000}, {"speaker_id", 77}}}})["code"] ==
          "not_found");
    REQUIRE(rig.request(kModerator, {{"type", "agenda_move"},
                                     {"item_id", new_id},
                                     {"before", nullptr}})["type"] == "ok");
    CHECK(rig.last_broadcast("agenda")["items"].back()["id"] == new_id);
    REQUIRE(rig.request(kModerator,
                        {{"type", "agenda_skip"}, {"item_id", "p3"}, {"skipped", true}})["type"] ==
            "ok");
    CHECK(rig.last_broadcast("agenda")["items"][4]["status"] == "skipped");
    REQUIRE(rig.request(kModerator,
                        {{"type", "no_show"}, {"item_id", "p2"}, {"no_show", true}})["type"] ==
            "ok");
    CHECK(rig.last_broadcast("agenda")["items"][3]["status"] == "no_show");
    REQUIRE(rig.request(kModerator, {{"type", "agenda_update"},
                                     {"item_id", "p1"},
                                     {"changes", {{"title", "Pitch 1"}}}})["type"] == "ok");
    REQUIRE(rig.request(kModerator, {{"type", "agenda_remove"}, {"item_id", new_id}})["type"] ==
            "ok");
    agenda = rig.last_broadcast("agenda");
    CHECK(agenda["items"].size() == 5);
    CHECK(agenda["items"][1]["title"] == "Pitch 1");
}

TEST_CASE("stage module: the report over HTTP") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    CHECK(rig.http("GET", "/api/report.json", "", std::nullopt).status == 401);
    CHECK(rig.http("GET", "/api/report.json", "", Role::door).status == 403);
    CHECK(rig.http("GET", "/api/report.csv", "", Role::stage).status == 403);
    CHECK(rig.http("GET", "/api/other", "", Role::organiser).status == 404);

    REQUIRE(rig.control(kModerator, "start", {{"item", "p1"}})["type"] == "ok");
    rig.now = T0 + 200'000; // 20 s over
    REQUIRE(rig.control(kModerator, "add_time", {{"ms", 5'000}})["type"] == "ok");
    REQUIRE(rig.control(kModerator, "next")["type"] == "ok");
    REQUIRE(rig.request(kModerator,
                        {{"type", "no_show"}, {"item_id", "p3"}, {"no_show", true}})["type"] ==
            "ok");

    auto response = rig.http("GET", "/api/report.json", "", Role::moderator);
    REQUIRE(response.status == 200);
    auto report = json::parse(response.body);
    auto p1 = report["items"][1];
    CHECK(p1["id"] == "p1");
    CHECK(p1["planned_ms"] == 180'000);
    CHECK(p1["actual_start"] == T0);
    CHECK(p1["actual_end"] == T0 + 200'000);
    CHECK(p1["actual_duration_ms"] == 200'000);
    CHECK(p1["overtime_ms"] == 15'000);
    CHECK(p1["added_ms"] == 5'000);
    CHECK(p1["status"] == "done");
    CHECK(p1["speaker"]["name"] == "Ada Lovelace");
    CHECK(report["items"][4]["no_show"] == true);
    CHECK(report["items"][4]["status"] == "no_show");
    CHECK(report["blocks"][0]["name"] == "Pitches");
    CHECK(report["totals"]["overtime_ms"] == 15'000);

    auto csv = rig.http("GET", "/api/report.csv", "", Role::organiser);
    REQUIRE(csv.status == 200);
    CHECK(csv.content_type.find("text/csv") == 0);
    CHECK(csv.headers["Content-Disposition"].find("stagedoor-report.csv") != std::string::npos);
    CHECK(csv.body.find("position,id,title,kind,speaker,organisation,block,status,planned,actual_"
                        "start,actual_end,"
                        "actual_duration,overtime,added,skipped,no_show\r\n") == 0);
    CHECK(csv.body.find("2,p1,Pitch one,pitch,Ada Lovelace,Engines Ltd,Pitches,done,3:00,") !=
          std::string::npos);
    CHECK(csv.body.find(",3:20,+0:15,+0:05,no,no\r\n") != std::string::npos);
    CHECK(csv.body.find("5,p3,Pitch three,pitch,Cem "
                        "Aydin,Cemtech,Pitches,no_show,3:00,,,,0:00,0:00,no,yes\r\n") !=
          std::string::npos);
}

TEST_CASE("stage module: HTTP import refuses while the timer runs and reports line numbers") {
    TempFolder folder;
    Rig rig(folder.path);
    auto bad = rig.http("POST", "/api/agenda/import", "title,speaker,duration\nA,N-0404,3:00\n",
                        Role::organiser);
    REQUIRE(bad.status == 422);
    CHECK(json::parse(bad.body)["errors"][0]["line"] == 2);
    rig.import_agenda();
    REQUIRE(rig.control(kModerator, "start")["type"] == "ok");
    auto refused = rig.http("POST", "/api/agenda/import", kAgenda, Role::organiser);
    CHECK(refused.status == 409);
    CHECK(rig.http("GET", "/api/agenda/import", "", Role::organiser).status == 405);
}

TEST_CASE(
    "stage module: while an item overruns, the heartbeat refreshes the editors' projections") {
    TempFolder folder;
    Rig rig(folder.path);
    rig.import_agenda();
    REQUIRE(rig.control(kModerator, "start", {{"item", "p1"}})["type"] == "ok");
    auto agendas = rig.transport.broadcasts_of("agenda").size();
    rig.now = T0 + 5'000;
    rig.scheduler.run_due(rig.now); // running to plan: projections unchanged, no agenda push
    CHECK(rig.transport.broadcasts_of("agenda").size() == agendas);
    rig.now = T0 + 180'000;
    rig.scheduler.run_due(rig.now); // zero: overtime (a change, pushed to everyone)
    REQUIRE(rig.transport.run_until(
        [&] { return rig.last_broadcast("timer")["state"] == "overtime"; }));
    agendas = rig.transport.broadcasts_of("agenda").size();
    auto projected = rig.last_broadcast("agenda")["blocks"][0]["projected_end"].get<std::int64_t>();
    rig.now = T0 + 200'000;
    rig.scheduler.run_due(rig.now);
    auto pushes = rig.transport.broadcasts_of("agenda");
    REQUIRE(pushes.size() == agendas + 1);
    CHECK(pushes.back()->roles.contains(Role::moderator));
    CHECK_FALSE(pushes.back()->roles.contains(Role::stage));
    CHECK(pushes.back()->message["blocks"][0]["projected_end"] == projected + 20'000);
}
