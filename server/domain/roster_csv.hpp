// Roster CSV as spreadsheets export it, read by the rules every CSV import shares
// (read_csv_table in domain/csv.hpp: RFC 4180 quoting, UTF-8 with or without BOM, UTF-16
// with BOM or Windows-1252 (a warning says so), `,` `;` or tab, columns by header title in any
// order and case, unknown columns a warning). Columns: name (required), organisation (or
// organization), email (or e-mail), sector, category, vip, external_id, notes, blocked.
#pragma once

#include "stagedoor/protocol/vocabulary.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::domain {

struct RosterRow {
    std::size_t line = 0; // 1-based physical line where the record starts
    std::string name;
    std::string organisation;
    std::string email;
    std::string sector;
    protocol::Category category = protocol::Category::member;
    bool vip = false;
    std::string external_id;
    std::string notes;
    bool blocked = false; // optional column "blocked": refuse admission
};

struct RosterProblem {
    std::size_t line = 0;
    std::string reason;
};

// Which optional columns the file has: a re-import changes only those fields.
struct RosterColumns {
    bool organisation = false;
    bool email = false;
    bool sector = false;
    bool category = false;
    bool vip = false;
    bool external_id = false;
    bool notes = false;
    bool blocked = false;
};

struct RosterParse {
    RosterColumns columns;
    std::vector<RosterRow> rows;       // the good rows, in file order
    std::vector<RosterProblem> errors; // bad rows: nothing is imported unless skip_bad
    std::vector<std::string> warnings; // unknown columns (ignored)
    std::optional<std::string> fatal;  // the file as a whole is unusable
    char delimiter = ',';
    bool ok() const { return !fatal && errors.empty(); }
};

RosterParse parse_roster_csv(std::string_view text);

// "yes", "Ja", "1", "true", "x" -> true; "", "no", "nein", "0", "false" -> false.
std::optional<bool> parse_yes_no(std::string_view text);
// "member", "New member", "new-member" -> new_member ...
std::optional<protocol::Category> parse_category(std::string_view text);

} // namespace stagedoor::domain
