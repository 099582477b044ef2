// The offline doors' roster (server/app/offline_roster): pages in id order from the in-memory
// Attendance, and offline_update pushes to the connections that asked, at most four a second
// and 200 attendees a frame. Fakes for the transport and the scheduler.
#include "app/offline_roster.hpp"
#include "fakes.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor;
using namespace stagedoor::app;
using nlohmann::json;
using stagedoor::testing::FakeScheduler;
using stagedoor::testing::FakeTransport;

namespace {

constexpr std::int64_t T0 = 1'795'712'400'000; // 2026-11-26T17:00:00Z
constexpr ConnectionId kDoor = 1;
constexpr ConnectionId kOtherDoor = 2;
constexpr std::string_view kVerifyKey = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

domain::Attendee person(std::int64_t id) {
    domain::Attendee attendee;
    attendee.id = id;
    attendee.name = "Person " + std::to_string(id);
    attendee.organisation = "Org " + std::to_string(id);
    attendee.category = protocol::Category::guest;
    attendee.serial = 1;
    return attendee;
}

struct Rig {
    explicit Rig(std::size_t people, bool names = true)
        : roster(state, transport, scheduler, [this] { return now; },
                 {{"3f2a9c0d11b24e6f", "Test", "2026-11-26"}, std::string(kVerifyKey), names}) {
        for (std::size_t id = 1; id <= people; ++id)
            state.put_attendee(person(static_cast<std::int64_t>(id)));
    }
    // A page after `after`, as connection asked for it; returns the reply.
    json page(ConnectionId connection, std::int64_t after) {
        roster.answer_page(connection, protocol::OfflineRoster{++request, after});
        REQUIRE_FALSE(transport.sent.empty());
        json reply = transport.sent.back().message;
        REQUIRE(reply["type"] == "offline_roster_page");
        CHECK(reply["re"] == request);
        return reply;
    }
    void admit(std::int64_t id, const std::string& device) {
        domain::ScanContext context{"s-" + std::to_string(++scans), device, "door", {}, now};
        state.append(state.judge_manual(context, domain::Direction::in, id));
        roster.changed(id);
    }
    std::vector<json> updates(ConnectionId connection) const {
        return transport.sent_to(connection, "offline_update");
    }

    std::int64_t now = T0;
    domain::Attendance state;
    FakeTransport transport;
    FakeScheduler scheduler;
    OfflineRoster roster;
    std::int64_t request = 0;
    int scans = 0;
};

} // namespace

TEST_CASE("offline roster: 2,500 attendees come in three pages in id order") {
    Rig rig(2500);
    rig.admit(1200, "Door 2 #7");
    std::vector<std::int64_t> ids;
    std::int64_t after = 0;
    std::vector<json> pages;
    do {
        pages.push_back(rig.page(kDoor, after));
        for (const auto& attendee : pages.back()["attendees"])
            ids.push_back(attendee["id"]);
        if (pages.back()["next"].is_null()) break;
        after = pages.back()["next"];
    } while (pages.size() < 10);
    REQUIRE(pages.size() == 3);
    CHECK(pages[0]["attendees"].size() == 1000);
    CHECK(pages[0]["next"] == 1000);
    CHECK(pages[1]["next"] == 2000);
    CHECK(pages[2]["attendees"].size() == 500);
    REQUIRE(ids.size() == 2500);
    for (std::size_t i = 0; i < ids.size(); ++i)
        CHECK(ids[i] == static_cast<std::int64_t>(i + 1));

    // Every page carries the event, the key and the names flag; the attendee objects decode.
    const json& first = pages[0];
    CHECK(first["event"]["id"] == "3f2a9c0d11b24e6f");
    CHECK(first["verify_key"] == kVerifyKey);
    CHECK(first["names"] == true);
    CHECK(first["server_time"] == T0);
    CHECK(first["attendees"][0] == json::parse(R"({"id":1,"serial":1,"name":"Person 1",
        "organisation":"Org 1","category":"guest","vip":false,"blocked":false,"present":false,
        "in_at":null,"in_device":null})"));
    CHECK(protocol::decode<protocol::OfflineRosterPage>(first).ok());
    const json& inside = pages[1]["attendees"][199];
    CHECK(inside["id"] == 1200);
    CHECK(inside["present"] == true);
    CHECK(inside["in_at"] == T0);
    CHECK(inside["in_device"] == "Door 2 #7");

    // A page past the end is empty and the last one.
    auto past = rig.page(kDoor, 2500);
    CHECK(past["attendees"].empty());
    CHECK(past["next"].is_null());
}

TEST_CASE("offline roster: names off leaves names and organisations out") {
    Rig rig(3, false);
    auto page = rig.page(kDoor, 0);
    CHECK(page["names"] == false);
    REQUIRE(page["attendees"].size() == 3);
    for (const auto& attendee : page["attendees"]) {
        CHECK(attendee["name"] == "");
        CHECK(attendee["organisation"] == "");
        CHECK(attendee["category"] == "guest");
    }
    rig.admit(2, "Door 1");
    rig.scheduler.run_due(rig.now);
    auto updates = rig.updates(kDoor);
    REQUIRE(updates.size() == 1);
    CHECK(updates[0]["attendees"][0]["name"] == "");
    CHECK(updates[0]["attendees"][0]["present"] == true);
}

TEST_CASE("offline roster: ids that are not dense still page in id order") {
    Rig rig(0);
    for (std::int64_t id : {7LL, 3'000'000'000LL, 40LL, 5LL})
        rig.state.put_attendee(person(id));
    auto page = rig.page(kDoor, 6);
    std::vector<std::int64_t> ids;
    for (const auto& attendee : page["attendees"])
        ids.push_back(attendee["id"]);
    CHECK(ids == std::vector<std::int64_t>{7, 40, 3'000'000'000LL});
    CHECK(page["next"].is_null());
}

TEST_CASE("offline roster: only subscribers get updates, at most four a second") {
    Rig rig(500);
    // Nobody asked yet: a change costs nothing, not even a timer.
    rig.admit(1, "Door 1");
    CHECK(rig.scheduler.timers.empty());

    rig.page(kDoor, 0);
    rig.admit(2, "Door 1");
    rig.admit(3, "Door 1");
    rig.admit(2, "Door 2"); // already_in: the same attendee, listed once
    REQUIRE(rig.scheduler.times() == std::vector<std::int64_t>{T0});
    rig.scheduler.run_due(rig.now);
    auto updates = rig.updates(kDoor);
    REQUIRE(updates.size() == 1);
    CHECK(updates[0]["server_time"] == T0);
    REQUIRE(updates[0]["attendees"].size() == 2);
    CHECK(updates[0]["attendees"][0]["id"] == 2);
    CHECK(updates[0]["attendees"][0]["in_device"] == "Door 1");
    CHECK(updates[0]["attendees"][1]["id"] == 3);
    CHECK(rig.updates(kOtherDoor).empty());
    CHECK(protocol::decode<protocol::OfflineUpdate>(updates[0]).ok());

    // The next update waits for 250 ms after the last one, and holds every change meanwhile,
    // in frames of at most 200.
    for (std::int64_t id = 10; id < 460; ++id)
        rig.admit(id, "Door 1");
    CHECK(rig.scheduler.times() == std::vector<std::int64_t>{T0 + 250});
    rig.scheduler.run_due(T0 + 249);
    CHECK(rig.updates(kDoor).size() == 1);
    rig.now = T0 + 250;
    rig.scheduler.run_due(rig.now);
    updates = rig.updates(kDoor);
    REQUIRE(updates.size() == 4);
    CHECK(updates[1]["attendees"].size() == 200);
    CHECK(updates[2]["attendees"].size() == 200);
    CHECK(updates[3]["attendees"].size() == 50);
    CHECK(updates[1]["attendees"][0]["id"] == 10);
    CHECK(updates[3]["attendees"][49]["id"] == 459);
    // One frame, shared by every subscriber.
    rig.page(kOtherDoor, 0);
    rig.now += 250;
    rig.admit(499, "Door 1");
    rig.scheduler.run_due(rig.now);
    CHECK(rig.updates(kDoor).size() == 5);
    CHECK(rig.updates(kOtherDoor).size() == 1);
}

TEST_CASE("offline roster: a closed connection gets nothing more, a removed attendee is skipped") {
    Rig rig(10);
    rig.page(kDoor, 0);
    rig.page(kOtherDoor, 0);
    rig.roster.unsubscribe(kOtherDoor);
    rig.roster.unsubscribe(99); // never subscribed: ignored
    CHECK(rig.roster.subscriber_count() == 1);
    rig.admit(4, "Door 1");
    rig.state.put_attendee(person(11));
    rig.roster.changed(11);
    rig.state.remove_attendee(11); // a walk-in whose registration was not stored
    rig.scheduler.run_due(rig.now);
    auto updates = rig.updates(kDoor);
    REQUIRE(updates.size() == 1);
    REQUIRE(updates[0]["attendees"].size() == 1);
    CHECK(updates[0]["attendees"][0]["id"] == 4);
    CHECK(rig.updates(kOtherDoor).empty());

    // The last subscriber gone: pending changes and the timer go too.
    rig.now += 250;
    rig.admit(5, "Door 1");
    rig.roster.unsubscribe(kDoor);
    CHECK(rig.scheduler.timers.empty());
    rig.admit(6, "Door 1");
    CHECK(rig.scheduler.timers.empty());
}
