// The field lists behind every message: each message type survives decode(serialize(x)) == x,
// the tree writer and the text writer agree, and serialize never throws on invalid UTF-8,
// whatever string field holds it.
#include "stagedoor/protocol/messages.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"
#include "stagedoor/protocol/messages_offline.hpp"
#include "stagedoor/protocol/messages_stage.hpp"

#include <catch2/catch.hpp>
#include <type_traits>

using namespace stagedoor::protocol;
using nlohmann::json;

namespace {

template <class M> void check_round_trip(const M& message) {
    std::string text = serialize(message);
    INFO(text);
    auto envelope = parse_envelope(text);
    REQUIRE(envelope.ok());
    CHECK(envelope->type == M::type);
    auto decoded = decode<M>(envelope->object);
    INFO((decoded.ok() ? std::string() : decoded.error().message));
    REQUIRE(decoded.ok());
    CHECK(*decoded == message);
    CHECK(to_json(message) == envelope->object);
}

AttendeeInfo jana() {
    return AttendeeInfo{12, "Jana Köhler", "TU Dresden", Category::new_member, "Forschung", true};
}

AttendanceEventBody event_body() {
    return AttendanceEventBody{"s-1",         1764158400000,   "Door 1", Method::scan,
                               Direction::in, ScanOutcome::ok, jana(),   CountsBody{10, 5, 4, 1}};
}

OfflineConflictBody offline_conflict() {
    OfflineConflictBody conflict;
    conflict.kind = ConflictKind::admitted_twice;
    conflict.attendee = jana();
    conflict.scans = {{"door2-000007", "Door 2 #9", 1764158400123, true},
                      {"door1-000042", "Door 1 #7", 1764158300000, false}};
    conflict.server_time = 1764158460000;
    return conflict;
}

Attendance attendance_snapshot() {
    Attendance snapshot;
    snapshot.counts = {150, 42, 40, 3};
    snapshot.by_category["member"] = {100, 30, 29};
    snapshot.by_sector[""] = {3, 1, 1};
    snapshot.arrivals = {{1764158400000, 12}};
    snapshot.recent = {{"s-9", 1764158701000, "Door 1", Method::manual, Direction::in, jana()}};
    snapshot.vips_arrived = {{jana(), 1764158701000}};
    snapshot.vips_missing = {jana()};
    snapshot.devices = {{"Door 1", "door", 40, 2, 1764158701000, 6}};
    snapshot.rejected = {{"bad_signature", 1}};
    snapshot.conflicts = {offline_conflict()};
    snapshot.server_time = 1764158702000;
    return snapshot;
}

ItemFields item_fields() {
    ItemFields fields;
    fields.title = "Pitch: Solar roofs";
    fields.kind = ItemKind::break_slot;
    fields.speaker_id = std::optional<std::int64_t>();
    fields.organisation = "";
    fields.duration_ms = 180000;
    fields.warn_ms = 30000;
    fields.danger_ms = 0;
    fields.at_zero = AtZero::next;
    fields.block = "";
    return fields;
}

TimerMessage timer_message() {
    TimerMessage timer;
    timer.seq = 41;
    timer.state = TimerState::overtime;
    timer.item = TimerItem{"p3", "Solar", ItemKind::pitch, SpeakerRef{12, "Jana", ""}, "TU"};
    timer.duration_ms = 180000;
    timer.started_at = 1764158400000;
    timer.remaining_ms = -5000;
    timer.at_zero = AtZero::stop;
    timer.next = TimerNext{"c3", "Changeover", "Ben"};
    timer.block = TimerBlock{"Pitches", std::nullopt, 1764160260000};
    timer.server_time = 1764158401234;
    return timer;
}

AgendaMessage agenda_message() {
    AgendaEntry entry;
    entry.id = "p3";
    entry.title = "Solar roofs";
    entry.kind = ItemKind::other;
    entry.speaker = AgendaSpeaker{12, "Jana", "TU", true, std::nullopt};
    entry.duration_ms = 180000;
    entry.status = ItemStatus::no_show;
    entry.block = "Pitches";
    entry.actual_end = 1764158400000;
    AgendaMessage agenda;
    agenda.seq = 3;
    agenda.items = {entry};
    agenda.blocks = {TimerBlock{"Pitches", 1, std::nullopt}};
    agenda.warnings = {AgendaWarningEntry{"p3", "No speaker"}};
    return agenda;
}

// Calls check(message) for one filled-in sample of every message type.
template <class Check> void for_each_sample(Check check) {
    check(Hello{7, 1, "door", "Door 1", "k3y"});
    check(
        Welcome{7, 1, Role::organiser, "Laptop", 1764158400123, {"e1", "Netzwerk", "2026-11-26"}});
    check(Ping{3, 1764158400000.25});
    check(Pong{3, 1.5, 2.0, 1764158400000.5});
    check(Ok{9});
    check(ErrorReply{std::nullopt, ErrorCode::bad_message, "field 'x' is required", "x"});
    check(ErrorReply{4, ErrorCode::rate_limited, "slow down", ""});
    check(Scan{7, "door1-000042", "", Direction::out, 1764158400123, std::nullopt});
    check(Scan{7, "door1-000042", "", Direction::in, 1764158400123, ScanOutcome::already_in});
    check(CheckinManual{8, 12, Direction::in, "desk-1", 5, ScanOutcome::ok});
    check(CheckinManual{8, 12, Direction::out, std::nullopt, std::nullopt, std::nullopt});
    check(WalkIn{9, "Eva", "Rathaus", Category::press, "", "eva@example.org", "desk-2", 6,
                 ScanOutcome::ok});
    check(WalkIn{9, "Eva", {}, {}, {}, {}, {}, {}, {}});
    check(Lookup{10, "köhler"});
    check(Undo{11, "door1-000042"});
    check(ScanResult{1, "s", ScanOutcome::already_in, Direction::in, Method::scan, jana(), "why", 5,
                     true, FirstEntry{4, "Door 2"}, std::nullopt, ScanOutcome::ok,
                     ConflictKind::admitted_twice});
    check(ScanResult{1, "s", ScanOutcome::malformed, Direction::out, Method::manual, std::nullopt,
                     "", 5, false, std::nullopt, "garbage", std::nullopt, std::nullopt});
    check(WalkInResult{11, "desk-7", ScanOutcome::ok, jana(), "SD1.payload.signature"});
    check(LookupResult{12, {{jana(), true, 1764158000000}, {jana(), false, std::nullopt}}});
    Counts counts;
    static_cast<CountsBody&>(counts) = {150, 42, 40, 3};
    check(counts);
    check(attendance_snapshot());
    check(CheckedIn{event_body()});
    check(CheckedOut{event_body()});
    check(Undone{event_body()});
    check(WalkInEvent{event_body()});
    AttendanceEventBody rejected = event_body();
    rejected.attendee.reset();
    check(Rejected{rejected});
    check(VipArrived{jana(), 1764158400000, "Door 2"});
    check(OfflineConflict{offline_conflict()});
    OfflineConflict revoked{offline_conflict()};
    revoked.kind = ConflictKind::revoked_meanwhile;
    revoked.attendee.reset();
    revoked.scans.resize(1);
    revoked.reason = "Badge was replaced by a newer one";
    check(revoked);
    check(TimerControl{7, TimerAction::go_to, std::string("p1"), std::nullopt});
    check(TimerControl{8, TimerAction::add_time, std::nullopt, -30000});
    check(AgendaAdd{3, item_fields(), "p2"});
    check(AgendaUpdate{4, "p3", item_fields()});
    check(AgendaRemove{5, "p3"});
    check(AgendaMove{6, "p3", std::nullopt});
    check(AgendaSkip{7, "p3", false});
    check(NoShow{8, "p3", true});
    check(SwapNext{9});
    check(UndoNext{9});
    check(StageMessageRequest{10, "Wrap up — now", Tone::stop, true});
    check(StageClear{11});
    check(Blackout{12, true});
    check(SyncReport{13, -12.5, 3.25, 1500});
    check(timer_message());
    check(TimerMessage{});
    check(agenda_message());
    check(StageScreen{StageText{"Wrap up", Tone::wrap_up, true, 1764158400000}, false});
    check(StageScreen{std::nullopt, true});
    check(OnDeck{OnDeckItem{"p5", "Pitch 5"}, OnDeckSpeaker{14, "Ben", "Org", false}, 2});
    check(Displays{{DisplayHealth{"Stage left", Role::stage, 1.5, 4.0, 2000.0, 1, true},
                    DisplayHealth{"Right", Role::door, {}, {}, {}, {}, false}}});
    OfflineAttendee inside{12, 2, "Jana", "TU", Category::press, true, false, true, 5, "Door 2 #7"};
    OfflineAttendee outside{13, 0, "", "", Category::guest, false, true, false, {}, {}};
    check(OfflineRoster{5, 1000});
    check(OfflineRosterPage{5,
                            {"e1", "Netzwerk", "2026-11-26"},
                            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                            false,
                            {inside, outside},
                            13,
                            1764158400123});
    check(OfflineUpdate{{inside, outside}, 1764158400999});
    check(QueueReport{9, 12, 1764158400123, std::nullopt});
}

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_map : std::false_type {};
template <class T> struct is_map<std::map<std::string, T>> : std::true_type {};

constexpr std::string_view kInvalidUtf8 = "bad \xFF\xFE \xC3 \xED\xA0\x80 end";

// A field visitor that puts invalid UTF-8 into every string of a message, nested or not
// (filling empty optionals, lists and maps first so that their strings exist).
struct Poison {
    template <class T, class Rule> void operator()(std::string_view, T& member, const Rule& rule) {
        if constexpr (std::is_same_v<T, std::string>) {
            member = kInvalidUtf8;
        } else if constexpr (is_optional<T>::value) {
            if (!member) member.emplace();
            (*this)({}, *member, rule.inner);
        } else if constexpr (is_vector<T>::value) {
            if (member.empty()) member.emplace_back();
            for (auto& element : member)
                (*this)({}, element, rule.element);
        } else if constexpr (is_map<T>::value) {
            member[std::string(kInvalidUtf8)];
            if constexpr (std::is_class_v<typename T::mapped_type>)
                for (auto& [name, value] : member)
                    (*this)({}, value, rule.element);
        } else if constexpr (std::is_class_v<T>) {
            rule.fields(member, *this);
        }
    }
    template <class T> void inline_fields(T& member) { T::fields(member, *this); }
    template <class F> void check(std::string_view, F&&) {}
};

} // namespace

TEST_CASE("message fields: every message type round-trips through its field list") {
    for_each_sample([](const auto& message) { check_round_trip(message); });
}

TEST_CASE("message fields: serialize never throws on invalid UTF-8 in any string field") {
    int with_strings = 0;
    for_each_sample([&](auto message) {
        Poison poison;
        std::remove_cvref_t<decltype(message)>::fields(message, poison);
        std::string text;
        REQUIRE_NOTHROW(text = serialize(message));
        INFO(text);
        CHECK(is_valid_utf8(text));
        auto envelope = parse_envelope(text);
        REQUIRE(envelope.ok());
        // Every poisoned string arrives with U+FFFD in place of each invalid sequence.
        CHECK(text.find("\xFF") == std::string::npos);
        if (text.find("bad ") == std::string::npos) return; // a message without strings
        ++with_strings;
        CHECK(text.find("bad \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD") !=
              std::string::npos);
    });
    CHECK(with_strings >= 35);
}

TEST_CASE("message fields: numbers are written as nlohmann writes them") {
    std::string text = serialize(Pong{3, 2, 1764158400000.25, 1e-7});
    CHECK(text == R"({"type":"pong","re":3,"t0":2.0,"t1":1764158400000.25,"t2":1e-07})");
    CHECK(json::parse(text) == to_json(Pong{3, 2, 1764158400000.25, 1e-7}));
    CHECK(json::parse(text).dump() == to_json(Pong{3, 2, 1764158400000.25, 1e-7}).dump());
}

TEST_CASE("message fields: absent, null and empty keep their meaning per field") {
    // An optional field is left out when empty, a nullable one is written as null.
    auto manual = json::parse(serialize(CheckinManual{1, 2, Direction::in, {}, {}, {}}));
    CHECK_FALSE(manual.contains("scan_id"));
    auto move = json::parse(serialize(AgendaMove{1, "p1", std::nullopt}));
    CHECK(move.at("before").is_null());
    // speaker_id: absent (unchanged), null (cleared) and a value are three different things.
    AgendaUpdate update{4, "p3", {}};
    update.changes.title = "T";
    CHECK_FALSE(json::parse(serialize(update))["changes"].contains("speaker_id"));
    update.changes.speaker_id = std::optional<std::int64_t>();
    CHECK(json::parse(serialize(update))["changes"].at("speaker_id").is_null());
    // block: null reads as "" (out of its block), which is written back as "".
    auto decoded = decode<AgendaUpdate>(
        json::parse(R"({"type":"agenda_update","id":1,"item_id":"a","changes":{"block":null}})"));
    REQUIRE(decoded.ok());
    CHECK(decoded->changes.block == "");
    // error.field: "" is left out, and absent or null read as "".
    CHECK_FALSE(
        json::parse(serialize(ErrorReply{1, ErrorCode::internal, "x", ""})).contains("field"));
    auto error = decode<ErrorReply>(
        json::parse(R"({"type":"error","re":null,"code":"internal","message":"m","field":null})"));
    REQUIRE(error.ok());
    CHECK(error->field.empty());
}
