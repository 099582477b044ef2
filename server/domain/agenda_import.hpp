// Agenda import from CSV or JSON, as written by organisers in a spreadsheet or a script.
//
// CSV: read by the rules every CSV import shares (read_csv_table in domain/csv.hpp: header row,
// titles in any order and case, ',' ';' or tab, RFC 4180 quoting, UTF-8 with or without BOM,
// UTF-16 with BOM or Windows-1252 (a warning says so), unknown columns a warning). Columns:
//   title         required
//   duration      required: m:ss, h:mm:ss or whole seconds ("3:00", "180")
//   kind          talk (default) | pitch | break | other
//   speaker       attendee external_id, else email, else exact name; must match one attendee
//   organisation  (or organization) shown on the stage; default: the speaker's organisation
//   warn, danger  seconds (or m:ss) before the end; default 30 and 10 (capped at the duration)
//   at_zero       count_up (default) | stop | next
//   block         block name, e.g. "New member pitches"
//   block_target  the block's target end: HH:MM (local time on the event date) or ISO 8601
//                 with offset ("2026-11-26T18:30:00+01:00"); give it on any row of the block
//   id            optional item id (default item-1, item-2, ... by row)
// JSON: {"items":[{...}], "blocks":[{"name":..., "target_end": "18:30" | unix ms}]} or just
// the array of items; item fields as the CSV columns (duration as "m:ss" or seconds), plus
// duration_ms/warn_ms/danger_ms and speaker_id (an attendee id) as alternatives.
#pragma once

#include "domain/agenda.hpp"

#include <ctime>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::domain {

struct AttendeeRecord {
    std::int64_t id = 0;
    std::string name;
    std::string organisation;
    std::string email;
    std::string external_id;
};

struct ImportOptions {
    std::string event_date; // YYYY-MM-DD, for HH:MM block targets
    // Local wall-clock time -> unix ms; default: the machine's time zone (mktime).
    std::function<std::optional<std::int64_t>(const std::tm& local)> local_to_unix_ms;
};

struct ImportError {
    std::size_t line =
        0; // CSV: line in the file (header = 1); JSON: item number (1-based); 0: file
    std::string message;
};

struct ImportResult {
    Agenda agenda;
    std::vector<ImportError> errors;   // non-empty: nothing may be imported
    std::vector<std::string> warnings; // CSV: "unknown column 'Raum' is ignored"
    std::string unit = "line";         // "line" (CSV) or "item" (JSON), for messages
    bool ok() const { return errors.empty(); }
    // "line 4: speaker 'N-0009' matches no attendee" per error, one per line.
    std::string describe() const;
};

// The agenda in a file's bytes, read by csv_text_from_bytes (domain/csv.hpp): UTF-8, UTF-16
// with a byte order mark or Windows-1252, a conversion reported in warnings.
ImportResult import_agenda_csv(std::string_view bytes, const std::vector<AttendeeRecord>& attendees,
                               const ImportOptions& options = {});
ImportResult import_agenda_json(std::string_view bytes,
                                const std::vector<AttendeeRecord>& attendees,
                                const ImportOptions& options = {});
// Chooses by the first non-blank character of the text ('{' or '[' is JSON).
ImportResult import_agenda(std::string_view bytes, const std::vector<AttendeeRecord>& attendees,
                           const ImportOptions& options = {});

// "3:00" -> 180000, "1:02:03" -> 3723000, "90" -> 90000; nullopt when malformed.
std::optional<std::int64_t> parse_clock_duration(std::string_view text);

} // namespace stagedoor::domain
