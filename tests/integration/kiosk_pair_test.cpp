// The native kiosk's client side of pairing: wss/https with a pinned certificate fingerprint or a
// CA file, the state folder (device.json), and `stagedoor-kiosk pair` against the real server.
#include "client/device_state.hpp"
#include "harness.hpp"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sys/stat.h>
#include <sys/wait.h>

using namespace stagedoor::testing;
using nlohmann::json;
namespace client = stagedoor::client;
namespace fs = std::filesystem;

namespace {

// The fingerprint `stagedoor serve --tls` prints, as "sha256:AB:...".
std::string printed_fingerprint(const ServerProcess& server) {
    const std::regex pattern(R"(fingerprint:\s+([0-9A-F]{2}(:[0-9A-F]{2}){31}))");
    std::smatch match;
    std::string output;
    REQUIRE(eventually([&] {
        output = server.output();
        return std::regex_search(output, match, pattern);
    }));
    return "sha256:" + match[1].str();
}

client::Endpoint tls_endpoint(const ServerProcess& server, client::Trust trust) {
    auto endpoint = server.endpoint();
    endpoint.tls = true;
    endpoint.trust = std::move(trust);
    return endpoint;
}

int mode_of(const fs::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return static_cast<int>(info.st_mode & 0777);
}

// A new self-signed certificate: the old one is removed before the restart makes another.
void replace_certificate(const TestEvent& event) {
    fs::remove_all(event.data / "tls");
}

// Runs `stagedoor-kiosk ARGS...` to completion, stdout and stderr together.
CliResult run_kiosk(const std::vector<std::string>& args) {
    std::string command = "'" STAGEDOOR_KIOSK_BIN "'";
    for (const auto& arg : args) {
        command += " '";
        for (char c : arg)
            command += c == '\'' ? std::string("'\\''") : std::string(1, c);
        command += "'";
    }
    command += " </dev/null 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    CliResult result;
    std::array<char, 4096> buffer{};
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
        result.output.append(buffer.data(), n);
    int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// `stagedoor-kiosk pair ARGS... --state DIR`, which must succeed: its output and what it saved.
std::pair<std::string, client::DeviceState> pair_kiosk(std::vector<std::string> args,
                                                       const fs::path& state) {
    args.insert(args.begin(), "pair");
    args.insert(args.end(), {"--state", state.string()});
    auto paired = run_kiosk(args);
    INFO(paired.output);
    REQUIRE(paired.exit_code == 0);
    return {paired.output, client::load_device_state(state)};
}

// A single-use pairing link from `stagedoor device pair` (its base is the one the running
// server wrote to DIR/run/base-url: https with --tls).
std::string cli_pairing_link(const TestEvent& event, const std::string& role,
                             const std::string& name) {
    auto made = run_cli({"device", "pair", "--data", event.data.string(), "--role", role, "--name",
                         name, "--no-qr"});
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    std::smatch match;
    REQUIRE(std::regex_search(made.output, match, std::regex(R"((https?://\S+#pair=\S+))")));
    return match[1];
}

} // namespace

TEST_CASE("kiosk client: URLs and certificate fingerprints are parsed strictly") {
    auto wss = client::parse_endpoint("wss://10.0.0.5:8443/ws");
    CHECK(wss.tls);
    CHECK(wss.host == "10.0.0.5");
    CHECK(wss.port == 8443);
    CHECK(wss.path == "/ws");
    auto link = client::parse_endpoint("https://venue.example/door#pair=ABCDE-FGHJK");
    CHECK(link.tls);
    CHECK(link.port == 443);
    CHECK(link.path == "/door"); // the fragment never goes to the server
    auto ws = client::parse_endpoint("ws://[::1]:8080");
    CHECK_FALSE(ws.tls);
    CHECK(ws.host == "::1");
    CHECK(ws.path == "/ws");
    CHECK(client::parse_endpoint("http://127.0.0.1").port == 80);
    for (const char* bad : {"ftp://x/", "127.0.0.1:80", "http://:80/", "http://h:0/",
                            "http://h:99999/", "http://h:/", "http://[::1/", "http://::1/"}) {
        INFO(bad);
        CHECK_THROWS_AS(client::parse_endpoint(bad), client::ClientError);
    }

    std::string pairs;
    for (int i = 0; i < 32; ++i)
        pairs += (i ? ":" : "") + std::string(i % 2 ? "0f" : "A1");
    std::string expected = "sha256:";
    for (int i = 0; i < 32; ++i)
        expected += (i ? ":" : "") + std::string(i % 2 ? "0F" : "A1");
    CHECK(client::normalize_fingerprint(pairs) == expected);
    CHECK(client::normalize_fingerprint("SHA256:" + pairs) == expected);
    std::string bare = pairs;
    bare.erase(std::remove(bare.begin(), bare.end(), ':'), bare.end());
    CHECK(client::normalize_fingerprint(bare) == expected);
    CHECK_THROWS_AS(client::normalize_fingerprint(bare.substr(2)), client::ClientError);
    CHECK_THROWS_AS(client::normalize_fingerprint("sha256:" + bare.substr(1) + "G"),
                    client::ClientError);
}

TEST_CASE("kiosk client: wss and https trust a pinned fingerprint or a CA file, nothing else") {
    TestEvent event;
    ServerProcess server(event.data, {"--tls"});
    server.start();
    std::string fingerprint = printed_fingerprint(server);
    // A copy: the restart below writes another certificate to DATA/tls/cert.pem.
    std::string certificate = (event.temp.path / "server-cert.pem").string();
    fs::copy_file(event.data / "tls" / "cert.pem", certificate);
    client::ClientContext context;

    // Pinned: the WebSocket and HTTP both go over TLS and see the printed certificate.
    auto pinned = tls_endpoint(server, {fingerprint, "", false});
    auto door = client::Connection::open(context, pinned);
    CHECK(door->peer_fingerprint() == fingerprint);
    CHECK(door->hello("door", event.key("door"))["type"] == "welcome");
    auto health = client::http_request(pinned, "GET", "/healthz");
    CHECK(health.status == 200);
    CHECK(health.fingerprint == fingerprint);
    // Plain ws:// to the same port still works (the server detects TLS), and sees no certificate.
    CHECK(client::Connection::open(context, server.endpoint())->peer_fingerprint().empty());

    // A CA file that holds the server's certificate; the address is in its names.
    auto by_ca = tls_endpoint(server, {"", certificate, false});
    CHECK(client::http_request(by_ca, "GET", "/healthz").status == 200);
    CHECK(client::Connection::open(context, by_ca)->hello("door", event.key("door"))["type"] ==
          "welcome");
    // Neither: the system's CAs do not know a self-signed certificate.
    auto system = tls_endpoint(server, {});
    CHECK_THROWS_WITH(client::http_request(system, "GET", "/healthz"),
                      Catch::Contains("self-signed certificate") &&
                          Catch::Contains("system's certificate authorities"));
    // Pairing's accept_any reports what it saw.
    CHECK(
        client::http_request(tls_endpoint(server, {"", "", true}), "GET", "/healthz").fingerprint ==
        fingerprint);

    // Another certificate behind the same address: the pin refuses it, naming both.
    CHECK(server.stop() == 0);
    replace_certificate(event);
    ServerProcess replaced(event.data, {"--tls"});
    replaced.start();
    std::string other = printed_fingerprint(replaced);
    REQUIRE(other != fingerprint);
    auto old_pin = tls_endpoint(replaced, {fingerprint, "", false});
    CHECK_THROWS_AS(client::Connection::open(context, old_pin), client::CertificateMismatch);
    CHECK_THROWS_WITH(client::http_request(old_pin, "GET", "/healthz"),
                      Catch::Contains(fingerprint) && Catch::Contains(other));
    // The old certificate as a CA file no longer vouches for the server either.
    CHECK_THROWS_AS(
        client::http_request(tls_endpoint(replaced, {"", certificate, false}), "GET", "/healthz"),
        client::ClientError);
}

TEST_CASE("kiosk state: device.json is 0600 in a 0700 folder, round-trips, and says hello") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    auto created = client::http_request(server.endpoint(), "POST", "/api/devices/pairings",
                                        json{{"role", "door"}, {"name", "Door 1"}}.dump(),
                                        event.key("organiser"));
    REQUIRE(created.status == 201);
    auto paired = client::http_request(server.endpoint(), "POST", "/api/pair",
                                       json{{"code", json::parse(created.body)["code"]}}.dump());
    REQUIRE(paired.status == 200);
    auto answer = json::parse(paired.body);

    fs::path dir = event.temp.path / "state" / "stagedoor-kiosk";
    CHECK_THROWS_WITH(client::load_device_state(dir), Catch::Contains("stagedoor-kiosk pair"));
    client::DeviceState state{"http://127.0.0.1:" + std::to_string(server.port()),
                              "door",
                              answer["device_id"],
                              answer["name"],
                              answer["token"],
                              std::nullopt,
                              std::nullopt};
    client::save_device_state(dir, state);
    CHECK(mode_of(dir) == 0700);
    CHECK(mode_of(client::device_state_path(dir)) == 0600);
    CHECK_FALSE(fs::exists(dir / "device.json.tmp"));
    auto loaded = client::load_device_state(dir);
    CHECK(loaded.token == state.token);
    CHECK(loaded.device_id == state.device_id);
    CHECK(loaded.name == "Door 1");
    CHECK_FALSE(loaded.fingerprint);
    auto stored = json::parse(std::ifstream(client::device_state_path(dir)));
    CHECK(stored["fingerprint"].is_null());
    CHECK(stored["ca"].is_null());

    client::ClientContext context;
    auto door = client::open_device_connection(context, loaded);
    CHECK(door->is_open());
    // A wrong role for the token is refused with the server's reason.
    loaded.role = "stage";
    CHECK_THROWS_WITH(client::open_device_connection(context, loaded),
                      Catch::Contains("refused this kiosk's device token"));

    // A folder others can enter is refused, not chmodded.
    fs::path shared = event.temp.path / "shared";
    fs::create_directories(shared);
    fs::permissions(shared, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    CHECK_THROWS_WITH(client::save_device_state(shared, state), Catch::Contains("0755"));
    CHECK_FALSE(fs::exists(shared / "device.json"));
    // Damaged files say so.
    std::ofstream(client::device_state_path(dir)) << "{\"base\":1}";
    CHECK_THROWS_WITH(client::load_device_state(dir), Catch::Contains("damaged"));

    // The default folder follows XDG.
    ::setenv("XDG_STATE_HOME", "/tmp/xdg-state", 1);
    CHECK(client::default_state_dir() == fs::path("/tmp/xdg-state/stagedoor-kiosk"));
    ::unsetenv("XDG_STATE_HOME");
    CHECK(client::default_state_dir() ==
          fs::path(std::getenv("HOME")) / ".local" / "state" / "stagedoor-kiosk");
}

TEST_CASE("kiosk pair: a link from `stagedoor device pair` over http gives a working token") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    std::string link = cli_pairing_link(event, "door", "Door 1");
    fs::path state = event.temp.path / "kiosk-state";

    auto [output, device] = pair_kiosk({link, "--name", "pi-door-1"}, state);
    CHECK(std::regex_search(output,
                            std::regex(R"(Paired as Door 1 \(#\d+\), role door; plain http)")));
    CHECK(mode_of(state) == 0700);
    CHECK(mode_of(state / "device.json") == 0600);
    CHECK(device.base == "http://127.0.0.1:" + std::to_string(server.port()));
    CHECK(device.role == "door");
    CHECK_FALSE(device.fingerprint);
    client::ClientContext context;
    CHECK(client::open_device_connection(context, device)->is_open());
    // The organiser's device list shows what the kiosk said about itself.
    auto devices =
        client::http_request(server.endpoint(), "GET", "/api/devices", "", event.key("organiser"));
    CHECK_THAT(devices.body, Catch::Contains("stagedoor-kiosk") && Catch::Contains("pi-door-1"));

    // The code is used up: the 401 in words, and the stored pairing is untouched.
    auto again = run_kiosk({"pair", link, "--state", state.string()});
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.output, Catch::Contains("unknown, already used or expired"));
    CHECK(client::load_device_state(state).token == device.token);

    // A bare code with --base.
    auto created = client::http_request(server.endpoint(), "POST", "/api/devices/pairings",
                                        json{{"role", "stage"}, {"name", "Stage left"}}.dump(),
                                        event.key("organiser"));
    REQUIRE(created.status == 201);
    fs::path stage_state = event.temp.path / "stage-state";
    std::string code = json::parse(created.body)["code"];
    auto [stage_output, stage] = pair_kiosk({code, "--base", device.base + "/"}, stage_state);
    CHECK_THAT(stage_output, Catch::Contains("role stage"));
    CHECK(stage.base == device.base);

    // Ten failures in a minute, then the server's rate limit in words.
    for (int i = 0; i < 9; ++i)
        CHECK(run_kiosk({"pair", "AAAAA-AAAAA", "--base", device.base, "--state",
                         (event.temp.path / "x").string()})
                  .exit_code == 1);
    auto limited = run_kiosk({"pair", "AAAAA-AAAAA", "--base", device.base, "--state",
                              (event.temp.path / "x").string()});
    CHECK(limited.exit_code == 1);
    CHECK_THAT(limited.output, Catch::Contains("too many failed pairing attempts"));
    CHECK_FALSE(fs::exists(event.temp.path / "x" / "device.json"));

    // No server: says it cannot connect.
    CHECK(server.stop() == 0);
    auto unreachable = run_kiosk({"pair", link, "--state", (event.temp.path / "y").string()});
    CHECK(unreachable.exit_code == 1);
    CHECK_THAT(unreachable.output, Catch::Contains("cannot connect to 127.0.0.1:"));
}

TEST_CASE("kiosk pair: over --tls it pins the certificate, or trusts --ca, and refuses another") {
    TestEvent event;
    ServerProcess server(event.data, {"--tls"});
    server.start();
    std::string fingerprint = printed_fingerprint(server);
    std::string link = cli_pairing_link(event, "door", "Door 1");
    REQUIRE(link.starts_with("https://"));
    fs::path state = event.temp.path / "pinned";

    auto [output, device] = pair_kiosk({link}, state);
    CHECK_THAT(output, Catch::Contains("role door; certificate " + fingerprint));
    CHECK(device.fingerprint == fingerprint);
    CHECK_FALSE(device.ca);
    client::ClientContext context;
    CHECK(client::open_device_connection(context, device)->peer_fingerprint() == fingerprint);

    // --ca with the server's certificate file: the chain is checked, nothing pinned.
    std::string certificate = (event.temp.path / "server-cert.pem").string();
    fs::copy_file(event.data / "tls" / "cert.pem", certificate);
    fs::path by_ca = event.temp.path / "by-ca";
    auto [ca_output, ca_device] =
        pair_kiosk({cli_pairing_link(event, "door", "Door 2"), "--ca", certificate}, by_ca);
    CHECK_THAT(ca_output, Catch::Contains("trusted via " + certificate));
    CHECK(ca_device.ca == certificate);
    CHECK_FALSE(ca_device.fingerprint);
    CHECK(client::open_device_connection(context, ca_device)->is_open());

    // The server comes back on the same port with another certificate.
    std::uint16_t port = server.port();
    CHECK(server.stop() == 0);
    replace_certificate(event);
    ServerProcess replaced(event.data, {"--tls"});
    replaced.start(port);
    std::string other = printed_fingerprint(replaced);
    REQUIRE(other != fingerprint);
    try {
        client::open_device_connection(context, device);
        FAIL("a different certificate was accepted");
    } catch (const client::CertificateMismatch& mismatch) {
        CHECK(mismatch.pinned() == fingerprint);
        CHECK(mismatch.presented() == other);
        CHECK_THAT(mismatch.what(), Catch::Contains("pair again"));
    }
    CHECK_THROWS_AS(client::open_device_connection(context, ca_device), client::ClientError);
    // Pairing with the fingerprint the operator expects refuses the impostor, naming both.
    auto refused = run_kiosk({"pair", cli_pairing_link(event, "door", "Door 3"), "--state",
                              (event.temp.path / "z").string(), "--fingerprint", fingerprint});
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.output, Catch::Contains(fingerprint) && Catch::Contains(other));
    CHECK_FALSE(fs::exists(event.temp.path / "z" / "device.json"));
}

TEST_CASE("kiosk pair: usage and camera errors are clear and store nothing") {
    TempDir temp;
    fs::path state = temp.path / "state";
    auto none = run_kiosk({"pair", "--state", state.string()});
    CHECK(none.exit_code == 2);
    CHECK_THAT(none.output, Catch::Contains("give the pairing link"));
    auto not_link = run_kiosk({"pair", "http://127.0.0.1:9/door", "--state", state.string()});
    CHECK(not_link.exit_code == 2);
    CHECK_THAT(not_link.output, Catch::Contains("is not a pairing link"));
    auto bad_scheme = run_kiosk({"pair", "ftp://host/door#pair=X", "--state", state.string()});
    CHECK(bad_scheme.exit_code == 2);
    // The camera path itself needs a camera, which CI does not have: its errors are tested.
    auto missing = run_kiosk({"pair", "--qr-from", "/dev/video-none", "--state", state.string()});
    CHECK(missing.exit_code == 1);
    CHECK_THAT(missing.output, Catch::Contains("no camera at /dev/video-none"));
    auto not_camera = run_kiosk({"pair", "--qr-from", "/dev/null", "--state", state.string()});
    CHECK(not_camera.exit_code == 1);
    CHECK_THAT(not_camera.output, Catch::Contains("/dev/null"));
    auto regular = run_kiosk({"pair", "--qr-from", STAGEDOOR_KIOSK_BIN, "--state", state.string()});
    CHECK(regular.exit_code == 1);
    CHECK_THAT(regular.output, Catch::Contains("is not a camera device"));
    CHECK_FALSE(fs::exists(state));
}
