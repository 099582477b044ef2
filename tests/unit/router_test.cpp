// The router (typed handlers, roles, the exception boundary, refusal counts, HTTP routes) and
// the dispatcher in front of it (hello, the hello timeout, the role told to the transport),
// with the recording fakes for the network.
#include "app/dispatcher.hpp"
#include "app/router.hpp"
#include "fakes.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"
#include "stagedoor/protocol/messages_stage.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>

using namespace stagedoor;
using namespace stagedoor::app;
using nlohmann::json;
using protocol::ErrorCode;
using stagedoor::testing::FakeScheduler;
using stagedoor::testing::FakeTransport;

namespace {

const Connection kDoor{1, Role::door, "Door 1"};
const Connection kStage{2, Role::stage, "Stage left"};
const Connection kOrganiser{3, Role::organiser, "Organiser laptop"};

protocol::Envelope envelope_of(const json& frame) {
    auto envelope = protocol::parse_envelope(frame.dump());
    REQUIRE(envelope.ok());
    return std::move(*envelope);
}

json last_to(const FakeTransport& transport, ConnectionId connection) {
    for (auto it = transport.sent.rbegin(); it != transport.sent.rend(); ++it)
        if (it->to == connection) return it->message;
    FAIL("nothing was sent to connection " << connection);
    return {};
}

HttpRequest http_request(std::string method, std::string path, std::optional<Role> role) {
    HttpRequest request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.role = role;
    return request;
}

// Dispatches synchronously answered HTTP requests.
HttpResponse http(Router& router, std::string method, std::string path, std::optional<Role> role) {
    std::optional<HttpResponse> answer;
    router.dispatch_http(http_request(std::move(method), std::move(path), role),
                         [&answer](HttpResponse response) {
                             REQUIRE_FALSE(answer.has_value()); // exactly once
                             answer = std::move(response);
                         });
    REQUIRE(answer.has_value());
    return *answer;
}

} // namespace

TEST_CASE("router: a typed handler gets the decoded message from the roles allowed") {
    FakeTransport transport;
    Router router(transport);
    std::vector<std::string> queries;
    router.on<protocol::Lookup>(roles::door_staff,
                                [&](const Connection& who, const protocol::Lookup& lookup) {
                                    CHECK(who.device == "Door 1");
                                    queries.push_back(lookup.query);
                                });

    router.dispatch(kDoor, envelope_of({{"type", "lookup"}, {"id", 1}, {"query", "ada"}}));
    CHECK(queries == std::vector<std::string>{"ada"});

    // Another role: forbidden, before anything is decoded; the handler never runs.
    router.dispatch(kStage, envelope_of({{"type", "lookup"}, {"id", 2}, {"query", "ada"}}));
    auto forbidden = last_to(transport, kStage.id);
    CHECK(forbidden["code"] == "forbidden");
    CHECK(forbidden["re"] == 2);
    CHECK_THAT(forbidden["message"].get<std::string>(),
               Catch::Contains("stage") && Catch::Contains("door or organiser"));

    // A field of the wrong type: bad_message naming the field.
    router.dispatch(kDoor, envelope_of({{"type", "lookup"}, {"id", 3}, {"query", 5}}));
    auto bad = last_to(transport, kDoor.id);
    CHECK(bad["code"] == "bad_message");
    CHECK(bad["field"] == "query");
    CHECK(bad["re"] == 3);

    // A type nobody registered.
    router.dispatch(kDoor, envelope_of({{"type", "teleport"}, {"id", 4}}));
    CHECK(last_to(transport, kDoor.id)["code"] == "unknown_type");
    CHECK(queries.size() == 1);

    using Key = Router::RefusalKey;
    CHECK(router.refusals().at(Key{"Stage left", "lookup", ErrorCode::forbidden}) == 1);
    CHECK(router.refusals().at(Key{"Door 1", "lookup", ErrorCode::bad_message}) == 1);
    CHECK(router.refusals().at(Key{"Door 1", "(unknown)", ErrorCode::unknown_type}) == 1);
    CHECK(router.refusals_total() == 3);
    CHECK(router.message_types() == std::vector<std::string>{"lookup"});
}

TEST_CASE("router: a handler that throws is answered internal and the next request is served") {
    FakeTransport transport;
    Router router(transport);
    int calls = 0;
    router.on<protocol::Lookup>(roles::door_staff,
                                [&](const Connection&, const protocol::Lookup& m) {
                                    ++calls;
                                    if (m.query == "boom") throw std::runtime_error("disk on fire");
                                    if (m.query == "odd") throw 42; // not even a std::exception
                                });

    router.dispatch(kDoor, envelope_of({{"type", "lookup"}, {"id", 7}, {"query", "boom"}}));
    auto failed = last_to(transport, kDoor.id);
    CHECK(failed["type"] == "error");
    CHECK(failed["code"] == "internal");
    CHECK(failed["re"] == 7);
    CHECK_THAT(failed["message"].get<std::string>(), !Catch::Contains("disk on fire"));

    router.dispatch(kDoor, envelope_of({{"type", "lookup"}, {"id", 8}, {"query", "odd"}}));
    CHECK(last_to(transport, kDoor.id)["code"] == "internal");

    auto before = transport.sent.size();
    router.dispatch(kDoor, envelope_of({{"type", "lookup"}, {"id", 9}, {"query", "fine"}}));
    CHECK(calls == 3);
    CHECK(transport.sent.size() == before); // the handler answered nothing, and nor did the router
    CHECK(router.refusals_total() == 2);
}

TEST_CASE("router: the fast decoder answers plain frames; role and exceptions still apply") {
    FakeTransport transport;
    Router router(transport);
    std::vector<std::string> scans;
    router.on<protocol::Scan>(
        roles::door_staff,
        [&](const Connection&, const protocol::Scan& scan) {
            if (scan.scan_id == "explode") throw std::runtime_error("no");
            scans.push_back(scan.scan_id);
        },
        &protocol::decode_scan_fast);
    auto frame = [](std::string scan_id, std::int64_t id) {
        return json{{"type", "scan"},   {"id", id},          {"scan_id", scan_id},
                    {"payload", "SD1"}, {"direction", "in"}, {"at", 1}}
            .dump();
    };

    CHECK(router.dispatch_text(kDoor, frame("s-1", 1)));
    CHECK(scans == std::vector<std::string>{"s-1"});
    // Not a plain scan frame (another type, or JSON the fast decoder leaves alone).
    CHECK_FALSE(router.dispatch_text(kDoor, R"({"type":"ping","id":2,"t0":1})"));
    CHECK_FALSE(router.dispatch_text(kDoor, "not json"));

    CHECK(router.dispatch_text(kStage, frame("s-2", 3)));
    CHECK(last_to(transport, kStage.id)["code"] == "forbidden");
    CHECK(router.dispatch_text(kDoor, frame("explode", 4)));
    auto failed = last_to(transport, kDoor.id);
    CHECK(failed["code"] == "internal");
    CHECK(failed["re"] == 4); // the id was read before the handler threw
    CHECK(scans.size() == 1);

    // The general path reaches the same handler.
    router.dispatch(kOrganiser, envelope_of(json::parse(frame("s-3", 5))));
    CHECK(scans == std::vector<std::string>{"s-1", "s-3"});
}

TEST_CASE("router: HTTP routes: 404, 405 with Allow, HEAD as GET, 401, 403 and {id}") {
    FakeTransport transport;
    Router router(transport);
    std::optional<std::int64_t> seen_id;
    router.http("GET", "/api/report.csv", roles::editors, [](const HttpRequest&) {
        return HttpResponse{200, "text/csv", "a,b\r\n", {}};
    });
    router.http("GET", "/api/badges/{id}.svg", roles::organisers, [&](const HttpRequest& request) {
        seen_id = request.path_id;
        return HttpResponse{200, "image/svg+xml", "<svg/>", {}};
    });
    router.http("POST", "/api/badges/{id}/reissue", roles::organisers,
                [](const HttpRequest&) { return HttpResponse{}; });
    router.http("GET", "/open", Router::kPublic, [](const HttpRequest&) {
        return HttpResponse{200, "text/plain", "hi", {}};
    });

    CHECK(http(router, "GET", "/api/nothing", Role::organiser).status == 404);
    auto wrong_method = http(router, "POST", "/api/report.csv", Role::organiser);
    CHECK(wrong_method.status == 405);
    CHECK(wrong_method.headers["Allow"] == "GET, HEAD");
    CHECK(http(router, "HEAD", "/api/report.csv", Role::moderator).status == 200);
    CHECK(http(router, "GET", "/api/report.csv", std::nullopt).status == 401);
    auto forbidden = http(router, "GET", "/api/report.csv", Role::door);
    CHECK(forbidden.status == 403);
    CHECK(json::parse(forbidden.body)["code"] == "forbidden");
    CHECK(http(router, "GET", "/open", std::nullopt).body == "hi");

    CHECK(http(router, "GET", "/api/badges/42.svg", Role::organiser).status == 200);
    CHECK(seen_id == 42);
    CHECK(http(router, "GET", "/api/badges/4x2.svg", Role::organiser).status == 404);
    CHECK(http(router, "GET", "/api/badges/.svg", Role::organiser).status == 404);
    CHECK(http(router, "GET", "/api/badges/12345678901.svg", Role::organiser).status == 404);
    CHECK(http(router, "GET", "/api/badges/7/reissue", Role::organiser).status == 405);
    CHECK(http(router, "POST", "/api/badges/7/reissue", Role::organiser).status == 200);
}

TEST_CASE("router: a request's head alone gives its route's body limit or its refusal") {
    FakeTransport transport;
    Router router(transport);
    auto ok = [](const HttpRequest&) { return HttpResponse{}; };
    router.http("POST", "/api/roster", roles::organisers, ok, 16 * 1024 * 1024);
    router.http("GET", "/api/report.csv", roles::editors, ok);
    auto admit = [&](std::string method, std::string path, std::optional<Role> role) {
        auto request = http_request(std::move(method), std::move(path), role);
        return router.admit_http(request);
    };
    auto limit = [](const std::variant<std::uint64_t, HttpResponse>& admitted) {
        return std::get<std::uint64_t>(admitted);
    };
    auto status = [](const std::variant<std::uint64_t, HttpResponse>& admitted) {
        return std::get<HttpResponse>(admitted).status;
    };
    CHECK(limit(admit("POST", "/api/roster", Role::organiser)) == 16 * 1024 * 1024);
    CHECK(limit(admit("HEAD", "/api/report.csv", Role::moderator)) == Router::kDefaultBodyLimit);
    CHECK(status(admit("POST", "/api/roster", std::nullopt)) == 401);
    CHECK(status(admit("POST", "/api/roster", Role::door)) == 403);
    CHECK(status(admit("GET", "/api/roster", Role::organiser)) == 405);
    CHECK(status(admit("POST", "/api/nothing", Role::organiser)) == 404);
}

TEST_CASE("router: HTTP handlers that throw get 500; a late answer is sent exactly once") {
    FakeTransport transport;
    Router router(transport);
    router.http("GET", "/api/broken", roles::organisers,
                [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("oops"); });
    Router::HttpRespond later;
    router.http_async("POST", "/api/later", roles::organisers,
                      [&](const HttpRequest&, Router::HttpRespond respond) {
                          later = std::move(respond);
                          throw std::runtime_error("after taking the responder");
                      });

    auto broken = http(router, "GET", "/api/broken", Role::organiser);
    CHECK(broken.status == 500);
    CHECK(json::parse(broken.body)["code"] == "internal");

    std::vector<int> answers;
    router.dispatch_http(http_request("POST", "/api/later", Role::organiser),
                         [&](HttpResponse response) { answers.push_back(response.status); });
    REQUIRE(answers == std::vector<int>{500}); // the exception answered it
    later(HttpResponse{200, "application/json", "{}", {}});
    CHECK(answers == std::vector<int>{500}); // a second answer is dropped
}

TEST_CASE("router: the refusal table is bounded when devices keep changing their names") {
    FakeTransport transport;
    Router router(transport);
    for (int i = 0; i < 1100; ++i) {
        Connection who{10, Role::stage, "Screen " + std::to_string(i)};
        router.dispatch(who, envelope_of({{"type", "nope"}, {"id", i}}));
    }
    CHECK(router.refusals().size() <= 1001);
    CHECK(router.refusals_total() == 1100);
    CHECK(router.refusals().at(
              Router::RefusalKey{"(other devices)", "(unknown)", ErrorCode::unknown_type}) == 100);
}

TEST_CASE("dispatcher: hello tells the transport the role once; no hello in time closes") {
    FakeTransport transport;
    FakeScheduler scheduler;
    std::int64_t now = 1'000'000;
    RoleKeys keys;
    keys.keys[static_cast<std::size_t>(Role::door)] = "door-key";
    Dispatcher dispatcher({"0123456789abcdef", "Test", "2026-11-26"}, keys, transport, scheduler,
                          [&now] { return now; });

    dispatcher.on_open(1);
    dispatcher.on_open(2);
    // Before hello only ping and hello are served.
    dispatcher.on_text(1, R"({"type":"lookup","id":1,"query":"x"})", 0);
    CHECK(last_to(transport, 1)["code"] == "unauthorized");
    dispatcher.on_text(
        1,
        R"({"type":"hello","id":2,"protocol":1,"role":"door","device":"Door 1","key":"door-key"})",
        0);
    CHECK(last_to(transport, 1)["type"] == "welcome");
    CHECK(transport.role_of.at(1) == Role::door);
    CHECK(dispatcher.clients_by_role()[static_cast<std::size_t>(Role::door)] == 1);

    // A wrong key: unauthorized, closed at once, and no role for the transport.
    dispatcher.on_text(
        2, R"({"type":"hello","id":1,"protocol":1,"role":"door","device":"X","key":"guess"})", 0);
    CHECK(last_to(transport, 2)["code"] == "unauthorized");
    REQUIRE(transport.closed.size() == 1);
    CHECK(transport.closed[0].code == 1008);
    CHECK_FALSE(transport.role_of.contains(2));

    // A third connection says nothing: the scheduler closes it after 10 s, not the others.
    dispatcher.on_open(3);
    scheduler.run_due(now + Dispatcher::kHelloTimeoutMs - 1);
    CHECK(transport.closed.size() == 1);
    scheduler.run_due(now + Dispatcher::kHelloTimeoutMs);
    REQUIRE(transport.closed.size() == 3); // 2 (still unauthenticated) and 3
    CHECK(transport.closed[1].code == 1008);
    CHECK(transport.closed[2].reason == "hello timeout");
    for (const auto& closed : transport.closed)
        CHECK(closed.connection != 1);

    // Closing a connection cancels its timer.
    dispatcher.on_open(4);
    dispatcher.on_close(4);
    CHECK(scheduler.timers.empty());
}

TEST_CASE("dispatcher: frames before hello are charged before they are parsed") {
    FakeTransport transport;
    FakeScheduler scheduler;
    std::int64_t now = 1'000'000; // the clock stands still: no tokens come back
    Dispatcher dispatcher({"0123456789abcdef", "Test", "2026-11-26"}, RoleKeys{}, transport,
                          scheduler, [&now] { return now; });
    dispatcher.on_open(1);
    const auto burst = static_cast<int>(Dispatcher::kBeforeHello.frame_burst);
    for (int i = 0; i < burst; ++i)
        dispatcher.on_text(1, "not json at all", 0);
    CHECK(last_to(transport, 1)["code"] == "bad_json"); // within the budget: parsed, refused
    // Over the budget even junk is refused as rate_limited: it was never parsed.
    dispatcher.on_text(1, "not json at all", 0);
    auto limited = last_to(transport, 1);
    CHECK(limited["code"] == "rate_limited");
    CHECK(limited["re"].is_null());
    dispatcher.on_text(1, R"({"type":"ping","id":5,"t0":1})", 0);
    CHECK(last_to(transport, 1)["code"] == "rate_limited");
    // A second later the budget has refilled.
    now += 1000;
    dispatcher.on_text(1, R"({"type":"ping","id":6,"t0":1})", 0);
    CHECK(last_to(transport, 1)["type"] == "pong");
}

TEST_CASE("refusal counts: per device, type, code and minute, for the last hour, bounded") {
    constexpr std::int64_t kMinute = 60'000;
    const std::int64_t t0 = 1'764'158'400'000; // a minute's start
    RefusalCounts counts;
    for (int i = 0; i < 3; ++i)
        counts.count(t0 + 10 * i, "Door 1", "blackout", ErrorCode::forbidden);
    counts.count(t0 + 59'999, "Door 1", "", ErrorCode::rate_limited);
    counts.count(t0 + kMinute, "Door 1", "blackout", ErrorCode::forbidden);
    using Key = RefusalCounts::Key;
    REQUIRE(counts.minute(t0 + 5) != nullptr);
    CHECK(*counts.minute(t0 + 5) ==
          RefusalCounts::Table{{Key{"Door 1", "blackout", ErrorCode::forbidden}, 3},
                               {Key{"Door 1", "", ErrorCode::rate_limited}, 1}});
    CHECK(*counts.minute(t0 + kMinute) ==
          RefusalCounts::Table{{Key{"Door 1", "blackout", ErrorCode::forbidden}, 1}});
    CHECK(counts.since_start().at(Key{"Door 1", "blackout", ErrorCode::forbidden}) == 4);
    CHECK(counts.total() == 5);

    auto recent = counts.recent_json(t0 + kMinute + 1);
    REQUIRE(recent["minutes"].size() == 3);
    CHECK(recent["minutes"][0] == json{{"minute", t0},
                                       {"device", "Door 1"},
                                       {"type", ""},
                                       {"code", "rate_limited"},
                                       {"count", 1}});
    CHECK(recent["minutes"][2]["minute"] == t0 + kMinute);
    CHECK(recent["total"] == 5);

    // A device that keeps changing its name fills a minute's rows; the rest is counted together.
    const std::int64_t later = t0 + 5 * kMinute;
    for (std::size_t i = 0; i < RefusalCounts::kMaxRowsPerMinute + 50; ++i)
        counts.count(later, "Screen " + std::to_string(i), "ping", ErrorCode::rate_limited);
    const auto* crowded = counts.minute(later);
    REQUIRE(crowded != nullptr);
    CHECK(crowded->size() == RefusalCounts::kMaxRowsPerMinute + 1);
    CHECK(crowded->at(Key{"(other devices)", "ping", ErrorCode::rate_limited}) == 50);

    // An hour later the first minutes are forgotten; the counts since start are not.
    counts.count(t0 + 60 * kMinute, "Door 2", "lookup", ErrorCode::rate_limited);
    CHECK(counts.minute(t0) == nullptr);
    CHECK(counts.minute(t0 + kMinute) != nullptr);
    counts.count(t0 + 61 * kMinute, "Door 2", "lookup", ErrorCode::rate_limited);
    CHECK(counts.minute(t0 + kMinute) == nullptr);
    auto last_hour = counts.recent_json(t0 + 61 * kMinute);
    for (const auto& row : last_hour["minutes"])
        CHECK(row["minute"].get<std::int64_t>() >= t0 + 2 * kMinute);
    CHECK(counts.since_start().at(Key{"Door 1", "blackout", ErrorCode::forbidden}) == 4);
    CHECK(counts.total() == 5 + RefusalCounts::kMaxRowsPerMinute + 50 + 2);
}

namespace {

// A dispatcher with a door, a stage and a moderator that said hello, on a clock that stands
// still unless the test moves it.
struct BudgetRig {
    FakeTransport transport;
    FakeScheduler scheduler;
    std::int64_t now = 1'764'158'400'000;
    Dispatcher dispatcher;
    static RoleKeys keys() {
        RoleKeys keys;
        keys.keys[static_cast<std::size_t>(Role::door)] = "door-key";
        keys.keys[static_cast<std::size_t>(Role::stage)] = "stage-key";
        keys.keys[static_cast<std::size_t>(Role::organiser)] = "organiser-key";
        return keys;
    }
    BudgetRig()
        : dispatcher({"0123456789abcdef", "Test", "2026-11-26"}, keys(), transport, scheduler,
                     [this] { return now; }) {
        hello(1, "door", "Door 1");
        hello(2, "stage", "Stage left");
    }
    void hello(ConnectionId connection, std::string role, std::string device) {
        dispatcher.on_open(connection);
        dispatcher.on_text(connection,
                           json{{"type", "hello"},
                                {"id", 1},
                                {"protocol", 1},
                                {"role", role},
                                {"device", device},
                                {"key", role + "-key"}}
                               .dump(),
                           0);
        REQUIRE(last_to(transport, connection)["type"] == "welcome");
    }
    // Sends frame n times; returns how many were answered rate_limited.
    int send(ConnectionId connection, const std::string& frame, int n) {
        int limited = 0;
        for (int i = 0; i < n; ++i) {
            dispatcher.on_text(connection, frame, 0);
            limited += last_to(transport, connection)["code"] == "rate_limited";
        }
        return limited;
    }
};

std::string ping(std::int64_t id) {
    return json{{"type", "ping"}, {"id", id}, {"t0", 1}}.dump();
}

} // namespace

TEST_CASE("dispatcher: each role has its budget in frames and bytes, charged before parsing") {
    BudgetRig rig;
    const auto& door = Dispatcher::kRoleBudgets[static_cast<std::size_t>(Role::door)];
    const auto& stage = Dispatcher::kRoleBudgets[static_cast<std::size_t>(Role::stage)];
    // A stage display gets its burst of pings, then rate_limited (with the request's id, read
    // from the frame's first bytes), while a door is far from its budget.
    CHECK(rig.send(2, ping(7), static_cast<int>(stage.frame_burst)) == 0);
    rig.dispatcher.on_text(2, ping(8), 0);
    auto limited = last_to(rig.transport, 2);
    CHECK(limited["code"] == "rate_limited");
    CHECK(limited["re"] == 8);
    CHECK(rig.send(1, ping(9), 100) == 0);
    // Junk over the budget is never parsed: rate_limited, not bad_json, and no "re".
    rig.dispatcher.on_text(2, "not json at all", 0);
    CHECK(last_to(rig.transport, 2)["code"] == "rate_limited");
    CHECK(last_to(rig.transport, 2)["re"].is_null());
    CHECK(rig.dispatcher.router().refusals().at(
              Router::RefusalKey{"Stage left", "", ErrorCode::rate_limited}) == 2);

    // A door sustains 700 scans a second, second after second (pings here: same charge).
    rig.now += 60'000;
    for (int millisecond = 0; millisecond < 5'000; ++millisecond) {
        rig.now += 1;
        if (millisecond % 10 < 7) CHECK(rig.send(1, ping(millisecond), 1) == 0);
    }

    // Frames of 60 KB: the byte budget runs out long before the frame budget.
    rig.now += 60'000;
    std::string big =
        R"({"type":"blackout","id":3,"on":true,"junk":")" + std::string(60'000, 'x') + R"("})";
    int allowed_big = static_cast<int>(door.byte_burst) / static_cast<int>(big.size());
    CHECK(rig.send(1, big, allowed_big) == 0);
    CHECK(last_to(rig.transport, 1)["code"] == "unknown_type"); // parsed and refused
    CHECK(rig.send(1, big, 100) == 100);
    CHECK(last_to(rig.transport, 1)["re"] == 3);
    // A second later the byte budget allows bytes_per_second again (and what was left), no more.
    rig.now += 1000;
    int per_second = static_cast<int>(door.bytes_per_second) / static_cast<int>(big.size());
    int refused = rig.send(1, big, per_second + 2);
    CHECK(refused >= 1);
    CHECK(refused <= 2);
}

TEST_CASE("dispatcher: a lookup costs more of the budget than a ping") {
    BudgetRig rig;
    const auto& door = Dispatcher::kRoleBudgets[static_cast<std::size_t>(Role::door)];
    std::string lookup = R"({"type":"lookup","id":4,"query":"Ada"})";
    int lookups = static_cast<int>(door.frame_burst / Dispatcher::kLookupWeight);
    // No attendance module here: a lookup within the budget reaches the router (unknown_type).
    CHECK(rig.send(1, lookup, lookups) == 0);
    CHECK(last_to(rig.transport, 1)["code"] == "unknown_type");
    CHECK(rig.send(1, lookup, 1) == 1);
    CHECK(last_to(rig.transport, 1)["re"] == 4);
    // Five milliseconds later the budget has ten frames again: one lookup, or ten pings.
    rig.now += 5;
    CHECK(rig.send(1, lookup, 2) == 1);
    rig.now += 5;
    CHECK(rig.send(1, ping(5), 10) == 0);
}

TEST_CASE("dispatcher: organisers read the refusals of the last hour per minute") {
    BudgetRig rig;
    rig.dispatcher.router().on<protocol::Blackout>(
        roles::editors, [](const Connection&, const protocol::Blackout&) {});
    rig.send(2, R"({"type":"blackout","id":1,"on":true})", 3);
    auto get = [&rig](std::string key) {
        std::optional<HttpResponse> answer;
        HttpRequest request = http_request("GET", "/api/refusals", std::nullopt);
        rig.dispatcher.handle_http(request, "Bearer " + key,
                                   [&answer](HttpResponse response) { answer = response; });
        REQUIRE(answer.has_value());
        return *answer;
    };
    CHECK(get("stage-key").status == 403);
    auto response = get("organiser-key");
    REQUIRE(response.status == 200);
    auto body = json::parse(response.body);
    CHECK(body["total"] == 3);
    REQUIRE(body["minutes"].size() == 1);
    CHECK(body["minutes"][0] == json{{"minute", rig.now - rig.now % 60'000},
                                     {"device", "Stage left"},
                                     {"type", "blackout"},
                                     {"code", "forbidden"},
                                     {"count", 3}});
}

TEST_CASE("dispatcher: a type the role may not send is refused before the frame is parsed") {
    BudgetRig rig;
    rig.dispatcher.router().on<protocol::Blackout>(
        roles::editors, [](const Connection&, const protocol::Blackout&) {});
    // The rest of the frame is not even JSON: only its first bytes were read.
    rig.dispatcher.on_text(1, R"({"type":"blackout", "id":3 ,"on":true,"junk":"xx)", 0);
    auto refused = last_to(rig.transport, 1);
    CHECK(refused["code"] == "forbidden");
    CHECK(refused["re"] == 3);
    // Without a readable id up front the frame takes the general path (and gets its re there).
    rig.dispatcher.on_text(1, R"({"on":{"a":1},"type":"blackout","id":4})", 0);
    CHECK(last_to(rig.transport, 1)["code"] == "forbidden");
    CHECK(last_to(rig.transport, 1)["re"] == 4);
    rig.dispatcher.on_text(1, R"({"type":"blackout","on":{},"id":5,"junk":"xx)", 0);
    CHECK(last_to(rig.transport, 1)["code"] == "bad_json");
    CHECK(rig.dispatcher.router().refusals().at(
              Router::RefusalKey{"Door 1", "blackout", ErrorCode::forbidden}) == 2);
}

TEST_CASE("dispatcher: a connection keeps its peer address; a role key has no device id") {
    FakeTransport transport;
    FakeScheduler scheduler;
    RoleKeys keys;
    keys.keys[static_cast<std::size_t>(Role::door)] = "door-key";
    keys.keys[static_cast<std::size_t>(Role::organiser)] = "organiser-key";
    Dispatcher dispatcher({"0123456789abcdef", "Test", "2026-11-26"}, keys, transport, scheduler,
                          [] { return std::int64_t{1'000'000}; });
    struct Recorder final : Module {
        std::vector<Connection> welcomed;
        void register_routes(Router&) override {}
        void on_welcome(const Connection& connection) override { welcomed.push_back(connection); }
    } recorder;
    dispatcher.add_module(&recorder);

    dispatcher.on_open(1, "192.0.2.7");
    dispatcher.on_text(
        1,
        R"({"type":"hello","id":1,"protocol":1,"role":"door","device":"Door 1","key":"door-key"})",
        0);
    REQUIRE(recorder.welcomed.size() == 1);
    CHECK(recorder.welcomed[0].address == "192.0.2.7");
    CHECK(recorder.welcomed[0].device_id == 0);
    CHECK(recorder.welcomed[0].device == "Door 1");

    std::optional<HttpRequest> seen;
    dispatcher.router().http("GET", "/api/whoami", roles::organisers,
                             [&seen](const HttpRequest& request) {
                                 seen = request;
                                 return HttpResponse{};
                             });
    HttpRequest request = http_request("GET", "/api/whoami", std::nullopt);
    request.address = "198.51.100.2";
    dispatcher.handle_http(request, "Bearer organiser-key", [](HttpResponse) {});
    REQUIRE(seen.has_value());
    CHECK(seen->device_id == 0);
    CHECK(seen->device == "(role key)");
    CHECK(seen->address == "198.51.100.2");
}

namespace {

// A device authority with one paired door (id 7) and one revoked screen (id 8).
struct FakeDevices final : DeviceAuthority {
    std::variant<Device, std::string> device_for_token(std::string_view token) override {
        if (token == "sdd_7_door") return Device{7, "Door 1", Role::door};
        if (token == "sdd_8_screen") return std::string("this device was removed");
        return std::string("unknown device token");
    }
};

struct DeviceRig {
    FakeTransport transport;
    FakeScheduler scheduler;
    FakeDevices devices;
    std::unique_ptr<Dispatcher> dispatcher;
    DeviceRig() {
        RoleKeys keys;
        keys.keys[static_cast<std::size_t>(Role::door)] = "door-key";
        keys.keys[static_cast<std::size_t>(Role::stage)] = "stage-key";
        dispatcher = std::make_unique<Dispatcher>(
            storage::EventConfig{"0123456789abcdef", "Test", "2026-11-26"}, keys, transport,
            scheduler, [] { return std::int64_t{1'000'000}; });
        dispatcher->set_device_authority(&devices);
    }
    json hello(ConnectionId connection, const json& fields) {
        dispatcher->on_open(connection, "10.0.0.9");
        json frame = {{"type", "hello"}, {"id", 1}, {"protocol", 1}, {"device", "claimed"}};
        frame.update(fields);
        dispatcher->on_text(connection, frame.dump(), 0);
        return last_to(transport, connection);
    }
};

} // namespace

TEST_CASE("dispatcher: a device token gives the connection the device's id and name") {
    DeviceRig rig;
    auto welcome = rig.hello(1, {{"role", "door"}, {"token", "sdd_7_door"}, {"app", "web 0.2"}});
    REQUIRE(welcome["type"] == "welcome");
    CHECK(welcome["device_id"] == 7);
    CHECK(welcome["device"] == "Door 1"); // the server's name, not the claim
    CHECK(rig.transport.role_of.at(1) == Role::door);

    auto revoked = rig.hello(2, {{"role", "stage"}, {"token", "sdd_8_screen"}});
    CHECK(revoked["code"] == "unauthorized");
    CHECK(revoked["field"] == "token");
    CHECK(revoked["message"] == "this device was removed");
    auto other_role = rig.hello(3, {{"role", "organiser"}, {"token", "sdd_7_door"}});
    CHECK(other_role["code"] == "unauthorized");
    CHECK(other_role["field"] == "role");
    auto both = rig.hello(4, {{"role", "door"}, {"token", "sdd_7_door"}, {"key", "door-key"}});
    CHECK(both["code"] == "bad_message");
    auto label = rig.hello(5, {{"role", "door"}, {"key", "door-key"}, {"device", "Door 1 #7"}});
    CHECK(label["code"] == "bad_message");
    CHECK(label["field"] == "device");
    REQUIRE(rig.transport.closed.size() == 4);
    for (const auto& closed : rig.transport.closed)
        CHECK(closed.code == 1008);

    // Over HTTP the token is a bearer credential with the device's identity.
    std::optional<HttpRequest> seen;
    rig.dispatcher->router().http("GET", "/api/whoami", roles::door_staff,
                                  [&seen](const HttpRequest& request) {
                                      seen = request;
                                      return HttpResponse{};
                                  });
    std::optional<HttpResponse> answer;
    rig.dispatcher->handle_http(http_request("GET", "/api/whoami", std::nullopt),
                                "Bearer sdd_7_door", [&](HttpResponse r) { answer = r; });
    REQUIRE(seen.has_value());
    CHECK(seen->device_id == 7);
    CHECK(seen->device == "Door 1");
    rig.dispatcher->handle_http(http_request("GET", "/api/whoami", std::nullopt),
                                "Bearer sdd_8_screen", [&](HttpResponse r) { answer = r; });
    CHECK(answer->status == 401);
    CHECK_THAT(answer->body, Catch::Contains("this device was removed"));
}

TEST_CASE("dispatcher: revoking a device or rotating a key closes exactly those connections") {
    DeviceRig rig;
    rig.hello(1, {{"role", "door"}, {"token", "sdd_7_door"}});
    rig.hello(2, {{"role", "door"}, {"key", "door-key"}});
    rig.hello(3, {{"role", "stage"}, {"key", "stage-key"}});
    rig.hello(4, {{"role", "door"}, {"token", "sdd_7_door"}});
    rig.dispatcher->rename_device(7, "Main door");

    rig.dispatcher->close_device(7, "device removed");
    REQUIRE(rig.transport.closed.size() == 2);
    for (const auto& closed : rig.transport.closed) {
        CHECK((closed.connection == 1 || closed.connection == 4));
        CHECK(closed.code == 1008);
        CHECK(closed.reason == "device removed");
    }
    // What a closed connection still sends is not handled.
    auto sent_before = rig.transport.sent.size();
    rig.dispatcher->on_text(1, R"({"type":"ping","id":9,"t0":1})", 0);
    CHECK(rig.transport.sent.size() == sent_before);

    RoleKeys rotated = rig.dispatcher->keys();
    rotated.keys[static_cast<std::size_t>(Role::door)] = "new-door-key";
    rig.dispatcher->replace_keys(rotated);
    REQUIRE(rig.transport.closed.size() == 3);
    CHECK(rig.transport.closed[2].connection == 2);
    CHECK(rig.transport.closed[2].reason == "key rotated");
    CHECK(rig.hello(5, {{"role", "door"}, {"key", "door-key"}})["code"] == "unauthorized");
    CHECK(rig.hello(6, {{"role", "door"}, {"key", "new-door-key"}})["type"] == "welcome");
}
