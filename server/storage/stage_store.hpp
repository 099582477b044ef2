// SQLite persistence of the stage: agenda items with their actuals, block targets, the timer's
// wall-clock anchors, the stage screen and the control log. The module keeps the state in
// memory and writes a full snapshot through storage::Writer before it broadcasts a change, so
// a restart (even after SIGKILL) resumes from the last broadcast state.
#pragma once

#include "domain/agenda_import.hpp"
#include "domain/timer.hpp"
#include "storage/database.hpp"

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace stagedoor::storage {

std::span<const Migration> stage_migrations();

struct StoredStage {
    domain::StageState state;
    domain::ScreenState screen;
    std::optional<std::int64_t> saved_at; // when the timer row was last written; null: never
};

// Reads what the stage tables hold (an empty, idle stage when nothing was saved yet).
// Throws DatabaseError when a stored value is unreadable.
StoredStage load_stage(const Database& db);
// Replaces the stored agenda, block targets and timer row with state.
void save_stage(Database& db, const domain::StageState& state, std::int64_t saved_at);
void save_screen(Database& db, const domain::ScreenState& screen);

struct ControlEntry {
    std::int64_t at = 0;
    std::string device;
    std::string role;
    std::string action;              // message type, e.g. "timer_control", "agenda_move"
    std::string detail;              // the request as JSON, without type and id
    std::string outcome;             // "ok" or the error code
    std::optional<std::int64_t> seq; // the stage seq after an accepted change
};
void append_control(Database& db, const ControlEntry& entry);
// Newest last; at most limit entries (the newest ones).
std::vector<ControlEntry> load_control_log(const Database& db, std::size_t limit = 1000);

// Attendees for the agenda import: (id, name, organisation, email, external_id) from the
// attendance helper's table; empty when that table does not exist.
std::vector<domain::AttendeeRecord> load_attendee_records(const Database& db);

} // namespace stagedoor::storage
