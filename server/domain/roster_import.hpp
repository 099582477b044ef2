// Roster import as a plan: which people a roster file adds and which it changes, decided
// against the current roster without touching it. Pure: no I/O, time passed in. Storage writes
// a plan in one transaction (signing the badges it orders, which needs the private key), and
// the caller applies it to memory only after that commit.
#pragma once

#include "domain/attendance.hpp"
#include "domain/failure.hpp"
#include "domain/roster_csv.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::domain {

struct RosterImportOptions {
    bool skip_bad = false;       // leave bad rows out instead of refusing the whole file
    std::int64_t now = 0;        // unix ms: created_at of the people added
    std::int64_t min_new_id = 1; // new ids start at or above this (and above the roster's ids)
};

// A badge to sign before the plan is written.
struct BadgeOrder {
    std::int64_t attendee_id = 0;
    std::uint16_t serial = 0;
};

struct RosterPlan {
    std::vector<Attendee> added;    // new people with their new ids, in file order; no badge yet
    std::vector<Attendee> updated;  // known people with the file's fields; badges unchanged
    std::vector<BadgeOrder> badges; // the badges to sign: serial 1 for every person added
    std::size_t unchanged = 0;      // rows that match a known person field for field
    std::vector<RosterProblem> skipped; // bad rows left out (skip_bad), by line
    std::vector<RosterProblem> errors;  // bad rows that refuse the file, by line
    std::vector<std::string> warnings;  // the parse's (e.g. unknown columns, ignored)
    std::optional<Failure> refused;     // the file as a whole cannot be imported
    // Nothing to write (and added, updated, badges, unchanged are empty) unless this holds.
    bool writable() const { return !refused && errors.empty(); }
};

// Matches each row to a known attendee by external_id, else by email (ASCII case-insensitive;
// not when both carry different external ids), and never duplicates anyone: a known person
// gets the name and the columns the file has (other fields, the badge, blocked and walk-in
// status stay), a new person every field, an id and a serial-1 badge order. People missing
// from the file are left as they are. Two rows for one person make the later a bad row. Bad
// rows (the parse's and those) refuse the plan unless options.skip_bad. An unusable file
// (roster.fatal) is refused as invalid, running out of attendee ids as conflict.
RosterPlan plan_roster_import(const Attendance& state, const RosterParse& roster,
                              const RosterImportOptions& options);

// Puts the planned people into state. Call once the plan is committed (badges signed).
void apply_roster_plan(Attendance& state, const RosterPlan& plan);

} // namespace stagedoor::domain
