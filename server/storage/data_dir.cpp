#include "storage/data_dir.hpp"

#include "storage/database.hpp"

#include <fcntl.h>
#include <fstream>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace stagedoor::storage {

namespace fs = std::filesystem;
using protocol::Role;

DataDir::DataDir(fs::path root)
    : root_(std::move(root)) {}

fs::path DataDir::role_key_path(Role role) const {
    return keys_dir() / (std::string(protocol::to_string(role)) + ".key");
}

bool DataDir::initialised() const {
    return fs::exists(database_path());
}

void DataDir::require_initialised() const {
    if (!initialised())
        throw DataDirError(root_.string() +
                           " holds no event; create one with: stagedoor init --data " +
                           root_.string() + " --name \"...\" --date YYYY-MM-DD");
}

DataDir DataDir::init(const fs::path& root, std::string name, std::string date) {
    DataDir dir(root);
    if (dir.initialised() || fs::exists(dir.keys_dir()))
        throw DataDirError(root.string() + " already holds an event (" +
                           dir.database_path().string() + "); refusing to overwrite it");
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec) throw DataDirError("cannot create " + root.string() + ": " + ec.message());
    fs::create_directory(dir.keys_dir(), ec);
    if (ec) throw DataDirError("cannot create " + dir.keys_dir().string() + ": " + ec.message());
    fs::permissions(dir.keys_dir(), fs::perms::owner_all, fs::perm_options::replace);

    for (const auto& [role_name, role] : protocol::kRoles)
        write_secret_file(dir.role_key_path(role), random_secret() + "\n");
    auto signing = protocol::badge::SigningKey::generate();
    write_secret_file(dir.badge_private_key_path(), signing.private_pem());
    {
        std::ofstream out(dir.badge_public_key_path(), std::ios::binary | std::ios::trunc);
        out << signing.verify_key().public_pem();
        if (!out) throw DataDirError("cannot write " + dir.badge_public_key_path().string());
    }

    // The database last: its existence marks a complete event folder.
    fs::path temp_db = root / "stagedoor.db.init";
    fs::remove(temp_db);
    {
        Database db(temp_db, /*create=*/true);
        db.set_setting("event.id",
                       protocol::badge::event_id_to_hex(protocol::badge::random_event_id()));
        db.set_setting("event.name", name);
        db.set_setting("event.date", date);
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    fs::remove(fs::path(temp_db.string() + "-wal"));
    fs::remove(fs::path(temp_db.string() + "-shm"));
    fs::rename(temp_db, dir.database_path());
    ::chmod(dir.database_path().c_str(), 0600);
    return dir;
}

EventConfig DataDir::event() const {
    require_initialised();
    Database db(database_path());
    EventConfig event;
    event.id = db.setting("event.id").value_or("");
    event.name = db.setting("event.name").value_or("");
    event.date = db.setting("event.date").value_or("");
    return event;
}

std::string DataDir::role_key(Role role) const {
    std::string key = read_file(role_key_path(role));
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' '))
        key.pop_back();
    if (key.empty()) throw DataDirError(role_key_path(role).string() + " is empty");
    return key;
}

std::optional<Role> DataDir::role_for_key(std::string_view key) const {
    std::optional<Role> match;
    for (const auto& [name, role] : protocol::kRoles) {
        std::string expected = role_key(role);
        // Constant time for equal lengths; keys all have the same length.
        if (expected.size() == key.size() &&
            CRYPTO_memcmp(expected.data(), key.data(), key.size()) == 0)
            match = role;
    }
    return match;
}

protocol::badge::SigningKey DataDir::signing_key() const {
    auto key = protocol::badge::SigningKey::from_pem(read_file(badge_private_key_path()));
    if (!key)
        throw DataDirError(badge_private_key_path().string() + " is not an Ed25519 private key");
    return *key;
}

protocol::badge::VerifyKey DataDir::verify_key() const {
    return signing_key().verify_key();
}

void write_secret_file(const fs::path& path, std::string_view content) {
    fs::path temp = path;
    temp += ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw DataDirError("cannot write " + temp.string());
    ::fchmod(fd, 0600); // the umask must not widen it, nor an older file's mode
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        ssize_t written = ::write(fd, data, left);
        if (written < 0) {
            ::close(fd);
            throw DataDirError("cannot write " + temp.string());
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
    ::fsync(fd);
    ::close(fd);
    fs::rename(temp, path);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataDirError("cannot read " + path.string());
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

std::string random_secret(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        throw DataDirError("no randomness");
    return protocol::badge::base64url_encode(raw);
}

std::string rotate_role_key(const DataDir& dir, protocol::Role role) {
    dir.require_initialised();
    std::string key = random_secret();
    write_secret_file(dir.role_key_path(role), key + "\n");
    return key;
}

std::optional<DataDirLock> DataDirLock::try_acquire(const std::filesystem::path& data_root) {
    std::string path = (data_root / "stage.lock").string();
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw DataDirError("cannot open " + path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    return DataDirLock(fd);
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : fd_(other.fd_) {
    other.fd_ = -1;
}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

DataDirLock::~DataDirLock() {
    if (fd_ >= 0) ::close(fd_);
}

} // namespace stagedoor::storage
