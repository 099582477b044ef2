// Paired devices through the real binary: pairing with a single-use code, a device's own
// token, ledger entries and undo rights by device id, revocation, role-key rotation (HTTP and
// command line while serving) and command-line pairing against a running server.
#include "harness.hpp"
#include "storage/attendance_store.hpp"
#include "storage/data_dir.hpp"

#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <regex>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::Connection;
using stagedoor::client::http_request;
namespace fs = std::filesystem;

namespace {

// An event with two attendees imported by the command line; their badge tokens by email.
struct PairingEvent {
    TestEvent event;
    std::map<std::string, std::string> badges;
    PairingEvent() {
        auto roster = event.temp.path / "roster.csv";
        std::ofstream(roster) << "name,email\nAda Lovelace,ada@example.org\nAlan Turing,"
                                 "alan@example.org\n";
        auto imported = run_cli({"import", "--data", event.data.string(), roster.string()});
        INFO(imported.output);
        REQUIRE(imported.exit_code == 0);
        stagedoor::storage::Database db(event.data / "stagedoor.db");
        auto state = stagedoor::storage::load_attendance(db);
        for (const auto* person : state.attendees())
            badges[person->email] = person->token;
    }
};

json post(const ServerProcess& server, const std::string& path, const json& body,
          const std::string& bearer = {}) {
    auto result = http_request(server.endpoint(), "POST", path, body.dump(), bearer);
    json answer = json::parse(result.body, nullptr, false);
    answer["status"] = result.status;
    return answer;
}

// A pairing code for role made by the organiser over HTTP.
std::string pairing_code(const ServerProcess& server, const TestEvent& event, std::string role,
                         std::string name) {
    auto created = post(server, "/api/devices/pairings", {{"role", role}, {"name", name}},
                        event.key("organiser"));
    INFO(created.dump());
    REQUIRE(created["status"] == 201);
    return created["code"];
}

// A device of role paired with a fresh code; the answer of POST /api/pair.
json pair_device(const ServerProcess& server, const TestEvent& event, const std::string& role,
                 const std::string& name) {
    auto paired = post(server, "/api/pair", {{"code", pairing_code(server, event, role, name)}});
    INFO(paired.dump());
    REQUIRE(paired["status"] == 200);
    return paired;
}

std::shared_ptr<Connection> connect_with_token(ClientContext& context, const ServerProcess& server,
                                               const std::string& role, const std::string& token) {
    auto connection = Connection::open(context, server.endpoint());
    auto welcome = connection->hello(role, token, "whatever the client claims");
    INFO(welcome.dump());
    REQUIRE(welcome["type"] == "welcome");
    return connection;
}

json scan(Connection& door, const std::string& scan_id, const std::string& payload) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    return door.request({{"type", "scan"},
                         {"scan_id", scan_id},
                         {"payload", payload},
                         {"direction", "in"},
                         {"at", now}});
}

std::string ledger_csv(const ServerProcess& server, const TestEvent& event) {
    auto ledger =
        http_request(server.endpoint(), "GET", "/api/ledger.csv", "", event.key("organiser"));
    REQUIRE(ledger.status == 200);
    return ledger.body;
}

} // namespace

TEST_CASE("devices: a door pairs once with a code and scans under its own device id") {
    PairingEvent setup;
    ServerProcess server(setup.event.data);
    server.start();

    auto created = post(server, "/api/devices/pairings", {{"role", "door"}, {"name", "Door 1"}},
                        setup.event.key("organiser"));
    REQUIRE(created["status"] == 201);
    std::string code = created["code"];
    CHECK(std::regex_match(code, std::regex("[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}")));
    // The link's base is the scheme and Host header the request came with.
    std::string link = created["link"];
    CHECK(link.starts_with("http://127.0.0.1"));
    CHECK(link.ends_with("/door#pair=" + code));
    CHECK(created["uses"] == 1);
    CHECK(created["qr_svg"].get<std::string>().find("<svg") != std::string::npos);
    // Only organisers make codes; the public pairing route needs no key.
    CHECK(post(server, "/api/devices/pairings", {{"role", "door"}, {"name", "X"}},
               setup.event.key("door"))["status"] == 403);

    auto paired = post(server, "/api/pair", {{"code", code}, {"app", "test 1.0"}});
    INFO(paired.dump());
    REQUIRE(paired["status"] == 200);
    std::string token = paired["token"];
    std::int64_t device_id = paired["device_id"];
    CHECK(std::regex_match(token,
                           std::regex("sdd_" + std::to_string(device_id) + "_[A-Za-z0-9_-]{43}")));
    CHECK(paired["name"] == "Door 1");
    CHECK(paired["role"] == "door");
    CHECK(paired["event"]["name"] == "Innovation Network Test");
    // Single use: the same code a second time (also typed in lower case) is refused.
    std::string typed = code;
    for (char& c : typed)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto again = post(server, "/api/pair", {{"code", typed}, {"app", "test 1.0"}});
    CHECK(again["status"] == 401);
    CHECK(again["code"] == "unauthorized");

    // The token is the device's identity: the name it claims in hello does not matter.
    ClientContext context;
    auto door = Connection::open(context, server.endpoint());
    auto welcome = door->hello("door", token, "Door 2");
    REQUIRE(welcome["type"] == "welcome");
    CHECK(welcome["device_id"] == device_id);
    CHECK(welcome["device"] == "Door 1");
    // The token does not open another role.
    auto as_stage = Connection::open(context, server.endpoint());
    auto refused = as_stage->hello("organiser", token);
    CHECK(refused["code"] == "unauthorized");
    CHECK(as_stage->wait_closed() == 1008);

    CHECK(scan(*door, "p-1", setup.badges.at("ada@example.org"))["result"] == "ok");
    std::string label = "Door 1 #" + std::to_string(device_id);
    CHECK(ledger_csv(server, setup.event).find("," + label + ",door,") != std::string::npos);

    // The device list shows it online, from where and with which app; the token also works
    // as a bearer credential for what its role may do.
    auto devices = json::parse(
        http_request(server.endpoint(), "GET", "/api/devices", "", setup.event.key("organiser"))
            .body);
    REQUIRE(devices["devices"].size() == 1);
    CHECK(devices["devices"][0]["online"] == true);
    CHECK(devices["devices"][0]["connections"] == 1);
    CHECK(devices["devices"][0]["address"] == "127.0.0.1");
    CHECK(devices["devices"][0]["app"] == "test 1.0");
    CHECK(devices["devices"][0]["revoked_at"].is_null());
    CHECK(http_request(server.endpoint(), "GET", "/api/devices", "", token).status == 403);
}

TEST_CASE("devices: revoking a device closes it with 1008 and its token stops working") {
    PairingEvent setup;
    ServerProcess server(setup.event.data);
    server.start();
    auto paired = pair_device(server, setup.event, "door", "Door 1");
    std::string token = paired["token"];
    std::int64_t id = paired["device_id"];
    ClientContext context;
    auto door = connect_with_token(context, server, "door", token);
    auto other = connect_as(context, server, setup.event, "door", "Door 2");

    auto revoked = post(server, "/api/devices/" + std::to_string(id) + "/revoke", json::object(),
                        setup.event.key("organiser"));
    CHECK(revoked["status"] == 200);
    CHECK(door->wait_closed() == 1008);
    CHECK(other->is_open()); // a role-key door is not affected

    auto retry = Connection::open(context, server.endpoint());
    auto refused = retry->hello("door", token);
    CHECK(refused["code"] == "unauthorized");
    CHECK(refused["field"] == "token");
    CHECK(refused["message"] == "this device was removed");
    CHECK(retry->wait_closed() == 1008);
    CHECK(http_request(server.endpoint(), "GET", "/api/badges/1.svg", "", token).status == 401);
    CHECK(post(server, "/api/devices/999/revoke", json::object(),
               setup.event.key("organiser"))["status"] == 404);
}

TEST_CASE("devices: another door cannot undo a paired door's scans by claiming its name") {
    PairingEvent setup;
    ServerProcess server(setup.event.data);
    server.start();
    auto paired = pair_device(server, setup.event, "door", "Door 1");
    std::int64_t id = paired["device_id"];
    ClientContext context;
    auto door = connect_with_token(context, server, "door", paired["token"]);
    REQUIRE(scan(*door, "u-1", setup.badges.at("ada@example.org"))["result"] == "ok");
    REQUIRE(scan(*door, "u-2", setup.badges.at("alan@example.org"))["result"] == "ok");

    auto impostor = connect_as(context, server, setup.event, "door", "Door 1");
    auto undo = impostor->request({{"type", "undo"}, {"scan_id", "u-1"}});
    CHECK(undo["code"] == "forbidden");
    // Claiming the ledger's label itself is refused at hello.
    auto label_thief = Connection::open(context, server.endpoint());
    auto refused =
        label_thief->hello("door", setup.event.key("door"), "Door 1 #" + std::to_string(id));
    CHECK(refused["code"] == "bad_message");
    CHECK(refused["field"] == "device");

    // The device itself may, also after the organiser renamed it.
    CHECK(post(server, "/api/devices/" + std::to_string(id) + "/rename", {{"name", "Main door"}},
               setup.event.key("organiser"))["status"] == 200);
    CHECK(door->request({{"type", "undo"}, {"scan_id", "u-1"}})["type"] == "ok");
    // A second device of the same name is another device.
    auto twin = connect_with_token(context, server, "door",
                                   pair_device(server, setup.event, "door", "Door 1")["token"]);
    CHECK(twin->request({{"type", "undo"}, {"scan_id", "u-2"}})["code"] == "forbidden");
}

TEST_CASE("devices: rotating a role key over HTTP or from the command line closes its clients") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    std::string old_door_key = event.key("door");
    auto door = connect_as(context, server, event, "door", "Door 1");
    auto stage = connect_as(context, server, event, "stage", "Stage");
    auto paired = pair_device(server, event, "door", "Paired door");
    auto paired_door = connect_with_token(context, server, "door", paired["token"]);

    auto rotated = post(server, "/api/keys/rotate", {{"role", "door"}}, event.key("organiser"));
    REQUIRE(rotated["status"] == 200);
    CHECK(rotated["key"] == event.key("door"));
    CHECK(rotated["key"] != old_door_key);
    CHECK(door->wait_closed() == 1008);
    CHECK(stage->is_open());
    CHECK(paired_door->is_open()); // paired devices have their own tokens
    auto stale = Connection::open(context, server.endpoint());
    CHECK(stale->hello("door", old_door_key)["code"] == "unauthorized");
    connect_as(context, server, event, "door", "Door 1"); // the new key works

    // From the command line while the server runs: noticed within about a second.
    std::string old_stage_key = event.key("stage");
    auto cli = run_cli({"keys", "rotate", "--data", event.data.string(), "--role", "stage"});
    INFO(cli.output);
    REQUIRE(cli.exit_code == 0);
    CHECK(cli.output.find(old_stage_key) == std::string::npos);
    CHECK(event.key("stage") != old_stage_key);
    CHECK(stage->wait_closed(10s) == 1008);
    CHECK(paired_door->is_open());
    connect_as(context, server, event, "stage", "Stage"); // the new key works
}

TEST_CASE("devices: the command line pairs, lists and revokes while the server runs") {
    PairingEvent setup;
    ServerProcess server(setup.event.data);
    server.start();
    std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    std::ifstream written(setup.event.data / "run" / "base-url");
    std::string base_url;
    std::getline(written, base_url);
    CHECK(base_url == base);

    auto pair = run_cli({"device", "pair", "--data", setup.event.data.string(), "--role", "door",
                         "--name", "Door 9", "--no-qr"});
    INFO(pair.output);
    REQUIRE(pair.exit_code == 0);
    std::smatch match;
    REQUIRE(std::regex_search(pair.output, match,
                              std::regex(base + "/door#pair=([A-Z0-9]{5}-[A-Z0-9]{5})")));
    auto paired = post(server, "/api/pair", {{"code", match[1].str()}});
    REQUIRE(paired["status"] == 200);
    CHECK(paired["name"] == "Door 9");
    std::int64_t id = paired["device_id"];
    ClientContext context;
    auto door = connect_with_token(context, server, "door", paired["token"]);
    CHECK(scan(*door, "c-1", setup.badges.at("ada@example.org"))["result"] == "ok");

    auto list = run_cli({"device", "list", "--data", setup.event.data.string()});
    CHECK(list.output.find("Door 9") != std::string::npos);
    auto revoke =
        run_cli({"device", "revoke", std::to_string(id), "--data", setup.event.data.string()});
    INFO(revoke.output);
    REQUIRE(revoke.exit_code == 0);
    CHECK(door->wait_closed(10s) == 1008);
    CHECK(run_cli({"device", "revoke", "999", "--data", setup.event.data.string()}).exit_code == 1);

    // The command line's actions are in the audit log, as the command line's.
    auto audit = json::parse(http_request(server.endpoint(), "GET", "/api/audit?action=device", "",
                                          setup.event.key("organiser"))
                                 .body);
    std::vector<std::string> from_cli;
    for (const auto& entry : audit["entries"])
        if (entry["device"] == "(command line)") from_cli.push_back(entry["action"]);
    CHECK(from_cli == std::vector<std::string>{"device.revoke", "device.pair_code"});
}

TEST_CASE("devices: pairing refuses wrong codes with one message and limits attempts per address") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    std::string code = pairing_code(server, event, "stage", "Screen");
    for (int i = 0; i < 10; ++i) {
        auto wrong = post(server, "/api/pair", {{"code", "ABCDE-FGHJK"}});
        REQUIRE(wrong["status"] == 401);
        CHECK(wrong["message"] == "this pairing code is not valid (unknown, used or expired)");
    }
    // Over the limit even the right code waits: guessing is slowed for everyone at the address.
    CHECK(post(server, "/api/pair", {{"code", code}})["status"] == 429);
    CHECK(post(server, "/api/pair", {{"nope", 1}})["status"] == 429);
    // The expiry is checked (an expired code reads as unknown).
    auto expiring =
        post(server, "/api/devices/pairings", {{"role", "door"}, {"name", "D"}, {"expires_s", 0}},
             event.key("organiser"));
    CHECK(expiring["status"] == 400);
}
