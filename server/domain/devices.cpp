#include "domain/devices.hpp"

#include <charconv>

namespace stagedoor::domain {

namespace {

// A positive decimal id without sign or leading zeros, at most 18 digits.
std::optional<std::int64_t> parse_id(std::string_view text) {
    if (text.empty() || text.size() > 18 || text.front() == '0') return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

bool is_base64url(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

constexpr std::string_view kLabelMark = " #";

} // namespace

std::string format_device_token(std::int64_t device_id, std::string_view secret) {
    return std::string(kDeviceTokenPrefix) + std::to_string(device_id) + "_" + std::string(secret);
}

std::optional<DeviceToken> parse_device_token(std::string_view text) {
    if (!text.starts_with(kDeviceTokenPrefix)) return std::nullopt;
    text.remove_prefix(kDeviceTokenPrefix.size());
    auto underscore = text.find('_');
    if (underscore == std::string_view::npos) return std::nullopt;
    auto id = parse_id(text.substr(0, underscore));
    std::string_view secret = text.substr(underscore + 1);
    if (!id || secret.size() != kDeviceTokenSecretChars) return std::nullopt;
    for (char c : secret)
        if (!is_base64url(c)) return std::nullopt;
    return DeviceToken{*id, secret};
}

std::string pairing_code_from_random(std::string_view random) {
    std::string code;
    for (std::size_t i = 0; i < kPairingCodeChars && i < random.size(); ++i)
        code += kPairingAlphabet[static_cast<unsigned char>(random[i]) % kPairingAlphabet.size()];
    return code;
}

std::string group_pairing_code(std::string_view code) {
    std::string grouped(code);
    if (grouped.size() == kPairingCodeChars) grouped.insert(kPairingCodeChars / 2, "-");
    return grouped;
}

std::optional<std::string> normalize_pairing_code(std::string_view text) {
    std::string code;
    for (char c : text) {
        if (c == '-' || c == ' ') continue;
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (kPairingAlphabet.find(c) == std::string_view::npos) return std::nullopt;
        if (code.size() == kPairingCodeChars) return std::nullopt;
        code += c;
    }
    if (code.size() != kPairingCodeChars) return std::nullopt;
    return code;
}

bool pairing_usable(const PairingCode& code, std::int64_t now) {
    return code.uses_left > 0 && now < code.expires_at;
}

std::string_view view_for_role(protocol::Role role) {
    return role == protocol::Role::organiser ? "dashboard" : protocol::to_string(role);
}

std::string pairing_link(std::string_view base, protocol::Role role, std::string_view code) {
    std::string link(base);
    while (!link.empty() && link.back() == '/')
        link.pop_back();
    return link + "/" + std::string(view_for_role(role)) + "#pair=" + group_pairing_code(code);
}

std::optional<std::int64_t> parse_duration_ms(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t unit_ms = 1000; // plain seconds
    std::string_view number = text;
    switch (text.back()) {
    case 's':
        unit_ms = 1000;
        break;
    case 'm':
        unit_ms = 60 * 1000;
        break;
    case 'h':
        unit_ms = 60 * 60 * 1000;
        break;
    case 'd':
        unit_ms = 24 * 60 * 60 * 1000;
        break;
    default:
        if (text.back() < '0' || text.back() > '9') return std::nullopt;
    }
    if (text.back() < '0' || text.back() > '9') number.remove_suffix(1);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size() || value <= 0 ||
        value > kMaxPairingLifetimeMs / unit_ms)
        return std::nullopt;
    return value * unit_ms;
}

std::string device_label(std::string_view name, std::int64_t device_id) {
    return std::string(name) + std::string(kLabelMark) + std::to_string(device_id);
}

std::int64_t device_id_in_label(std::string_view label) {
    auto mark = label.rfind(kLabelMark);
    if (mark == std::string_view::npos) return 0;
    return parse_id(label.substr(mark + kLabelMark.size())).value_or(0);
}

bool looks_like_device_label(std::string_view name) {
    return device_id_in_label(name) != 0;
}

std::string ledger_device(std::string_view name, std::int64_t device_id) {
    return device_id > 0 ? device_label(name, device_id) : std::string(name);
}

bool same_device(std::string_view a, std::string_view b) {
    std::int64_t id_a = device_id_in_label(a);
    std::int64_t id_b = device_id_in_label(b);
    if (id_a || id_b) return id_a == id_b;
    return a == b;
}

} // namespace stagedoor::domain
