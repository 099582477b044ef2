// Thin RAII wrapper over SQLite: one connection, prepared statements, named migrations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace stagedoor::storage {

class DatabaseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const std::string& value) {
        return bind(index, std::string_view(value));
    }
    // Binds text without copying it: value must stay alive and unchanged until the statement
    // has run and clear_bindings() was called (for hot inserts; bind() copies).
    Statement& bind_borrowed(int index, std::string_view value);
    Statement& bind_null(int index);
    void clear_bindings();
    template <class T> Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }

    // Returns true while a row is available.
    bool step();
    // Runs a statement that returns no rows, then resets it for reuse.
    void run();
    void reset();

    // Columns are 0-based, as in SQLite.
    bool is_null(int column) const;
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;
    std::optional<std::string> optional_text(int column) const;

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

struct Migration {
    std::string_view name; // unique, e.g. "attendance-001-roster"; applied once, in order
    std::string_view sql;
};

class Database {
  public:
    // Opens (and with create=true creates) the file in WAL mode with synchronous=FULL, so a
    // COMMIT that returned is durable.
    explicit Database(const std::filesystem::path& path, bool create = false);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    sqlite3* handle() const { return db_; }
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql) const { return Statement(db_, sql); }
    std::int64_t last_insert_rowid() const;
    // Caps the file at about max_bytes (PRAGMA max_page_count, for this connection only): a
    // write that needs more pages fails with SQLITE_FULL ("database or disk is full") and
    // writes succeed again once pages are freed. A file already larger cannot grow further.
    void limit_size(std::uint64_t max_bytes);
    // The last error on this connection was SQLITE_FULL (the cap or the disk).
    bool last_error_was_full() const;

    // Applies the migrations not yet recorded in schema_migrations, each in its own
    // transaction. Modules call this with their own list at start.
    void migrate(std::span<const Migration> migrations);

    // Key/value settings of the event (id, name, date, ...).
    std::optional<std::string> setting(std::string_view key) const;
    void set_setting(std::string_view key, std::string_view value);

  private:
    sqlite3* db_ = nullptr;
};

} // namespace stagedoor::storage
