#include "stagedoor/protocol/badge_token.hpp"

#include <algorithm>
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdexcept>

namespace stagedoor::protocol::badge {

namespace {

constexpr std::uint8_t kLayoutVersion = 1;
constexpr std::size_t kPayloadBytes = 19;
constexpr std::size_t kSignatureBytes = 64;
constexpr std::string_view kPrefix = "SD1.";
// base64url without padding: 19 bytes -> 26 characters, 64 bytes -> 86 characters.
constexpr std::size_t kPayloadChars = 26;
constexpr std::size_t kSignatureChars = 86;
constexpr std::size_t kTokenChars = kPrefix.size() + kPayloadChars + 1 + kSignatureChars;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

using PkeyPtr = std::shared_ptr<void>;

PkeyPtr wrap(EVP_PKEY* key) {
    return PkeyPtr(key, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

EVP_PKEY* pkey(const PkeyPtr& key) {
    return static_cast<EVP_PKEY*>(key.get());
}

struct BioDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::string bio_contents(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    if (size <= 0 || data == nullptr) return {};
    return std::string(data, static_cast<std::size_t>(size));
}

BioPtr memory_bio(std::string_view text) {
    // PEM text is small; anything beyond a few KB is not a key.
    if (text.empty() || text.size() > 16 * 1024) return nullptr;
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

bool is_ed25519(EVP_PKEY* key) {
    return key && EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
}

void put_be(std::vector<std::uint8_t>& out, std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint64_t get_be(std::span<const std::uint8_t> bytes, std::size_t at, int count) {
    std::uint64_t value = 0;
    for (int i = 0; i < count; ++i)
        value = (value << 8) | bytes[at + static_cast<std::size_t>(i)];
    return value;
}

} // namespace

std::string event_id_to_hex(const EventId& id) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text;
    text.reserve(16);
    for (std::uint8_t byte : id) {
        text.push_back(kHex[byte >> 4]);
        text.push_back(kHex[byte & 0x0f]);
    }
    return text;
}

std::optional<EventId> event_id_from_hex(std::string_view hex) {
    if (hex.size() != 16) return std::nullopt;
    EventId id{};
    for (std::size_t i = 0; i < id.size(); ++i) {
        int high = hex_value(hex[2 * i]);
        int low = hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        id[i] = static_cast<std::uint8_t>(high * 16 + low);
    }
    return id;
}

EventId random_event_id() {
    EventId id{};
    if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return id;
}

std::vector<std::uint8_t> encode_payload(const Payload& payload) {
    std::vector<std::uint8_t> bytes;
    bytes.reserve(kPayloadBytes);
    bytes.push_back(kLayoutVersion);
    bytes.insert(bytes.end(), payload.event_id.begin(), payload.event_id.end());
    put_be(bytes, payload.attendee_id, 4);
    put_be(bytes, payload.serial, 2);
    put_be(bytes, payload.issued_at, 4);
    return bytes;
}

std::optional<Payload> decode_payload(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != kPayloadBytes || bytes[0] != kLayoutVersion) return std::nullopt;
    Payload payload;
    for (std::size_t i = 0; i < payload.event_id.size(); ++i)
        payload.event_id[i] = bytes[1 + i];
    payload.attendee_id = static_cast<std::uint32_t>(get_be(bytes, 9, 4));
    payload.serial = static_cast<std::uint16_t>(get_be(bytes, 13, 2));
    payload.issued_at = static_cast<std::uint32_t>(get_be(bytes, 15, 4));
    return payload;
}

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
    std::string text;
    text.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t group =
            (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        text.push_back(kAlphabet[(group >> 18) & 63]);
        text.push_back(kAlphabet[(group >> 12) & 63]);
        text.push_back(kAlphabet[(group >> 6) & 63]);
        text.push_back(kAlphabet[group & 63]);
    }
    std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        std::uint32_t group = std::uint32_t{bytes[i]} << 16;
        text.push_back(kAlphabet[(group >> 18) & 63]);
        text.push_back(kAlphabet[(group >> 12) & 63]);
    } else if (rest == 2) {
        std::uint32_t group = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
        text.push_back(kAlphabet[(group >> 18) & 63]);
        text.push_back(kAlphabet[(group >> 12) & 63]);
        text.push_back(kAlphabet[(group >> 6) & 63]);
    }
    return text;
}

std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
    // A single leftover character cannot encode a byte.
    if (text.size() % 4 == 1) return std::nullopt;
    std::vector<std::uint8_t> bytes;
    bytes.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (char c : text) {
        int value = base64url_value(c);
        if (value < 0) return std::nullopt; // also rejects '=' padding and whitespace
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            bytes.push_back(static_cast<std::uint8_t>(bits >> bit_count));
            bits &= (1u << bit_count) - 1;
        }
    }
    // Canonical encodings leave only zero bits over; anything else is a second spelling.
    if (bits != 0) return std::nullopt;
    return bytes;
}

SigningKey SigningKey::generate() {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (!key) throw std::runtime_error("Ed25519 key generation failed");
    SigningKey result;
    result.key_ = wrap(key);
    return result;
}

std::optional<SigningKey> SigningKey::from_pem(std::string_view pem) {
    BioPtr bio = memory_bio(pem);
    if (!bio) return std::nullopt;
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (!is_ed25519(key)) {
        EVP_PKEY_free(key);
        return std::nullopt;
    }
    SigningKey result;
    result.key_ = wrap(key);
    return result;
}

std::optional<SigningKey> SigningKey::from_seed(std::span<const std::uint8_t> seed) {
    if (seed.size() != 32) return std::nullopt;
    EVP_PKEY* key =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
    if (!key) return std::nullopt;
    SigningKey result;
    result.key_ = wrap(key);
    return result;
}

std::string SigningKey::private_pem() const {
    if (!key_) throw std::logic_error("empty signing key");
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), pkey(key_), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        throw std::runtime_error("writing the private key failed");
    return bio_contents(bio.get());
}

VerifyKey SigningKey::verify_key() const {
    if (!key_) throw std::logic_error("empty signing key");
    std::array<std::uint8_t, 32> public_key{};
    std::size_t size = public_key.size();
    if (EVP_PKEY_get_raw_public_key(pkey(key_), public_key.data(), &size) != 1 || size != 32)
        throw std::runtime_error("reading the public key failed");
    auto result = VerifyKey::from_raw(public_key);
    if (!result) throw std::runtime_error("building the public key failed");
    return *result;
}

std::array<std::uint8_t, 64> SigningKey::sign(std::span<const std::uint8_t> message) const {
    if (!key_) throw std::logic_error("empty signing key");
    MdCtxPtr ctx(EVP_MD_CTX_new());
    std::array<std::uint8_t, 64> signature{};
    std::size_t size = signature.size();
    // Ed25519 hashes internally: no digest, one-shot EVP_DigestSign.
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey(key_)) != 1 ||
        EVP_DigestSign(ctx.get(), signature.data(), &size, message.data(), message.size()) != 1 ||
        size != signature.size())
        throw std::runtime_error("Ed25519 signing failed");
    return signature;
}

std::optional<VerifyKey> VerifyKey::from_pem(std::string_view pem) {
    BioPtr bio = memory_bio(pem);
    if (!bio) return std::nullopt;
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (!is_ed25519(key)) {
        EVP_PKEY_free(key);
        return std::nullopt;
    }
    VerifyKey result;
    result.key_ = wrap(key);
    return result;
}

std::optional<VerifyKey> VerifyKey::from_raw(std::span<const std::uint8_t> raw32) {
    if (raw32.size() != 32) return std::nullopt;
    EVP_PKEY* key =
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw32.data(), raw32.size());
    if (!key) return std::nullopt;
    VerifyKey result;
    result.key_ = wrap(key);
    return result;
}

std::string VerifyKey::public_pem() const {
    if (!key_) throw std::logic_error("empty verify key");
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey(key_)) != 1)
        throw std::runtime_error("writing the public key failed");
    return bio_contents(bio.get());
}

std::array<std::uint8_t, 32> VerifyKey::raw() const {
    std::array<std::uint8_t, 32> bytes{};
    if (!key_) return bytes;
    std::size_t size = bytes.size();
    if (EVP_PKEY_get_raw_public_key(pkey(key_), bytes.data(), &size) != 1 || size != 32) return {};
    return bytes;
}

bool VerifyKey::verify(std::span<const std::uint8_t> message,
                       std::span<const std::uint8_t> signature) const {
    if (!key_ || signature.size() != kSignatureBytes) return false;
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey(key_)) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                            message.size()) == 1;
}

std::string make_token(const Payload& payload, const SigningKey& key) {
    std::string signed_text = std::string(kPrefix) + base64url_encode(encode_payload(payload));
    auto signature = key.sign(
        std::span(reinterpret_cast<const std::uint8_t*>(signed_text.data()), signed_text.size()));
    return signed_text + "." + base64url_encode(signature);
}

std::optional<ParsedToken> parse_token(std::string_view text) {
    // Keyboard-wedge scanners end a read with Enter: one trailing CR, LF or CR LF is accepted.
    if (text.size() >= 2 && text.substr(text.size() - 2) == "\r\n") {
        text.remove_suffix(2);
    } else if (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    if (text.size() != kTokenChars || !text.starts_with(kPrefix)) return std::nullopt;
    std::string_view payload_text = text.substr(kPrefix.size(), kPayloadChars);
    if (text[kPrefix.size() + kPayloadChars] != '.') return std::nullopt;
    std::string_view signature_text = text.substr(kPrefix.size() + kPayloadChars + 1);

    auto payload_bytes = base64url_decode(payload_text);
    auto signature_bytes = base64url_decode(signature_text);
    if (!payload_bytes || !signature_bytes || signature_bytes->size() != kSignatureBytes)
        return std::nullopt;
    auto payload = decode_payload(*payload_bytes);
    if (!payload) return std::nullopt;

    ParsedToken token;
    token.payload = *payload;
    token.signed_text = std::string(text.substr(0, kPrefix.size() + kPayloadChars));
    std::copy(signature_bytes->begin(), signature_bytes->end(), token.signature.begin());
    return token;
}

std::optional<Payload> peek_token_payload(std::string_view text) {
    if (text.size() != kTokenChars || !text.starts_with(kPrefix) ||
        text[kPrefix.size() + kPayloadChars] != '.')
        return std::nullopt;
    auto payload_bytes = base64url_decode(text.substr(kPrefix.size(), kPayloadChars));
    if (!payload_bytes) return std::nullopt;
    return decode_payload(*payload_bytes);
}

bool verify_token(const ParsedToken& token, const VerifyKey& key) {
    return key.verify(std::span(reinterpret_cast<const std::uint8_t*>(token.signed_text.data()),
                                token.signed_text.size()),
                      token.signature);
}

} // namespace stagedoor::protocol::badge
