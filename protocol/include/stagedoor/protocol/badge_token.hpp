// Badge tokens: "SD1.<base64url payload>.<base64url Ed25519 signature>".
// The payload holds no personal data; the byte layout is documented in PROTOCOL.md.
#pragma once

#include "stagedoor/protocol/codec.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::protocol::badge {

using EventId = std::array<std::uint8_t, 8>;

// Event ids travel as 16 lowercase hex digits (EventInfo::id).
std::string event_id_to_hex(const EventId& id);
std::optional<EventId> event_id_from_hex(std::string_view hex);
EventId random_event_id();

struct Payload {
    EventId event_id{};
    std::uint32_t attendee_id = 0;
    std::uint16_t serial = 0;
    std::uint32_t issued_at = 0; // unix seconds
    bool operator==(const Payload&) const = default;
};

// Fixed-size binary layout (see PROTOCOL.md).
std::vector<std::uint8_t> encode_payload(const Payload& payload);
std::optional<Payload> decode_payload(std::span<const std::uint8_t> bytes);

std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

class VerifyKey;

// Ed25519 private key (OpenSSL 3).
class SigningKey {
  public:
    static SigningKey generate();
    static std::optional<SigningKey> from_pem(std::string_view pem);
    // 32-byte seed, for test vectors.
    static std::optional<SigningKey> from_seed(std::span<const std::uint8_t> seed);
    std::string private_pem() const;
    VerifyKey verify_key() const;
    std::array<std::uint8_t, 64> sign(std::span<const std::uint8_t> message) const;

  private:
    std::shared_ptr<void> key_; // EVP_PKEY
};

class VerifyKey {
  public:
    static std::optional<VerifyKey> from_pem(std::string_view pem);
    static std::optional<VerifyKey> from_raw(std::span<const std::uint8_t> raw32);
    std::string public_pem() const;
    std::array<std::uint8_t, 32> raw() const;
    bool verify(std::span<const std::uint8_t> message,
                std::span<const std::uint8_t> signature) const;

  private:
    friend class SigningKey;
    std::shared_ptr<void> key_; // EVP_PKEY
};

std::string make_token(const Payload& payload, const SigningKey& key);

// A token that has the right shape; the signature is not checked yet.
struct ParsedToken {
    Payload payload;
    std::string signed_text; // "SD1.<payload>": the bytes that are signed
    std::array<std::uint8_t, 64> signature{};
};

// std::nullopt: not a stagedoor token at all (verdict "malformed").
std::optional<ParsedToken> parse_token(std::string_view text);
bool verify_token(const ParsedToken& token, const VerifyKey& key);

// The payload of text shaped like a token ("SD1." + 26 + "." + 86 characters), without
// looking at the signature characters. For a server that recognises the exact text it issued
// (which is then well-formed by construction) before paying for parse_token.
std::optional<Payload> peek_token_payload(std::string_view text);

} // namespace stagedoor::protocol::badge
