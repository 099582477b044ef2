// Door check-in through the real binary and WebSocket: every verdict, idempotent retries across
// restarts and a SIGKILL, concurrent doors, undo, counts and pushes, roles, roster upload and
// exports.
#include "harness.hpp"
#include "storage/attendance_store.hpp"
#include "storage/data_dir.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <mutex>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::Connection;
using stagedoor::client::http_request;
namespace fs = std::filesystem;
namespace badge = stagedoor::protocol::badge;

namespace {

const char* kRoster = "name,organisation,email,sector,category,vip,external_id,blocked\n"
                      "Jana Köhler,TU Lindenau,jana@example.org,Wissenschaft & Forschung,member,no,"
                      "M-1,no\n"
                      "Dr. Eva Groß,Rathaus,eva@example.org,Verwaltung,guest,yes,M-2,no\n"
                      "Jörg Müller,Stadtwerke,joerg@example.org,Wirtschaft,new_member,no,M-3,no\n"
                      "Bernd Block,Nowhere,bernd@example.org,Wirtschaft,member,no,M-4,yes\n"
                      "José Núñez,Hafen AG,jose@example.org,Wirtschaft,speaker,no,M-5,no\n";

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

fs::path write_file(const fs::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    return path;
}

// An event with a roster imported by the command line.
struct DoorEvent {
    TestEvent event;
    explicit DoorEvent(const std::string& roster = kRoster) {
        auto file = write_file(event.temp.path / "roster.csv", roster);
        auto result = run_cli({"import", "--data", event.data.string(), file.string()});
        INFO(result.output);
        REQUIRE(result.exit_code == 0);
    }
    // Current badge tokens by external_id, read from the database.
    std::map<std::string, std::string> tokens() const {
        stagedoor::storage::Database db(event.data / "stagedoor.db");
        auto state = stagedoor::storage::load_attendance(db);
        std::map<std::string, std::string> out;
        for (const auto* person : state.attendees())
            out[person->external_id] = person->token;
        return out;
    }
    std::map<std::string, std::int64_t> ids() const {
        stagedoor::storage::Database db(event.data / "stagedoor.db");
        auto state = stagedoor::storage::load_attendance(db);
        std::map<std::string, std::int64_t> out;
        for (const auto* person : state.attendees())
            out[person->external_id] = person->id;
        return out;
    }
    std::string token_for(std::uint32_t attendee_id, std::uint16_t serial) const {
        stagedoor::storage::DataDir dir(event.data);
        badge::Payload payload;
        payload.event_id = *badge::event_id_from_hex(dir.event().id);
        payload.attendee_id = attendee_id;
        payload.serial = serial;
        payload.issued_at = static_cast<std::uint32_t>(now_ms() / 1000);
        return badge::make_token(payload, dir.signing_key());
    }
};

json scan(Connection& door, const std::string& scan_id, const std::string& payload,
          const std::string& direction = "in") {
    return door.request({{"type", "scan"},
                         {"scan_id", scan_id},
                         {"payload", payload},
                         {"direction", direction},
                         {"at", now_ms()}});
}

std::size_t line_count(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

TEST_CASE("attendance: every scan result through the WebSocket") {
    DoorEvent door_event;
    auto tokens = door_event.tokens();
    auto ids = door_event.ids();
    ServerProcess server(door_event.event.data);
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, door_event.event, "door", "Door 1");
    auto door2 = connect_as(context, server, door_event.event, "door", "Door 2");

    auto ok = scan(*door, "d1-1", tokens["M-1"]);
    INFO(ok.dump());
    CHECK(ok["type"] == "scan_result");
    CHECK(ok["result"] == "ok");
    CHECK(ok["method"] == "scan");
    CHECK(ok["replayed"] == false);
    CHECK(ok["attendee"]["name"] == "Jana Köhler");
    CHECK(ok["attendee"]["category"] == "member");
    CHECK(ok["attendee"]["vip"] == false);
    CHECK(std::abs(ok["server_time"].get<std::int64_t>() - now_ms()) < 5000);

    // A QR reader that appends a newline still scans.
    auto already = scan(*door2, "d2-1", tokens["M-1"] + "\r\n");
    INFO(already.dump());
    CHECK(already["result"] == "already_in");
    CHECK(already["attendee"]["id"] == ids["M-1"]);
    CHECK(already["first_entry"]["device"] == "Door 1");
    CHECK(already["first_entry"]["at"] == ok["server_time"]);

    CHECK(scan(*door, "d1-2", tokens["M-1"], "out")["result"] == "ok");
    auto not_in = scan(*door, "d1-3", tokens["M-1"], "out");
    CHECK(not_in["result"] == "not_in");
    CHECK(not_in["direction"] == "out");

    // A flipped signature character: forged.
    std::string forged = tokens["M-3"];
    forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
    auto bad = scan(*door, "d1-4", forged);
    INFO(bad.dump());
    CHECK(bad["result"] == "bad_signature");
    CHECK(bad["attendee"].is_null());

    // Signed with this event's key but for nobody on the roster.
    auto unknown = scan(*door, "d1-5", door_event.token_for(4000, 1));
    CHECK(unknown["result"] == "unknown_badge");
    CHECK(unknown["attendee"].is_null());

    // A blocked attendee, and an older serial after a reissue.
    auto blocked = scan(*door, "d1-6", tokens["M-4"]);
    CHECK(blocked["result"] == "revoked");
    CHECK(blocked["attendee"]["name"] == "Bernd Block");
    auto reissue = http_request(server.endpoint(), "POST",
                                "/api/badges/" + std::to_string(ids["M-5"]) + "/reissue", "",
                                door_event.event.key("organiser"));
    INFO(reissue.body);
    REQUIRE(reissue.status == 200);
    auto old_badge = scan(*door, "d1-7", tokens["M-5"]);
    CHECK(old_badge["result"] == "revoked");
    CHECK(old_badge["attendee"]["name"] == "José Núñez");
    auto new_token = json::parse(reissue.body)["token"].get<std::string>();
    CHECK(scan(*door, "d1-8", new_token)["result"] == "ok");

    // Another event's badge.
    DoorEvent other_event;
    auto wrong = scan(*door, "d1-9", other_event.tokens()["M-2"]);
    CHECK(wrong["result"] == "wrong_event");
    CHECK(wrong["attendee"].is_null());

    // Anything else: malformed, echoing at most 200 characters.
    std::string garbage(3000, 'x');
    garbage.replace(0, 4, "äöü!");
    auto malformed = scan(*door, "d1-10", garbage);
    CHECK(malformed["result"] == "malformed");
    CHECK(malformed["attendee"].is_null());
    auto excerpt = malformed["payload_excerpt"].get<std::string>();
    CHECK(excerpt.size() == 203); // 200 characters, three of them two bytes long
    CHECK(excerpt.starts_with("äöü!"));
    CHECK(scan(*door, "d1-11", "")["result"] == "malformed");

    // Every attempt is in the ledger, the rejected ones too.
    auto ledger = http_request(server.endpoint(), "GET", "/api/ledger.csv", "",
                               door_event.event.key("organiser"));
    REQUIRE(ledger.status == 200);
    CHECK(line_count(ledger.body) == 1 + 12);
    CHECK(ledger.body.find("bad_signature") != std::string::npos);
    CHECK(ledger.body.find("wrong_event") != std::string::npos);
}

TEST_CASE("attendance: the same scan_id is answered from the ledger, also after a restart") {
    DoorEvent door_event;
    auto tokens = door_event.tokens();
    ServerProcess server(door_event.event.data);
    server.start();
    json first;
    {
        ClientContext context;
        auto door = connect_as(context, server, door_event.event, "door", "Door 1");
        first = scan(*door, "retry-1", tokens["M-1"]);
        REQUIRE(first["result"] == "ok");
        auto again = scan(*door, "retry-1", tokens["M-1"]);
        CHECK(again["result"] == "ok");
        CHECK(again["replayed"] == true);
        CHECK(again["server_time"] == first["server_time"]);
        // A different scan_id is a new attempt.
        CHECK(scan(*door, "retry-2", tokens["M-1"])["result"] == "already_in");
    }
    CHECK(server.stop() == 0);
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, door_event.event, "door", "Door 1");
    auto after_restart = scan(*door, "retry-1", tokens["M-1"]);
    INFO(after_restart.dump());
    CHECK(after_restart["result"] == "ok");
    CHECK(after_restart["replayed"] == true);
    CHECK(after_restart["server_time"] == first["server_time"]);
    CHECK(after_restart["attendee"]["name"] == "Jana Köhler");
    auto second_retry = scan(*door, "retry-2", tokens["M-1"]);
    CHECK(second_retry["result"] == "already_in");
    CHECK(second_retry["replayed"] == true);
    CHECK(second_retry["first_entry"]["device"] == "Door 1");
    // Nothing new was recorded by the retries.
    auto ledger = http_request(server.endpoint(), "GET", "/api/ledger.csv", "",
                               door_event.event.key("organiser"));
    CHECK(line_count(ledger.body) == 1 + 2);
}

TEST_CASE("attendance: two doors scanning one badge at the same moment: one ok, one already_in") {
    std::string roster = "name,external_id\n";
    for (int i = 1; i <= 30; ++i)
        roster += "Person " + std::to_string(i) + ",P-" + std::to_string(i) + "\n";
    DoorEvent door_event(roster);
    auto tokens = door_event.tokens();
    ServerProcess server(door_event.event.data);
    server.start();
    ClientContext context;
    auto door1 = connect_as(context, server, door_event.event, "door", "Door 1");
    auto door2 = connect_as(context, server, door_event.event, "door", "Door 2");

    std::mutex mutex;
    std::map<std::string, std::vector<std::string>> results;
    std::atomic<int> replies{0};
    for (int i = 1; i <= 30; ++i) {
        std::string key = "P-" + std::to_string(i);
        for (auto* door : {door1.get(), door2.get()}) {
            std::string scan_id = key + (door == door1.get() ? "-a" : "-b");
            door->request_async({{"type", "scan"},
                                 {"scan_id", scan_id},
                                 {"payload", tokens[key]},
                                 {"direction", "in"},
                                 {"at", now_ms()}},
                                [&, key](const json& reply) {
                                    std::lock_guard lock(mutex);
                                    results[key].push_back(reply.value("result", "error"));
                                    ++replies;
                                });
        }
    }
    REQUIRE(eventually([&] { return replies.load() == 60; }, 10s));
    std::lock_guard lock(mutex);
    for (auto& [key, outcomes] : results) {
        INFO(key);
        std::sort(outcomes.begin(), outcomes.end());
        CHECK(outcomes == std::vector<std::string>{"already_in", "ok"});
    }
}

TEST_CASE("attendance: undo, counts and organiser pushes") {
    DoorEvent door_event;
    auto tokens = door_event.tokens();
    auto ids = door_event.ids();
    ServerProcess server(door_event.event.data);
    server.start();
    ClientContext context;
    auto organiser = connect_as(context, server, door_event.event, "organiser", "Laptop");
    auto snapshot = organiser->wait_for("attendance");
    REQUIRE(snapshot);
    CHECK((*snapshot)["expected"] == 4); // the blocked attendee is not expected
    CHECK((*snapshot)["arrived"] == 0);
    CHECK((*snapshot)["vips"]["missing"][0]["name"] == "Dr. Eva Groß");
    auto initial_counts = organiser->wait_for("counts");
    REQUIRE(initial_counts);
    CHECK((*initial_counts)["present"] == 0);

    auto door = connect_as(context, server, door_event.event, "door", "Door 1");
    auto door_counts = door->wait_for("counts");
    REQUIRE(door_counts);
    CHECK((*door_counts)["expected"] == 4);

    auto vip = scan(*door, "u-1", tokens["M-2"]);
    REQUIRE(vip["result"] == "ok");
    auto checked_in = organiser->wait_for("checked_in");
    REQUIRE(checked_in);
    CHECK((*checked_in)["scan_id"] == "u-1");
    CHECK((*checked_in)["counts"]["present"] == 1);
    auto alert = organiser->wait_for("vip_arrived");
    REQUIRE(alert);
    CHECK((*alert)["attendee"]["name"] == "Dr. Eva Groß");
    CHECK((*alert)["device"] == "Door 1");
    auto pushed = door->wait_for("counts");
    REQUIRE(pushed);
    CHECK((*pushed)["present"] == 1);
    CHECK((*pushed)["arrived"] == 1);

    REQUIRE(scan(*door, "u-2", tokens["M-1"])["result"] == "ok");
    auto manual = door->request({{"type", "checkin_manual"},
                                 {"attendee_id", ids["M-3"]},
                                 {"direction", "in"},
                                 {"scan_id", "u-3"}});
    CHECK(manual["type"] == "scan_result");
    CHECK(manual["result"] == "ok");
    CHECK(manual["method"] == "manual");
    auto rejected = scan(*door, "u-4", "not a badge");
    CHECK(rejected["result"] == "malformed");
    auto rejected_event = organiser->wait_for("rejected");
    REQUIRE(rejected_event);
    CHECK((*rejected_event)["result"] == "malformed");

    // A second door may not undo Door 1's scan; Door 1 may; the organiser may undo anything.
    auto door2 = connect_as(context, server, door_event.event, "door", "Door 2");
    auto foreign = door2->request({{"type", "undo"}, {"scan_id", "u-2"}});
    CHECK(foreign["code"] == "forbidden");
    auto missing = door->request({{"type", "undo"}, {"scan_id", "nope"}});
    CHECK(missing["code"] == "not_found");
    auto not_admission = door->request({{"type", "undo"}, {"scan_id", "u-4"}});
    CHECK(not_admission["code"] == "conflict");

    auto undone = door->request({{"type", "undo"}, {"scan_id", "u-2"}});
    INFO(undone.dump());
    CHECK(undone["type"] == "ok");
    auto undone_event = organiser->wait_for("undone");
    REQUIRE(undone_event);
    CHECK((*undone_event)["scan_id"] == "u-2");
    CHECK((*undone_event)["counts"]["present"] == 2);
    CHECK(door->request({{"type", "undo"}, {"scan_id", "u-2"}})["type"] == "ok"); // idempotent
    CHECK(organiser->request({{"type", "undo"}, {"scan_id", "u-3"}})["type"] == "ok");

    // After the undo the person can come in again.
    CHECK(scan(*door, "u-5", tokens["M-1"])["result"] == "ok");
    auto exit_scan = scan(*door, "u-6", tokens["M-2"], "out");
    CHECK(exit_scan["result"] == "ok");
    CHECK(organiser->wait_for("checked_out"));

    auto attendance = http_request(server.endpoint(), "GET", "/api/attendance", "",
                                   door_event.event.key("organiser"));
    REQUIRE(attendance.status == 200);
    auto body = json::parse(attendance.body);
    CHECK(body["expected"] == 4);
    CHECK(body["arrived"] == 2); // Eva and Jana (Jörg's manual check-in was undone)
    CHECK(body["present"] == 1); // Jana; Eva left
    CHECK(body["by_category"]["guest"]["arrived"] == 1);
    CHECK(body["by_category"]["guest"]["present"] == 0);
    CHECK(body["rejected"]["malformed"] == 1);
    CHECK(body["vips"]["arrived"][0]["attendee"]["name"] == "Dr. Eva Groß");
    CHECK(body["devices"][0]["device"] == "Door 1");

    // The same numbers after a restart, from the ledger alone.
    CHECK(server.stop() == 0);
    server.start();
    auto reloaded = json::parse(http_request(server.endpoint(), "GET", "/api/attendance", "",
                                             door_event.event.key("organiser"))
                                    .body);
    CHECK(reloaded["arrived"] == 2);
    CHECK(reloaded["present"] == 1);
}

TEST_CASE("attendance: help desk lookup and walk-ins") {
    DoorEvent door_event;
    ServerProcess server(door_event.event.data);
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, door_event.event, "door", "Help desk");

    auto found = door->request({{"type", "lookup"}, {"query", "muller"}});
    INFO(found.dump());
    REQUIRE(found["type"] == "lookup_result");
    REQUIRE(found["attendees"].size() == 1);
    CHECK(found["attendees"][0]["name"] == "Jörg Müller");
    CHECK(found["attendees"][0]["present"] == false);
    CHECK(found["attendees"][0]["arrived_at"].is_null());
    CHECK(door->request({{"type", "lookup"}, {"query", "Jose"}})["attendees"][0]["name"] ==
          "José Núñez");
    CHECK(door->request({{"type", "lookup"}, {"query", "rathaus"}})["attendees"].size() == 1);
    CHECK(door->request({{"type", "lookup"}, {"query", ""}})["code"] == "bad_message");

    auto walk_in = door->request({{"type", "walk_in"},
                                  {"name", "Zoë Walker"},
                                  {"organisation", "Gaststadt"},
                                  {"scan_id", "w-1"}});
    INFO(walk_in.dump());
    REQUIRE(walk_in["type"] == "walk_in_result");
    CHECK(walk_in["result"] == "ok");
    CHECK(walk_in["attendee"]["category"] == "guest");
    auto token = walk_in["token"].get<std::string>();
    CHECK(token.starts_with("SD1."));
    // The retry returns the same person and badge, no second registration.
    auto retry = door->request({{"type", "walk_in"}, {"name", "Zoë Walker"}, {"scan_id", "w-1"}});
    CHECK(retry["attendee"]["id"] == walk_in["attendee"]["id"]);
    CHECK(retry["token"] == token);
    // Their new badge works at once: they are already in.
    CHECK(scan(*door, "w-2", token)["result"] == "already_in");
    auto walker = door->request({{"type", "lookup"}, {"query", "zoe"}});
    REQUIRE(walker["attendees"].size() == 1);
    CHECK(walker["attendees"][0]["present"] == true);
    auto counts = http_request(server.endpoint(), "GET", "/api/attendance", "",
                               door_event.event.key("organiser"));
    CHECK(json::parse(counts.body)["walk_ins"] == 1);
    CHECK(json::parse(counts.body)["expected"] == 4);

    // The door may fetch a walk-in's badge to print it, but not anyone else's.
    std::string door_key = door_event.event.key("door");
    auto walk_in_svg =
        http_request(server.endpoint(), "GET",
                     "/api/badges/" + walk_in["attendee"]["id"].dump() + ".svg", "", door_key);
    CHECK(walk_in_svg.status == 200);
    CHECK_THAT(walk_in_svg.body, Catch::Contains("Zo\xc3\xab Walker"));
    auto other_id = found["attendees"][0]["id"].dump();
    CHECK(http_request(server.endpoint(), "GET", "/api/badges/" + other_id + ".svg", "", door_key)
              .status == 403);
    CHECK(http_request(server.endpoint(), "GET", "/badges", "", door_key).status == 403);

    auto unknown =
        door->request({{"type", "checkin_manual"}, {"attendee_id", 999}, {"direction", "in"}});
    CHECK(unknown["result"] == "unknown_badge");
}

TEST_CASE("attendance: roles: stage and moderator may not check in, look up or undo") {
    DoorEvent door_event;
    auto tokens = door_event.tokens();
    ServerProcess server(door_event.event.data);
    server.start();
    ClientContext context;
    for (const char* role : {"stage", "moderator"}) {
        INFO(role);
        auto connection = connect_as(context, server, door_event.event, role, role);
        CHECK(scan(*connection, "s-1", tokens["M-1"])["code"] == "forbidden");
        CHECK(connection->request(
                  {{"type", "checkin_manual"}, {"attendee_id", 1}, {"direction", "in"}})["code"] ==
              "forbidden");
        CHECK(connection->request({{"type", "walk_in"}, {"name", "X"}})["code"] == "forbidden");
        CHECK(connection->request({{"type", "lookup"}, {"query", "jana"}})["code"] == "forbidden");
        CHECK(connection->request({{"type", "undo"}, {"scan_id", "s-1"}})["code"] == "forbidden");
    }
    // Nothing was recorded for the refused requests.
    auto ledger = http_request(server.endpoint(), "GET", "/api/ledger.csv", "",
                               door_event.event.key("organiser"));
    CHECK(line_count(ledger.body) == 1);
    // The organiser may scan.
    auto organiser = connect_as(context, server, door_event.event, "organiser", "Laptop");
    CHECK(scan(*organiser, "o-1", tokens["M-1"])["result"] == "ok");
}

TEST_CASE("attendance: nothing acknowledged is lost when the server is killed with SIGKILL") {
    std::string roster = "name,external_id\n";
    for (int i = 1; i <= 150; ++i)
        roster += "Person " + std::to_string(i) + ",P-" + std::to_string(i) + "\n";
    DoorEvent door_event(roster);
    auto tokens = door_event.tokens();
    ServerProcess server(door_event.event.data);
    server.start();

    std::mutex mutex;
    std::map<std::string, json> acknowledged;
    {
        ClientContext context;
        auto door1 = connect_as(context, server, door_event.event, "door", "Door 1");
        auto door2 = connect_as(context, server, door_event.event, "door", "Door 2");
        for (int i = 1; i <= 150; ++i) {
            auto* door = i % 2 ? door1.get() : door2.get();
            std::string scan_id = "k-" + std::to_string(i);
            door->request_async({{"type", "scan"},
                                 {"scan_id", scan_id},
                                 {"payload", tokens["P-" + std::to_string(i)]},
                                 {"direction", "in"},
                                 {"at", now_ms()}},
                                [&, scan_id](const json& reply) {
                                    std::lock_guard lock(mutex);
                                    if (reply.value("type", "") == "scan_result")
                                        acknowledged[scan_id] = reply;
                                });
        }
        // Kill as soon as some are acknowledged, with others still in flight.
        REQUIRE(eventually([&] {
            std::lock_guard lock(mutex);
            return acknowledged.size() >= 40;
        }));
        server.kill_hard();
    }
    std::map<std::string, json> acked;
    {
        std::lock_guard lock(mutex);
        acked = acknowledged;
    }
    INFO("acknowledged before the kill: " << acked.size());
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, door_event.event, "door", "Door 1");
    for (const auto& [scan_id, reply] : acked) {
        INFO(scan_id);
        CHECK(reply["result"] == "ok");
        auto again = scan(*door, scan_id, tokens["P-" + scan_id.substr(2)]);
        CHECK(again["replayed"] == true);
        CHECK(again["result"] == "ok");
        CHECK(again["server_time"] == reply["server_time"]);
    }
    auto attendance = json::parse(http_request(server.endpoint(), "GET", "/api/attendance", "",
                                               door_event.event.key("organiser"))
                                      .body);
    CHECK(attendance["present"].get<std::size_t>() >= acked.size());
}

TEST_CASE("attendance: HTTP roster upload, exports and badges need the organiser key") {
    DoorEvent door_event;
    ServerProcess server(door_event.event.data);
    server.start();
    auto organiser_key = door_event.event.key("organiser");
    auto endpoint = server.endpoint();

    CHECK(http_request(endpoint, "GET", "/api/attendance").status == 401);
    CHECK(http_request(endpoint, "GET", "/api/attendance.csv", "", door_event.event.key("door"))
              .status == 403);
    CHECK(http_request(endpoint, "POST", "/api/roster", "name\nX\n", door_event.event.key("door"))
              .status == 403);

    // Bad rows: 400 with line numbers, nothing imported.
    std::string bad =
        "Name;Category;External_ID\nNeu Person;member;M-10\n;member;M-11\nX;vip;M-12\n";
    auto refused = http_request(endpoint, "POST", "/api/roster", bad, organiser_key);
    INFO(refused.body);
    REQUIRE(refused.status == 400);
    auto refused_body = json::parse(refused.body);
    CHECK(refused_body["applied"] == false);
    CHECK(refused_body["errors"][0]["line"] == 3);
    CHECK(refused_body["errors"][1]["line"] == 4);
    auto csv = http_request(endpoint, "GET", "/api/attendance.csv", "", organiser_key);
    CHECK(line_count(csv.body) == 1 + 5);

    auto skipped = http_request(endpoint, "POST", "/api/roster?skip_bad=1", bad, organiser_key);
    REQUIRE(skipped.status == 200);
    auto summary = json::parse(skipped.body);
    CHECK(summary["added"] == 1);
    CHECK(summary["skipped"].size() == 2);

    // Re-import updates by external_id and email, never duplicates.
    std::string update = "name,email,external_id,organisation\n"
                         "Jana Köhler-Schmidt,jana@example.org,M-1,TU Lindenau\n"
                         "Eva Groß,EVA@example.org,,Rathaus\n";
    auto updated = http_request(endpoint, "POST", "/api/roster", update, organiser_key);
    INFO(updated.body);
    REQUIRE(updated.status == 200);
    CHECK(json::parse(updated.body)["updated"] == 2);
    CHECK(json::parse(updated.body)["added"] == 0);
    csv = http_request(endpoint, "GET", "/api/attendance.csv", "", organiser_key);
    CHECK(csv.content_type.starts_with("text/csv"));
    CHECK(line_count(csv.body) == 1 + 6);
    CHECK(csv.body.find("Jana Köhler-Schmidt") != std::string::npos);

    // A person added over HTTP can be checked in at once with their badge.
    ClientContext context;
    auto door = connect_as(context, server, door_event.event, "door", "Door 1");
    CHECK(scan(*door, "h-1", door_event.tokens()["M-10"])["result"] == "ok");

    auto sheet = http_request(endpoint, "GET", "/badges", "", organiser_key);
    CHECK(sheet.status == 200);
    CHECK(sheet.content_type.starts_with("text/html"));
    CHECK(sheet.body.find("Jana Köhler-Schmidt") != std::string::npos);
    CHECK(sheet.body.find("Bernd Block") == std::string::npos); // blocked: no badge printed
    auto svg = http_request(endpoint, "GET", "/api/badges/1.svg", "", organiser_key);
    CHECK(svg.status == 200);
    CHECK(svg.content_type == "image/svg+xml");
    CHECK(svg.body.find("<svg") != std::string::npos);
    CHECK(http_request(endpoint, "GET", "/api/badges/999.svg", "", organiser_key).status == 404);
    CHECK(http_request(endpoint, "GET", "/badges", "", door_event.event.key("door")).status == 403);
    // The event's language for the bands.
    auto german = http_request(endpoint, "GET", "/badges?lang=de", "", organiser_key);
    CHECK(german.status == 200);
    CHECK(german.body.find("<html lang=\"de\">") != std::string::npos);
    CHECK(german.body.find(">MITGLIED</text>") != std::string::npos);
    CHECK(german.body.find(">MEMBER</text>") == std::string::npos);
    CHECK(http_request(endpoint, "GET", "/api/badges/1.svg?lang=de", "", organiser_key)
              .body.find(">MITGLIED</text>") != std::string::npos);
    auto unknown = http_request(endpoint, "GET", "/badges?lang=fr", "", organiser_key);
    CHECK(unknown.status == 400);
    CHECK(unknown.body.find("lang must be de or en") != std::string::npos);
}

TEST_CASE("attendance: every CSV export has a ';' variant for German Excel (?sep=semicolon)") {
    DoorEvent door_event("name,organisation,external_id\n"
                         "Jana Köhler,\"Forschung; Lehre\",M-1\n"
                         "Jörg Müller,Stadtwerke,M-2\n");
    ServerProcess server(door_event.event.data);
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, door_event.event, "door", "Door 1");
    REQUIRE(scan(*door, "sep-1", door_event.tokens()["M-1"])["result"] == "ok");
    const std::string key = door_event.event.key("organiser");
    const std::string bom = "\xEF\xBB\xBF";

    auto attendance =
        http_request(server.endpoint(), "GET", "/api/attendance.csv?sep=semicolon", "", key);
    REQUIRE(attendance.status == 200);
    CHECK(attendance.content_type.starts_with("text/csv"));
    CHECK(attendance.body.starts_with(bom + "id;external_id;name;organisation;category;"));
    // A ';' inside a cell is quoted; the name with umlauts is whole.
    CHECK(attendance.body.find(";M-1;Jana Köhler;\"Forschung; Lehre\";member;") !=
          std::string::npos);
    CHECK(attendance.body.find(",") == std::string::npos); // no comma anywhere: only ';' splits

    auto ledger = http_request(server.endpoint(), "GET", "/api/ledger.csv?sep=semicolon", "", key);
    REQUIRE(ledger.status == 200);
    CHECK(ledger.body.starts_with(bom + "seq;server_time;kiosk_time;scan_id;device;"));
    CHECK(ledger.body.find(";sep-1;Door 1;door;scan;in;ok;") != std::string::npos);
    CHECK(line_count(ledger.body) == 1 + 1);

    auto report = http_request(server.endpoint(), "GET", "/api/report.csv?sep=semicolon", "", key);
    REQUIRE(report.status == 200);
    CHECK(report.body.starts_with(bom + "position;id;title;kind;speaker;organisation;block;"));

    // The comma files stay as they were; an unknown separator is refused with its reason.
    auto comma = http_request(server.endpoint(), "GET", "/api/ledger.csv?sep=comma", "", key);
    CHECK(comma.body.starts_with(bom + "seq,server_time,kiosk_time,"));
    auto tab = http_request(server.endpoint(), "GET", "/api/attendance.csv?sep=tab", "", key);
    CHECK(tab.status == 400);
    CHECK(json::parse(tab.body)["code"] == "bad_message");
    CHECK(json::parse(tab.body)["message"] == "sep must be comma or semicolon");
}

TEST_CASE("attendance: CLI import re-import, badges and reissue") {
    DoorEvent door_event;
    auto data = door_event.event.data.string();
    auto roster = write_file(door_event.event.temp.path / "again.csv", kRoster);
    auto again = run_cli({"import", "--data", data, roster.string()});
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.output, Catch::Contains("0 added, 0 updated, 5 unchanged"));

    auto broken =
        write_file(door_event.event.temp.path / "broken.csv", "name,category\n\"Unclosed,member\n");
    auto refused = run_cli({"import", "--data", data, broken.string()});
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.output, Catch::Contains("line 2"));
    CHECK(run_cli({"import", "--data", data}).exit_code == 2);

    auto out = door_event.event.temp.path / "badges";
    auto badges = run_cli({"badges", "--data", data, "--out", out.string()});
    INFO(badges.output);
    CHECK(badges.exit_code == 0);
    CHECK(fs::exists(out / "badges.html"));
    CHECK(fs::exists(out / "badges.csv"));
    CHECK(fs::exists(out / "badge-1.svg"));
    CHECK(fs::exists(out / "badge-1.png"));
    auto german = door_event.event.temp.path / "badges-de";
    CHECK(run_cli({"badges", "--data", data, "--out", german.string(), "--lang", "de"}).exit_code ==
          0);
    {
        std::ifstream sheet(german / "badges.html");
        std::string html(std::istreambuf_iterator<char>(sheet), {});
        CHECK(html.find(">NEUMITGLIED</text>") != std::string::npos);
        CHECK(html.find(">NEW MEMBER</text>") == std::string::npos);
        // The VIP's mark, and her title on its own line.
        CHECK(html.find("Badge: Dr. Eva Groß (VIP)") != std::string::npos);
        CHECK(html.find(">Dr.</text>") != std::string::npos);
        CHECK(html.find(">Eva Groß</text>") != std::string::npos);
    }
    auto french = run_cli({"badges", "--data", data, "--out", german.string(), "--lang", "fr"});
    CHECK(french.exit_code == 2);
    CHECK_THAT(french.output, Catch::Contains("--lang must be de or en"));
    auto tokens_only = door_event.event.temp.path / "tokens";
    CHECK(run_cli({"badges", "--data", data, "--out", tokens_only.string(), "--csv-only"})
              .exit_code == 0);
    CHECK(fs::exists(tokens_only / "badges.csv"));
    CHECK_FALSE(fs::exists(tokens_only / "badge-1.svg"));
    {
        std::ifstream full(out / "badges.csv"), quick(tokens_only / "badges.csv");
        CHECK(std::string(std::istreambuf_iterator<char>(full), {}) ==
              std::string(std::istreambuf_iterator<char>(quick), {}));
    }

    auto old_token = door_event.tokens()["M-1"];
    auto reissued = run_cli({"badge", "reissue", "--data", data, "jana@example.org"});
    INFO(reissued.output);
    CHECK(reissued.exit_code == 0);
    auto new_token = door_event.tokens()["M-1"];
    CHECK(new_token != old_token);
    CHECK(run_cli({"badge", "reissue", "--data", data, "M-99"}).exit_code == 1);

    ServerProcess server(door_event.event.data);
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, door_event.event, "door", "Door 1");
    CHECK(scan(*door, "r-1", old_token)["result"] == "revoked");
    CHECK(scan(*door, "r-2", new_token)["result"] == "ok");
}

TEST_CASE("attendance: a running server picks up people imported by the command line meanwhile") {
    DoorEvent door_event;
    ServerProcess server(door_event.event.data);
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, door_event.event, "door", "Door 1");

    auto late = write_file(door_event.event.temp.path / "late.csv",
                           "name,external_id\nLate Comer,L-1\nLater Still,L-2\n");
    auto imported = run_cli({"import", "--data", door_event.event.data.string(), late.string()});
    INFO(imported.output);
    REQUIRE(imported.exit_code == 0);

    // Their badges are genuine, so the server looks them up instead of calling them unknown.
    auto ok = scan(*door, "late-1", door_event.tokens()["L-1"]);
    INFO(ok.dump());
    CHECK(ok["result"] == "ok");
    CHECK(ok["attendee"]["name"] == "Late Comer");
    // A walk-in gets an id above the imported ones instead of colliding with them.
    auto walk_in = door->request({{"type", "walk_in"}, {"name", "Walk In"}, {"scan_id", "late-2"}});
    INFO(walk_in.dump());
    REQUIRE(walk_in["type"] == "walk_in_result");
    CHECK(walk_in["attendee"]["id"].get<std::int64_t>() > door_event.ids()["L-2"]);
    CHECK(scan(*door, "late-3", door_event.tokens()["L-2"])["result"] == "ok");
}
