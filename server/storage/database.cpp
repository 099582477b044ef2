#include "storage/database.hpp"

#include <algorithm>
#include <chrono>
#include <sqlite3.h>
#include <utility>

namespace stagedoor::storage {

namespace {
[[noreturn]] void throw_error(sqlite3* db, std::string_view what) {
    throw DatabaseError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
} // namespace

Statement::Statement(sqlite3* db, std::string_view sql)
    : db_(db) {
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK)
        throw_error(db_, "prepare failed for '" + std::string(sql.substr(0, 80)) + "'");
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_)
    , stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) throw_error(db_, "bind");
    return *this;
}
Statement& Statement::bind(int index, double value) {
    if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) throw_error(db_, "bind");
    return *this;
}
Statement& Statement::bind(int index, std::string_view value) {
    if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK)
        throw_error(db_, "bind");
    return *this;
}
Statement& Statement::bind_borrowed(int index, std::string_view value) {
    if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_STATIC) != SQLITE_OK)
        throw_error(db_, "bind");
    return *this;
}
void Statement::clear_bindings() {
    sqlite3_clear_bindings(stmt_);
}
Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) throw_error(db_, "bind");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_error(db_, "step");
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(stmt_, column);
}
double Statement::real(int column) const {
    return sqlite3_column_double(stmt_, column);
}
std::string Statement::text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
}
std::optional<std::int64_t> Statement::optional_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return int64(column);
}
std::optional<std::string> Statement::optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
}

namespace {

void configure_sqlite_once() {
    // Memory statistics take a process-wide mutex on every SQLite allocation; nothing here
    // reads them. Only possible before SQLite initialises, so it runs before the first open.
    static const bool configured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)configured;
}

} // namespace

Database::Database(const std::filesystem::path& path, bool create) {
    configure_sqlite_once();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw DatabaseError("cannot open " + path.string() + ": " + message);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 5000);
    // WAL with synchronous=FULL: a COMMIT that returned survives a crash or power loss.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    // Up to 64 MiB of pages per connection (the default is 2 MiB), so that the foreign-key
    // lookup of every ledger insert finds a large roster's pages in memory instead of reading
    // them through a syscall each time. Only pages actually read take memory.
    exec("PRAGMA cache_size=-65536");
    exec("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER "
         "NOT NULL)");
    exec("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
}

Database::~Database() {
    if (db_) sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
    char* error = nullptr;
    std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw DatabaseError("SQL failed (" + text.substr(0, 80) + "): " + message);
    }
}

void Database::limit_size(std::uint64_t max_bytes) {
    auto page_size = prepare("PRAGMA page_size");
    page_size.step();
    auto pages = std::max<std::uint64_t>(
        1, max_bytes / static_cast<std::uint64_t>(std::max<std::int64_t>(1, page_size.int64(0))));
    exec("PRAGMA max_page_count=" + std::to_string(pages));
}

bool Database::last_error_was_full() const {
    return (sqlite3_extended_errcode(db_) & 0xff) == SQLITE_FULL;
}

std::int64_t Database::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

void Database::migrate(std::span<const Migration> migrations) {
    for (const auto& migration : migrations) {
        auto check = prepare("SELECT 1 FROM schema_migrations WHERE name = ?");
        check.bind(1, migration.name);
        if (check.step()) continue;
        exec("BEGIN IMMEDIATE");
        try {
            exec(migration.sql);
            auto record = prepare("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)");
            record.bind(1, migration.name);
            record.bind(2, static_cast<std::int64_t>(
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count()));
            record.run();
            exec("COMMIT");
        } catch (...) {
            exec("ROLLBACK");
            throw;
        }
    }
}

std::optional<std::string> Database::setting(std::string_view key) const {
    auto query = prepare("SELECT value FROM settings WHERE key = ?");
    query.bind(1, key);
    if (!query.step()) return std::nullopt;
    return query.text(0);
}

void Database::set_setting(std::string_view key, std::string_view value) {
    auto upsert = prepare("INSERT INTO settings (key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    upsert.bind(1, key).bind(2, value);
    upsert.run();
}

} // namespace stagedoor::storage
