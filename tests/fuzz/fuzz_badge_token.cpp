// Fuzz target: what a door camera reads, judged as a badge token. parse_token,
// peek_token_payload and verify_token (against a fixed key) must never crash and must agree;
// a token that verifies must be exactly the token make_token writes for its payload; base64url
// must have one spelling per byte string. The input's first 19 bytes also become a payload
// that is signed, parsed and verified (the path a real badge takes), and a badge with the
// input as name and token is rendered (server/badges).
#include "badges/badges.hpp"
#include "fuzz_check.hpp"
#include "stagedoor/protocol/badge_token.hpp"

#include <algorithm>
#include <array>

namespace {

using namespace stagedoor::protocol::badge;
using stagedoor::fuzz::check;

// The key the seed corpus's tokens were signed with: seed bytes 0x5d (see corpus/README.md).
const SigningKey& fixed_key() {
    static const SigningKey key = [] {
        std::array<std::uint8_t, 32> seed;
        seed.fill(0x5d);
        return *SigningKey::from_seed(seed);
    }();
    return key;
}

void check_token_text(std::string_view text) {
    static const VerifyKey verify_key = fixed_key().verify_key();
    std::optional<ParsedToken> parsed = parse_token(text);
    std::optional<Payload> peeked = peek_token_payload(text);
    if (!parsed) return;
    // peek does not take the scanner's line end off, parse does.
    if (text.size() == 117) check(peeked.has_value(), "peek refuses a token parse accepts");
    if (peeked) check(*peeked == parsed->payload, "peek and parse read different payloads");
    if (!verify_token(*parsed, verify_key)) return;
    std::string again = make_token(parsed->payload, fixed_key());
    check(text.starts_with(again) && text.size() - again.size() <= 2,
          "a token that verifies differs from the one make_token writes");
}

void check_base64url(std::string_view text) {
    auto bytes = base64url_decode(text);
    if (!bytes) return;
    check(base64url_encode(*bytes) == text, "base64url_decode accepts a second spelling");
    if (auto payload = decode_payload(*bytes))
        check(encode_payload(*payload) == *bytes, "a payload changed through decode and encode");
}

void check_signed_payload(std::span<const std::uint8_t> bytes) {
    std::vector<std::uint8_t> layout(bytes.begin(), bytes.begin() + 19);
    layout[0] = encode_payload(Payload{})[0]; // the layout version
    std::optional<Payload> payload = decode_payload(layout);
    check(payload.has_value(), "decode_payload refuses a payload of the right layout");
    std::string token = make_token(*payload, fixed_key());
    std::optional<ParsedToken> parsed = parse_token(token);
    check(parsed && parsed->payload == *payload, "parse_token refuses a token make_token wrote");
    check(verify_token(*parsed, fixed_key().verify_key()),
          "a token make_token wrote does not verify");
    check(peek_token_payload(token) == payload, "peek misreads a token make_token wrote");
}

// A badge names its holder and draws its token (at most 200 bytes: a QR version 10 holds 213).
void check_badge(std::string_view text) {
    if (text.empty() || text.size() > 200 || !stagedoor::protocol::is_valid_utf8(text)) return;
    std::string svg = stagedoor::badges::badge_svg(
        {1, std::string(text), "Org", "member", "", std::string(text)});
    check(stagedoor::protocol::is_valid_utf8(svg), "badge_svg wrote invalid UTF-8");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text = stagedoor::fuzz::as_text(data, size);
    check_token_text(text);
    check_base64url(text);
    if (size >= 19) check_signed_payload({data, size});
    check_badge(text);
    return 0;
}
