// Offline doors syncing their queues through the real binary (PROTOCOL.md 5.12): two doors that
// admitted one badge offline, retries of an offline scan_id, offline refusals, and conflicts that
// survive a restart.
#include "harness.hpp"
#include "storage/attendance_store.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::Connection;
using stagedoor::client::http_request;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// An event with three people imported by the command line; their badge tokens by external_id.
struct OfflineEvent {
    TestEvent event;
    std::map<std::string, std::string> tokens;
    OfflineEvent() {
        auto roster = event.temp.path / "roster.csv";
        std::ofstream(roster) << "name,organisation,category,external_id\n"
                                 "Jana Köhler,TU Lindenau,member,M-1\n"
                                 "Jörg Müller,Stadtwerke,guest,M-2\n"
                                 "Eva Groß,Rathaus,guest,M-3\n";
        auto result = run_cli({"import", "--data", event.data.string(), roster.string()});
        INFO(result.output);
        REQUIRE(result.exit_code == 0);
        stagedoor::storage::Database db(event.data / "stagedoor.db");
        auto state = stagedoor::storage::load_attendance(db);
        for (const auto* person : state.attendees())
            tokens[person->external_id] = person->token;
    }
};

json offline_scan(Connection& door, const std::string& scan_id, const std::string& payload,
                  std::int64_t at, const std::string& shown = "ok") {
    return door.request({{"type", "scan"},
                         {"scan_id", scan_id},
                         {"payload", payload},
                         {"direction", "in"},
                         {"at", at},
                         {"offline", shown}});
}

json get_json(const ServerProcess& server, const OfflineEvent& offline, const std::string& path) {
    auto reply = http_request(server.endpoint(), "GET", path, "", offline.event.key("organiser"));
    INFO(path << ": " << reply.body);
    REQUIRE(reply.status == 200);
    return json::parse(reply.body);
}

} // namespace

TEST_CASE("offline sync: two doors admitted one badge offline: one inside, one conflict") {
    OfflineEvent offline;
    ServerProcess server(offline.event.data);
    server.start();
    ClientContext context;
    auto organiser = connect_as(context, server, offline.event, "organiser", "Laptop");
    REQUIRE(organiser->wait_for("attendance"));
    auto door1 = connect_as(context, server, offline.event, "door", "Door 1");
    auto door2 = connect_as(context, server, offline.event, "door", "Door 2");
    std::int64_t at1 = now_ms() - 120'000;
    std::int64_t at2 = now_ms() - 60'000;

    auto first = offline_scan(*door1, "door1-000042", offline.tokens["M-1"], at1);
    INFO(first.dump());
    CHECK(first["result"] == "ok");
    CHECK(first["offline"] == "ok");
    CHECK_FALSE(first.contains("conflict"));
    auto second = offline_scan(*door2, "door2-000007", offline.tokens["M-1"], at2);
    INFO(second.dump());
    CHECK(second["result"] == "already_in");
    CHECK(second["offline"] == "ok");
    CHECK(second["conflict"] == "admitted_twice");
    CHECK(second["first_entry"]["device"] == "Door 1");
    CHECK(second["first_entry"]["at"] == at1); // when the door let them in

    auto pushed = organiser->wait_for("offline_conflict");
    REQUIRE(pushed);
    INFO(pushed->dump());
    CHECK((*pushed)["kind"] == "admitted_twice");
    CHECK((*pushed)["attendee"]["name"] == "Jana Köhler");
    REQUIRE((*pushed)["scans"].size() == 2);
    CHECK(
        (*pushed)["scans"][0] ==
        json({{"scan_id", "door2-000007"}, {"device", "Door 2"}, {"at", at2}, {"offline", true}}));
    CHECK(
        (*pushed)["scans"][1] ==
        json({{"scan_id", "door1-000042"}, {"device", "Door 1"}, {"at", at1}, {"offline", true}}));

    // Counted once, arrived at the first door's time.
    auto attendance = get_json(server, offline, "/api/attendance");
    CHECK(attendance["present"] == 1);
    CHECK(attendance["arrived"] == 1);
    REQUIRE(attendance["conflicts"].size() == 1);
    CHECK(attendance["conflicts"][0]["scans"] == (*pushed)["scans"]);
    auto found = door1->request({{"type", "lookup"}, {"query", "Jana"}});
    CHECK(found["attendees"][0]["arrived_at"] == at1);

    // A retry of an offline scan_id (the door lost the answer) is replayed: nothing new.
    auto retry = offline_scan(*door2, "door2-000007", offline.tokens["M-1"], at2);
    CHECK(retry["replayed"] == true);
    CHECK(retry["conflict"] == "admitted_twice");
    CHECK(retry["server_time"] == second["server_time"]);

    // An offline refusal of a badge the server would admit stays a refusal.
    auto refused = offline_scan(*door1, "door1-000043", offline.tokens["M-2"], at1 + 5, "revoked");
    INFO(refused.dump());
    CHECK(refused["result"] == "revoked");
    CHECK(refused["offline"] == "revoked");
    CHECK_FALSE(refused.contains("conflict"));
    CHECK(get_json(server, offline, "/api/attendance")["present"] == 1);

    // "at" is required with "offline".
    auto no_time = door1->request(
        {{"type", "checkin_manual"}, {"attendee_id", 3}, {"direction", "in"}, {"offline", "ok"}});
    CHECK(no_time["type"] == "error");
    CHECK(no_time["code"] == "bad_message");
    CHECK(no_time["field"] == "at");

    auto conflicts = get_json(server, offline, "/api/offline/conflicts");
    REQUIRE(conflicts["conflicts"].size() == 1);
    CHECK(conflicts["conflicts"][0]["kind"] == "admitted_twice");
    CHECK_FALSE(conflicts["conflicts"][0].contains("type"));
    CHECK(http_request(server.endpoint(), "GET", "/api/offline/conflicts", "",
                       offline.event.key("door"))
              .status == 403);
    auto ledger = http_request(server.endpoint(), "GET", "/api/ledger.csv", "",
                               offline.event.key("organiser"));
    CHECK(std::count(ledger.body.begin(), ledger.body.end(), '\n') == 1 + 3);

    // Derived from the ledger: still there after a restart.
    organiser.reset();
    door1.reset();
    door2.reset();
    CHECK(server.stop() == 0);
    server.start();
    auto after = get_json(server, offline, "/api/offline/conflicts");
    INFO(after.dump());
    CHECK(after["conflicts"] == conflicts["conflicts"]);
    CHECK(get_json(server, offline, "/api/attendance")["present"] == 1);
}
