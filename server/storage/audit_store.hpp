// SQLite persistence of the audit log: one append-only row per privileged action (timer
// controls, agenda and stage changes, manual check-ins, walk-ins, undos, roster imports,
// exports, device pairing and key rotation), with who did it from where. UPDATE and DELETE are
// refused by triggers except inside the audited purge (storage/purge.hpp), like the ledger.
// Refused requests are not stored here: the router counts them (app::RefusalCounts).
#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace stagedoor::storage {

std::span<const Migration> audit_migrations();
// Applies audit_migrations() (idempotent).
void migrate_audit(Database& db);

struct AuditEntry {
    std::int64_t seq = 0;       // assigned by the database; ignored by append_audit
    std::int64_t at = 0;        // unix ms
    std::int64_t device_id = 0; // 0: a role key, not a paired device
    std::string device;         // the device's name at the time
    std::string role;
    std::string address; // peer IP as text; empty when unknown
    std::string action;  // e.g. "timer.start", "walkin", "export.attendance_csv"
    std::string target;  // what it was done to (attendee id, agenda item, device id); may be empty
    std::string detail;  // short JSON text; may be empty
    std::string outcome = "ok";
    bool operator==(const AuditEntry&) const = default;
};

// Appends one row (on the writer thread, inside its transaction, or on any connection).
void append_audit(Database& db, const AuditEntry& entry);
// Appends a row for an action taken on the command line (`stagedoor device ...`, `keys rotate`):
// device "(command line)", role organiser (whoever can read the data folder holds every key).
// Creates the table first when the event has never been served.
void append_command_line_audit(Database& db, std::int64_t at, std::string action,
                               std::string target, std::string detail = {});

struct AuditFilter {
    // exact, or a family: "timer" matches "timer.start"
    std::optional<std::string> action = std::nullopt;
    std::optional<std::string> device = std::nullopt;      // a device id (digits) or a device name
    std::optional<std::int64_t> since = std::nullopt;      // rows with at >= since (unix ms)
    std::optional<std::int64_t> before_seq = std::nullopt; // rows with seq < before_seq (paging)
    std::size_t limit = 200;
};
// Matching rows, newest first, at most filter.limit. Empty when the table does not exist.
std::vector<AuditEntry> load_audit(const Database& db, const AuditFilter& filter);

} // namespace stagedoor::storage
