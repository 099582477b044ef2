// SQLite persistence of paired devices and their pairing codes (DESIGN11 "Device tokens and
// pairing"). Only SHA-256 hashes of tokens and codes are stored; a token is checked against its
// hash in constant time. Used by the server's DevicesModule on the event-loop thread and by the
// command line (`stagedoor device ...`) on its own connection while the server runs: the server
// notices the command line's changes through PRAGMA data_version.
#pragma once

#include "domain/devices.hpp"
#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace stagedoor::storage {

// The device migrations in order; migrate_devices applies the missing ones.
std::span<const Migration> device_migrations();
void migrate_devices(Database& db);

struct DeviceRecord {
    std::int64_t id = 0;
    std::string name;
    protocol::Role role = protocol::Role::door;
    std::int64_t paired_at = 0; // unix ms
    std::optional<std::int64_t> revoked_at;
    std::optional<std::int64_t> last_seen;
    std::string address; // last peer address
    std::string app;     // last client version text
};

struct NewPairing {
    std::string code; // 10 letters, as stored (hashed); show with domain::group_pairing_code
    std::int64_t expires_at = 0;
    std::int64_t uses = 1;
};

struct PairedDevice {
    DeviceRecord device;
    std::string token; // the device's secret, given out once
};

// Why a device token was refused: unknown (or malformed) or revoked.
enum class TokenRefusal { unknown, revoked };

class DeviceStore {
  public:
    // Applies the device migrations to db, which must outlive the store.
    explicit DeviceStore(Database& db);

    // Creates a pairing code for role, valid for uses pairings until expires_at.
    NewPairing create_pairing(protocol::Role role, std::string_view name, std::int64_t uses,
                              std::int64_t expires_at, std::string_view created_by,
                              std::int64_t now);
    // Pairs a new device with code (as typed: case and dashes do not matter), in one
    // transaction: one use of the code is spent and the device is stored with its token's hash.
    // Nullopt, with nothing changed, when the code is unknown, used up or expired.
    std::optional<PairedDevice> redeem(std::string_view code, std::string_view app,
                                       std::string_view address, std::int64_t now);
    // The device a token belongs to (revoked ones refused), compared in constant time.
    std::variant<DeviceRecord, TokenRefusal> authenticate(std::string_view token) const;

    std::vector<DeviceRecord> list() const; // by id
    std::optional<DeviceRecord> find(std::int64_t id) const;
    // False when there is no such device.
    bool rename(std::int64_t id, std::string_view name);
    // Revokes the device at now (a second revoke keeps the first time). False when unknown.
    bool revoke(std::int64_t id, std::int64_t now);
    // Records where and when devices were last seen, in one transaction.
    struct Seen {
        std::int64_t id = 0;
        std::int64_t at = 0;
        std::string address;
        std::string app;
    };
    void record_seen(std::span<const Seen> seen);

  private:
    Database& db_;
};

// Marks the role keys as changed for a running server (which re-reads them when the database
// changes, and then compares the setting keys.generation); call after writing a key file.
void note_keys_rotated(Database& db);

} // namespace stagedoor::storage
