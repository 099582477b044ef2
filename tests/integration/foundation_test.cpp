// The foundation through the real binary: init, serve, hello per role, clock pings, the error
// envelope, frame limits, static files and graceful shutdown.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <signal.h>
#include <sys/stat.h>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::Connection;
namespace fs = std::filesystem;

namespace {
// The next reply or error, skipping pushes (which carry no "re").
json next_reply(Connection& connection) {
    for (;;) {
        auto frame = connection.receive();
        REQUIRE(frame);
        if (frame->contains("re")) return *frame;
    }
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}
} // namespace

TEST_CASE("init: creates the event with private keys and refuses to run twice") {
    TestEvent event("Innovation Network, November", "2026-11-26");
    for (const char* file : {"keys/organiser.key", "keys/moderator.key", "keys/door.key",
                             "keys/stage.key", "keys/badge-signing.pem", "stagedoor.db"}) {
        struct stat info {};
        REQUIRE(::stat((event.data / file).c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
    }
    CHECK(event.key("door") != event.key("stage"));
    CHECK(event.key("door").size() >= 24);

    auto before_db = slurp(event.data / "stagedoor.db");
    auto before_key = event.key("organiser");
    auto again =
        run_cli({"init", "--data", event.data.string(), "--name", "Other", "--date", "2026-12-01"});
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.output, Catch::Contains("already holds an event"));
    CHECK(slurp(event.data / "stagedoor.db") == before_db);
    CHECK(event.key("organiser") == before_key);
}

TEST_CASE("init: rejects bad arguments with usage") {
    TempDir temp;
    auto result = run_cli(
        {"init", "--data", (temp.path / "e").string(), "--name", "X", "--date", "26.11.2026"});
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.output, Catch::Contains("YYYY-MM-DD"));
    CHECK_FALSE(fs::exists(temp.path / "e"));
    CHECK(run_cli({"serve", "--data", (temp.path / "missing").string()}).exit_code == 1);
}

TEST_CASE("hello: every role with its key is welcomed with the event") {
    TestEvent event("Innovation Network, November", "2026-11-26");
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    for (const char* role : {"door", "stage", "moderator", "organiser"}) {
        auto connection = Connection::open(context, server.endpoint());
        auto welcome = connection->hello(role, event.key(role), std::string("Device ") + role);
        INFO(welcome.dump());
        CHECK(welcome["type"] == "welcome");
        CHECK(welcome["re"] == 1);
        CHECK(welcome["protocol"] == 1);
        CHECK(welcome["role"] == role);
        CHECK(welcome["device"] == std::string("Device ") + role);
        CHECK(welcome["event"]["name"] == "Innovation Network, November");
        CHECK(welcome["event"]["date"] == "2026-11-26");
        CHECK(welcome["event"]["id"].get<std::string>().size() == 16);
        auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        CHECK(std::abs(welcome["server_time"].get<std::int64_t>() - now) < 5000);
    }
}

TEST_CASE("hello: a wrong key, a key of another role or an unknown role is unauthorized and closed "
          "with 1008") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    struct Attempt {
        std::string role, key;
    };
    for (const auto& attempt :
         {Attempt{"door", "not-the-key"}, Attempt{"organiser", event.key("door")},
          Attempt{"janitor", event.key("door")}}) {
        auto connection = Connection::open(context, server.endpoint());
        auto reply = connection->hello(attempt.role, attempt.key);
        INFO(reply.dump());
        CHECK(reply["type"] == "error");
        CHECK(reply["code"] == "unauthorized");
        CHECK(reply["re"] == 1);
        CHECK(connection->wait_closed() == 1008);
    }
}

TEST_CASE("hello: an unsupported protocol is refused and closed") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto connection = Connection::open(context, server.endpoint());
    auto reply = connection->request({{"type", "hello"},
                                      {"protocol", 2},
                                      {"role", "door"},
                                      {"device", "d"},
                                      {"key", event.key("door")}});
    CHECK(reply["type"] == "error");
    CHECK(reply["field"] == "protocol");
    CHECK(connection->wait_closed() == 1002);
}

TEST_CASE("session: messages before hello are unauthorized, ping is answered, the connection stays "
          "usable") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto connection = Connection::open(context, server.endpoint());

    auto early = connection->request({{"type", "scan"}, {"scan_id", "x"}});
    CHECK(early["type"] == "error");
    CHECK(early["code"] == "unauthorized");

    auto pong = connection->request({{"type", "ping"}, {"t0", 1234.5}});
    INFO(pong.dump());
    CHECK(pong["type"] == "pong");
    CHECK(pong["t0"] == 1234.5);
    CHECK(pong["t1"].get<double>() <= pong["t2"].get<double>());
    auto now = std::chrono::duration<double, std::milli>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    CHECK(std::abs(pong["t1"].get<double>() - now) < 5000);

    CHECK(connection->hello("door", event.key("door"))["type"] == "welcome");
    auto second = connection->hello("door", event.key("door"));
    CHECK(second["code"] == "conflict");
}

TEST_CASE("envelope: malformed frames get coded errors and the connection stays open") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto connection = connect_as(context, server, event, "door");

    connection->send_text("{not json");
    auto bad_json = next_reply(*connection);
    CHECK(bad_json["code"] == "bad_json");
    CHECK(bad_json["re"].is_null());

    connection->send_text("[1,2,3]");
    CHECK(next_reply(*connection)["code"] == "bad_json");

    connection->send_text(R"({"id":5})");
    auto missing_type = next_reply(*connection);
    CHECK(missing_type["code"] == "bad_message");
    CHECK(missing_type["field"] == "type");
    CHECK(missing_type["re"] == 5);

    auto unknown = connection->request({{"type", "teleport"}});
    CHECK(unknown["code"] == "unknown_type");

    auto wrong_field = connection->request({{"type", "ping"}, {"t0", "soon"}});
    CHECK(wrong_field["code"] == "bad_message");
    CHECK(wrong_field["field"] == "t0");

    auto huge_number = connection->request({{"type", "ping"}, {"t0", 1e300}});
    CHECK(huge_number["code"] == "bad_message");

    connection->send_text(R"({"type":"ping","id":1.5,"t0":1})");
    CHECK(next_reply(*connection)["field"] == "id");

    connection->send_binary("\x01\x02");
    CHECK(next_reply(*connection)["code"] == "bad_message");

    CHECK(connection->request({{"type", "ping"}, {"t0", 1}})["type"] == "pong");
    CHECK(connection->is_open());
}

TEST_CASE("envelope: invalid UTF-8 in a text frame is a WebSocket protocol error (close 1007)") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto bystander = connect_as(context, server, event, "stage");
    auto connection = connect_as(context, server, event, "door");
    connection->send_text(std::string("{\"type\":\"ping\",\"id\":3,\"t0\":\"\xff\xfe\"}"));
    CHECK(connection->wait_closed() == 1007);
    CHECK(bystander->request({{"type", "ping"}, {"t0", 1}})["type"] == "pong");
}

TEST_CASE(
    "envelope: a frame over 64 KiB closes the connection with 1009 and others are unaffected") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto bystander = connect_as(context, server, event, "stage");
    auto connection = connect_as(context, server, event, "door");
    connection->send_text(
        json{{"type", "ping"}, {"id", 9}, {"t0", 1}, {"pad", std::string(70 * 1024, 'x')}}.dump());
    CHECK(connection->wait_closed() == 1009);
    CHECK(bystander->request({{"type", "ping"}, {"t0", 1}})["type"] == "pong");
}

TEST_CASE("http: healthz says the server is up; with a key also version, uptime and clients") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, event, "door");
    auto stage1 = connect_as(context, server, event, "stage");
    auto stage2 = connect_as(context, server, event, "stage");
    // Without a key: only that the server is up (nothing about the event or who is here).
    auto anonymous = stagedoor::client::http_request(server.endpoint(), "GET", "/healthz");
    CHECK(anonymous.status == 200);
    CHECK(json::parse(anonymous.body) == json{{"status", "ok"}});
    auto organiser = event.key("organiser");
    auto result =
        stagedoor::client::http_request(server.endpoint(), "GET", "/healthz", "", organiser);
    CHECK(result.status == 200);
    CHECK_THAT(result.content_type, Catch::Contains("application/json"));
    auto health = json::parse(result.body);
    CHECK(health["status"] == "ok");
    CHECK(health["version"] == STAGEDOOR_VERSION);
    CHECK(health["uptime_s"].get<int>() >= 0);
    CHECK(health["clients"]["door"] == 1);
    CHECK(health["clients"]["stage"] == 2);
    CHECK(health["clients"]["organiser"] == 0);
    stage2->close();
    CHECK(eventually([&] {
        auto body = json::parse(
            stagedoor::client::http_request(server.endpoint(), "GET", "/healthz", "", organiser)
                .body);
        return body["clients"]["stage"] == 1;
    }));
}

TEST_CASE("http: static files with MIME types, 404 and no path traversal") {
    TestEvent event;
    fs::path web = event.temp.path / "web";
    fs::create_directories(web / "js");
    std::ofstream(web / "index.html") << "<!doctype html><title>home</title>";
    std::ofstream(web / "door.html") << "<!doctype html><title>door</title>";
    std::ofstream(web / "js" / "app.js") << "export const x = 1;";
    std::ofstream(web / "style.css") << "body{}";
    std::ofstream(event.temp.path / "secret.txt") << "top secret";
    fs::create_symlink(event.temp.path / "secret.txt", web / "link.txt");
    ServerProcess server(event.data, {"--web", web.string()});
    server.start();
    auto get = [&](std::string_view target) {
        return stagedoor::client::http_request(server.endpoint(), "GET", target);
    };

    auto home = get("/");
    CHECK(home.status == 200);
    CHECK_THAT(home.body, Catch::Contains("home"));
    CHECK_THAT(home.content_type, Catch::Contains("text/html"));
    CHECK_THAT(get("/door").body, Catch::Contains("door"));
    CHECK_THAT(get("/js/app.js").content_type, Catch::Contains("text/javascript"));
    CHECK_THAT(get("/style.css").content_type, Catch::Contains("text/css"));

    auto missing = get("/nope.html");
    CHECK(missing.status == 404);
    CHECK_THAT(missing.body, Catch::Contains("Not found"));
    for (const char* attack :
         {"/../secret.txt", "/%2e%2e/secret.txt", "/js/../../secret.txt", "/%2E%2E%2Fsecret.txt",
          "/link.txt", "/..%5csecret.txt", "/js/%00app.js", "/%zz"}) {
        auto result = get(attack);
        INFO(attack);
        CHECK(result.status == 404);
        CHECK_THAT(result.body, !Catch::Contains("top secret"));
    }
    CHECK(get("/api/nothing-here").status == 404);
}

TEST_CASE("shutdown: SIGTERM sends 1001 to every client and exits 0") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    std::vector<std::shared_ptr<Connection>> clients;
    for (const char* role : {"door", "stage", "moderator", "organiser"})
        clients.push_back(connect_as(context, server, event, role));
    auto unauthenticated = Connection::open(context, server.endpoint());
    auto started = std::chrono::steady_clock::now();
    CHECK(server.stop(SIGTERM) == 0);
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    for (auto& client : clients)
        CHECK(client->wait_closed() == 1001);
    CHECK(unauthenticated->wait_closed() == 1001);
}

TEST_CASE("serve: a second server on the same data folder refuses to start") {
    // One writer per ledger: the server's in-memory scan_id index is what keeps it consistent.
    TestEvent event;
    ServerProcess first(event.data);
    first.start();
    auto second = run_cli(
        {"serve", "--data", event.data.string(), "--listen", "127.0.0.1:0", "--quiet", "--no-qr"});
    CHECK(second.exit_code == 1);
    INFO(second.output);
    CHECK(second.output.find("another stagedoor process") != std::string::npos);
    ClientContext context;
    auto door = connect_as(context, first, event, "door");
    CHECK(door->request({{"type", "ping"}, {"t0", 1}}).at("type") == "pong");
    CHECK(first.stop(SIGTERM) == 0);
}
