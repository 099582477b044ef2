// The stage through the real binary: agenda import, moderator control, identical anchors on
// every display, roles, the report, and a SIGKILL mid-pitch.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::Connection;
namespace fs = std::filesystem;

namespace {

const char* kAgenda = "id,title,kind,duration,warn,danger,at_zero,block,block_target\n"
                      "welcome,Welcome,talk,5:00,60,15,count_up,,\n"
                      "p1,Pitch one,pitch,3:00,30,10,count_up,Pitches,23:59\n"
                      "c1,Changeover,break,0:30,10,5,next,Pitches,\n"
                      "p2,Pitch two,pitch,3:00,30,10,stop,Pitches,\n"
                      "net,Networking,other,60:00,300,60,count_up,,\n";

fs::path write_agenda(const TestEvent& event, const std::string& text = kAgenda) {
    fs::path path = event.temp.path / "agenda.csv";
    std::ofstream(path) << text;
    return path;
}

// Frames of a type until one satisfies condition (earlier ones are consumed).
json wait_until(Connection& connection, std::string_view type,
                const std::function<bool(const json&)>& condition,
                std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto frame = connection.wait_for(type, std::max(left, std::chrono::milliseconds(1)));
        if (frame && condition(*frame)) return *frame;
    }
    FAIL("no '" << type << "' frame matched in time");
    return {};
}

json control(Connection& moderator, std::string action, json extra = json::object()) {
    json frame = {{"type", "timer_control"}, {"action", std::move(action)}};
    frame.update(extra);
    return moderator.request(frame);
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

TEST_CASE("stage: agenda import on the command line, with line numbers for errors") {
    TestEvent event;
    fs::path bad = event.temp.path / "bad.csv";
    std::ofstream(bad) << "title,duration,speaker\nA,3:00,N-0404\nB,3:7,\n";
    auto refused = run_cli({"agenda", "import", "--data", event.data.string(), bad.string()});
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.output, Catch::Contains("line 2: speaker 'N-0404' matches no attendee"));
    CHECK_THAT(refused.output, Catch::Contains("line 3: duration '3:7' is not m:ss or seconds"));

    // An unknown column is a warning, as for the roster.
    fs::path extra = event.temp.path / "extra.csv";
    std::ofstream(extra) << "title;duration;Raum\nWelcome;5:00;Saal 1\n";
    auto warned = run_cli({"agenda", "import", "--data", event.data.string(), extra.string()});
    CHECK(warned.exit_code == 0);
    CHECK_THAT(warned.output, Catch::Contains("warning: unknown column 'Raum' is ignored"));

    auto imported =
        run_cli({"agenda", "import", "--data", event.data.string(), write_agenda(event).string()});
    INFO(imported.output);
    CHECK(imported.exit_code == 0);
    CHECK_THAT(imported.output, Catch::Contains("Imported 5 agenda items"));
    CHECK_THAT(imported.output, Catch::Contains("[Pitches]"));

    // While serve runs, the command line leaves the agenda to it.
    ServerProcess server(event.data);
    server.start();
    auto busy =
        run_cli({"agenda", "import", "--data", event.data.string(), write_agenda(event).string()});
    CHECK(busy.exit_code == 1);
    CHECK_THAT(busy.output, Catch::Contains("/api/agenda/import"));
}

TEST_CASE("stage: a moderator starts, pauses and resumes; every display gets the same anchors") {
    TestEvent event;
    REQUIRE(
        run_cli({"agenda", "import", "--data", event.data.string(), write_agenda(event).string()})
            .exit_code == 0);
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto moderator = connect_as(context, server, event, "moderator", "Moderator phone");
    auto left = connect_as(context, server, event, "stage", "Stage left");
    auto right = connect_as(context, server, event, "stage", "Stage right");
    auto door = connect_as(context, server, event, "door", "Door 1");

    for (auto* connection : {left.get(), right.get(), door.get(), moderator.get()}) {
        auto timer = connection->wait_for("timer");
        REQUIRE(timer);
        CHECK((*timer)["state"] == "idle");
        CHECK((*timer)["item"]["id"] == "welcome");
        REQUIRE(connection->wait_for("agenda"));
        REQUIRE(connection->wait_for("stage"));
    }
    CHECK(moderator->wait_for("displays"));

    auto forbidden = door->request({{"type", "timer_control"}, {"action", "start"}});
    CHECK(forbidden["type"] == "error");
    CHECK(forbidden["code"] == "forbidden");
    CHECK(left->request({{"type", "blackout"}, {"on", true}})["code"] == "forbidden");

    auto before = now_ms();
    auto started = control(*moderator, "start", {{"item", "p1"}});
    REQUIRE(started["type"] == "ok");
    auto on_left =
        wait_until(*left, "timer", [](const json& t) { return t["state"] == "running"; });
    auto on_right =
        wait_until(*right, "timer", [](const json& t) { return t["state"] == "running"; });
    CHECK(on_left == on_right); // one frame, serialised once
    CHECK(on_left["item"]["id"] == "p1");
    CHECK(on_left["duration_ms"] == 180'000);
    auto ends_at = on_left["ends_at"].get<std::int64_t>();
    CHECK(ends_at >= before + 180'000);
    CHECK(ends_at <= now_ms() + 180'000);
    CHECK(on_left["block"]["name"] == "Pitches");
    CHECK(on_left["next"]["id"] == "c1");

    REQUIRE(control(*moderator, "pause")["type"] == "ok");
    auto paused = wait_until(*left, "timer", [](const json& t) { return t["state"] == "paused"; });
    CHECK(paused["ends_at"].is_null());
    auto remaining = paused["remaining_ms"].get<std::int64_t>();
    CHECK(remaining <= 180'000);
    CHECK(remaining > 170'000);
    CHECK(wait_until(*right, "timer", [](const json& t) { return t["state"] == "paused"; }) ==
          paused);

    REQUIRE(control(*moderator, "resume")["type"] == "ok");
    auto resumed =
        wait_until(*left, "timer", [](const json& t) { return t["state"] == "running"; });
    CHECK(resumed["seq"].get<int>() > paused["seq"].get<int>());
    CHECK(std::abs(resumed["ends_at"].get<std::int64_t>() - (now_ms() + remaining)) < 2000);

    REQUIRE(moderator->request({{"type", "stage_message"},
                                {"text", "One minute"},
                                {"tone", "wrap_up"},
                                {"flash", true}})["type"] == "ok");
    auto screen =
        wait_until(*right, "stage", [](const json& s) { return !s["message"].is_null(); });
    CHECK(screen["message"]["tone"] == "wrap_up");

    // A heartbeat re-sends the anchors within about 5 s, same seq.
    auto beat = wait_until(
        *left, "timer", [&](const json& t) { return t["seq"] == resumed["seq"]; }, 7s);
    CHECK(beat["ends_at"] == resumed["ends_at"]);

    REQUIRE(left->request({{"type", "sync_report"},
                           {"offset_ms", -3.5},
                           {"delay_ms", 2},
                           {"sample_age_ms", 100}})["type"] == "ok");
    auto displays = wait_until(*moderator, "displays", [](const json& d) {
        for (const auto& display : d["displays"])
            if (display["device"] == "Stage left" && display["offset_ms"] == -3.5) return true;
        return false;
    });
    CHECK(displays["displays"].size() == 2);

    REQUIRE(control(*moderator, "next")["type"] == "ok");
    auto http = stagedoor::client::http_request(server.endpoint(), "GET", "/api/report.json", {},
                                                event.key("organiser"));
    REQUIRE(http.status == 200);
    auto report = json::parse(http.body);
    CHECK(report["items"][1]["id"] == "p1");
    CHECK(report["items"][1]["status"] == "done");
    CHECK(report["items"][1]["actual_start"].is_number());
    CHECK(report["items"][1]["actual_end"].is_number());
    CHECK(stagedoor::client::http_request(server.endpoint(), "GET", "/api/report.csv", {},
                                          event.key("door"))
              .status == 403);
    auto csv = stagedoor::client::http_request(server.endpoint(), "GET", "/api/report.csv", {},
                                               event.key("moderator"));
    CHECK(csv.status == 200);
    CHECK_THAT(csv.body, Catch::StartsWith("position,id,title,kind,speaker"));
}

TEST_CASE(
    "stage: SIGKILL mid-pitch and restart resumes the running item; a paused one stays paused") {
    TestEvent event;
    REQUIRE(
        run_cli({"agenda", "import", "--data", event.data.string(), write_agenda(event).string()})
            .exit_code == 0);
    ClientContext context;
    std::int64_t ends_at = 0;
    {
        ServerProcess server(event.data);
        server.start();
        auto moderator = connect_as(context, server, event, "moderator");
        REQUIRE(control(*moderator, "start", {{"item", "p1"}})["type"] == "ok");
        auto timer =
            wait_until(*moderator, "timer", [](const json& t) { return t["state"] == "running"; });
        ends_at = timer["ends_at"];
        server.kill_hard(); // the ok came after the commit: the start is on disk
    }
    // The kernel released the server's lock; the stored timer still refuses an import.
    auto refused =
        run_cli({"agenda", "import", "--data", event.data.string(), write_agenda(event).string()});
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.output, Catch::Contains("timer is running"));

    std::int64_t remaining = 0;
    {
        ServerProcess server(event.data);
        server.start();
        auto display = connect_as(context, server, event, "stage", "Stage left");
        auto timer = display->wait_for("timer");
        REQUIRE(timer);
        CHECK((*timer)["state"] == "running");
        CHECK((*timer)["item"]["id"] == "p1");
        CHECK((*timer)["ends_at"] == ends_at); // it kept running while the server was down
        auto moderator = connect_as(context, server, event, "moderator");
        REQUIRE(control(*moderator, "pause")["type"] == "ok");
        auto paused =
            wait_until(*display, "timer", [](const json& t) { return t["state"] == "paused"; });
        remaining = paused["remaining_ms"];
        server.kill_hard();
    }
    ServerProcess server(event.data);
    server.start();
    auto display = connect_as(context, server, event, "stage");
    auto timer = display->wait_for("timer");
    REQUIRE(timer);
    CHECK((*timer)["state"] == "paused");
    CHECK((*timer)["remaining_ms"] == remaining);
}

TEST_CASE("stage: checking a speaker in updates the moderator's queue at once (with attendance)") {
    TestEvent event;
    fs::path roster = event.temp.path / "roster.csv";
    std::ofstream(roster) << "name,organisation,email,category,external_id\n"
                             "Ada Lovelace,Engines Ltd,ada@example.org,new_member,N-0001\n"
                             "Ben Okafor,SunCo,ben@example.org,new_member,N-0002\n";
    auto imported_roster = run_cli({"import", "--data", event.data.string(), roster.string()});
    if (imported_roster.output.find("unknown command") != std::string::npos) {
        // This branch is built without the attendance module; the module-level test with a
        // fake directory covers presence ("stage module: presence changes ...").
        WARN("attendance module not present: presence through the real server not tested here");
        return;
    }
    INFO(imported_roster.output);
    REQUIRE(imported_roster.exit_code == 0);
    auto imported =
        run_cli({"agenda", "import", "--data", event.data.string(),
                 write_agenda(event, "id,title,kind,speaker,duration,block\n"
                                     "p1,Pitch one,pitch,N-0001,3:00,Pitches\n"
                                     "p2,Pitch two,pitch,ben@example.org,3:00,Pitches\n")
                     .string()});
    INFO(imported.output);
    REQUIRE(imported.exit_code == 0);

    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto moderator = connect_as(context, server, event, "moderator");
    auto agenda = moderator->wait_for("agenda");
    REQUIRE(agenda);
    CHECK((*agenda)["items"][0]["speaker"]["name"] == "Ada Lovelace");
    CHECK((*agenda)["items"][0]["speaker"]["present"] == false);
    REQUIRE((*agenda)["warnings"].size() == 1);
    CHECK((*agenda)["warnings"][0]["item_id"] == "p1");
    auto ada = (*agenda)["items"][0]["speaker"]["id"].get<std::int64_t>();

    auto door = connect_as(context, server, event, "door", "Door 1");
    auto admitted = door->request({{"type", "checkin_manual"},
                                   {"attendee_id", ada},
                                   {"direction", "in"},
                                   {"scan_id", "desk-1"}});
    CHECK(admitted["result"] == "ok");
    auto updated = wait_until(*moderator, "agenda", [](const json& a) {
        return a["items"][0]["speaker"]["present"] == true;
    });
    CHECK(updated["items"][0]["speaker"]["arrived_at"].is_number());
    CHECK(updated["warnings"].empty());
}
