// CSV as spreadsheets read and write it (RFC 4180): one reader for every import (roster,
// agenda) and one field writer for every export (attendance, ledger, stage report, badges).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::domain {

struct CsvRecord {
    std::size_t line = 0;             // 1-based physical line where the record starts
    std::vector<std::string> fields;  // unquoted fields are trimmed of spaces and tabs
    std::vector<bool> quoted;         // per field: it was written in quotes
    std::optional<std::string> error; // broken quoting; the rest of that line is skipped
};

// The text without leading and trailing spaces and tabs, as unquoted fields are read.
std::string trim_csv_blanks(std::string_view text);

// The text without a leading UTF-8 byte order mark (Excel's "CSV UTF-8" writes one).
std::string_view strip_utf8_bom(std::string_view text);

// ',' ';' (German Excel) or tab, whichever the header line uses most outside quotes; ','
// when in doubt.
char detect_csv_delimiter(std::string_view text);

// Every record of the text, blank lines included (as one empty field). Quoted fields may hold
// the delimiter, "" for a quote and line breaks (kept as \n); spaces around a quoted field are
// ignored. Physical lines count CRLF, LF and a lone CR once each. Throws nothing: broken quoting
// is reported in the record's error, with the line where the record starts.
std::vector<CsvRecord> read_csv_records(std::string_view text, char delimiter);

// How csv_field writes a cell. The defaults suit text cells of a comma-separated export.
struct CsvQuoting {
    // Spreadsheets run a cell starting with = + - @ (or tab, CR) as a formula: such a cell gets
    // a leading apostrophe, so an attendee's name cannot become a formula on the organiser's PC.
    bool neutralise_formulas = true;
    // Also quote ';', for files a German Excel may split at semicolons.
    bool quote_semicolons = false;
    // Also quote a leading or trailing space, which readers would otherwise trim.
    bool quote_edge_spaces = false;
};

// One field, quoted (with "" for a quote) when it holds the delimiter, a quote or a line break.
std::string csv_field(std::string_view value, CsvQuoting quoting = {});

} // namespace stagedoor::domain
