// The event's data folder: database, role keys and the badge-signing key pair.
//
//   DIR/stagedoor.db            SQLite (WAL)
//   DIR/keys/<role>.key         one secret per role, 0600
//   DIR/keys/badge-signing.pem  Ed25519 private key, 0600
//   DIR/keys/badge-verify.pem   Ed25519 public key (for offline kiosks)
//   DIR/badges/                 generated badges
//   DIR/tls/                    self-signed certificate (--tls)
#pragma once

#include "stagedoor/protocol/badge_token.hpp"
#include "stagedoor/protocol/messages.hpp"

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace stagedoor::storage {

struct EventConfig {
    std::string id; // 16 hex digits
    std::string name;
    std::string date; // YYYY-MM-DD
};

class DataDirError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class DataDir {
  public:
    explicit DataDir(std::filesystem::path root);

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path database_path() const { return root_ / "stagedoor.db"; }
    std::filesystem::path keys_dir() const { return root_ / "keys"; }
    std::filesystem::path role_key_path(protocol::Role role) const;
    std::filesystem::path badge_private_key_path() const {
        return keys_dir() / "badge-signing.pem";
    }
    std::filesystem::path badge_public_key_path() const { return keys_dir() / "badge-verify.pem"; }
    std::filesystem::path badges_dir() const { return root_ / "badges"; }
    std::filesystem::path tls_dir() const { return root_ / "tls"; }

    bool initialised() const;
    // Creates the folder, database, role keys and badge key pair. Throws DataDirError if the
    // folder already holds an event; then nothing is changed.
    static DataDir init(const std::filesystem::path& root, std::string name, std::string date);
    // Throws DataDirError with a readable message when the folder is not an event.
    void require_initialised() const;

    EventConfig event() const;
    std::string role_key(protocol::Role role) const;
    // Compares in constant time against every role's key.
    std::optional<protocol::Role> role_for_key(std::string_view key) const;
    protocol::badge::SigningKey signing_key() const;
    protocol::badge::VerifyKey verify_key() const;

  private:
    std::filesystem::path root_;
};

// Held by whoever owns the folder's state: `stagedoor serve` for as long as it runs, and the
// offline imports while they write (flock on DIR/stage.lock; the kernel releases it even after
// SIGKILL). One owner means one writer of the ledger and the timer, whose in-memory indexes
// (scan_id among them) are what keep them consistent.
class DataDirLock {
  public:
    // Returns nullopt when another process holds the lock.
    static std::optional<DataDirLock> try_acquire(const std::filesystem::path& data_root);
    DataDirLock(DataDirLock&& other) noexcept;
    DataDirLock& operator=(DataDirLock&& other) noexcept;
    DataDirLock(const DataDirLock&) = delete;
    ~DataDirLock();

  private:
    explicit DataDirLock(int fd)
        : fd_(fd) {}
    int fd_ = -1;
};

// Writes a file readable only by its owner (0600), atomically (temp file + rename).
void write_secret_file(const std::filesystem::path& path, std::string_view content);
std::string read_file(const std::filesystem::path& path);
// Random bytes as URL-safe text, for keys.
std::string random_secret(std::size_t bytes = 24);
// Writes a new random key for role (0600) and returns it; the old one stops working once a
// server re-reads the keys (storage::note_keys_rotated tells a running one).
std::string rotate_role_key(const DataDir& dir, protocol::Role role);

} // namespace stagedoor::storage
