// Paired devices: the text formats of device tokens and pairing codes, the ledger's label of a
// device, and the rules of a pairing code's life. Pure: randomness, hashing and time are the
// caller's.
#pragma once

#include "stagedoor/protocol/messages.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stagedoor::domain {

// ---- device tokens: "sdd_<device id>_<43 characters of base64url>" ----

inline constexpr std::string_view kDeviceTokenPrefix = "sdd_";
inline constexpr std::size_t kDeviceTokenSecretChars = 43; // 32 random bytes in base64url

struct DeviceToken {
    std::int64_t device_id = 0;
    std::string_view secret; // into the parsed text
};

// The token text of device_id with secret (43 base64url characters).
std::string format_device_token(std::int64_t device_id, std::string_view secret);
// The parts of a token, or nullopt when text is not one (wrong prefix, id or secret).
std::optional<DeviceToken> parse_device_token(std::string_view text);

// ---- pairing codes: 10 characters of an alphabet without 0/O/1/I/L, shown "ABCDE-FGHJK" ----

inline constexpr std::string_view kPairingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
inline constexpr std::size_t kPairingCodeChars = 10;
inline constexpr std::int64_t kDefaultPairingLifetimeMs = 30 * 60 * 1000;
inline constexpr std::int64_t kMaxPairingLifetimeMs = 7 * 24 * 60 * 60 * 1000LL;
inline constexpr std::int64_t kMaxPairingUses = 1000;

// A code from kPairingCodeChars random bytes (each picks a letter; the alphabet's 31 letters
// make the bias of byte % 31 negligible for a short-lived code). random must hold 10 bytes.
std::string pairing_code_from_random(std::string_view random);
// "ABCDE-FGHJK" for "ABCDEFGHJK".
std::string group_pairing_code(std::string_view code);
// The code as stored (10 letters, upper case) from what a person typed: case, spaces and
// dashes do not matter. Nullopt when it cannot be a code.
std::optional<std::string> normalize_pairing_code(std::string_view text);

// A pairing code as stored: may it pair one more device at now?
struct PairingCode {
    protocol::Role role = protocol::Role::door;
    std::string name;
    std::int64_t uses_left = 1;
    std::int64_t expires_at = 0; // unix ms
};
bool pairing_usable(const PairingCode& code, std::int64_t now);

// The browser view a device of role opens: door, stage, moderator or dashboard.
std::string_view view_for_role(protocol::Role role);
// "BASE/<view>#pair=ABCDE-FGHJK" (the fragment never reaches the server or its logs).
std::string pairing_link(std::string_view base, protocol::Role role, std::string_view code);

// "30m", "2h", "45s", "1d" or plain seconds, in ms; nullopt for anything else or 0.
std::optional<std::int64_t> parse_duration_ms(std::string_view text);

// ---- the ledger's device column ----

// A paired device's entries carry "<name> #<id>", so that undo rights follow the device id,
// not the name; a role-key connection's entries carry the name it claimed.
std::string device_label(std::string_view name, std::int64_t device_id);
// The device id in a label made by device_label; 0 for a role-key label.
std::int64_t device_id_in_label(std::string_view label);
// Whether a name claimed in hello with a role key would read as a paired device's label.
bool looks_like_device_label(std::string_view name);
// What the ledger records as a connection's device: device_label for a paired device
// (device_id > 0), else the name.
std::string ledger_device(std::string_view name, std::int64_t device_id);
// Whether two ledger device columns name the same device: by id when either is a paired
// device's label (a rename does not matter), else by name.
bool same_device(std::string_view a, std::string_view b);

} // namespace stagedoor::domain
