// SQLite persistence of the attendance domain: schema (named migrations), loading at start,
// the writes the module submits to the group-commit Writer, roster plans and badge reissue.
//
// Tables: attendees (roster), badges (one row per issued serial; the highest is current),
// ledger (append-only: UPDATE and DELETE are refused by triggers, except inside the audited
// purge of storage/purge.hpp), purge_log (one row per purge, never changed).
#pragma once

#include "domain/attendance.hpp"
#include "domain/roster_import.hpp"
#include "stagedoor/protocol/badge_token.hpp"
#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace stagedoor::storage {

void migrate_attendance(Database& db);
// The attendance migrations in order (tests apply a prefix to check later ones on old data).
std::span<const Migration> attendance_migrations();
// Everything: attendees with their current badge, then the ledger replayed in order.
domain::Attendance load_attendance(Database& db);

// Reads one attendee with its current badge (std::nullopt if absent). Lets a running server
// pick up a badge issued or an attendee imported by the command line meanwhile.
std::optional<domain::Attendee> read_attendee(Database& db, std::int64_t attendee_id);

// The highest attendee id in the database (0 when empty). New ids are allocated above both
// this and the in-memory roster, so a running server and `stagedoor import` never collide.
std::int64_t max_attendee_id(Database& db);

// ---- writes (on the writer thread, inside its transaction) ----
void insert_attendee(Database& db, const domain::Attendee& attendee);
void update_attendee(Database& db, const domain::Attendee& attendee, std::int64_t now_ms);
// Records attendee.serial/token/token_issued_at as an issued badge.
void insert_badge(Database& db, const domain::Attendee& attendee);
// The hot path: one prepared statement per connection and thread.
void insert_ledger_entry(Database& db, const domain::LedgerEntry& entry);

// Signs badges for this event.
class BadgeIssuer {
  public:
    BadgeIssuer(protocol::badge::SigningKey key, protocol::badge::EventId event_id)
        : key_(std::move(key))
        , event_id_(event_id) {}
    // Sets serial, token and token_issued_at on the attendee.
    void issue(domain::Attendee& attendee, std::uint16_t serial, std::int64_t now_ms) const;
    const protocol::badge::EventId& event_id() const { return event_id_; }

  private:
    protocol::badge::SigningKey key_;
    protocol::badge::EventId event_id_;
};

// Signs the badges the plan orders (serial, token and token_issued_at of plan.added) and
// writes the plan as ONE transaction on db: the people added with their badges, the updated
// ones (updated_at = now_ms). Throws, rolled back, when the write fails. Memory is the
// caller's: apply the plan to the state (domain::apply_roster_plan) after this returns.
void commit_roster_plan(Database& db, domain::RosterPlan& plan, const BadgeIssuer& issuer,
                        std::int64_t now_ms);

// Finds an attendee by id, external_id or email (as typed on a command line).
const domain::Attendee* find_attendee(const domain::Attendance& state, std::string_view text);

// A new badge serial for the attendee (older serials are revoked), committed on db and
// applied to state. Throws when the serial space (65535) is exhausted.
domain::Attendee reissue_badge(Database& db, domain::Attendance& state, std::int64_t attendee_id,
                               const BadgeIssuer& issuer, std::int64_t now_ms);

} // namespace stagedoor::storage
