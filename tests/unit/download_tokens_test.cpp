// Secrets out of URLs: single-use download tokens, and the dispatcher's HTTP authentication
// (bearer key, ?dl= token, ?key= refused) with the recording fakes for the network.
#include "app/dispatcher.hpp"
#include "app/download_tokens.hpp"
#include "app/log.hpp"
#include "fakes.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor;
using namespace stagedoor::app;
using nlohmann::json;
using stagedoor::testing::FakeScheduler;
using stagedoor::testing::FakeTransport;

TEST_CASE("download tokens: a download is the device's that asked for the link") {
    std::int64_t now = 1'000'000;
    DownloadTokens tokens([&now] { return now; });
    std::string token = tokens.issue("/api/ledger.csv", Role::organiser, {7, "Laptop Anna"});
    DownloadTokens::Grantee who;
    CHECK(tokens.redeem(token, "/api/ledger.csv", true, &who) == Role::organiser);
    CHECK(who.device_id == 7);
    CHECK(who.device == "Laptop Anna");
}

TEST_CASE("download tokens: one GET of one path, within a minute") {
    std::int64_t now = 1'000'000;
    DownloadTokens tokens([&now] { return now; });
    std::string token = tokens.issue("/api/report.csv", Role::moderator);
    CHECK(token.size() == 43);
    CHECK(tokens.issue("/api/report.csv", Role::moderator) != token);

    // Another path, or a look that does not spend it, leave it usable.
    CHECK_FALSE(tokens.redeem(token, "/api/attendance.csv", true));
    CHECK(tokens.redeem(token, "/api/report.csv", false) == Role::moderator);
    CHECK(tokens.redeem(token, "/api/report.csv", false) == Role::moderator);
    // Spent once, it is gone.
    CHECK(tokens.redeem(token, "/api/report.csv", true) == Role::moderator);
    CHECK_FALSE(tokens.redeem(token, "/api/report.csv", true));
    CHECK_FALSE(tokens.redeem("", "/api/report.csv", true));

    // Expired at kLifetimeMs.
    std::string late = tokens.issue("/badges", Role::organiser);
    now += DownloadTokens::kLifetimeMs - 1;
    CHECK(tokens.redeem(late, "/badges", false) == Role::organiser);
    now += 1;
    CHECK_FALSE(tokens.redeem(late, "/badges", true));
}

TEST_CASE("download tokens: memory is bounded; the oldest give way") {
    std::int64_t now = 1'000'000;
    DownloadTokens tokens([&now] { return now; });
    std::string first = tokens.issue("/badges", Role::organiser);
    ++now;
    std::string second = tokens.issue("/badges", Role::organiser);
    for (std::size_t i = 2; i < DownloadTokens::kMaxOutstanding + 10; ++i)
        tokens.issue("/badges", Role::organiser);
    CHECK(tokens.outstanding() == DownloadTokens::kMaxOutstanding);
    CHECK_FALSE(tokens.redeem(first, "/badges", false));
    CHECK_FALSE(tokens.redeem(second, "/badges", false));
    // Expired ones are dropped as new ones come.
    now += DownloadTokens::kLifetimeMs;
    tokens.issue("/badges", Role::organiser);
    CHECK(tokens.outstanding() == 1);
}

TEST_CASE("log: a credential is named by a short hash, never shown") {
    std::string tag = log::credential_tag("s3cret-door-key");
    CHECK(tag.size() == 12);
    CHECK(tag.starts_with("key#"));
    CHECK(tag.find_first_not_of("0123456789abcdef", 4) == std::string::npos);
    CHECK(tag == log::credential_tag("s3cret-door-key"));
    CHECK(tag != log::credential_tag("s3cret-door-kez"));
    // SHA-256("abc") starts ba7816bf.
    CHECK(log::credential_tag("abc") == "key#ba7816bf");
}

namespace {

struct DispatcherRig {
    DispatcherRig() {
        keys.keys[static_cast<std::size_t>(Role::door)] = "door-key";
        keys.keys[static_cast<std::size_t>(Role::organiser)] = "organiser-key";
        dispatcher = std::make_unique<Dispatcher>(
            storage::EventConfig{"0123456789abcdef", "Test", "2026-11-26"}, keys, transport,
            scheduler, [this] { return now; });
        dispatcher->router().http("GET", "/api/report.csv", roles::organisers,
                                  [](const HttpRequest&) {
                                      return HttpResponse{200, "text/csv", "a,b\r\n", {}};
                                  });
    }
    // target: path and query; header: the Authorization header.
    HttpRequest request(std::string method, std::string target, std::string body = {}) const {
        HttpRequest request;
        request.method = std::move(method);
        auto q = target.find('?');
        request.path = target.substr(0, q);
        if (q != std::string::npos) {
            std::string query = target.substr(q + 1);
            auto eq = query.find('=');
            request.query[query.substr(0, eq)] = query.substr(eq + 1);
        }
        request.body = std::move(body);
        return request;
    }
    // Admits the request from its head, then handles it, as the network layer does.
    HttpResponse http(std::string method, std::string target, std::string header = {},
                      std::string body = {}) {
        HttpRequest head = request(method, target);
        auto admitted = dispatcher->admit_http(head, header);
        if (auto* refused = std::get_if<HttpResponse>(&admitted)) return *refused;
        std::optional<HttpResponse> answer;
        dispatcher->handle_http(request(method, target, std::move(body)), header,
                                [&answer](HttpResponse response) { answer = std::move(response); });
        REQUIRE(answer);
        return *answer;
    }
    std::string download_url(const std::string& path, const std::string& key) {
        auto issued = http("POST", "/api/downloads", "Bearer " + key, json{{"path", path}}.dump());
        REQUIRE(issued.status == 200);
        return json::parse(issued.body)["url"];
    }

    std::int64_t now = 1'000'000;
    FakeTransport transport;
    FakeScheduler scheduler;
    RoleKeys keys;
    std::unique_ptr<Dispatcher> dispatcher;
};

} // namespace

TEST_CASE("dispatcher: a key in the URL is refused, even a valid one") {
    DispatcherRig rig;
    auto in_url = rig.http("GET", "/api/report.csv?key=organiser-key");
    CHECK(in_url.status == 401);
    CHECK(json::parse(in_url.body)["code"] == "unauthorized");
    CHECK_THAT(json::parse(in_url.body)["message"].get<std::string>(),
               Catch::Contains("Authorization header"));
    CHECK(rig.http("GET", "/api/report.csv?key=organiser-key", "Bearer organiser-key").status ==
          401);
    CHECK(rig.http("GET", "/api/report.csv", "Bearer organiser-key").status == 200);
}

TEST_CASE("dispatcher: a download token serves one GET of its path; HEAD does not spend it") {
    DispatcherRig rig;
    std::string url = rig.download_url("/api/report.csv", "organiser-key");
    REQUIRE(url.starts_with("/api/report.csv?dl="));
    CHECK(rig.http("HEAD", url).status == 200);
    CHECK(rig.http("HEAD", url).status == 200);
    auto got = rig.http("GET", url);
    CHECK(got.status == 200);
    CHECK(got.body == "a,b\r\n");
    auto again = rig.http("GET", url);
    CHECK(again.status == 401);
    CHECK_THAT(json::parse(again.body)["message"].get<std::string>(), Catch::Contains("used"));

    // Bound to its path: another one's token does not open the refusals.
    std::string other = rig.download_url("/api/report.csv", "organiser-key");
    std::string token = other.substr(other.find("dl="));
    CHECK(rig.http("GET", "/api/refusals?" + token).status == 401);
    CHECK(rig.http("GET", other).status == 200);

    // A query the export takes is kept; the token is added to it.
    CHECK(rig.download_url("/api/report.csv?sep=semicolon", "organiser-key")
              .starts_with("/api/report.csv?sep=semicolon&dl="));

    // Expired after a minute.
    std::string late = rig.download_url("/api/report.csv", "organiser-key");
    rig.now += DownloadTokens::kLifetimeMs;
    CHECK(rig.http("GET", late).status == 401);
}

TEST_CASE("dispatcher: a download token only for what the caller may fetch itself") {
    DispatcherRig rig;
    auto forbidden = rig.http("POST", "/api/downloads", "Bearer door-key",
                              json{{"path", "/api/report.csv"}}.dump());
    CHECK(forbidden.status == 403);
    CHECK(rig.http("POST", "/api/downloads", "", json{{"path", "/api/report.csv"}}.dump()).status ==
          401);
    CHECK(rig.http("POST", "/api/downloads", "Bearer organiser-key",
                   json{{"path", "/api/nothing.csv"}}.dump())
              .status == 404);
    CHECK(rig.http("POST", "/api/downloads", "Bearer organiser-key",
                   json{{"path", "/api/downloads"}}.dump())
              .status == 405);
    for (std::string body : {"", "[]", R"({"path":7})", R"({"path":"api/report.csv"})",
                             R"({"path":"/api/report.csv#x"})"}) {
        auto bad = rig.http("POST", "/api/downloads", "Bearer organiser-key", body);
        INFO(body);
        CHECK(bad.status == 400);
        CHECK(json::parse(bad.body)["code"] == "bad_message");
    }
}
