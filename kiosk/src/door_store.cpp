#include "door_store.hpp"

#include <sqlite3.h>
#include <stdexcept>

namespace stagedoor::kiosk {

using nlohmann::json;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roster (id INTEGER PRIMARY KEY, attendee TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    scan_id TEXT NOT NULL UNIQUE,
    at INTEGER NOT NULL,
    frame TEXT NOT NULL);
)sql";

// One prepared statement, finalized on scope exit.
class Statement {
  public:
    Statement(sqlite3* db, const char* sql)
        : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("door.sqlite: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(statement_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, const std::string& text) {
        sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT);
        return *this;
    }
    Statement& bind(int index, std::int64_t value) {
        sqlite3_bind_int64(statement_, index, value);
        return *this;
    }
    // True while a row is available; throws on an error.
    bool step() {
        int code = sqlite3_step(statement_);
        if (code == SQLITE_ROW) return true;
        if (code == SQLITE_DONE) return false;
        throw std::runtime_error(std::string("door.sqlite: ") + sqlite3_errmsg(db_));
    }
    void run() {
        step();
        sqlite3_reset(statement_);
        sqlite3_clear_bindings(statement_);
    }
    std::string text(int column) const {
        const auto* bytes = sqlite3_column_text(statement_, column);
        return bytes
                   ? std::string(reinterpret_cast<const char*>(bytes),
                                 static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)))
                   : std::string();
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
    bool is_null(int column) const {
        return sqlite3_column_type(statement_, column) == SQLITE_NULL;
    }

  private:
    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
};

void execute(sqlite3* db, const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw std::runtime_error("door.sqlite: " + message);
    }
}

} // namespace

struct DoorStore::Impl {
    sqlite3* db = nullptr;
    ~Impl() { sqlite3_close(db); }
};

DoorStore::DoorStore(const std::filesystem::path& file)
    : impl_(std::make_unique<Impl>()) {
    if (sqlite3_open(file.c_str(), &impl_->db) != SQLITE_OK)
        throw std::runtime_error("cannot open " + file.string() + ": " + sqlite3_errmsg(impl_->db));
    sqlite3_busy_timeout(impl_->db, 2000);
    // WAL with synchronous=FULL: a commit is on disk when sqlite3_step returns.
    execute(impl_->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    execute(impl_->db, kSchema);
}

DoorStore::~DoorStore() = default;

std::optional<json> DoorStore::meta(const std::string& key) const {
    Statement query(impl_->db, "SELECT value FROM meta WHERE key = ?");
    query.bind(1, key);
    if (!query.step()) return std::nullopt;
    json value = json::parse(query.text(0), nullptr, false);
    if (value.is_discarded()) return std::nullopt;
    return value;
}

void DoorStore::set_meta(const std::string& key, const json& value) {
    Statement(impl_->db, "INSERT INTO meta (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(1, key)
        .bind(2, value.dump())
        .run();
}

std::int64_t DoorStore::next_counter() {
    std::int64_t next = meta("counter").value_or(json(0)).get<std::int64_t>() + 1;
    set_meta("counter", next);
    return next;
}

void DoorStore::upsert_attendees(const std::vector<json>& attendees) {
    execute(impl_->db, "BEGIN IMMEDIATE");
    try {
        Statement upsert(impl_->db, "INSERT INTO roster (id, attendee) VALUES (?, ?) "
                                    "ON CONFLICT (id) DO UPDATE SET attendee = excluded.attendee");
        for (const auto& attendee : attendees) {
            if (!attendee.is_object() || !attendee.contains("id") ||
                !attendee["id"].is_number_integer())
                continue;
            upsert.bind(1, attendee["id"].get<std::int64_t>()).bind(2, attendee.dump()).run();
        }
        execute(impl_->db, "COMMIT");
    } catch (...) {
        execute(impl_->db, "ROLLBACK");
        throw;
    }
}

std::vector<json> DoorStore::all_attendees() const {
    std::vector<json> out;
    Statement query(impl_->db, "SELECT attendee FROM roster ORDER BY id");
    while (query.step()) {
        json attendee = json::parse(query.text(0), nullptr, false);
        if (attendee.is_object()) out.push_back(std::move(attendee));
    }
    return out;
}

void DoorStore::enqueue(const std::string& scan_id, const json& frame) {
    Statement(impl_->db, "INSERT OR IGNORE INTO queue (scan_id, at, frame) VALUES (?, ?, ?)")
        .bind(1, scan_id)
        .bind(2, frame.value("at", std::int64_t{0}))
        .bind(3, frame.dump())
        .run();
}

std::vector<DoorStore::Queued> DoorStore::queued(std::size_t limit, std::int64_t after_seq) const {
    std::vector<Queued> out;
    Statement query(impl_->db,
                    "SELECT seq, scan_id, frame FROM queue WHERE seq > ? ORDER BY seq LIMIT ?");
    query.bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
    while (query.step())
        out.push_back(
            {query.integer(0), query.text(1), json::parse(query.text(2), nullptr, false)});
    return out;
}

std::size_t DoorStore::queue_length() const {
    Statement query(impl_->db, "SELECT count(*) FROM queue");
    query.step();
    return static_cast<std::size_t>(query.integer(0));
}

std::optional<std::int64_t> DoorStore::oldest_at() const {
    Statement query(impl_->db, "SELECT min(at) FROM queue");
    if (!query.step() || query.is_null(0)) return std::nullopt;
    return query.integer(0);
}

void DoorStore::remove(const std::string& scan_id) {
    Statement(impl_->db, "DELETE FROM queue WHERE scan_id = ?").bind(1, scan_id).run();
}

bool DoorStore::contains(const std::string& scan_id) const {
    Statement query(impl_->db, "SELECT 1 FROM queue WHERE scan_id = ?");
    query.bind(1, scan_id);
    return query.step();
}

} // namespace stagedoor::kiosk
