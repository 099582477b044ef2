#include "message_checks.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor::protocol;
using nlohmann::json;

namespace {

using stagedoor::testing::round_trip;
template <class M> Error decode_error(const std::string& text) {
    return stagedoor::testing::refused<M>(text);
}

Scan accepted_scan(const std::string& text) {
    return stagedoor::testing::accepted<Scan>(text);
}

AttendeeInfo jana() {
    return AttendeeInfo{
        12, "Jana Köhler", "TU Dresden", Category::new_member, "Wissenschaft & Forschung", true};
}

} // namespace

TEST_CASE("attendance messages: scan round-trips and is strict") {
    Scan scan{7, "door1-000042", "SD1.abc.def", Direction::out, 1764158400123, std::nullopt};
    auto decoded = round_trip(scan);
    CHECK(decoded.scan_id == "door1-000042");
    CHECK(decoded.direction == Direction::out);
    CHECK(decoded.at == 1764158400123);

    // An empty payload is a scan of nothing readable: decoded, judged malformed later.
    CHECK(round_trip(Scan{1, "s", "", Direction::in, 0, std::nullopt}).payload.empty());

    CHECK(decode_error<Scan>(R"({"type":"scan","id":1,"payload":"x","direction":"in","at":1})")
              .field == "scan_id");
    CHECK(decode_error<Scan>(
              R"({"type":"scan","id":1,"scan_id":"","payload":"x","direction":"in","at":1})")
              .field == "scan_id");
    std::string long_id(65, 'a');
    CHECK(decode_error<Scan>(R"({"type":"scan","id":1,"scan_id":")" + long_id +
                             R"(","payload":"x","direction":"in","at":1})")
              .field == "scan_id");
    CHECK(decode_error<Scan>(
              R"({"type":"scan","id":1,"scan_id":"a\nb","payload":"x","direction":"in","at":1})")
              .field == "scan_id");
    std::string big_payload(4097, 'x');
    CHECK(decode_error<Scan>(R"({"type":"scan","id":1,"scan_id":"a","payload":")" + big_payload +
                             R"(","direction":"in","at":1})")
              .field == "payload");
    CHECK(decode_error<Scan>(
              R"({"type":"scan","id":1,"scan_id":"a","payload":"x","direction":"up","at":1})")
              .field == "direction");
    CHECK(decode_error<Scan>(
              R"({"type":"scan","id":1,"scan_id":"a","payload":7,"direction":"in","at":1})")
              .field == "payload");
    CHECK(decode_error<Scan>(
              R"({"type":"scan","id":1,"scan_id":"a","payload":"x","direction":"in","at":-5})")
              .field == "at");
    CHECK(
        decode_error<Scan>(R"({"type":"scan","id":1,"scan_id":"a","payload":"x","direction":"in",)"
                           R"("at":1,"extra":true})")
            .field == "extra");
}

TEST_CASE("attendance messages: checkin_manual round-trips with and without optionals") {
    CheckinManual full{3, 12, Direction::in, std::string("desk-1"), 1000, std::nullopt};
    auto decoded = round_trip(full);
    CHECK(decoded.attendee_id == 12);
    CHECK(decoded.scan_id == std::optional<std::string>("desk-1"));
    CHECK(decoded.at == std::optional<std::int64_t>(1000));

    CheckinManual bare{4, 13, Direction::out, std::nullopt, std::nullopt, std::nullopt};
    auto decoded_bare = round_trip(bare);
    CHECK_FALSE(decoded_bare.scan_id.has_value());
    CHECK_FALSE(decoded_bare.at.has_value());

    CHECK(decode_error<CheckinManual>(
              R"({"type":"checkin_manual","id":1,"attendee_id":0,"direction":"in"})")
              .field == "attendee_id");
    CHECK(decode_error<CheckinManual>(
              R"({"type":"checkin_manual","id":1,"attendee_id":"12","direction":"in"})")
              .field == "attendee_id");
    CHECK(decode_error<CheckinManual>(
              R"({"type":"checkin_manual","id":1,"attendee_id":12,"direction":"in","scan_id":""})")
              .field == "scan_id");
    CHECK(
        decode_error<CheckinManual>(R"({"type":"checkin_manual","id":1,"attendee_id":12})").field ==
        "direction");
}

TEST_CASE("attendance messages: walk_in round-trips and validates") {
    WalkIn walk_in;
    walk_in.id = 5;
    walk_in.name = "Zoë Müller-Lüdenscheidt";
    walk_in.organisation = "Stadtwerke";
    walk_in.category = Category::guest;
    walk_in.sector = "Wirtschaft";
    walk_in.email = "zoe@example.org";
    walk_in.scan_id = "desk-7";
    walk_in.at = 99;
    auto decoded = round_trip(walk_in);
    CHECK(decoded.name == walk_in.name);
    CHECK(decoded.category == std::optional<Category>(Category::guest));

    WalkIn minimal;
    minimal.id = 6;
    minimal.name = "Ali";
    auto decoded_minimal = round_trip(minimal);
    CHECK_FALSE(decoded_minimal.category.has_value());
    CHECK_FALSE(decoded_minimal.organisation.has_value());

    CHECK(decode_error<WalkIn>(R"({"type":"walk_in","id":1,"name":"   "})").field == "name");
    CHECK(decode_error<WalkIn>(R"({"type":"walk_in","id":1,"name":"A","category":"vip"})").field ==
          "category");
    CHECK(decode_error<WalkIn>(R"({"type":"walk_in","id":1})").field == "name");
    CHECK(decode_error<WalkIn>(R"({"type":"walk_in","id":1,"name":")" + std::string(201, 'n') +
                               R"("})")
              .field == "name");
}

TEST_CASE("attendance messages: lookup and undo round-trip and validate") {
    CHECK(round_trip(Lookup{8, "müller"}).query == "müller");
    CHECK(decode_error<Lookup>(R"({"type":"lookup","id":1,"query":""})").field == "query");
    CHECK(decode_error<Lookup>(R"({"type":"lookup","id":1,"query":")" + std::string(101, 'q') +
                               R"("})")
              .field == "query");

    CHECK(round_trip(Undo{9, "door1-000042"}).scan_id == "door1-000042");
    CHECK(decode_error<Undo>(R"({"type":"undo","id":1})").field == "scan_id");
}

TEST_CASE("attendance messages: scan_result round-trips for every result") {
    for (const auto& [name, outcome] : kScanOutcomes) {
        ScanResult result;
        result.re = 7;
        result.scan_id = "s-1";
        result.result = outcome;
        result.direction = Direction::in;
        result.method = Method::scan;
        result.reason = std::string("because ") + std::string(name);
        result.server_time = 1764158400999;
        if (outcome != ScanOutcome::malformed && outcome != ScanOutcome::unknown_badge)
            result.attendee = jana();
        if (outcome == ScanOutcome::already_in)
            result.first_entry = FirstEntry{1764158000000, "Door 2"};
        if (outcome == ScanOutcome::malformed) result.payload_excerpt = "garbage";
        result.replayed = outcome == ScanOutcome::revoked;
        auto decoded = round_trip(result);
        CHECK(decoded.result == outcome);
        CHECK(decoded.attendee == result.attendee);
        CHECK(decoded.first_entry == result.first_entry);
        CHECK(decoded.payload_excerpt == result.payload_excerpt);
        CHECK(decoded.replayed == result.replayed);
    }
    // attendee is always present on the wire, as null when nobody was identified.
    auto text = serialize(ScanResult{});
    CHECK(json::parse(text).at("attendee").is_null());

    CHECK(decode_error<ScanResult>(
              R"({"type":"scan_result","re":1,"scan_id":"a","result":"maybe","direction":"in",)"
              R"("method":"scan","attendee":null,"reason":"","server_time":1,"replayed":false})")
              .field == "result");
    CHECK(decode_error<ScanResult>(
              R"({"type":"scan_result","re":1,"scan_id":"a","result":"ok","direction":"in",)"
              R"("method":"scan","reason":"","server_time":1,"replayed":false})")
              .field == "attendee");
    CHECK(decode_error<ScanResult>(
              R"({"type":"scan_result","re":1,"scan_id":"a","result":"ok","direction":"in",)"
              R"("method":"scan","attendee":{"id":1,"name":"A"},"reason":"","server_time":1,)"
              R"("replayed":false})")
              .field == "attendee");
    CHECK(decode_error<ScanResult>(
              R"({"type":"scan_result","re":1,"scan_id":"a","result":"malformed","direction":"in",)"
              R"("method":"scan","attendee":null,"reason":"","server_time":1,"replayed":false,)"
              R"("payload_excerpt":")" +
              std::string(201, 'x') + R"("})")
              .field == "payload_excerpt");
}

TEST_CASE("attendance messages: walk_in_result and lookup_result round-trip") {
    WalkInResult walk_in{11, "desk-7", ScanOutcome::ok, jana(), "SD1.payload.signature"};
    auto decoded = round_trip(walk_in);
    CHECK(decoded.attendee == jana());
    CHECK(decoded.token == "SD1.payload.signature");

    LookupResult lookup;
    lookup.re = 12;
    lookup.attendees.push_back({jana(), true, 1764158000000});
    lookup.attendees.push_back(
        {AttendeeInfo{13, "José Núñez", "", Category::member, "", false}, false, std::nullopt});
    auto decoded_lookup = round_trip(lookup);
    REQUIRE(decoded_lookup.attendees.size() == 2);
    CHECK(decoded_lookup.attendees[0] == lookup.attendees[0]);
    CHECK(decoded_lookup.attendees[1] == lookup.attendees[1]);
    // Attendee fields sit at the top level of each entry, next to present and arrived_at.
    auto wire = json::parse(serialize(lookup));
    CHECK(wire["attendees"][0]["name"] == "Jana Köhler");
    CHECK(wire["attendees"][1]["arrived_at"].is_null());

    LookupResult too_many;
    too_many.attendees.assign(21, lookup.attendees[0]);
    auto envelope = parse_envelope(serialize(too_many));
    REQUIRE(envelope.ok());
    CHECK_FALSE(decode<LookupResult>(envelope->object).ok());
}

TEST_CASE("attendance messages: counts round-trip") {
    Counts counts;
    counts.expected = 150;
    counts.arrived = 42;
    counts.present = 40;
    counts.walk_ins = 3;
    auto decoded = round_trip(counts);
    CHECK(static_cast<const CountsBody&>(decoded) == static_cast<const CountsBody&>(counts));
    CHECK(decode_error<Counts>(
              R"({"type":"counts","expected":1,"arrived":-1,"present":0,"walk_ins":0})")
              .field == "arrived");
}

TEST_CASE("attendance messages: attendance snapshot round-trips") {
    Attendance snapshot;
    snapshot.counts = {150, 42, 40, 3};
    snapshot.by_category["member"] = {100, 30, 29};
    snapshot.by_category["new_member"] = {8, 8, 8};
    snapshot.by_sector["Wirtschaft"] = {50, 20, 19};
    snapshot.by_sector[""] = {3, 1, 1};
    snapshot.arrivals = {{1764158400000, 12}, {1764158700000, 30}};
    snapshot.recent = {{"s-9", 1764158701000, "Door 1", Method::manual, Direction::in, jana()}};
    snapshot.vips_arrived = {{jana(), 1764158701000}};
    snapshot.vips_missing = {
        AttendeeInfo{20, "Dr. Eva Groß", "Rathaus", Category::guest, "Verwaltung", true}};
    snapshot.devices = {{"Door 1", "door", 40, 2, 1764158701000, 6}};
    snapshot.rejected = {{"bad_signature", 1}, {"malformed", 1}};
    snapshot.server_time = 1764158702000;
    auto decoded = round_trip(snapshot);
    CHECK(decoded.counts == snapshot.counts);
    CHECK(decoded.by_category == snapshot.by_category);
    CHECK(decoded.by_sector == snapshot.by_sector);
    CHECK(decoded.arrivals == snapshot.arrivals);
    CHECK(decoded.recent == snapshot.recent);
    CHECK(decoded.vips_arrived == snapshot.vips_arrived);
    CHECK(decoded.vips_missing == snapshot.vips_missing);
    CHECK(decoded.devices == snapshot.devices);
    CHECK(decoded.rejected == snapshot.rejected);

    auto wire = json::parse(serialize(snapshot));
    CHECK(wire["expected"] == 150);
    CHECK(wire["vips"]["missing"][0]["name"] == "Dr. Eva Groß");

    auto bad_category = wire;
    bad_category["by_category"]["vip"] = {{"expected", 1}, {"arrived", 0}, {"present", 0}};
    CHECK_FALSE(decode<Attendance>(bad_category).ok());
    auto bad_rejected = wire;
    bad_rejected["rejected"]["ok"] = 1;
    CHECK_FALSE(decode<Attendance>(bad_rejected).ok());
    auto bad_device = wire;
    bad_device["devices"][0].erase("per_minute");
    auto device_error = decode<Attendance>(bad_device);
    REQUIRE_FALSE(device_error.ok());
    CHECK(device_error.error().field == "devices");
}

TEST_CASE("attendance messages: attendance events and vip_arrived round-trip") {
    AttendanceEventBody body;
    body.scan_id = "s-1";
    body.at = 1764158400000;
    body.device = "Door 1";
    body.method = Method::scan;
    body.direction = Direction::in;
    body.result = ScanOutcome::ok;
    body.attendee = jana();
    body.counts = {10, 5, 4, 1};

    CheckedIn checked_in{body};
    CHECK(round_trip(checked_in).attendee == jana());
    CheckedOut checked_out{body};
    checked_out.direction = Direction::out;
    CHECK(round_trip(checked_out).direction == Direction::out);
    Undone undone{body};
    CHECK(round_trip(undone).counts == body.counts);
    WalkInEvent walk_in{body};
    walk_in.method = Method::walk_in;
    CHECK(round_trip(walk_in).method == Method::walk_in);
    Rejected rejected{body};
    rejected.result = ScanOutcome::malformed;
    rejected.attendee.reset();
    auto decoded = round_trip(rejected);
    CHECK(decoded.result == ScanOutcome::malformed);
    CHECK_FALSE(decoded.attendee.has_value());
    CHECK(json::parse(serialize(rejected))["type"] == "rejected");

    VipArrived vip{jana(), 1764158400000, "Door 2"};
    auto decoded_vip = round_trip(vip);
    CHECK(decoded_vip.attendee == jana());
    CHECK(decoded_vip.device == "Door 2");
    CHECK(decode_error<VipArrived>(R"({"type":"vip_arrived","at":1,"device":"d"})").field ==
          "attendee");
}

TEST_CASE("attendance messages: utf8_prefix cuts on character boundaries") {
    CHECK(utf8_prefix("abc", 2) == "ab");
    CHECK(utf8_prefix("äöü", 2) == "äö");
    CHECK(utf8_prefix("äöü", 10) == "äöü");
    CHECK(utf8_prefix("", 5).empty());
    std::string long_text;
    for (int i = 0; i < 300; ++i)
        long_text += "ß";
    auto cut = utf8_prefix(long_text, 200);
    CHECK(cut.size() == 400);
    std::string truncated_sequence = "ab\xC3";
    CHECK(utf8_prefix(truncated_sequence, 10) == "ab");
}

TEST_CASE("attendance messages: scan_result text written directly equals the JSON tree") {
    // serialize() writes scan_result without building a tree; it must mean the same.
    std::vector<ScanResult> cases;
    for (const auto& [name, outcome] : kScanOutcomes) {
        ScanResult result;
        result.re = 9007199254740991;
        result.scan_id = "d\"oor\\1-\u00e9-\t-000042";
        result.result = outcome;
        result.direction = Direction::out;
        result.method = Method::walk_in;
        result.reason = "Grüße \"quoted\" \n new line, tab\t, bell \x07, emoji \xF0\x9F\x8E\xA4";
        result.server_time = 0;
        if (outcome != ScanOutcome::malformed) result.attendee = jana();
        if (outcome == ScanOutcome::already_in)
            result.first_entry = FirstEntry{1764158000000, "Tür </script> 2"};
        if (outcome == ScanOutcome::malformed) result.payload_excerpt = "\x01\x1f\x7f ok";
        result.replayed = outcome == ScanOutcome::ok;
        cases.push_back(result);
    }
    cases.push_back(ScanResult{});
    for (const auto& result : cases) {
        std::string text = serialize(result);
        INFO(text);
        CHECK(json::parse(text) == to_json(result));
        CHECK(text.starts_with(R"({"type":"scan_result",)"));
    }
}

TEST_CASE("json writer: strings are escaped as nlohmann escapes them") {
    const std::vector<std::string> samples{
        "",
        "plain ascii",
        "\"quotes\" and \\backslashes\\",
        std::string("nul \0 inside", 12),
        "\b\f\n\r\t\x01\x1f\x7f",
        "Köhler Straße ÄÖÜ ß é ñ 中文 \xF0\x9F\x8E\xA4",
        "</script><b>",
    };
    for (const auto& sample : samples) {
        std::string ours;
        append_json_string(ours, sample);
        INFO(sample);
        CHECK(ours == json(sample).dump());
        CHECK(json::parse(ours).get<std::string>() == sample);
    }
    // Invalid UTF-8 becomes U+FFFD, the same as nlohmann's replace handler.
    const std::vector<std::string> invalid{
        "\xC3",             // truncated two-byte sequence
        "a\x80z",           // lone continuation byte
        "\xC0\xAF",         // overlong '/'
        "\xED\xA0\x80",     // UTF-16 surrogate
        "\xF4\x90\x80\x80", // above U+10FFFF
        "\xFF\xFE ok",
    };
    for (const auto& sample : invalid) {
        std::string ours;
        append_json_string(ours, sample);
        auto parsed = json::parse(ours).get<std::string>();
        INFO(ours);
        CHECK(parsed.find("\xEF\xBF\xBD") != std::string::npos);
        CHECK(json::parse(ours) ==
              json::parse(json(sample).dump(-1, ' ', false, json::error_handler_t::replace)));
    }
}

TEST_CASE("attendance messages: the fast scan decoder agrees with the general one") {
    const std::string token = "SD1.AQEjRWeJq83vAAAQkgABaSbrwA.Az5Y-signature-chars";
    auto general = [](const std::string& text) -> std::optional<Scan> {
        auto envelope = parse_envelope(text);
        if (!envelope || envelope->type != Scan::type) return std::nullopt;
        auto decoded = decode<Scan>(envelope->object);
        if (!decoded) return std::nullopt;
        return *decoded;
    };
    auto frame = [](const std::string& fields) { return "{" + fields + "}"; };
    const std::string base = R"("type":"scan","id":7,"scan_id":"door1-000042","payload":")" +
                             token + R"(","direction":"in","at":1764158400123)";

    SECTION("plain frames are decoded fast, to the same values") {
        const std::vector<std::string> plain{
            frame(base),
            " \t\r\n" + frame(base) + " \n",
            R"({ "at" : 0 , "direction" : "out" , "payload" : "" , "scan_id" : "x" , "id" : 0 ,)"
            R"( "type" : "scan" })",
            frame(R"("type":"scan","id":9007199254740991,"scan_id":")" + std::string(64, 's') +
                  R"(","payload":")" + std::string(4096, 'p') +
                  R"(","direction":"in","at":9007199254740991)"),
            frame(
                R"("type":"scan","id":1,"scan_id":"tür-ß-中","payload":"Grüße 🎤 http://x.y/?a=b",)"
                R"("direction":"in","at":5)"),
        };
        for (const auto& text : plain) {
            INFO(text.substr(0, 200));
            auto fast = decode_scan_fast(text);
            REQUIRE(fast);
            CHECK(fast == general(text));
        }
        CHECK(decode_scan_fast(frame(base))->payload == token);
    }
    SECTION("frames the general decoder refuses are never decoded fast") {
        const std::vector<std::string> refused{
            "",
            "{}",
            "[]",
            frame(base) + "x",
            frame(base + R"(,"extra":1)"),
            frame(R"("type":"scan","id":7,"scan_id":"a","payload":"","direction":"in")"),
            frame(R"("type":"scan","scan_id":"a","payload":"","direction":"in","at":1)"),
            frame(R"("type":"scan","id":-1,"scan_id":"a","payload":"","direction":"in","at":1)"),
            frame(R"("type":"scan","id":1.5,"scan_id":"a","payload":"","direction":"in","at":1)"),
            frame(R"("type":"scan","id":9007199254740992,"scan_id":"a","payload":"",)"
                  R"("direction":"in","at":1)"),
            frame(R"("type":"scan","id":"7","scan_id":"a","payload":"","direction":"in","at":1)"),
            frame(R"("type":"scan","id":7,"scan_id":"","payload":"","direction":"in","at":1)"),
            frame(R"("type":"scan","id":7,"scan_id":")" + std::string(65, 's') +
                  R"(","payload":"","direction":"in","at":1)"),
            frame(R"("type":"scan","id":7,"scan_id":"a)"
                  "\x7f"
                  R"(","payload":"","direction":"in","at":1)"),
            frame(R"("type":"scan","id":7,"scan_id":"a","payload":")" + std::string(4097, 'p') +
                  R"(","direction":"in","at":1)"),
            frame(R"("type":"scan","id":7,"scan_id":"a","payload":"","direction":"up","at":1)"),
            frame(R"("type":"scan","id":7,"scan_id":"a","payload":null,"direction":"in","at":1)"),
            frame(R"("type":"scanx","id":7,"scan_id":"a","payload":"","direction":"in","at":1)"),
            frame(R"("type":"scan","id":7,"scan_id":"a","payload":"\xC3","direction":"in","at":1)"),
            frame(R"("type":"scan","id":7,"scan_id":"a","payload":"a)"
                  "\x01"
                  R"(","direction":"in","at":1)"),
            frame(R"("type":"scan","id":7,"scan_id":"a","payload":"","direction":"in","at":01)"),
            frame(R"("type":"scan","id":7,"scan_id":"a","payload":"","direction":"in","at":1,})"),
            frame(base).substr(0, 40),
            "{" + base + ",\"at\":5" + "}", // a repeated key
            "{" + base + "}" + std::string(70000, ' '),
        };
        for (const auto& text : refused) {
            INFO(text.substr(0, 200));
            CHECK_FALSE(decode_scan_fast(text));
        }
    }
    SECTION("unusual but valid frames take the general path and still decode there") {
        const std::vector<std::string> general_only{
            frame(R"("type":"scan","id":7,"scan_id":"a\"b","payload":"","direction":"in","at":1)"),
            frame(
                R"("type":"scan","id":7,"scan_id":"a","payload":"\u00fc","direction":"in","at":1)"),
            frame(R"("type":"scan","id":7.0,"scan_id":"a","payload":"","direction":"in","at":1)"),
            frame(R"("type":"scan","id":7,"scan_id":"a","payload":"","direction":"in","at":1e3)"),
        };
        for (const auto& text : general_only) {
            INFO(text);
            CHECK_FALSE(decode_scan_fast(text));
            CHECK(general(text));
        }
    }
}

TEST_CASE("attendance messages: offline attempts carry the kiosk's result and need a time") {
    auto scan = accepted_scan(R"({"type":"scan","id":7,"scan_id":"door1-000042","payload":"x",)"
                              R"("direction":"in","at":1764158400123,"offline":"ok"})");
    CHECK(scan.offline == ScanOutcome::ok);
    CHECK(decode_error<Scan>(R"({"type":"scan","id":7,"scan_id":"d","payload":"x",)"
                             R"("direction":"in","at":1,"offline":"green"})")
              .field == "offline");
    // checkin_manual and walk_in have an optional "at", required once "offline" is there.
    CHECK(
        decode_error<CheckinManual>(
            R"({"type":"checkin_manual","id":1,"attendee_id":12,"direction":"in","offline":"ok"})")
            .field == "at");
    CHECK(stagedoor::testing::accepted<CheckinManual>(
              R"({"type":"checkin_manual","id":1,"attendee_id":12,"direction":"in",)"
              R"("at":5,"offline":"revoked"})")
              .offline == ScanOutcome::revoked);
    CHECK(decode_error<WalkIn>(R"({"type":"walk_in","id":1,"name":"Eva","offline":"ok"})").field ==
          "at");
    auto refused = decode_error<WalkIn>(
        R"({"type":"walk_in","id":1,"name":"Eva","at":5,"offline":"already_in"})");
    CHECK(refused.field == "offline");
    CHECK(refused.code == ErrorCode::bad_message);
    // scan_result echoes the kiosk's result and names a conflict.
    ScanResult result;
    result.scan_id = "door2-000007";
    result.result = ScanOutcome::already_in;
    result.offline = ScanOutcome::ok;
    result.conflict = ConflictKind::admitted_twice;
    auto text = serialize(result);
    CHECK(text.find(R"("offline":"ok","conflict":"admitted_twice")") != std::string::npos);
    CHECK(round_trip(result) == result);
}

TEST_CASE("attendance messages: the fast scan decoder reads offline scans") {
    const std::string base = R"("type":"scan","id":7,"scan_id":"door1-000042","payload":"SD1.x",)"
                             R"("direction":"in","at":1764158400123)";
    for (const auto& [name, outcome] : kScanOutcomes) {
        std::string text = "{" + base + R"(,"offline":")" + std::string(name) + "\"}";
        auto fast = decode_scan_fast(text);
        REQUIRE(fast);
        CHECK(fast->offline == outcome);
        CHECK(*fast == accepted_scan(text));
    }
    auto first = decode_scan_fast(R"({"offline":"revoked",)" + base + "}");
    REQUIRE(first);
    CHECK(first->offline == ScanOutcome::revoked);
    // Anything the general decoder refuses or reads differently is left to it.
    CHECK_FALSE(decode_scan_fast("{" + base + R"(,"offline":"okay"})"));
    CHECK_FALSE(decode_scan_fast("{" + base + R"(,"offline":null})"));
    CHECK_FALSE(decode_scan_fast("{" + base + R"(,"offline":"ok","offline":"ok"})"));
    CHECK_FALSE(decode_scan_fast(R"({"offline":"ok"})"));
    CHECK_FALSE(decode_scan_fast("{" + base + "}").value().offline);
}
