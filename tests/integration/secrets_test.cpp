// Secrets out of URLs and logs, through the real binary: a key in a URL is refused, a download
// token opens exactly one GET of its path (HEAD does not spend it), a door registers regular
// walk-ins only, and nothing secret (role keys, download tokens, a wrong key) reaches the
// server's log or output.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <openssl/sha.h>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::http_request;

namespace {

// What POST /api/downloads answers for path with key, checked to be a fresh one-time link.
std::string download_url(const stagedoor::client::Endpoint& endpoint, const std::string& path,
                         const std::string& key) {
    auto issued =
        http_request(endpoint, "POST", "/api/downloads", json{{"path", path}}.dump(), key);
    INFO(issued.body);
    REQUIRE(issued.status == 200);
    auto answer = json::parse(issued.body);
    CHECK(answer["expires_in_s"] == 60);
    std::string url = answer["url"];
    REQUIRE(url.starts_with(path + "?dl="));
    return url;
}

// "key#" and the first 8 hex digits of SHA-256(secret), as the server logs a credential.
std::string tag_of(const std::string& secret) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
    char hex[9];
    std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3]);
    return std::string("key#") + hex;
}

} // namespace

TEST_CASE("secrets: keys stay out of URLs; download links work once; nothing secret is logged") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    auto endpoint = server.endpoint();
    const std::string organiser = event.key("organiser");
    const std::string door_key = event.key("door");
    const std::string wrong_key = "not-the-door-key-0123456789";
    std::vector<std::string> secrets{organiser, door_key, event.key("stage"),
                                     event.key("moderator"), wrong_key};

    // A key in the URL: 401 with what to do instead, even when it is the right key.
    auto in_url = http_request(endpoint, "GET", "/api/attendance.csv?key=" + organiser);
    CHECK(in_url.status == 401);
    CHECK_THAT(json::parse(in_url.body)["message"].get<std::string>(),
               Catch::Contains("Authorization header"));
    CHECK(http_request(endpoint, "GET", "/api/attendance.csv", "", organiser).status == 200);
    CHECK(http_request(endpoint, "GET", "/api/attendance.csv", "", wrong_key).status == 401);

    // A download link: HEAD leaves it usable, the first GET serves the file, the second is 401.
    std::string url = download_url(endpoint, "/api/attendance.csv", organiser);
    secrets.push_back(url.substr(url.find("dl=") + 3));
    CHECK(http_request(endpoint, "HEAD", url).status == 200);
    auto csv = http_request(endpoint, "GET", url);
    CHECK(csv.status == 200);
    CHECK_THAT(csv.body, Catch::Contains("id,external_id,name"));
    auto spent = http_request(endpoint, "GET", url);
    CHECK(spent.status == 401);
    CHECK(json::parse(spent.body)["code"] == "unauthorized");
    // Bound to its path.
    std::string report = download_url(endpoint, "/api/ledger.csv", organiser);
    secrets.push_back(report.substr(report.find("dl=") + 3));
    CHECK(http_request(endpoint, "GET", "/badges?" + report.substr(report.find("dl="))).status ==
          401);
    CHECK(http_request(endpoint, "GET", report).status == 200);

    // A door: regular walk-ins only, and a link to its walk-in's badge but not to the exports.
    ClientContext context;
    auto door = connect_as(context, server, event, "door", "Door 1");
    auto speaker = door->request({{"type", "walk_in"}, {"name", "Sam"}, {"category", "speaker"}});
    CHECK(speaker["code"] == "forbidden");
    CHECK(speaker["field"] == "category");
    auto guest = door->request({{"type", "walk_in"}, {"name", "Gina"}, {"category", "guest"}});
    REQUIRE(guest["type"] == "walk_in_result");
    std::string svg_path = "/api/badges/" + guest["attendee"]["id"].dump() + ".svg";
    std::string badge = download_url(endpoint, svg_path, door_key);
    secrets.push_back(badge.substr(badge.find("dl=") + 3));
    auto svg = http_request(endpoint, "GET", badge);
    CHECK(svg.status == 200);
    CHECK_THAT(svg.body, Catch::Contains("Gina"));
    CHECK(http_request(endpoint, "POST", "/api/downloads",
                       json{{"path", "/api/attendance.csv"}}.dump(), door_key)
              .status == 403);

    // A hello with a wrong key is logged by its tag, so the operator can tell which it was.
    auto stranger = stagedoor::client::Connection::open(context, endpoint);
    CHECK(stranger->hello("door", wrong_key, "Old tablet")["code"] == "unauthorized");
    CHECK(eventually([&] { return server.log().find(tag_of(wrong_key)) != std::string::npos; }));

    server.stop();
    std::string log = server.log();
    std::string output = server.output();
    CHECK_THAT(log, Catch::Contains("rejected hello for role 'door' from 'Old tablet' with " +
                                    tag_of(wrong_key)));
    for (const auto& secret : secrets) {
        INFO(secret);
        CHECK(log.find(secret) == std::string::npos);
    }
    CHECK(log.find("Bearer") == std::string::npos);
    CHECK(log.find("dl=") == std::string::npos);
    // serve prints the role links on stdout (not a log); a token or a wrong key never.
    for (std::size_t i = 4; i < secrets.size(); ++i)
        CHECK(output.find(secrets[i]) == std::string::npos);
}
