// The offline doors' roster through the real binary (PROTOCOL.md 5.12): a door pages through the
// roster and is kept current by offline_update pushes (a check-in at another door, a walk-in, a
// reissue); serve --offline-names off keeps names off the doors; queue_report shows in the
// device list.
#include "app/transport.hpp"
#include "harness.hpp"
#include "stagedoor/protocol/badge_token.hpp"
#include "storage/attendance_store.hpp"
#include "storage/data_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::Connection;
using stagedoor::client::http_request;
namespace badge = stagedoor::protocol::badge;

namespace {

// An event with `people` attendees imported by the command line ("Person <n>", "Org <n>").
struct RosterEvent {
    TestEvent event;
    explicit RosterEvent(int people) {
        std::string roster = "name,organisation,external_id\n";
        for (int i = 1; i <= people; ++i)
            roster += "Person " + std::to_string(i) + ",Org " + std::to_string(i) + ",P-" +
                      std::to_string(i) + "\n";
        auto file = event.temp.path / "roster.csv";
        std::ofstream(file, std::ios::binary) << roster;
        auto result = run_cli({"import", "--data", event.data.string(), file.string()});
        INFO(result.output);
        REQUIRE(result.exit_code == 0);
    }
    std::string token(std::int64_t attendee_id) const {
        stagedoor::storage::Database db(event.data / "stagedoor.db");
        return stagedoor::storage::read_attendee(db, attendee_id)->token;
    }
};

// Every page from the start, as a door loads it; the attendees by id.
std::map<std::int64_t, json> load_roster(Connection& door, std::vector<json>& pages) {
    std::map<std::int64_t, json> roster;
    json after = 0;
    while (!after.is_null() && pages.size() < 10) {
        pages.push_back(door.request({{"type", "offline_roster"}, {"after", after}}, 10s));
        REQUIRE(pages.back()["type"] == "offline_roster_page");
        for (const auto& attendee : pages.back()["attendees"])
            roster[attendee["id"]] = attendee;
        after = pages.back()["next"];
    }
    return roster;
}

// Applies offline_update frames as they arrive until accept(attendee) holds for one of them,
// for at most timeout; returns that attendee, or null.
template <class Accept>
json await_update(Connection& door, std::map<std::int64_t, json>& roster, Accept accept,
                  std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto update = door.wait_for("offline_update", std::max(left, 1ms));
        if (!update) break;
        for (const auto& attendee : (*update)["attendees"]) {
            roster[attendee["id"]] = attendee;
            if (accept(attendee)) return attendee;
        }
    }
    return nullptr;
}

// Whether the server's startup summary has the line (it follows the "listening on" line).
bool printed(const ServerProcess& server, std::string_view line) {
    return eventually([&] { return server.output().find(line) != std::string::npos; });
}

json walk_in(Connection& door, const std::string& name, const std::string& scan_id) {
    return door.request({{"type", "walk_in"}, {"name", name}, {"scan_id", scan_id}});
}

// Whether connection was sent an offline_update: frames to one connection keep their order, so
// one sent before the pong of a later ping has arrived by then.
bool got_offline_update(Connection& connection) {
    auto pong = connection.request({{"type", "ping"}, {"t0", 1.0}});
    REQUIRE(pong["type"] == "pong");
    return connection.wait_for("offline_update", 0ms).has_value();
}

} // namespace

TEST_CASE("offline roster: a door pages through 2,500 attendees and is kept current") {
    RosterEvent roster_event(2500);
    ServerProcess server(roster_event.event.data);
    server.start();
    CHECK(printed(server, "Offline doors: names on"));
    ClientContext context;
    auto door1 = connect_as(context, server, roster_event.event, "door", "Door 1");
    auto door2 = connect_as(context, server, roster_event.event, "door", "Door 2");

    std::vector<json> pages;
    auto roster = load_roster(*door1, pages);
    REQUIRE(pages.size() == 3);
    CHECK(pages[0]["attendees"].size() == 1000);
    CHECK(pages[2]["attendees"].size() == 500);
    REQUIRE(roster.size() == 2500);
    CHECK(roster.begin()->first == 1);
    CHECK(roster.rbegin()->first == 2500);
    CHECK(roster[7]["name"] == "Person 7");
    CHECK(roster[7]["serial"] == 1);
    CHECK(roster[7]["present"] == false);
    stagedoor::storage::DataDir dir(roster_event.event.data);
    CHECK(pages[0]["event"]["id"] == dir.event().id);
    CHECK(pages[0]["names"] == true);
    auto key = dir.verify_key().raw();
    CHECK(pages[0]["verify_key"] == badge::base64url_encode(key));

    // A check-in at Door 2 reaches Door 1 within a second.
    auto admitted = door2->request({{"type", "scan"},
                                    {"scan_id", "d2-1"},
                                    {"payload", roster_event.token(7)},
                                    {"direction", "in"},
                                    {"at", stagedoor::app::system_clock_ms()}});
    REQUIRE(admitted["result"] == "ok");
    auto inside = await_update(
        *door1, roster, [](const json& a) { return a["id"] == 7 && a["present"] == true; }, 1s);
    REQUIRE_FALSE(inside.is_null());
    CHECK(inside["in_device"] == "Door 2");
    CHECK(inside["in_at"].get<std::int64_t>() >= admitted["server_time"].get<std::int64_t>() - 1);

    // A walk-in at Door 2: Door 1 learns the new attendee and their badge serial.
    auto registered = walk_in(*door2, "Wanda Walk", "d2-w1");
    REQUIRE(registered["type"] == "walk_in_result");
    std::int64_t walk_in_id = registered["attendee"]["id"];
    auto walked_in = await_update(
        *door1, roster, [&](const json& a) { return a["id"] == walk_in_id; }, 1s);
    REQUIRE_FALSE(walked_in.is_null());
    CHECK(walked_in["name"] == "Wanda Walk");
    CHECK(walked_in["serial"] == 1);
    CHECK(walked_in["present"] == true);

    // A reissued badge: the old serial is revoked on Door 1 too.
    auto reissued = http_request(server.endpoint(), "POST", "/api/badges/7/reissue", "",
                                 roster_event.event.key("organiser"));
    REQUIRE(reissued.status == 200);
    auto new_serial = await_update(
        *door1, roster, [](const json& a) { return a["id"] == 7 && a["serial"] == 2; }, 1s);
    REQUIRE_FALSE(new_serial.is_null());
    CHECK(new_serial["present"] == true); // still inside

    // Door 1's copy now equals a fresh load; Door 2 never asked and got nothing.
    std::vector<json> fresh_pages;
    auto fresh = load_roster(*door1, fresh_pages);
    CHECK(fresh.size() == 2501);
    CHECK(fresh == roster);
    CHECK_FALSE(got_offline_update(*door2));
}

TEST_CASE("offline roster: serve --offline-names off keeps names off the doors") {
    RosterEvent roster_event(3);
    auto refused = run_cli({"serve", "--data", roster_event.event.data.string(), "--listen",
                            "127.0.0.1:0", "--offline-names", "maybe"});
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.output, Catch::Contains("--offline-names must be on or off"));

    ServerProcess server(roster_event.event.data, {"--offline-names", "off"});
    server.start();
    CHECK(printed(server, "Offline doors: names off"));
    ClientContext context;
    auto door = connect_as(context, server, roster_event.event, "door", "Door 1");
    std::vector<json> pages;
    auto roster = load_roster(*door, pages);
    REQUIRE(pages.size() == 1);
    CHECK(pages[0]["names"] == false);
    REQUIRE(roster.size() == 3);
    for (const auto& [id, attendee] : roster) {
        CHECK(attendee["name"] == "");
        CHECK(attendee["organisation"] == "");
        CHECK(attendee["category"] == "member");
    }
    // Updates keep them off too; the door's own answers still name the person.
    auto registered = walk_in(*door, "Wanda Walk", "w-1");
    CHECK(registered["attendee"]["name"] == "Wanda Walk");
    auto walked_in = await_update(
        *door, roster, [](const json& a) { return a["id"] == 4; }, 2s);
    REQUIRE_FALSE(walked_in.is_null());
    CHECK(walked_in["name"] == "");
    CHECK(walked_in["category"] == "guest");
}

TEST_CASE("offline roster: queue_report shows in the device list for a paired door") {
    RosterEvent roster_event(1);
    ServerProcess server(roster_event.event.data);
    server.start();
    std::string organiser_key = roster_event.event.key("organiser");
    auto endpoint = server.endpoint();
    auto created = http_request(endpoint, "POST", "/api/devices/pairings",
                                R"({"role":"door","name":"Door 1"})", organiser_key);
    REQUIRE(created.status == 201);
    auto code = json::parse(created.body)["code"].get<std::string>();
    auto paired = http_request(endpoint, "POST", "/api/pair", json{{"code", code}}.dump());
    REQUIRE(paired.status == 200);
    std::int64_t device_id = json::parse(paired.body)["device_id"];
    std::string token = json::parse(paired.body)["token"];

    auto queue_of_door = [&] {
        auto list = http_request(endpoint, "GET", "/api/devices", "", organiser_key);
        REQUIRE(list.status == 200);
        json body = json::parse(list.body);
        for (const auto& device : body["devices"])
            if (device["id"] == device_id) return device["queue"];
        FAIL("the paired door is not in the device list");
        return json();
    };
    ClientContext context;
    auto door = Connection::open(context, endpoint);
    REQUIRE(door->hello("door", token)["type"] == "welcome");
    CHECK(queue_of_door().is_null()); // never reported

    std::int64_t before = stagedoor::app::system_clock_ms();
    auto ok = door->request({{"type", "queue_report"},
                             {"queued", 12},
                             {"oldest_at", 1764158400123},
                             {"last_sync", nullptr}});
    CHECK(ok["type"] == "ok");
    auto queue = queue_of_door();
    CHECK(queue["queued"] == 12);
    CHECK(queue["oldest_at"] == 1764158400123);
    CHECK(queue["last_sync"].is_null());
    CHECK(queue["reported_at"].get<std::int64_t>() >= before);
    // The latest report counts.
    door->request({{"type", "queue_report"},
                   {"queued", 0},
                   {"oldest_at", nullptr},
                   {"last_sync", 1764158460000}});
    CHECK(queue_of_door()["queued"] == 0);
    CHECK(queue_of_door()["last_sync"] == 1764158460000);

    // A role-key door is answered ok (nothing to keep); a stage may not; bad fields are named.
    auto keyed = connect_as(context, server, roster_event.event, "door", "Door 9");
    CHECK(keyed->request({{"type", "queue_report"}, {"queued", 3}})["type"] == "ok");
    auto stage = connect_as(context, server, roster_event.event, "stage", "Stage");
    CHECK(stage->request({{"type", "queue_report"}, {"queued", 3}})["code"] == "forbidden");
    auto bad = door->request({{"type", "queue_report"}, {"queued", -1}});
    CHECK(bad["code"] == "bad_message");
    CHECK(bad["field"] == "queued");
}
