// CSV as spreadsheets read and write it (RFC 4180): one table reader for every import (roster,
// agenda) and one field writer for every export (attendance, ledger, stage report, badges).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::domain {

struct CsvRecord {
    std::size_t line = 0;             // 1-based physical line where the record starts
    std::vector<std::string> fields;  // unquoted fields are trimmed (protocol::trim)
    std::vector<bool> quoted;         // per field: it was written in quotes
    std::optional<std::string> error; // broken quoting; the rest of that line is skipped
};

// The text without a leading UTF-8 byte order mark (Excel's "CSV UTF-8" writes one).
std::string_view strip_utf8_bom(std::string_view text);

// ',' ';' (German Excel) or tab, whichever the header line (the first line that is not blank)
// uses most outside quotes; ',' when in doubt.
char detect_csv_delimiter(std::string_view text);

// Every record of the text, blank lines included (as one empty field). Quoted fields may hold
// the delimiter, "" for a quote and line breaks (kept as \n); spaces around a quoted field are
// ignored. Physical lines count CRLF, LF and a lone CR once each. Throws nothing: broken quoting
// is reported in the record's error, with the line where the record starts.
std::vector<CsvRecord> read_csv_records(std::string_view text, char delimiter);

// ---- Tables: the one set of rules for every CSV import (roster, agenda) ----
//
// read_csv_table reads bytes by csv_text_from_bytes (its warning comes first), detects the
// delimiter, takes the first non-blank record as the header and matches its titles to the
// importer's columns by fold_csv_key, name or alias. An unknown title is a warning (the column is
// ignored), an empty one is ignored, a column named twice or a missing required column is an error.
// Blank records are left out anywhere. A row may leave out trailing cells (they read as empty) and
// may have extra empty cells (spreadsheets pad rows); an extra non-empty cell or broken quoting
// makes the row an error with its line.

// The file's bytes as UTF-8 text: the one place where bytes become text. Read as
//   UTF-8, with or without a byte order mark (BOM);
//   UTF-16 LE or BE with a BOM (Excel's "Unicode text"), reported in warning;
//   Windows-1252 (the WHATWG table) when the bytes are not UTF-8, reported in warning;
// and an error naming the first bad line for anything else: a UTF-32 BOM, NUL bytes (UTF-16
// or UTF-32 without a BOM), broken UTF-16, bytes that are neither UTF-8 nor Windows-1252 (the
// five bytes 0x81 0x8D 0x8F 0x90 0x9D that Windows-1252 leaves undefined), and UTF-8 that is
// broken rather than foreign (a surrogate, an overlong form or a code point above U+10FFFF, or
// any bad byte after a UTF-8 BOM). The text is valid UTF-8 (protocol::is_valid_utf8) without
// NUL. Throws nothing.
struct CsvText {
    std::string text;
    std::optional<std::string> error;   // the bytes are no text we read; text is empty then
    std::size_t error_line = 0;         // 1-based line of the error; 0: the file as a whole
    std::optional<std::string> warning; // "read as Windows-1252 ...": the user should look
};
CsvText csv_text_from_bytes(std::string_view bytes);

// How column titles and word-like values are compared: trimmed, ASCII lower case, spaces and
// hyphens as underscores ("External ID" -> "external_id", "New-Member" -> "new_member").
std::string fold_csv_key(std::string_view text);

// A column an importer knows. Name and aliases are folded (fold_csv_key) titles.
struct CsvColumn {
    std::string_view name;                 // as documented and in messages: "external_id"
    std::vector<std::string_view> aliases; // other titles for it: "organization"
    bool required = false;
};

struct CsvProblem {
    std::size_t line = 0; // 1-based physical line; 0: the file as a whole
    std::string message;
    // "line 3: message", or the message alone for the file as a whole.
    std::string describe() const;
};

struct CsvRow {
    std::size_t line = 0;             // 1-based physical line where the record starts
    std::vector<std::string> cells;   // one per CsvColumn, as read; "" where absent
    std::optional<std::string> error; // the row cannot be read (its cells are all empty)
    // The cell of a column, named by an enum that lists the columns in order.
    template <class Column> const std::string& cell(Column column) const {
        return cells[static_cast<std::size_t>(column)];
    }
};

struct CsvTable {
    char delimiter = ',';
    std::vector<bool> present;         // per CsvColumn: the header names it
    std::vector<CsvRow> rows;          // the records after the header, blank ones left out
    std::vector<std::string> warnings; // "unknown column 'Kostenstelle' is ignored"
    std::vector<CsvProblem> errors;    // the file is no usable table: no rows then
    bool ok() const { return errors.empty(); }
    // Whether the header names a column, given as in CsvRow::cell.
    template <class Column> bool has(Column column) const {
        return present[static_cast<std::size_t>(column)];
    }
};

// The table in bytes, read by the rules above against the importer's columns (cells are
// indexed like columns). Throws nothing.
CsvTable read_csv_table(std::string_view bytes, const std::vector<CsvColumn>& columns);

// ---- Writing ----

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

// The separator of an export: ',' (RFC 4180) or ';', which a German Excel expects when it
// opens a .csv by double click (the "for Excel (;)" downloads, ?sep=semicolon).
enum class CsvSeparator : char { comma = ',', semicolon = ';' };

// The one writer of every CSV export (attendance, ledger, stage report): cells joined by the
// separator, rows ended by CRLF. With ';' every text cell holding a ';' is quoted as well.
class CsvWriter {
  public:
    explicit CsvWriter(CsvSeparator separator = CsvSeparator::comma);
    // A text cell, written as csv_field writes it with quoting.
    CsvWriter& text(std::string_view value, CsvQuoting quoting = {});
    // A cell written as is: numbers, times and names from a fixed list, which need no quotes.
    CsvWriter& plain(std::string_view value);
    // Ends the row.
    CsvWriter& end_row();
    // A row of plain cells (a header).
    CsvWriter& row(std::initializer_list<std::string_view> cells);
    // The text written so far; the writer is empty afterwards.
    std::string take();

  private:
    void separate();
    char separator_;
    bool row_started_ = false;
    std::string out_;
};

} // namespace stagedoor::domain
