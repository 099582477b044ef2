#include "storage/device_store.hpp"

#include "storage/data_dir.hpp"

#include <array>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace stagedoor::storage {

namespace {

// Devices keep only the hash of their token; a revoked device stays listed (and its ledger
// entries name it) but its token no longer opens anything. Pairing codes are short-lived and
// stored hashed too; a used-up or expired code is deleted when the next one is made.
constexpr std::string_view kDeviceSchema = R"sql(
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    paired_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_seen INTEGER,
    address TEXT NOT NULL DEFAULT '',
    app TEXT NOT NULL DEFAULT ''
);
CREATE TABLE pairing_codes (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    uses_left INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
)sql";

const std::array<Migration, 1> kMigrations{{
    {"devices-001-devices-and-pairing-codes", kDeviceSchema},
}};

std::string sha256_hex(std::string_view text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
        throw DatabaseError("SHA-256 failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 15];
    }
    return hex;
}

std::string random_bytes(std::size_t count) {
    std::string bytes(count, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1)
        throw DatabaseError("no randomness");
    return bytes;
}

constexpr std::string_view kDeviceColumns =
    "id, name, role, paired_at, revoked_at, last_seen, address, app";

DeviceRecord device_from_row(const Statement& row) {
    DeviceRecord device;
    device.id = row.int64(0);
    device.name = row.text(1);
    device.role = protocol::role_from_string(row.text(2)).value_or(protocol::Role::door);
    device.paired_at = row.int64(3);
    device.revoked_at = row.optional_int64(4);
    device.last_seen = row.optional_int64(5);
    device.address = row.text(6);
    device.app = row.text(7);
    return device;
}

// Runs write inside BEGIN IMMEDIATE ... COMMIT; rolls back when it throws.
template <class F> auto in_transaction(Database& db, F&& write) {
    db.exec("BEGIN IMMEDIATE");
    try {
        auto result = write();
        db.exec("COMMIT");
        return result;
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
}

} // namespace

std::span<const Migration> device_migrations() {
    return kMigrations;
}

void migrate_devices(Database& db) {
    db.migrate(kMigrations);
}

DeviceStore::DeviceStore(Database& db)
    : db_(db) {
    migrate_devices(db_);
}

NewPairing DeviceStore::create_pairing(protocol::Role role, std::string_view name,
                                       std::int64_t uses, std::int64_t expires_at,
                                       std::string_view created_by, std::int64_t now) {
    NewPairing pairing{domain::pairing_code_from_random(random_bytes(domain::kPairingCodeChars)),
                       expires_at, uses};
    in_transaction(db_, [&] {
        db_.prepare("DELETE FROM pairing_codes WHERE uses_left <= 0 OR expires_at <= ?")
            .bind(1, now)
            .run();
        db_.prepare("INSERT INTO pairing_codes (code_hash, role, name, uses_left, expires_at, "
                    "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(1, sha256_hex(pairing.code))
            .bind(2, protocol::to_string(role))
            .bind(3, name)
            .bind(4, uses)
            .bind(5, expires_at)
            .bind(6, created_by)
            .bind(7, now)
            .run();
        return 0;
    });
    return pairing;
}

std::optional<PairedDevice> DeviceStore::redeem(std::string_view code, std::string_view app,
                                                std::string_view address, std::int64_t now) {
    auto normalized = domain::normalize_pairing_code(code);
    if (!normalized) return std::nullopt;
    return in_transaction(db_, [&]() -> std::optional<PairedDevice> {
        auto query = db_.prepare(
            "SELECT id, role, name, uses_left, expires_at FROM pairing_codes WHERE code_hash = ?");
        query.bind(1, sha256_hex(*normalized));
        if (!query.step()) return std::nullopt;
        std::int64_t code_id = query.int64(0);
        domain::PairingCode stored{
            protocol::role_from_string(query.text(1)).value_or(protocol::Role::door), query.text(2),
            query.int64(3), query.int64(4)};
        if (!domain::pairing_usable(stored, now)) return std::nullopt;
        db_.prepare("UPDATE pairing_codes SET uses_left = uses_left - 1 WHERE id = ?")
            .bind(1, code_id)
            .run();
        // The id is known only after the insert, and the token carries it: insert, then set
        // the hash, inside the same transaction.
        db_.prepare("INSERT INTO devices (name, role, token_hash, paired_at, last_seen, address, "
                    "app) VALUES (?, ?, '', ?, ?, ?, ?)")
            .bind(1, stored.name)
            .bind(2, protocol::to_string(stored.role))
            .bind(3, now)
            .bind(4, now)
            .bind(5, address)
            .bind(6, app)
            .run();
        PairedDevice paired;
        paired.device = DeviceRecord{
            db_.last_insert_rowid(), stored.name,     stored.role, now, std::nullopt, now,
            std::string(address),    std::string(app)};
        paired.token = domain::format_device_token(paired.device.id, random_secret(32));
        db_.prepare("UPDATE devices SET token_hash = ? WHERE id = ?")
            .bind(1, sha256_hex(paired.token))
            .bind(2, paired.device.id)
            .run();
        return paired;
    });
}

std::variant<DeviceRecord, TokenRefusal> DeviceStore::authenticate(std::string_view token) const {
    auto parsed = domain::parse_device_token(token);
    if (!parsed) return TokenRefusal::unknown;
    auto query = db_.prepare("SELECT " + std::string(kDeviceColumns) +
                             ", token_hash FROM devices WHERE id = ?");
    query.bind(1, parsed->device_id);
    if (!query.step()) return TokenRefusal::unknown;
    std::string expected = query.text(8);
    std::string actual = sha256_hex(token);
    if (expected.size() != actual.size() ||
        CRYPTO_memcmp(expected.data(), actual.data(), actual.size()) != 0)
        return TokenRefusal::unknown;
    DeviceRecord device = device_from_row(query);
    if (device.revoked_at) return TokenRefusal::revoked;
    return device;
}

std::vector<DeviceRecord> DeviceStore::list() const {
    std::vector<DeviceRecord> devices;
    auto query = db_.prepare("SELECT " + std::string(kDeviceColumns) + " FROM devices ORDER BY id");
    while (query.step())
        devices.push_back(device_from_row(query));
    return devices;
}

std::optional<DeviceRecord> DeviceStore::find(std::int64_t id) const {
    auto query =
        db_.prepare("SELECT " + std::string(kDeviceColumns) + " FROM devices WHERE id = ?");
    query.bind(1, id);
    if (!query.step()) return std::nullopt;
    return device_from_row(query);
}

bool DeviceStore::rename(std::int64_t id, std::string_view name) {
    if (!find(id)) return false;
    db_.prepare("UPDATE devices SET name = ? WHERE id = ?").bind(1, name).bind(2, id).run();
    return true;
}

bool DeviceStore::revoke(std::int64_t id, std::int64_t now) {
    if (!find(id)) return false;
    db_.prepare("UPDATE devices SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?")
        .bind(1, now)
        .bind(2, id)
        .run();
    return true;
}

void DeviceStore::record_seen(std::span<const Seen> seen) {
    if (seen.empty()) return;
    in_transaction(db_, [&] {
        auto update =
            db_.prepare("UPDATE devices SET last_seen = MAX(COALESCE(last_seen, 0), ?), "
                        "address = ?, app = CASE WHEN ? = '' THEN app ELSE ? END WHERE id = ?");
        for (const Seen& one : seen)
            update.bind(1, one.at)
                .bind(2, one.address)
                .bind(3, one.app)
                .bind(4, one.app)
                .bind(5, one.id)
                .run();
        return 0;
    });
}

void note_keys_rotated(Database& db) {
    db.set_setting("keys.generation", random_secret(8));
}

} // namespace stagedoor::storage
