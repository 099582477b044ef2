#include "storage/audit_store.hpp"

#include <array>

namespace stagedoor::storage {

namespace {

// The triggers name purge_in_progress, the purge's marker (storage/purge.hpp), which the
// attendance migrations create too: whichever runs first creates it, so that a later table
// rebuild (which checks every trigger's tables) finds it.
constexpr std::array<Migration, 1> kMigrations{{
    {"audit-001-log", R"sql(
CREATE TABLE IF NOT EXISTS purge_in_progress (id INTEGER PRIMARY KEY CHECK (id = 1));
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    device_id INTEGER NOT NULL DEFAULT 0,
    device    TEXT NOT NULL,
    role      TEXT NOT NULL,
    address   TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    outcome   TEXT NOT NULL DEFAULT 'ok'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
    WHEN NOT EXISTS (SELECT 1 FROM purge_in_progress)
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
    WHEN NOT EXISTS (SELECT 1 FROM purge_in_progress)
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql"},
}};

bool table_exists(const Database& db) {
    return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'")
        .step();
}

} // namespace

std::span<const Migration> audit_migrations() {
    return kMigrations;
}

void migrate_audit(Database& db) {
    db.migrate(kMigrations);
}

void append_audit(Database& db, const AuditEntry& entry) {
    auto insert = db.prepare("INSERT INTO audit_log (at, device_id, device, role, address, action, "
                             "target, detail, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, entry.at)
        .bind(2, entry.device_id)
        .bind(3, entry.device)
        .bind(4, entry.role)
        .bind(5, entry.address)
        .bind(6, entry.action)
        .bind(7, entry.target)
        .bind(8, entry.detail)
        .bind(9, entry.outcome);
    insert.run();
}

std::vector<AuditEntry> load_audit(const Database& db, const AuditFilter& filter) {
    std::vector<AuditEntry> entries;
    if (!table_exists(db) || filter.limit == 0) return entries;
    // Every filter is a parameter; an absent one is NULL and matches every row.
    auto query = db.prepare(
        "SELECT seq, at, device_id, device, role, address, action, target, detail, outcome "
        "FROM audit_log WHERE (?1 IS NULL OR action = ?1 OR substr(action, 1, length(?1) + 1) = "
        "?1 || '.') AND (?2 IS NULL OR device = ?2 OR CAST(device_id AS TEXT) = ?2) "
        "AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR seq < ?4) ORDER BY seq DESC LIMIT ?5");
    query.bind(1, filter.action)
        .bind(2, filter.device)
        .bind(3, filter.since)
        .bind(4, filter.before_seq)
        .bind(5, static_cast<std::int64_t>(filter.limit));
    while (query.step())
        entries.push_back({query.int64(0), query.int64(1), query.int64(2), query.text(3),
                           query.text(4), query.text(5), query.text(6), query.text(7),
                           query.text(8), query.text(9)});
    return entries;
}

void append_command_line_audit(Database& db, std::int64_t at, std::string action,
                               std::string target, std::string detail) {
    migrate_audit(db);
    AuditEntry entry;
    entry.at = at;
    entry.device = "(command line)";
    entry.role = "organiser";
    entry.action = std::move(action);
    entry.target = std::move(target);
    entry.detail = std::move(detail);
    append_audit(db, entry);
}

} // namespace stagedoor::storage
