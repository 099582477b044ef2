// The offline-door messages (PROTOCOL.md 5.12): offline_roster pages, offline_update pushes and
// queue_report round-trip and are strict.
#include "message_checks.hpp"
#include "stagedoor/protocol/messages_offline.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor::protocol;
using nlohmann::json;
using stagedoor::testing::accepted;
using stagedoor::testing::refused;
using stagedoor::testing::round_trip;

namespace {

constexpr std::string_view kVerifyKey = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

OfflineAttendee jana_inside() {
    return OfflineAttendee{12,    2,     "Jana Köhler", "TU Dresden",  Category::member,
                           false, false, true,          1764158400123, std::string("Door 2 #7")};
}

OfflineAttendee ben_outside() {
    return OfflineAttendee{13, 0, "", "", Category::guest, true, true, false, {}, {}};
}

OfflineRosterPage page_of(std::vector<OfflineAttendee> attendees) {
    OfflineRosterPage page;
    page.re = 5;
    page.event = EventInfo{"3f2a9c0d11b24e6f", "Innovation Network", "2026-11-26"};
    page.verify_key = kVerifyKey;
    page.attendees = std::move(attendees);
    page.server_time = 1764158400123;
    return page;
}

} // namespace

TEST_CASE("offline messages: the offline attendee and a roster page round-trip") {
    auto page = page_of({jana_inside(), ben_outside()});
    page.next = 13;
    auto decoded = round_trip(page);
    CHECK(decoded == page);
    CHECK(decoded.attendees[0].in_device == std::optional<std::string>("Door 2 #7"));
    // Not inside: in_at and in_device are written as null, and read back as empty.
    auto text = serialize(page);
    CHECK(text.find(R"("present":false,"in_at":null,"in_device":null)") != std::string::npos);

    // The last page: next is null; names off: the names are empty.
    page.next.reset();
    page.names = false;
    CHECK(json::parse(serialize(page))["next"].is_null());
    CHECK(round_trip(page) == page);
}

TEST_CASE("offline messages: offline_roster is strict about after") {
    CHECK(accepted<OfflineRoster>(R"({"type":"offline_roster","id":5,"after":0})").after == 0);
    CHECK(round_trip(OfflineRoster{6, 1000}).after == 1000);
    CHECK(refused<OfflineRoster>(R"({"type":"offline_roster","id":5})").field == "after");
    CHECK(refused<OfflineRoster>(R"({"type":"offline_roster","id":5,"after":-1})").field ==
          "after");
    CHECK(refused<OfflineRoster>(R"({"type":"offline_roster","id":5,"after":"7"})").field ==
          "after");
    CHECK(refused<OfflineRoster>(R"({"type":"offline_roster","id":5,"after":4294967296})").field ==
          "after");
}

TEST_CASE("offline messages: a page refuses a bad key, a missing in_at and too many attendees") {
    auto good = to_json(page_of({jana_inside()}));
    auto refusal = [](const json& object) {
        auto decoded = decode<OfflineRosterPage>(object);
        REQUIRE_FALSE(decoded.ok());
        return decoded.error();
    };
    for (const char* key : {"", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR", // 42 characters
                            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=",   // padded
                            "11qYAYKxCrfVS+7TyWQHOg7hcvPapiMlrwIaaPcHURo"}) { // not base64url
        auto bad = good;
        bad["verify_key"] = key;
        INFO(key);
        CHECK(refusal(bad).field == "verify_key");
    }
    auto no_next = good;
    no_next.erase("next");
    CHECK(refusal(no_next).field == "next");
    auto no_in_at = good;
    no_in_at["attendees"][0].erase("in_at");
    CHECK(refusal(no_in_at).field == "attendees");
    CHECK(refusal(no_in_at).message.find("in_at") != std::string::npos);
    // A paired device's label is its name (up to 64 bytes) and " #<id>".
    auto long_label = good;
    long_label["attendees"][0]["in_device"] = std::string(64, 'D') + " #123456";
    CHECK(decode<OfflineRosterPage>(long_label).ok());
    long_label["attendees"][0]["in_device"] = std::string(86, 'D');
    CHECK(refusal(long_label).field == "attendees");
    auto big_serial = good;
    big_serial["attendees"][0]["serial"] = 65536;
    CHECK(refusal(big_serial).field == "attendees");

    // A full page is larger than a client's 64 KiB frame, and decodes from a parsed tree.
    std::vector<OfflineAttendee> thousand(kMaxOfflineRosterPage, jana_inside());
    for (std::size_t i = 0; i < thousand.size(); ++i)
        thousand[i].id = static_cast<std::int64_t>(i + 1);
    auto full = page_of(thousand);
    full.next = 1000;
    std::string text = serialize(full);
    CHECK(text.size() > kMaxFrameBytes);
    auto decoded = decode<OfflineRosterPage>(json::parse(text));
    REQUIRE(decoded.ok());
    CHECK(*decoded == full);
    auto over = to_json(full);
    over["attendees"].push_back(over["attendees"][0]);
    CHECK(refusal(over).field == "attendees");
}

TEST_CASE("offline messages: offline_update holds at most 200 attendees") {
    OfflineUpdate update{{jana_inside(), ben_outside()}, 1764158400999};
    CHECK(round_trip(update) == update);
    update.attendees.assign(kMaxOfflineUpdateAttendees, jana_inside());
    CHECK(round_trip(update).attendees.size() == kMaxOfflineUpdateAttendees);
    update.attendees.push_back(ben_outside());
    auto decoded = decode<OfflineUpdate>(to_json(update));
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().field == "attendees");
}

TEST_CASE("offline messages: queue_report takes null or absent times") {
    QueueReport report{9, 12, 1764158400123, 1764158460000};
    CHECK(round_trip(report) == report);
    auto empty = accepted<QueueReport>(
        R"({"type":"queue_report","id":9,"queued":0,"oldest_at":null,"last_sync":null})");
    CHECK_FALSE(empty.oldest_at.has_value());
    CHECK_FALSE(empty.last_sync.has_value());
    CHECK(accepted<QueueReport>(R"({"type":"queue_report","id":9,"queued":3})").queued == 3);
    CHECK(refused<QueueReport>(R"({"type":"queue_report","id":9})").field == "queued");
    CHECK(refused<QueueReport>(R"({"type":"queue_report","id":9,"queued":-1})").field == "queued");
    CHECK(refused<QueueReport>(R"({"type":"queue_report","id":9,"queued":1,"oldest_at":"x"})")
              .field == "oldest_at");
    CHECK(refused<QueueReport>(R"({"type":"queue_report","id":9,"queued":1,"extra":1})").field ==
          "extra");
}
