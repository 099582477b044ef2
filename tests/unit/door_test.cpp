// The door kiosk's parts without a terminal or a server: scanner lines versus keys, the offline
// judge over a cached roster (PROTOCOL 6.5 order), the SQLite queue across a reopen, the
// verdict colours and bells, and the engine deciding offline when no server is reachable.
#include "door_engine.hpp"
#include "door_judge.hpp"
#include "door_store.hpp"
#include "door_ui.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace stagedoor::kiosk;
using nlohmann::json;
namespace badge = stagedoor::protocol::badge;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct TempFolder {
    TempFolder() {
        std::string pattern = (fs::temp_directory_path() / "door-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempFolder() { fs::remove_all(path); }
    fs::path path;
};

json offline_attendee(std::uint32_t id, std::uint16_t serial, bool present = false,
                      bool blocked = false) {
    return {{"id", id},
            {"serial", serial},
            {"name", "Person " + std::to_string(id)},
            {"organisation", "Org"},
            {"category", "member"},
            {"vip", false},
            {"blocked", blocked},
            {"present", present},
            {"in_at", present ? json(1764158400123) : json()},
            {"in_device", present ? json("Door 2 #7") : json()}};
}

// A cache holding one event's key and a small roster, and tokens to judge against it.
struct JudgeFixture {
    TempFolder folder;
    DoorStore store{folder.path / "door.sqlite"};
    OfflineCache cache{store};
    badge::SigningKey key = badge::SigningKey::generate();
    badge::EventId event = badge::random_event_id();

    JudgeFixture() {
        auto raw = key.verify_key().raw();
        cache.apply({{"type", "offline_roster_page"},
                     {"event", {{"id", badge::event_id_to_hex(event)}, {"name", "Test"}}},
                     {"verify_key", badge::base64url_encode(raw)},
                     {"names", true},
                     {"attendees",
                      {offline_attendee(1, 1), offline_attendee(2, 1, false, true),
                       offline_attendee(3, 2), offline_attendee(4, 1, true)}},
                     {"next", nullptr}});
    }
    std::string token(std::uint32_t id, std::uint16_t serial) const {
        return badge::make_token({event, id, serial, 1764158400}, key);
    }
};

} // namespace

TEST_CASE("door input: scanner lines are scans, lone characters are keys", "[door]") {
    using Clock = InputSplitter::Clock;
    InputSplitter input;
    auto t0 = Clock::now();
    // A scanner's burst that starts with key letters is one scan, no key.
    auto events = input.feed("xqe/u-12345\r", t0);
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == InputEvent::Kind::scan);
    CHECK(events[0].text == "xqe/u-12345");
    CHECK(input.tick(t0 + 1s).empty());

    // A lone key acts after 50 ms of silence, not before.
    CHECK(input.feed("e", t0 + 2s).empty());
    CHECK(input.tick(t0 + 2s + 10ms).empty());
    events = input.tick(t0 + 2s + 60ms);
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == InputEvent::Kind::key);
    CHECK(events[0].text == "e");

    // A key typed with Enter; a short line and an escape sequence are dropped.
    events = input.feed("x\n", t0 + 3s);
    REQUIRE(events.size() == 1);
    CHECK(events[0].text == "x");
    CHECK(input.feed("abc\r", t0 + 4s).empty());
    CHECK(input.feed("\x1b[A", t0 + 5s).empty());
    CHECK(input.tick(t0 + 6s).empty());
    // A scan line arriving in pieces within the burst is still one scan.
    CHECK(input.feed("SD1.abcd", t0 + 7s).empty());
    events = input.feed("efgh\r\n", t0 + 7s + 20ms);
    REQUIRE(events.size() == 1);
    CHECK(events[0].text == "SD1.abcdefgh");

    // Typing a search: every byte is a key, Enter included.
    input.set_text_mode(true);
    events = input.feed("Jo\r", t0 + 8s);
    REQUIRE(events.size() == 3);
    CHECK(events[2].text == "\r");
}

TEST_CASE("door offline judge: PROTOCOL 6.5 from the cached roster and key", "[door]") {
    JudgeFixture f;
    auto judge = [&](const std::string& payload, const std::string& direction = "in") {
        return f.cache.judge_scan(payload, direction);
    };
    CHECK(judge("https://example.org").result == "malformed");
    auto other_event = badge::make_token({badge::random_event_id(), 1, 1, 1764158400}, f.key);
    CHECK(judge(other_event).result == "wrong_event");
    auto forged = badge::make_token({f.event, 1, 1, 1764158400}, badge::SigningKey::generate());
    CHECK(judge(forged).result == "bad_signature");
    CHECK(judge(f.token(99, 1)).result == "unknown_badge");
    CHECK(judge(f.token(2, 1)).result == "revoked"); // blocked
    CHECK(judge(f.token(3, 1)).result == "revoked"); // replaced by serial 2

    Verdict ok = judge(f.token(1, 1));
    CHECK(ok.result == "ok");
    CHECK(ok.offline);
    CHECK(ok.attendee["name"] == "Person 1");
    Verdict inside = judge(f.token(4, 1));
    CHECK(inside.result == "already_in");
    CHECK(inside.first_entry["device"] == "Door 2 #7");
    CHECK(judge(f.token(1, 1), "out").result == "not_in");
    CHECK(judge(f.token(4, 1), "out").result == "ok");

    // What the door showed changes its next verdict, and survives a reopen of the store.
    f.cache.mark(1, true, 1764158500000, "Door T");
    CHECK(judge(f.token(1, 1)).result == "already_in");
    OfflineCache reopened(f.store);
    CHECK(reopened.ready());
    CHECK(reopened.judge_scan(f.token(1, 1), "in").result == "already_in");
    CHECK(reopened.judge_manual(3, "in").result == "ok");
    CHECK(reopened.judge_manual(2, "in").result == "revoked");
    CHECK(reopened.judge_manual(77, "in").result == "unknown_badge");
    REQUIRE(reopened.search("person 3", 9).size() == 1);
    CHECK(reopened.search("person 3", 9)[0]["id"] == 3);
}

TEST_CASE("door offline judge: without a cached key a well-formed badge is not admitted",
          "[door]") {
    TempFolder folder;
    DoorStore store(folder.path / "door.sqlite");
    OfflineCache cache(store);
    auto token = badge::make_token({badge::random_event_id(), 1, 1, 1764158400},
                                   badge::SigningKey::generate());
    CHECK_FALSE(cache.ready());
    CHECK(cache.judge_scan(token, "in").result == "unknown_badge");
}

TEST_CASE("door store: the queue and the scan counter survive a reopen, in order", "[door]") {
    TempFolder folder;
    {
        DoorStore store(folder.path / "door.sqlite");
        CHECK(store.next_counter() == 1);
        CHECK(store.next_counter() == 2);
        store.enqueue("d-1", {{"type", "scan"}, {"scan_id", "d-1"}, {"at", 300}});
        store.enqueue("d-2", {{"type", "scan"}, {"scan_id", "d-2"}, {"at", 200}});
        store.enqueue("d-1", {{"type", "scan"}, {"scan_id", "d-1"}, {"at", 999}}); // kept once
    }
    DoorStore store(folder.path / "door.sqlite");
    CHECK(store.next_counter() == 3);
    REQUIRE(store.queue_length() == 2);
    CHECK(store.oldest_at() == 200);
    auto queued = store.queued(64);
    REQUIRE(queued.size() == 2);
    CHECK(queued[0].scan_id == "d-1");
    CHECK(queued[0].frame["at"] == 300);
    CHECK(store.queued(64, queued[0].seq).front().scan_id == "d-2");
    store.remove("d-1");
    CHECK_FALSE(store.contains("d-1"));
    CHECK(store.queue_length() == 1);
}

TEST_CASE("door screen: verdict colours, bells and words", "[door]") {
    Verdict verdict;
    verdict.result = "ok";
    CHECK(verdict_style(verdict).bg == stagedoor::kiosk::term::colour::kGreen);
    CHECK(verdict_bells(verdict) == 1);
    verdict.direction = "out";
    CHECK(verdict_style(verdict).bg == stagedoor::kiosk::term::colour::kBlue);
    verdict.result = "already_in";
    CHECK(verdict_style(verdict).bg == stagedoor::kiosk::term::colour::kOrange);
    CHECK(verdict_bells(verdict) == 0);
    verdict.result = "bad_signature";
    CHECK(verdict_style(verdict).bg == stagedoor::kiosk::term::colour::kRed);
    CHECK(verdict_bells(verdict) == 2);
    verdict.result = "malformed";
    CHECK(verdict_style(verdict).bg == stagedoor::kiosk::term::colour::kGrey);
    CHECK(verdict_bells(verdict) == 2);

    DoorView view;
    view.lang = Lang::de;
    verdict.result = "ok";
    verdict.direction = "in";
    verdict.offline = true;
    verdict.attendee = {{"id", 1},
                        {"name", "Jana Köhler"},
                        {"organisation", "TU"},
                        {"category", "member"},
                        {"vip", false}};
    view.verdict = verdict;
    DoorStatus status;
    status.queued = 3;
    status.counts = {{"expected", 150}, {"arrived", 87}};
    auto frame = render_door(view, status, {24, 100});
    std::string all;
    for (int row = 0; row < 24; ++row)
        all += frame.row_text(row) + "\n";
    CHECK(all.find("Willkommen") != std::string::npos);
    CHECK(all.find("Jana Köhler") != std::string::npos);
    CHECK(all.find("Angekommen 87 / 150") != std::string::npos);
    CHECK(all.find("Offline · 3 in Warteschlange") != std::string::npos);
    CHECK(all.find("offline: an dieser Tür entschieden") != std::string::npos);
    CHECK(frame.style(12, 0).bg == stagedoor::kiosk::term::colour::kGreen);
}

TEST_CASE("door engine: with no server the scan is queued before its verdict is handed out",
          "[door]") {
    TempFolder folder;
    DoorStore store(folder.path / "door.sqlite");
    DoorConfig config;
    config.endpoint = {"127.0.0.1", 1, "/ws"}; // never polled: no connection is tried
    config.credential = "key";
    config.device_name = "Door U";
    config.scan_prefix = "dooru-0001";
    DoorEngine engine(config, store);
    engine.scan("not a badge at all", "in");
    auto events = engine.take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].verdict.result == "malformed");
    CHECK(events[0].verdict.offline);
    CHECK(events[0].verdict.scan_id == "dooru-0001-000001");
    REQUIRE(store.queue_length() == 1);
    auto queued = store.queued(1).front();
    CHECK(queued.frame["offline"] == "malformed");
    CHECK(queued.frame["payload"] == "not a badge at all");
    CHECK(engine.status().queued == 1);
    CHECK_FALSE(engine.status().online);
}
