// The audit log through the real binary: every privileged action that exists gives exactly one
// row with device, role and address (retries with the same id included), a refused action adds
// no row but is counted per device, the filters, and the CSV export read back cell for cell.
#include "domain/csv.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::Connection;
using stagedoor::client::http_request;
namespace fs = std::filesystem;

namespace {

const char* kRoster = "name,organisation,email,category,external_id\n"
                      "Jana Köhler,TU Lindenau,jana@example.org,member,M-1\n"
                      "Eva Groß,Rathaus,eva@example.org,guest,M-2\n";

const char* kAgenda = "id,title,kind,duration\n"
                      "p1,Pitch one,pitch,3:00\n"
                      "p2,Pitch two,pitch,3:00\n";

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// An event whose roster was imported on the command line (that import is no server action).
struct AuditEvent {
    TestEvent event;
    AuditEvent() {
        fs::path roster = event.temp.path / "roster.csv";
        std::ofstream(roster) << kRoster;
        auto result = run_cli({"import", "--data", event.data.string(), roster.string()});
        INFO(result.output);
        REQUIRE(result.exit_code == 0);
    }
};

json audit(const ServerProcess& server, const TestEvent& event, const std::string& query = "") {
    auto response =
        http_request(server.endpoint(), "GET", "/api/audit" + query, "", event.key("organiser"));
    INFO(response.body);
    REQUIRE(response.status == 200);
    return json::parse(response.body);
}

std::map<std::string, std::vector<json>> by_action(const json& body) {
    std::map<std::string, std::vector<json>> out;
    for (const auto& entry : body["entries"])
        out[entry["action"].get<std::string>()].push_back(entry);
    return out;
}

} // namespace

TEST_CASE("audit: each privileged action is one row with device, role and address") {
    AuditEvent setup;
    const TestEvent& event = setup.event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, event, "door", "Door 1");
    auto moderator = connect_as(context, server, event, "moderator", "Moderation");
    std::string organiser = event.key("organiser");
    auto endpoint = server.endpoint();

    // Door: a manual check-in, a walk-in and an undo, each sent twice with the same id.
    json manual = {
        {"type", "checkin_manual"}, {"attendee_id", 1}, {"direction", "in"}, {"scan_id", "m-1"}};
    REQUIRE(door->request(manual)["result"] == "ok");
    CHECK(door->request(manual)["replayed"] == true);
    json walk_in = {{"type", "walk_in"}, {"name", "Zoë Walker"}, {"scan_id", "w-1"}};
    auto walked_in = door->request(walk_in);
    INFO(walked_in.dump());
    REQUIRE(walked_in["type"] == "walk_in_result");
    CHECK(door->request(walk_in)["type"] == "walk_in_result");
    auto walk_in_id = walked_in["attendee"]["id"].get<std::int64_t>();
    REQUIRE(door->request({{"type", "undo"}, {"scan_id", "m-1"}})["type"] == "ok");
    REQUIRE(door->request({{"type", "undo"}, {"scan_id", "m-1"}})["type"] == "ok");
    REQUIRE(http_request(endpoint, "GET", "/api/badges/" + std::to_string(walk_in_id) + ".svg", "",
                         event.key("door"))
                .status == 200);

    // Moderator: an agenda import, timer controls, an agenda edit, the speaker screen.
    auto imported =
        http_request(endpoint, "POST", "/api/agenda/import", kAgenda, event.key("moderator"));
    INFO(imported.body);
    REQUIRE(imported.status == 200);
    for (json frame : {json{{"type", "timer_control"}, {"action", "start"}},
                       json{{"type", "timer_control"}, {"action", "pause"}},
                       json{{"type", "agenda_skip"}, {"item_id", "p2"}, {"skipped", true}},
                       json{{"type", "stage_message"},
                            {"text", "One minute"},
                            {"tone", "info"},
                            {"flash", false}},
                       json{{"type", "stage_clear"}}, json{{"type", "blackout"}, {"on", true}}}) {
        auto reply = moderator->request(frame);
        INFO(frame.dump() << " -> " << reply.dump());
        REQUIRE(reply["type"] == "ok");
    }

    // Organiser over HTTP: a roster import, a reissue and the exports.
    REQUIRE(http_request(endpoint, "POST", "/api/roster", "name,external_id\nNew Person,M-3\n",
                         organiser)
                .status == 200);
    REQUIRE(http_request(endpoint, "POST", "/api/badges/1/reissue", "", organiser).status == 200);
    for (const char* path : {"/api/attendance.csv", "/api/ledger.csv", "/api/report.csv",
                             "/api/report.json", "/badges"})
        REQUIRE(http_request(endpoint, "GET", path, "", organiser).status == 200);
    // Reads that are not exports leave no row.
    REQUIRE(http_request(endpoint, "GET", "/api/attendance", "", organiser).status == 200);

    // Refused: a door may not control the timer. No row, but counted for Door 1.
    auto refused = door->request({{"type", "timer_control"}, {"action", "start"}});
    CHECK(refused["code"] == "forbidden");

    // Each row is written in the action's commit or right after it: poll for the last one.
    json body;
    REQUIRE(eventually([&] {
        body = audit(server, event, "?limit=1000");
        return body["entries"].size() >= 18;
    }));
    auto actions = by_action(body);
    std::map<std::string, std::pair<std::string, std::string>> expected{
        {"checkin.manual", {"Door 1", "door"}},
        {"walkin", {"Door 1", "door"}},
        {"undo", {"Door 1", "door"}},
        {"export.badge_svg", {"(role key)", "door"}},
        {"agenda.import", {"(role key)", "moderator"}},
        {"timer.start", {"Moderation", "moderator"}},
        {"timer.pause", {"Moderation", "moderator"}},
        {"agenda.edit", {"Moderation", "moderator"}},
        {"stage.blackout", {"Moderation", "moderator"}},
        {"roster.import", {"(role key)", "organiser"}},
        {"badge.reissue", {"(role key)", "organiser"}},
        {"export.attendance_csv", {"(role key)", "organiser"}},
        {"export.ledger_csv", {"(role key)", "organiser"}},
        {"export.report_csv", {"(role key)", "organiser"}},
        {"export.report_json", {"(role key)", "organiser"}},
        {"export.badges", {"(role key)", "organiser"}},
    };
    for (const auto& [action, who] : expected) {
        INFO(action << " in " << body.dump());
        REQUIRE(actions[action].size() == 1);
        const json& row = actions[action][0];
        CHECK(row["device"] == who.first);
        CHECK(row["device_id"] == 0); // every client here uses a role key
        CHECK(row["role"] == who.second);
        CHECK(row["address"] == "127.0.0.1");
        CHECK(row["outcome"] == "ok");
        CHECK(std::abs(row["at"].get<std::int64_t>() - now_ms()) < 60'000);
    }
    // The message and the clear are both stage.message.
    CHECK(actions["stage.message"].size() == 2);
    CHECK(body["entries"].size() == expected.size() + 2);
    CHECK(actions["checkin.manual"][0]["target"] == "1");
    CHECK(actions["walkin"][0]["target"] == std::to_string(walk_in_id));
    CHECK(actions["walkin"][0]["detail"]["name"] == "Zoë Walker");
    CHECK(actions["undo"][0]["target"] == "m-1");
    CHECK(actions["agenda.edit"][0]["target"] == "p2");
    CHECK(actions["agenda.edit"][0]["detail"]["type"] == "agenda_skip");
    CHECK(actions["agenda.import"][0]["detail"]["items"] == 2);
    CHECK(actions["roster.import"][0]["detail"]["added"] == 1);
    // Newest first.
    CHECK(body["entries"][0]["seq"] > body["entries"][1]["seq"]);

    // The refused control is no row, and is counted for its device.
    CHECK(actions.count("timer.start") == 1);
    bool counted = false;
    for (const auto& device : body["refusals"]["devices"])
        if (device["device"] == "Door 1") {
            counted = true;
            CHECK(device["count"] == 1);
            CHECK(device["refused"][0]["type"] == "timer_control");
            CHECK(device["refused"][0]["code"] == "forbidden");
        }
    CHECK(counted);

    // Filters.
    auto timer = audit(server, event, "?action=timer");
    CHECK(timer["entries"].size() == 2);
    auto from_door = audit(server, event, "?device=Door%201&limit=2");
    REQUIRE(from_door["entries"].size() == 2);
    CHECK(from_door["entries"][0]["action"] == "undo");
    CHECK(audit(server, event, "?since=" + std::to_string(now_ms() + 60'000))["entries"].empty());
    auto bad = http_request(endpoint, "GET", "/api/audit?limit=0", "", organiser);
    CHECK(bad.status == 400);
    CHECK(json::parse(bad.body)["code"] == "bad_message");
    CHECK(http_request(endpoint, "GET", "/api/audit", "", event.key("moderator")).status == 403);
    CHECK(http_request(endpoint, "GET", "/api/audit.csv", "", event.key("door")).status == 403);
}

TEST_CASE("audit: the CSV export reads back in both separators, formulas neutralised") {
    AuditEvent setup;
    const TestEvent& event = setup.event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    // A device name a spreadsheet would run as a formula, with a separator and a quote.
    auto door = connect_as(context, server, event, "door", "=SUM(1;2), \"Door\"");
    REQUIRE(door->request({{"type", "checkin_manual"},
                           {"attendee_id", 2},
                           {"direction", "in"},
                           {"scan_id", "c-1"}})["result"] == "ok");
    REQUIRE(eventually([&] { return audit(server, event)["entries"].size() == 1; }));

    // Filtered to the check-in: the row of each export (below) may commit before the next one.
    for (const auto& [query, separator] : std::vector<std::pair<std::string, char>>{
             {"?action=checkin", ','}, {"?sep=semicolon&action=checkin", ';'}}) {
        auto csv = http_request(server.endpoint(), "GET", "/api/audit.csv" + query, "",
                                event.key("organiser"));
        INFO(csv.body);
        REQUIRE(csv.status == 200);
        CHECK(csv.content_type.starts_with("text/csv"));
        REQUIRE(csv.body.starts_with("\xEF\xBB\xBF"));
        auto records = stagedoor::domain::read_csv_records(
            stagedoor::domain::strip_utf8_bom(csv.body), separator);
        REQUIRE(records.size() == 2);
        REQUIRE(records[0].fields.size() == 10);
        CHECK(records[0].fields[6] == "action");
        const auto& row = records[1].fields;
        REQUIRE(row.size() == 10);
        CHECK(row[3] == "'=SUM(1;2), \"Door\"");
        CHECK(row[4] == "door");
        CHECK(row[5] == "127.0.0.1");
        CHECK(row[6] == "checkin.manual");
        CHECK(row[7] == "2");
        CHECK(json::parse(row[8])["scan_id"] == "c-1");
        CHECK(row[9] == "ok");
    }
    // Each export of the log is itself in the log.
    REQUIRE(eventually(
        [&] { return audit(server, event, "?action=export.audit_csv")["entries"].size() == 2; }));
}
