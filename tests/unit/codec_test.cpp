// The strict codec: every core message round-trips, every malformed input is refused with the
// right code and the offending field, and nothing throws.
#include "message_checks.hpp"
#include "stagedoor/protocol/messages.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor::protocol;
using nlohmann::json;

namespace {
using stagedoor::testing::round_trip;

template <class M> Error decode_error(const json& object) {
    auto decoded = decode<M>(object);
    REQUIRE_FALSE(decoded.ok());
    return decoded.error();
}
} // namespace

TEST_CASE("codec: every core message round-trips") {
    auto hello = round_trip(Hello{7, 1, "door", "Door 1 – Eingang Süd", "k3y"});
    CHECK(hello.device == "Door 1 – Eingang Süd");
    auto welcome = round_trip(Welcome{7,
                                      1,
                                      Role::organiser,
                                      "Laptop",
                                      1764158400123,
                                      {"0123456789abcdef", "Netzwerk", "2026-11-26"}});
    CHECK(welcome.event.name == "Netzwerk");
    CHECK(welcome.role == Role::organiser);
    auto ping = round_trip(Ping{3, 1764158400000.25});
    CHECK(ping.t0 == 1764158400000.25);
    auto pong = round_trip(Pong{3, 1.5, 2.25, 2.5});
    CHECK(pong.t2 == 2.5);
    CHECK(round_trip(Ok{9}).re == 9);
    auto error =
        round_trip(ErrorReply{std::nullopt, ErrorCode::bad_message, "field 'x' is required", "x"});
    CHECK_FALSE(error.re);
    CHECK(error.field == "x");
    auto with_re = round_trip(ErrorReply{4, ErrorCode::rate_limited, "slow down", ""});
    CHECK(with_re.re == 4);
}

TEST_CASE("codec: error codes and roles have stable names") {
    for (auto code :
         {ErrorCode::bad_json, ErrorCode::bad_message, ErrorCode::unknown_type,
          ErrorCode::unauthorized, ErrorCode::forbidden, ErrorCode::too_large,
          ErrorCode::rate_limited, ErrorCode::not_found, ErrorCode::conflict, ErrorCode::internal})
        CHECK(error_code_from_string(to_string(code)) == code);
    CHECK(role_from_string("organiser") == Role::organiser);
    CHECK_FALSE(role_from_string("organizer"));
}

TEST_CASE("codec: the envelope refuses what is not a JSON object with a type") {
    CHECK(parse_envelope("{").error().code == ErrorCode::bad_json);
    CHECK(parse_envelope("").error().code == ErrorCode::bad_json);
    CHECK(parse_envelope("[]").error().code == ErrorCode::bad_json);
    CHECK(parse_envelope("\"hello\"").error().code == ErrorCode::bad_json);
    CHECK(parse_envelope("{\"type\":\"ping\"} trailing").error().code == ErrorCode::bad_json);
    CHECK(parse_envelope(std::string("{\"type\":\"a\xff\"}")).error().code == ErrorCode::bad_json);
    CHECK(parse_envelope(std::string("{\"type\":\"\xc3\x28\"}")).error().code ==
          ErrorCode::bad_json);

    auto missing = parse_envelope(R"({"id":1})");
    CHECK(missing.error().code == ErrorCode::bad_message);
    CHECK(missing.error().field == "type");
    CHECK(parse_envelope(R"({"type":5})").error().field == "type");
    CHECK(parse_envelope(R"({"type":""})").error().field == "type");
    CHECK(parse_envelope(R"({"type":"x","id":"1"})").error().field == "id");
    CHECK(parse_envelope(R"({"type":"x","id":-1})").error().field == "id");
    CHECK(parse_envelope(R"({"type":"x","id":9007199254740992})").error().field == "id");
    CHECK(parse_envelope(R"({"type":"x","id":18446744073709551615})").error().field == "id");

    std::optional<std::int64_t> id;
    auto ok = parse_envelope(R"({"type":"ping","id":5.0,"t0":1})", &id);
    REQUIRE(ok.ok());
    CHECK(ok->id == 5);
    CHECK(id == 5);

    std::string big = R"({"type":"x","pad":")" + std::string(kMaxFrameBytes, 'a') + "\"}";
    CHECK(parse_envelope(big).error().code == ErrorCode::too_large);
}

TEST_CASE("codec: malformed messages name the offending field") {
    auto valid = json{{"type", "hello"}, {"id", 1},       {"protocol", 1},
                      {"role", "door"},  {"device", "d"}, {"key", "k"}};
    REQUIRE(decode<Hello>(valid).ok());

    for (const char* field : {"id", "protocol", "role", "device"}) {
        auto missing = valid;
        missing.erase(field);
        auto error = decode_error<Hello>(missing);
        CHECK(error.code == ErrorCode::bad_message);
        CHECK(error.field == field);
        CHECK_THAT(error.message, Catch::Contains("required"));
    }
    // key and token are each optional; the dispatcher requires exactly one of them.
    auto with_token = valid;
    with_token.erase("key");
    with_token["token"] = "sdd_1_x";
    auto decoded_token = decode<Hello>(with_token);
    REQUIRE(decoded_token.ok());
    CHECK_FALSE(decoded_token->key.has_value());
    CHECK(decoded_token->token == "sdd_1_x");
    auto null_token = with_token;
    null_token["token"] = nullptr;
    CHECK(decode_error<Hello>(null_token).field == "token");
    auto wrong_type = valid;
    wrong_type["device"] = 42;
    CHECK(decode_error<Hello>(wrong_type).field == "device");
    auto empty = valid;
    empty["device"] = "";
    CHECK(decode_error<Hello>(empty).field == "device");
    auto long_device = valid;
    long_device["device"] = std::string(65, 'x');
    CHECK_THAT(decode_error<Hello>(long_device).message, Catch::Contains("longer than 64"));
    auto extra = valid;
    extra["admin"] = true;
    auto extra_error = decode_error<Hello>(extra);
    CHECK(extra_error.field == "admin");
    CHECK_THAT(extra_error.message, Catch::Contains("not part of this message"));
    auto fraction = valid;
    fraction["protocol"] = 1.5;
    CHECK(decode_error<Hello>(fraction).field == "protocol");
    auto huge = valid;
    huge["protocol"] = 1e300;
    CHECK(decode_error<Hello>(huge).field == "protocol");
    auto null_value = valid;
    null_value["key"] = nullptr;
    CHECK(decode_error<Hello>(null_value).field == "key");

    auto ping_huge = json{{"type", "ping"}, {"id", 1}, {"t0", 1e300}};
    CHECK(decode_error<Ping>(ping_huge).field == "t0");
    auto welcome = json::parse(
        serialize(Welcome{1, 1, Role::door, "d", 1, {"0123456789abcdef", "n", "2026-11-26"}}));
    welcome["event"]["name"] = 5;
    CHECK(decode_error<Welcome>(welcome).field == "event");
    welcome = json::parse(
        serialize(Welcome{1, 1, Role::door, "d", 1, {"0123456789abcdef", "n", "2026-11-26"}}));
    welcome["role"] = "janitor";
    CHECK_THAT(decode_error<Welcome>(welcome).message, Catch::Contains("one of door, stage"));
}

TEST_CASE("codec: decoding never throws, whatever the input") {
    const std::vector<std::string> inputs = {
        "{}",
        "null",
        "1e999999",
        "{\"type\":null}",
        "{\"type\":\"hello\",\"id\":{}}",
        "{\"type\":\"ping\",\"id\":1,\"t0\":[]}",
        std::string(1000, '['),
        std::string("{\"type\":\"ping\"\0}", 16),
        "{\"type\":\"ping\",\"id\":1,\"t0\":-0}",
        "{\"type\":\"hello\",\"id\":1,\"protocol\":1,\"role\":\"door\",\"device\":\"d\",\"key\":"
        "\"k\",\"key\":\"k2\"}"};
    for (const auto& input : inputs) {
        INFO(input);
        CHECK_NOTHROW([&] {
            auto envelope = parse_envelope(input);
            if (envelope.ok()) {
                (void)decode<Hello>(envelope->object);
                (void)decode<Ping>(envelope->object);
                (void)decode<Welcome>(envelope->object);
                (void)decode<ErrorReply>(envelope->object);
            }
        }());
    }
}
