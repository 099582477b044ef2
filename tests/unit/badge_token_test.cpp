#include "stagedoor/protocol/badge_token.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <random>
#include <string>
#include <vector>

using namespace stagedoor::protocol::badge;

namespace {

// Test vector (PROTOCOL.md section 6), cross-checked with Python's `cryptography` package.
std::vector<std::uint8_t> vector_seed() {
    std::vector<std::uint8_t> seed(32);
    for (std::size_t i = 0; i < seed.size(); ++i)
        seed[i] = static_cast<std::uint8_t>(i);
    return seed;
}

Payload vector_payload() {
    Payload payload;
    payload.event_id = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    payload.attendee_id = 4242;
    payload.serial = 1;
    payload.issued_at = 1764158400; // 2025-11-26 12:00:00 UTC
    return payload;
}

const std::string kVectorToken =
    "SD1.AQEjRWeJq83vAAAQkgABaSbrwA."
    "Az5Y5p94_v2TJL2ID2AXLrycQHNmvuWNeQpzkiqbHACLwajEKuWN3UTtVL_hMD_Z_yy-CZUGAKjtbUmYBeCRCg";
const std::string kVectorPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n"
    "-----END PUBLIC KEY-----\n";

SigningKey vector_key() {
    auto key = SigningKey::from_seed(vector_seed());
    REQUIRE(key);
    return *key;
}

std::vector<std::uint8_t> bytes_of(std::string_view text) {
    return std::vector<std::uint8_t>(text.begin(), text.end());
}

std::string encode_text(std::string_view text) {
    return base64url_encode(bytes_of(text));
}

// A token whose parse succeeds and whose signature checks out.
bool accepted(std::string_view text, const VerifyKey& key) {
    auto parsed = parse_token(text);
    return parsed && verify_token(*parsed, key);
}

} // namespace

TEST_CASE("badge: the published test vector") {
    SigningKey key = vector_key();
    std::string token = make_token(vector_payload(), key);
    CHECK(token == kVectorToken);
    CHECK(token.size() == 117);
    CHECK(key.verify_key().public_pem() == kVectorPublicPem);

    auto parsed = parse_token(token);
    REQUIRE(parsed);
    CHECK(parsed->payload == vector_payload());
    CHECK(parsed->signed_text == "SD1.AQEjRWeJq83vAAAQkgABaSbrwA");
    auto verify_key = VerifyKey::from_pem(kVectorPublicPem);
    REQUIRE(verify_key);
    CHECK(verify_token(*parsed, *verify_key));

    auto payload_bytes = encode_payload(vector_payload());
    CHECK(payload_bytes == std::vector<std::uint8_t>{0x01, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
                                                     0xef, 0x00, 0x00, 0x10, 0x92, 0x00, 0x01, 0x69,
                                                     0x26, 0xeb, 0xc0});
}

TEST_CASE("badge: base64url follows RFC 4648 without padding and decodes strictly") {
    CHECK(encode_text("") == "");
    CHECK(encode_text("f") == "Zg");
    CHECK(encode_text("fo") == "Zm8");
    CHECK(encode_text("foo") == "Zm9v");
    CHECK(encode_text("foob") == "Zm9vYg");
    CHECK(encode_text("fooba") == "Zm9vYmE");
    CHECK(encode_text("foobar") == "Zm9vYmFy");
    CHECK(base64url_encode(std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}) == "-_-_");

    CHECK(base64url_decode("Zm9vYmE") == bytes_of("fooba"));
    CHECK(base64url_decode("-_-_") == std::vector<std::uint8_t>{0xfb, 0xff, 0xbf});
    CHECK(base64url_decode("") == std::vector<std::uint8_t>{});
    CHECK_FALSE(base64url_decode("Zh"));   // non-zero trailing bits: "Zg" is canonical
    CHECK_FALSE(base64url_decode("Zm9"));  // same for two bytes: "Zm8"
    CHECK_FALSE(base64url_decode("Zg==")); // padding
    CHECK_FALSE(base64url_decode("Zm8="));
    CHECK_FALSE(base64url_decode("Zm+v")); // standard alphabet
    CHECK_FALSE(base64url_decode("Zm/v"));
    CHECK_FALSE(base64url_decode("Z"));     // impossible length
    CHECK_FALSE(base64url_decode("Zm9v ")); // whitespace
    CHECK_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
    CHECK_FALSE(base64url_decode("Zm9v\xc3\xa4"));

    std::mt19937 rng(99);
    for (std::size_t size = 0; size < 80; ++size) {
        std::vector<std::uint8_t> data(size);
        for (auto& byte : data)
            byte = static_cast<std::uint8_t>(rng());
        std::string text = base64url_encode(data);
        CHECK(text.size() == (size * 4 + 2) / 3);
        CHECK(base64url_decode(text) == data);
    }
}

TEST_CASE("badge: event ids travel as 16 lowercase hex digits") {
    EventId id{0x00, 0x11, 0x22, 0x33, 0xaa, 0xbb, 0xcc, 0xff};
    CHECK(event_id_to_hex(id) == "00112233aabbccff");
    CHECK(event_id_from_hex("00112233aabbccff") == id);
    CHECK_FALSE(event_id_from_hex("00112233AABBCCFF"));
    CHECK_FALSE(event_id_from_hex("00112233aabbccf"));
    CHECK_FALSE(event_id_from_hex("00112233aabbccff0"));
    CHECK_FALSE(event_id_from_hex("00112233aabbccfg"));
    CHECK_FALSE(event_id_from_hex(""));
    EventId a = random_event_id();
    EventId b = random_event_id();
    CHECK(a != b);
    CHECK(event_id_from_hex(event_id_to_hex(a)) == a);
}

TEST_CASE("badge: payload layout is fixed and versioned") {
    Payload payload = vector_payload();
    payload.attendee_id = 0xfffffffe;
    payload.serial = 0xffff;
    payload.issued_at = 0xffffffff;
    auto bytes = encode_payload(payload);
    REQUIRE(bytes.size() == 19);
    CHECK(decode_payload(bytes) == payload);

    auto wrong_version = bytes;
    wrong_version[0] = 2;
    CHECK_FALSE(decode_payload(wrong_version));
    CHECK_FALSE(decode_payload(std::span(bytes).first(18)));
    auto longer = bytes;
    longer.push_back(0);
    CHECK_FALSE(decode_payload(longer));
    CHECK_FALSE(decode_payload({}));
}

TEST_CASE("badge: keys round-trip through PEM and raw bytes") {
    SigningKey key = SigningKey::generate();
    std::string pem = key.private_pem();
    CHECK(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    auto loaded = SigningKey::from_pem(pem);
    REQUIRE(loaded);
    CHECK(loaded->verify_key().raw() == key.verify_key().raw());

    auto public_key = VerifyKey::from_pem(key.verify_key().public_pem());
    REQUIRE(public_key);
    CHECK(public_key->raw() == key.verify_key().raw());
    auto from_raw = VerifyKey::from_raw(key.verify_key().raw());
    REQUIRE(from_raw);

    Payload payload = vector_payload();
    std::string token = make_token(payload, *loaded);
    CHECK(accepted(token, *public_key));
    CHECK(accepted(token, *from_raw));

    CHECK_FALSE(SigningKey::from_pem(""));
    CHECK_FALSE(SigningKey::from_pem("not a key"));
    CHECK_FALSE(SigningKey::from_pem(key.verify_key().public_pem()));
    CHECK_FALSE(VerifyKey::from_pem(pem)); // a private key is not a verify key file
    CHECK_FALSE(VerifyKey::from_raw(std::vector<std::uint8_t>(31)));
    CHECK_FALSE(SigningKey::from_seed(std::vector<std::uint8_t>(33)));

    // Other key types are refused, even in valid PEM.
    EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    REQUIRE(ec);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, ec, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    std::string ec_pem(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    EVP_PKEY_free(ec);
    CHECK(ec_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    CHECK_FALSE(SigningKey::from_pem(ec_pem));

    VerifyKey empty;
    CHECK_FALSE(verify_token(*parse_token(token), empty));
}

TEST_CASE("badge: another key's signature does not verify") {
    SigningKey ours = vector_key();
    SigningKey theirs = SigningKey::generate();
    std::string forged = make_token(vector_payload(), theirs);
    auto parsed = parse_token(forged);
    REQUIRE(parsed); // well-formed, so the verdict is bad_signature, not malformed
    CHECK_FALSE(verify_token(*parsed, ours.verify_key()));
    CHECK(verify_token(*parsed, theirs.verify_key()));
}

TEST_CASE("badge: changing any single character never yields a valid token") {
    VerifyKey key = vector_key().verify_key();
    REQUIRE(accepted(kVectorToken, key));
    std::string candidates =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n\r";
    candidates.push_back('\0');
    candidates += "\xff";
    std::size_t parsed_but_rejected = 0;
    for (std::size_t i = 0; i < kVectorToken.size(); ++i) {
        for (char c : candidates) {
            if (c == kVectorToken[i]) continue;
            std::string changed = kVectorToken;
            changed[i] = c;
            INFO("position " << i << " char " << static_cast<int>(c));
            auto parsed = parse_token(changed);
            if (!parsed) continue;
            ++parsed_but_rejected;
            CHECK_FALSE(verify_token(*parsed, key));
        }
    }
    // Most changes keep the shape, so the signature is what rejects them.
    CHECK(parsed_but_rejected > 5000);
}

TEST_CASE("badge: changing any single bit of the payload or signature never verifies") {
    VerifyKey key = vector_key().verify_key();
    auto payload = encode_payload(vector_payload());
    auto original = parse_token(kVectorToken);
    REQUIRE(original);
    auto signature = original->signature;
    auto rebuild = [](const std::vector<std::uint8_t>& p, std::span<const std::uint8_t> s) {
        return "SD1." + base64url_encode(p) + "." + base64url_encode(s);
    };
    REQUIRE(rebuild(payload, signature) == kVectorToken);
    for (std::size_t byte = 0; byte < payload.size(); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            auto changed = payload;
            changed[byte] ^= static_cast<std::uint8_t>(1 << bit);
            CHECK_FALSE(accepted(rebuild(changed, signature), key));
        }
    }
    for (std::size_t byte = 0; byte < signature.size(); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            auto changed = signature;
            changed[byte] ^= static_cast<std::uint8_t>(1 << bit);
            CHECK_FALSE(accepted(rebuild(payload, changed), key));
        }
    }
}

TEST_CASE("badge: a second spelling of the same bytes is malformed") {
    // The last character of each part carries unused low bits; setting them must not
    // produce another accepted string for the same badge.
    std::string payload_last = kVectorToken;
    std::size_t at = 4 + 25; // 'A' (0) carries 4 unused bits
    REQUIRE(payload_last[at] == 'A');
    payload_last[at] = 'B';
    CHECK_FALSE(parse_token(payload_last));
    std::string signature_last = kVectorToken;
    REQUIRE(signature_last.back() == 'g'); // 32: 10 0000
    signature_last.back() = 'h';
    CHECK_FALSE(parse_token(signature_last));
}

TEST_CASE("badge: scanner line endings are accepted, other whitespace is not") {
    VerifyKey key = vector_key().verify_key();
    CHECK(accepted(kVectorToken + "\n", key));
    CHECK(accepted(kVectorToken + "\r\n", key));
    CHECK(accepted(kVectorToken + "\r", key));
    CHECK_FALSE(parse_token(kVectorToken + "\n\n"));
    CHECK_FALSE(parse_token(kVectorToken + "\n\r"));
    CHECK_FALSE(parse_token(kVectorToken + " "));
    CHECK_FALSE(parse_token(kVectorToken + "\t"));
    CHECK_FALSE(parse_token(kVectorToken + " \n"));
    CHECK_FALSE(parse_token(" " + kVectorToken));
    CHECK_FALSE(parse_token("\n" + kVectorToken));
    CHECK_FALSE(parse_token(kVectorToken + std::string(1, '\0')));
    CHECK_FALSE(parse_token(std::string(1, '\0') + kVectorToken));
}

TEST_CASE("badge: malformed inputs are rejected without throwing") {
    std::vector<std::string> inputs = {
        "",
        "\n",
        "SD1.",
        "SD1..",
        "https://example.org/badge?t=SD1.AQEjRWeJq83vAAAQkgABaSbrwA",
        "4006381333931",                 // EAN-13
        "]C1011234567890128",            // GS1-128 with symbology identifier
        "WIFI:S:venue;T:WPA;P:secret;;", // a Wi-Fi QR on the wall
        "sd1" + kVectorToken.substr(3),
        "SD2" + kVectorToken.substr(3),
        "SD1:" + kVectorToken.substr(4),
        kVectorToken.substr(0, 116),
        kVectorToken + "A",
        kVectorToken.substr(0, 30) + "=" + kVectorToken.substr(30),
        kVectorToken + "." + kVectorToken,
        std::string(1024 * 1024, 'A'),
        std::string(1024 * 1024, '\0'),
        std::string(117, '.'),
        "SD1." + std::string(113, '.'),
    };
    std::string with_nul = kVectorToken;
    with_nul[50] = '\0';
    inputs.push_back(with_nul);

    // Valid shape but layout version 2, correctly signed: still not a v1 token.
    SigningKey key = vector_key();
    auto payload = encode_payload(vector_payload());
    payload[0] = 2;
    std::string signed_text = "SD1." + base64url_encode(payload);
    auto signature = key.sign(bytes_of(signed_text));
    inputs.push_back(signed_text + "." + base64url_encode(signature));

    for (const std::string& input : inputs) {
        INFO("input of " << input.size() << " bytes: " << input.substr(0, 80));
        std::optional<ParsedToken> parsed;
        REQUIRE_NOTHROW(parsed = parse_token(input));
        CHECK_FALSE(parsed);
    }

    // Random bytes and random base64url soup of token length.
    std::mt19937 rng(2024);
    const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    VerifyKey verify_key = key.verify_key();
    for (int round = 0; round < 2000; ++round) {
        std::string text(rng() % 200, '\0');
        for (char& c : text)
            c = static_cast<char>(rng());
        CHECK_FALSE(accepted(text, verify_key));
        std::string soup = "SD1.";
        for (int i = 0; i < 113; ++i)
            soup.push_back(alphabet[rng() % alphabet.size()]);
        CHECK_FALSE(accepted(soup, verify_key));
    }
}

TEST_CASE("badge: peeking at the payload reads the payload characters only") {
    CHECK(peek_token_payload(kVectorToken) == vector_payload());
    // The signature characters are not looked at: the caller compares the whole text with the
    // issued token, or falls back to parse_token.
    std::string bad_signature_chars = kVectorToken;
    bad_signature_chars.back() = '!';
    CHECK(peek_token_payload(bad_signature_chars) == vector_payload());
    CHECK_FALSE(parse_token(bad_signature_chars));
    // The shape and the payload still have to be right.
    CHECK_FALSE(peek_token_payload(""));
    CHECK_FALSE(peek_token_payload(kVectorToken.substr(0, 116)));
    CHECK_FALSE(peek_token_payload(kVectorToken + "\n")); // the caller trims line endings
    std::string wrong_prefix = kVectorToken;
    wrong_prefix[0] = 'X';
    CHECK_FALSE(peek_token_payload(wrong_prefix));
    std::string no_dot = kVectorToken;
    no_dot[30] = 'A';
    CHECK_FALSE(peek_token_payload(no_dot));
    std::string bad_payload_chars = kVectorToken;
    bad_payload_chars[5] = '*';
    CHECK_FALSE(peek_token_payload(bad_payload_chars));
}
