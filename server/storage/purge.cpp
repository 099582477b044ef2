#include "storage/purge.hpp"

#include "storage/attendance_store.hpp"
#include "storage/audit_store.hpp"
#include "storage/device_store.hpp"
#include "storage/stage_store.hpp"

#include <system_error>

namespace stagedoor::storage {

namespace fs = std::filesystem;

namespace {

std::int64_t count_rows(const Database& db, std::string_view sql) {
    auto query = db.prepare(sql);
    return query.step() ? query.int64(0) : 0;
}

// An event that was never served may lack the tables; the purge needs them all.
void migrate_event_tables(Database& db) {
    migrate_attendance(db);
    db.migrate(stage_migrations());
    migrate_audit(db);
    migrate_devices(db);
}

// Pairing codes go in both modes. Devices are named by people ("Anna's phone") and remember
// where they connected from: delete_all removes them; keep_stats keeps numbered rows (as the
// ledger's "device N") with their tokens revoked, so that no one can use them after the event.
void purge_devices(Database& db, PurgeMode mode, std::int64_t now_ms) {
    db.exec("DELETE FROM pairing_codes");
    if (mode == PurgeMode::delete_all) return db.exec("DELETE FROM devices");
    db.prepare("UPDATE devices SET name = 'device ' || id, address = '', app = '', "
               "revoked_at = COALESCE(revoked_at, ?)")
        .bind(1, now_ms)
        .run();
}

std::int64_t count_badge_files(const DataDir& dir) {
    std::error_code ec;
    if (!fs::exists(dir.badges_dir(), ec)) return 0;
    std::int64_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir.badges_dir(), ec))
        if (!entry.is_directory()) ++files;
    if (ec) throw DataDirError("cannot read " + dir.badges_dir().string() + ": " + ec.message());
    return files;
}

// Everything of a person goes; the agenda, the timer and the event settings stay.
void delete_people(Database& db, PurgeCounts& counts) {
    counts.ledger_deleted = count_rows(db, "SELECT COUNT(*) FROM ledger");
    counts.attendees_deleted = count_rows(db, "SELECT COUNT(*) FROM attendees");
    db.exec("DELETE FROM ledger; DELETE FROM attendees;");
}

// Who came when stays, as rows that point at no one: attendees keep only category, sector and
// flags, under new ids in a random order (the id inside a kept badge's QR code then names no
// row); ledger rows lose the scanned text and their device's name ("device 1", "device 2", ...
// in order of first use). The maps are keyed, so that each row's lookup is a search, not a scan.
constexpr std::string_view kAnonymiseMaps = R"sql(
CREATE TEMP TABLE purge_ids (old_id INTEGER PRIMARY KEY, new_id INTEGER NOT NULL);
INSERT INTO temp.purge_ids
    SELECT id, ROW_NUMBER() OVER (ORDER BY random()) FROM attendees;
CREATE TEMP TABLE purge_devices (name TEXT PRIMARY KEY, label TEXT NOT NULL);
INSERT INTO temp.purge_devices
    SELECT device, 'device ' || ROW_NUMBER() OVER (ORDER BY MIN(seq)) FROM ledger GROUP BY device;
)sql";

constexpr std::string_view kAnonymiseRows = R"sql(
UPDATE attendees SET id = -(SELECT new_id FROM temp.purge_ids WHERE old_id = attendees.id),
    external_id = NULL, name = '', organisation = '', email = '', notes = '';
UPDATE attendees SET id = -id;
UPDATE ledger SET
    attendee_id = (SELECT new_id FROM temp.purge_ids WHERE old_id = ledger.attendee_id),
    device = (SELECT label FROM temp.purge_devices WHERE name = ledger.device),
    payload = '';
DROP TABLE temp.purge_ids;
DROP TABLE temp.purge_devices;
)sql";

void anonymise_people(Database& db, PurgeCounts& counts) {
    db.exec(kAnonymiseMaps);
    counts.attendees_anonymised =
        count_rows(db, "SELECT COUNT(*) FROM attendees WHERE external_id IS NOT NULL OR "
                       "name <> '' OR organisation <> '' OR email <> '' OR notes <> ''");
    counts.ledger_anonymised = count_rows(
        db, "SELECT COUNT(*) FROM ledger WHERE payload <> '' OR "
            "device <> (SELECT label FROM temp.purge_devices WHERE name = ledger.device)");
    db.exec(kAnonymiseRows);
}

void record_purge(Database& db, PurgeMode mode, std::int64_t now_ms, const PurgeCounts& counts) {
    auto insert =
        db.prepare("INSERT INTO purge_log (at, mode, attendees_deleted, attendees_anonymised, "
                   "badges_deleted, ledger_deleted, ledger_anonymised, control_log_deleted, "
                   "speaker_links_removed, badge_files_deleted, audit_log_deleted) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, now_ms)
        .bind(2, to_string(mode))
        .bind(3, counts.attendees_deleted)
        .bind(4, counts.attendees_anonymised)
        .bind(5, counts.badges_deleted)
        .bind(6, counts.ledger_deleted)
        .bind(7, counts.ledger_anonymised)
        .bind(8, counts.control_log_deleted)
        .bind(9, counts.speaker_links_removed)
        .bind(10, counts.badge_files_deleted)
        .bind(11, counts.audit_log_deleted);
    insert.run();
}

// Foreign keys are checked once over the result instead of at every changed attendee id: the
// ledger has no index on attendee_id, so each of those checks would read the whole ledger.
void require_references_intact(const Database& db) {
    auto check = db.prepare("PRAGMA foreign_key_check");
    if (check.step())
        throw DatabaseError("the purge would leave a row of " + check.text(0) +
                            " pointing at a missing row; nothing was changed");
}

// The purge's changes inside one transaction: committed with their purge_log row, or (for a
// preview) rolled back. The purge_in_progress row that opens the triggers never outlives it.
PurgeCounts purge_in_transaction(Database& db, PurgeMode mode, std::int64_t badge_files,
                                 std::optional<std::int64_t> commit_at) {
    db.exec("BEGIN IMMEDIATE");
    try {
        PurgeCounts counts;
        counts.badge_files_deleted = badge_files;
        counts.badges_deleted = count_rows(db, "SELECT COUNT(*) FROM badges");
        counts.control_log_deleted = count_rows(db, "SELECT COUNT(*) FROM stage_control_log");
        counts.speaker_links_removed =
            count_rows(db, "SELECT COUNT(*) FROM stage_items WHERE speaker_id IS NOT NULL");
        counts.audit_log_deleted = count_rows(db, "SELECT COUNT(*) FROM audit_log");
        db.exec("INSERT INTO purge_in_progress (id) VALUES (1)");
        db.exec("DELETE FROM badges; DELETE FROM stage_control_log; DELETE FROM audit_log;"
                "UPDATE stage_items SET speaker_id = NULL WHERE speaker_id IS NOT NULL;"
                "UPDATE stage_screen SET message_text = NULL, message_tone = NULL, "
                "message_at = NULL, flash = 0;");
        if (mode == PurgeMode::delete_all)
            delete_people(db, counts);
        else
            anonymise_people(db, counts);
        purge_devices(db, mode, commit_at.value_or(0));
        require_references_intact(db);
        db.exec("DELETE FROM purge_in_progress");
        if (!commit_at) {
            db.exec("ROLLBACK");
            return counts;
        }
        record_purge(db, mode, *commit_at, counts);
        db.exec("COMMIT");
        return counts;
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
}

PurgeCounts purge_rows(Database& db, PurgeMode mode, std::int64_t badge_files,
                       std::optional<std::int64_t> commit_at) {
    db.exec("PRAGMA foreign_keys = OFF"); // only outside a transaction; see above
    try {
        PurgeCounts counts = purge_in_transaction(db, mode, badge_files, commit_at);
        db.exec("PRAGMA foreign_keys = ON");
        return counts;
    } catch (...) {
        db.exec("PRAGMA foreign_keys = ON");
        throw;
    }
}

// Rewrites the file without free pages (where deleted text would linger) and empties the WAL.
void compact(Database& db) {
    db.exec("VACUUM");
    auto checkpoint = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    if (checkpoint.step() && checkpoint.int64(0) != 0)
        throw DatabaseError("the WAL could not be truncated: another process has the database "
                            "open; run the purge again once it is closed");
}

} // namespace

std::string_view to_string(PurgeMode mode) {
    return mode == PurgeMode::delete_all ? "delete" : "keep_stats";
}

PurgeCounts preview_purge(const DataDir& dir, PurgeMode mode) {
    Database db(dir.database_path());
    migrate_event_tables(db);
    return purge_rows(db, mode, count_badge_files(dir), std::nullopt);
}

PurgeCounts purge_data_dir(const DataDir& dir, PurgeMode mode, std::int64_t now_ms) {
    PurgeCounts counts;
    {
        Database db(dir.database_path());
        migrate_event_tables(db);
        db.exec("PRAGMA secure_delete = ON"); // deleted records are zeroed in place, too
        counts = purge_rows(db, mode, count_badge_files(dir), now_ms);
        compact(db);
    }
    std::error_code ec;
    fs::remove_all(dir.badges_dir(), ec);
    if (ec)
        throw DataDirError("the database is purged, but " + dir.badges_dir().string() +
                           " could not be deleted: " + ec.message());
    return counts;
}

std::vector<PurgeRecord> load_purge_log(const Database& db) {
    std::vector<PurgeRecord> records;
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'purge_log'")
             .step())
        return records;
    auto query =
        db.prepare("SELECT at, mode, attendees_deleted, attendees_anonymised, badges_deleted, "
                   "ledger_deleted, ledger_anonymised, control_log_deleted, speaker_links_removed, "
                   "badge_files_deleted, audit_log_deleted FROM purge_log ORDER BY id");
    while (query.step()) {
        PurgeRecord record;
        record.at = query.int64(0);
        record.mode = query.text(1) == "delete" ? PurgeMode::delete_all : PurgeMode::keep_stats;
        record.counts = {query.int64(2), query.int64(3), query.int64(4),
                         query.int64(5), query.int64(6), query.int64(7),
                         query.int64(8), query.int64(9), query.int64(10)};
        records.push_back(record);
    }
    return records;
}

} // namespace stagedoor::storage
