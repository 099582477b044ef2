#include "domain/csv.hpp"

#include "stagedoor/protocol/text.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace stagedoor::domain {

namespace {

// Splits text into records, one at a time.
class Splitter {
  public:
    Splitter(std::string_view text, char delimiter)
        : text_(text)
        , delimiter_(delimiter) {}

    bool done() const { return pos_ >= text_.size(); }

    CsvRecord next() {
        CsvRecord record;
        record.line = line_;
        std::string field;
        bool quoted = false;
        while (true) {
            if (pos_ >= text_.size()) {
                finish_field(record, field, quoted);
                return record;
            }
            char c = text_[pos_];
            // A quote opens a quoted field only at its start (spaces before it are ignored).
            if (c == '"' && !quoted && field.find_first_not_of(" \t") == std::string::npos) {
                quoted = true;
                field.clear();
                if (!read_quoted(record, field)) {
                    skip_to_line_end();
                    return record;
                }
                while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t') &&
                       delimiter_ != text_[pos_])
                    ++pos_;
                // After the closing quote: a delimiter, a line end or the end of the text.
                if (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' &&
                    text_[pos_] != '\r') {
                    record.error = "unexpected text after a closing quote";
                    skip_to_line_end();
                    return record;
                }
                continue;
            }
            if (c == '"') {
                record.error = "a quote inside an unquoted field (quote the whole field and "
                               "double the quote: \"\")";
                skip_to_line_end();
                return record;
            }
            if (c == delimiter_) {
                finish_field(record, field, quoted);
                field.clear();
                quoted = false;
                ++pos_;
                continue;
            }
            if (c == '\r' || c == '\n') {
                consume_line_break();
                finish_field(record, field, quoted);
                return record;
            }
            field += c;
            ++pos_;
        }
    }

  private:
    void finish_field(CsvRecord& record, const std::string& field, bool quoted) {
        record.fields.push_back(quoted ? field : std::string(protocol::trim(field)));
        record.quoted.push_back(quoted);
    }
    void consume_line_break() {
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }
    // pos_ at the opening quote; leaves pos_ after the closing quote.
    bool read_quoted(CsvRecord& record, std::string& field) {
        std::size_t start_line = line_;
        ++pos_;
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    field += '"';
                    pos_ += 2;
                    continue;
                }
                ++pos_;
                return true;
            }
            if (c == '\r' || c == '\n') {
                // Embedded line breaks are kept as \n, whatever the file uses.
                consume_line_break();
                field += '\n';
                continue;
            }
            field += c;
            ++pos_;
        }
        record.error =
            "a quoted field opened on line " + std::to_string(start_line) + " is never closed";
        return false;
    }
    void skip_to_line_end() {
        while (pos_ < text_.size() && text_[pos_] != '\r' && text_[pos_] != '\n')
            ++pos_;
        if (pos_ < text_.size()) consume_line_break();
    }

    std::string_view text_;
    char delimiter_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

} // namespace

std::string_view strip_utf8_bom(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    return text;
}

char detect_csv_delimiter(std::string_view text) {
    // Blank lines before the header are skipped, as read_csv_table skips them.
    while (true) {
        auto end = text.find_first_of("\r\n");
        if (end == std::string_view::npos || !protocol::trim(text.substr(0, end)).empty()) break;
        text.remove_prefix(end + 1);
    }
    std::size_t commas = 0, semicolons = 0, tabs = 0;
    bool in_quotes = false;
    for (char c : text) {
        if (c == '"') in_quotes = !in_quotes;
        if (in_quotes) continue;
        if (c == '\n' || c == '\r') break;
        if (c == ',') ++commas;
        if (c == ';') ++semicolons;
        if (c == '\t') ++tabs;
    }
    if (semicolons > commas && semicolons >= tabs) return ';';
    if (tabs > commas && tabs > semicolons) return '\t';
    return ',';
}

std::vector<CsvRecord> read_csv_records(std::string_view text, char delimiter) {
    std::vector<CsvRecord> records;
    Splitter splitter(text, delimiter);
    while (!splitter.done())
        records.push_back(splitter.next());
    return records;
}

namespace {

// Windows-1252 bytes 0x80..0x9F as the WHATWG Encoding Standard maps them (index-windows-1252);
// 0 marks the five bytes Windows-1252 leaves undefined. Every other byte is the code point of
// the same value (ASCII and Latin-1).
constexpr char16_t kWindows1252C1[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// The message with the way out that works for every file: Excel's "CSV UTF-8".
std::string with_save_as_hint(std::string message) {
    return message + " (in Excel: Save As > CSV UTF-8)";
}

// The 1-based line that starts after text (CRLF, LF and a lone CR end a line once each).
std::size_t line_after(std::string_view text) {
    std::size_t line = 1;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')))
            ++line;
    return line;
}

// An error found where `before` (the text read so far) ends.
CsvText text_error(std::string_view before, std::string message) {
    return {{}, std::move(message), line_after(before), std::nullopt};
}

// Offset of the first byte that does not start a valid UTF-8 sequence, or npos.
std::size_t first_invalid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        std::size_t length = protocol::utf8_sequence_length(text, i);
        if (length == 0) return i;
        i += length;
    }
    return std::string_view::npos;
}

// Whether text[i] starts a sequence shaped like UTF-8 (a lead byte and all its continuation
// bytes) that encodes what RFC 3629 forbids: an overlong form, a surrogate or a code point
// above U+10FFFF. Such bytes are broken UTF-8, never Windows-1252 text ("\xED\xA0\x80" would
// read as "í €").
bool forbidden_utf8_form(std::string_view text, std::size_t i) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0xC0 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF8 ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k)
        if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    return protocol::utf8_sequence_length(text, i) == 0;
}

// The UTF-16 code units after the byte order mark as UTF-8.
CsvText from_utf16(std::string_view units, bool big_endian) {
    std::string out;
    out.reserve(units.size() * 3 / 2);
    auto unit = [&](std::size_t i) -> char32_t {
        auto first = static_cast<unsigned char>(units[i]);
        auto second = static_cast<unsigned char>(units[i + 1]);
        return static_cast<char32_t>(big_endian ? (first << 8 | second) : (second << 8 | first));
    };
    for (std::size_t i = 0; i < units.size(); i += 2) {
        if (i + 1 == units.size())
            return text_error(out, "the file ends in the middle of a UTF-16 character");
        char32_t c = unit(i);
        if (c >= 0xD800 && c < 0xDC00 && i + 3 < units.size() && unit(i + 2) >= 0xDC00 &&
            unit(i + 2) < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
            i += 2;
        }
        if (c >= 0xD800 && c < 0xE000)
            return text_error(out, "broken UTF-16: a surrogate without its pair");
        if (c == 0) return text_error(out, "the file holds a NUL character");
        protocol::append_utf8(out, c);
    }
    std::string name = big_endian ? "UTF-16 BE" : "UTF-16 LE";
    return {std::move(out), std::nullopt, 0, "read as " + name + " (Excel's Unicode text)"};
}

// Bytes that are not UTF-8 (the first bad one at first_bad) as Windows-1252.
CsvText from_windows_1252(std::string_view bytes, std::size_t first_bad) {
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 4);
    for (char byte : bytes) {
        auto value = static_cast<unsigned char>(byte);
        char32_t c = value >= 0x80 && value < 0xA0 ? kWindows1252C1[value - 0x80] : value;
        if (c == 0) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02X", value);
            return text_error(out, with_save_as_hint("byte " + std::string(hex) +
                                                     " is neither UTF-8 nor Windows-1252 text"));
        }
        protocol::append_utf8(out, c);
    }
    return {std::move(out), std::nullopt, 0,
            "read as Windows-1252: line " + std::to_string(line_after(bytes.substr(0, first_bad))) +
                " is not UTF-8 (in Excel: Save As > CSV UTF-8 to be sure)"};
}

} // namespace

CsvText csv_text_from_bytes(std::string_view bytes) {
    using namespace std::string_view_literals;
    if (bytes.starts_with("\xFF\xFE\0\0"sv) || bytes.starts_with("\0\0\xFE\xFF"sv))
        return {{},
                with_save_as_hint("the file is UTF-32, which stagedoor does not read"),
                0,
                std::nullopt};
    if (bytes.starts_with("\xFF\xFE")) return from_utf16(bytes.substr(2), false);
    if (bytes.starts_with("\xFE\xFF")) return from_utf16(bytes.substr(2), true);
    bool declared_utf8 = bytes.starts_with("\xEF\xBB\xBF");
    std::string_view text = strip_utf8_bom(bytes);
    if (auto nul = text.find('\0'); nul != std::string_view::npos)
        return text_error(text.substr(0, nul),
                          with_save_as_hint("the file holds NUL bytes: UTF-16 or UTF-32 without "
                                            "a byte order mark?"));
    std::size_t first_bad = first_invalid_utf8(text);
    if (first_bad == std::string_view::npos)
        return {std::string(text), std::nullopt, 0, std::nullopt};
    if (declared_utf8)
        return text_error(text.substr(0, first_bad),
                          "not UTF-8, though the file starts with a UTF-8 byte order mark");
    for (std::size_t i = first_bad; i < text.size(); ++i)
        if (forbidden_utf8_form(text, i))
            return text_error(text.substr(0, i), "broken UTF-8: a surrogate, an overlong form or "
                                                 "a code point above U+10FFFF");
    return from_windows_1252(text, first_bad);
}

std::string fold_csv_key(std::string_view text) {
    std::string out = protocol::ascii_lower(protocol::trim(text));
    std::replace_if(
        out.begin(), out.end(), [](char c) { return c == ' ' || c == '-'; }, '_');
    return out;
}

std::string CsvProblem::describe() const {
    return line == 0 ? message : "line " + std::to_string(line) + ": " + message;
}

namespace {

bool is_blank(const CsvRecord& record) {
    return !record.error && std::all_of(record.fields.begin(), record.fields.end(),
                                        [](const std::string& field) { return field.empty(); });
}

std::optional<std::size_t> column_titled(const std::vector<CsvColumn>& columns,
                                         std::string_view key) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const auto& aliases = columns[i].aliases;
        if (columns[i].name == key ||
            std::find(aliases.begin(), aliases.end(), key) != aliases.end())
            return i;
    }
    return std::nullopt;
}

std::string describe_delimiter(char delimiter) {
    return delimiter == '\t' ? "tab" : std::string("'") + delimiter + "'";
}

// The column of each header field (nullopt: ignored). Fills table.present, warnings and errors.
std::vector<std::optional<std::size_t>>
map_header(const CsvRecord& header, const std::vector<CsvColumn>& columns, CsvTable& table) {
    std::vector<std::optional<std::size_t>> field_columns;
    for (const auto& title : header.fields) {
        std::string key = fold_csv_key(title);
        std::optional<std::size_t> column = column_titled(columns, key);
        if (column && table.present[*column]) {
            table.errors.push_back({header.line, "column '" + title + "' appears twice"});
            column.reset();
        } else if (column) {
            table.present[*column] = true;
        } else if (!key.empty()) {
            table.warnings.push_back("unknown column '" + title + "' is ignored");
        }
        field_columns.push_back(column);
    }
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i].required && !table.present[i])
            table.errors.push_back(
                {header.line, "the header has no '" + std::string(columns[i].name) +
                                  "' column (found " + std::to_string(header.fields.size()) +
                                  " column(s) separated by " + describe_delimiter(table.delimiter) +
                                  ")"});
    return field_columns;
}

CsvRow table_row(CsvRecord& record, const std::vector<std::optional<std::size_t>>& field_columns,
                 std::size_t column_count) {
    CsvRow row;
    row.line = record.line;
    row.cells.resize(column_count);
    row.error = record.error;
    // Cells past the header's last column are spreadsheet padding while they are empty.
    std::size_t known = std::min(record.fields.size(), field_columns.size());
    bool extra_text =
        std::any_of(record.fields.begin() + static_cast<std::ptrdiff_t>(known), record.fields.end(),
                    [](const std::string& field) { return !field.empty(); });
    if (!row.error && extra_text)
        row.error = "has " + std::to_string(record.fields.size()) + " fields, the header has " +
                    std::to_string(field_columns.size());
    if (row.error) return row;
    for (std::size_t i = 0; i < known; ++i)
        if (field_columns[i]) row.cells[*field_columns[i]] = std::move(record.fields[i]);
    return row;
}

} // namespace

CsvTable read_csv_table(std::string_view bytes, const std::vector<CsvColumn>& columns) {
    CsvTable table;
    table.present.assign(columns.size(), false);
    CsvText decoded = csv_text_from_bytes(bytes);
    if (decoded.error) {
        table.errors.push_back({decoded.error_line, *decoded.error});
        return table;
    }
    if (decoded.warning) table.warnings.push_back(*decoded.warning);
    table.delimiter = detect_csv_delimiter(decoded.text);
    std::vector<CsvRecord> records = read_csv_records(decoded.text, table.delimiter);
    auto header = std::find_if_not(records.begin(), records.end(), is_blank);
    if (header == records.end()) {
        table.errors.push_back({0, "the file is empty; the first row must name the columns"});
        return table;
    }
    if (header->error) {
        table.errors.push_back({header->line, *header->error});
        return table;
    }
    auto field_columns = map_header(*header, columns, table);
    if (!table.ok()) return table;
    for (auto record = header + 1; record != records.end(); ++record)
        if (!is_blank(*record))
            table.rows.push_back(table_row(*record, field_columns, columns.size()));
    return table;
}

std::string csv_field(std::string_view value, CsvQuoting quoting) {
    std::string text(value);
    if (quoting.neutralise_formulas && !text.empty() &&
        std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos)
        text.insert(text.begin(), '\'');
    bool quote =
        text.find_first_of(quoting.quote_semicolons ? ",;\"\r\n" : ",\"\r\n") !=
            std::string::npos ||
        (quoting.quote_edge_spaces && !text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!quote) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

CsvWriter::CsvWriter(CsvSeparator separator)
    : separator_(static_cast<char>(separator)) {}

void CsvWriter::separate() {
    if (row_started_) out_ += separator_;
    row_started_ = true;
}

CsvWriter& CsvWriter::text(std::string_view value, CsvQuoting quoting) {
    separate();
    if (separator_ == ';') quoting.quote_semicolons = true;
    out_ += csv_field(value, quoting);
    return *this;
}

CsvWriter& CsvWriter::plain(std::string_view value) {
    separate();
    out_ += value;
    return *this;
}

CsvWriter& CsvWriter::end_row() {
    out_ += "\r\n";
    row_started_ = false;
    return *this;
}

CsvWriter& CsvWriter::row(std::initializer_list<std::string_view> cells) {
    for (std::string_view cell : cells)
        plain(cell);
    return end_row();
}

std::string CsvWriter::take() {
    row_started_ = false;
    return std::exchange(out_, {});
}

} // namespace stagedoor::domain
