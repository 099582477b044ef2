// The pure parts of paired devices: token and pairing-code formats, durations, links and the
// ledger's device label.
#include "domain/devices.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor;
using namespace stagedoor::domain;

TEST_CASE("devices: a token carries its device id and 43 base64url characters") {
    std::string secret(43, 'a');
    secret[5] = '-';
    secret[6] = '_';
    std::string token = format_device_token(17, secret);
    CHECK(token == "sdd_17_" + secret);
    auto parsed = parse_device_token(token);
    REQUIRE(parsed.has_value());
    CHECK(parsed->device_id == 17);
    CHECK(parsed->secret == secret);

    CHECK_FALSE(parse_device_token("sdd_17_" + secret.substr(1)));       // too short
    CHECK_FALSE(parse_device_token("sdd_17_" + secret + "a"));           // too long
    CHECK_FALSE(parse_device_token("sdd_017_" + secret));                // leading zero
    CHECK_FALSE(parse_device_token("sdd_0_" + secret));                  // no device 0
    CHECK_FALSE(parse_device_token("sdd_-3_" + secret));                 // sign
    CHECK_FALSE(parse_device_token("sdk_17_" + secret));                 // prefix
    CHECK_FALSE(parse_device_token("sdd_17_" + secret.substr(1) + "=")); // not base64url
    CHECK_FALSE(parse_device_token("a-role-key"));
}

TEST_CASE("devices: pairing codes use an unambiguous alphabet and forgive case and dashes") {
    for (char ambiguous : std::string("01OIL"))
        CHECK(kPairingAlphabet.find(ambiguous) == std::string_view::npos);
    const std::string random("\x00\x01\x1e\x1f\xff\x10\x20\x30\x40\x50", 10);
    std::string code = pairing_code_from_random(random);
    REQUIRE(code.size() == kPairingCodeChars);
    for (char c : code)
        CHECK(kPairingAlphabet.find(c) != std::string_view::npos);
    CHECK(code[0] == kPairingAlphabet[0]);
    CHECK(code[3] == kPairingAlphabet[0]); // 31 % 31

    CHECK(group_pairing_code("ABCDEFGHJK") == "ABCDE-FGHJK");
    CHECK(normalize_pairing_code("abcde-fghjk") == "ABCDEFGHJK");
    CHECK(normalize_pairing_code(" ABCDE FGHJK ") == "ABCDEFGHJK");
    CHECK_FALSE(normalize_pairing_code("ABCDE-FGHJ"));   // 9 letters
    CHECK_FALSE(normalize_pairing_code("ABCDE-FGHJKM")); // 11 letters
    CHECK_FALSE(normalize_pairing_code("ABCDE-FGHJ0"));  // 0 is not in the alphabet
    CHECK_FALSE(normalize_pairing_code(""));
}

TEST_CASE("devices: a pairing code is usable while it has uses left and has not expired") {
    PairingCode code{protocol::Role::door, "Door 1", 1, 10'000};
    CHECK(pairing_usable(code, 9'999));
    CHECK_FALSE(pairing_usable(code, 10'000));
    code.uses_left = 0;
    CHECK_FALSE(pairing_usable(code, 0));
}

TEST_CASE("devices: pairing links open the role's view with the code in the fragment") {
    CHECK(pairing_link("http://10.0.0.2:8080/", protocol::Role::door, "ABCDEFGHJK") ==
          "http://10.0.0.2:8080/door#pair=ABCDE-FGHJK");
    CHECK(pairing_link("https://x", protocol::Role::organiser, "ABCDEFGHJK") ==
          "https://x/dashboard#pair=ABCDE-FGHJK");
    CHECK(view_for_role(protocol::Role::stage) == "stage");
    CHECK(view_for_role(protocol::Role::moderator) == "moderator");
}

TEST_CASE("devices: durations for --expires") {
    CHECK(parse_duration_ms("45s") == 45'000);
    CHECK(parse_duration_ms("30m") == 1'800'000);
    CHECK(parse_duration_ms("2h") == 7'200'000);
    CHECK(parse_duration_ms("1d") == 86'400'000);
    CHECK(parse_duration_ms("90") == 90'000);
    CHECK(parse_duration_ms("7d") == kMaxPairingLifetimeMs);
    CHECK_FALSE(parse_duration_ms("8d"));
    CHECK_FALSE(parse_duration_ms("0m"));
    CHECK_FALSE(parse_duration_ms("30x"));
    CHECK_FALSE(parse_duration_ms("m"));
    CHECK_FALSE(parse_duration_ms("-5m"));
    CHECK_FALSE(parse_duration_ms(""));
}

TEST_CASE("devices: the ledger label names the device id, which survives a rename") {
    CHECK(device_label("Door 1", 7) == "Door 1 #7");
    CHECK(device_id_in_label("Door 1 #7") == 7);
    CHECK(device_id_in_label("Renamed #3 #7") == 7);
    CHECK(device_id_in_label("Door 1") == 0);
    CHECK(device_id_in_label("Door #") == 0);
    CHECK(device_id_in_label("Door #07") == 0);
    CHECK(looks_like_device_label("Door 1 #7"));
    CHECK_FALSE(looks_like_device_label("Door #1a"));
    CHECK_FALSE(looks_like_device_label("Door#1"));

    CHECK(ledger_device("Door 1", 7) == "Door 1 #7");
    CHECK(ledger_device("Door 1", 0) == "Door 1");
    CHECK(same_device("Door 1 #7", "Main door #7")); // renamed
    CHECK_FALSE(same_device("Door 1 #7", "Door 1")); // a role-key door of the same name
    CHECK_FALSE(same_device("Door 1 #7", "Door 1 #8"));
    CHECK(same_device("Door 1", "Door 1"));
    CHECK_FALSE(same_device("Door 1", "Door 2"));
}
