#include "domain/roster_csv.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace stagedoor::domain {

namespace {

std::string trim(std::string_view text) {
    auto begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos) return {};
    auto end = text.find_last_not_of(" \t");
    return std::string(text.substr(begin, end - begin + 1));
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Lower case, and spaces or hyphens as underscores: "External ID" -> "external_id".
std::string normalise_key(std::string_view text) {
    std::string out = ascii_lower(trim(text));
    for (char& c : out)
        if (c == ' ' || c == '-') c = '_';
    return out;
}

bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xE  ? 3
                             : (lead >> 3) == 0x1E ? 4
                                                   : 0;
        if (length == 0 || i + length > text.size()) return false;
        if (length == 2 && lead < 0xC2) return false; // overlong
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
        i += length;
    }
    return true;
}

struct Record {
    std::size_t line = 0;
    std::vector<std::string> fields;
    std::vector<bool> quoted;
    std::optional<std::string> error; // broken quoting
};

// Splits text into records. Physical line numbers count CRLF, LF and a lone CR once each.
class Splitter {
  public:
    Splitter(std::string_view text, char delimiter)
        : text_(text)
        , delimiter_(delimiter) {}

    bool done() const { return pos_ >= text_.size(); }

    Record next() {
        Record record;
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
    void finish_field(Record& record, const std::string& field, bool quoted) {
        record.fields.push_back(quoted ? field : trim(field));
        record.quoted.push_back(quoted);
    }
    void consume_line_break() {
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }
    // pos_ at the opening quote; leaves pos_ after the closing quote.
    bool read_quoted(Record& record, std::string& field) {
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

char detect_delimiter(std::string_view text) {
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

enum class Column { name, organisation, email, sector, category, vip, external_id, notes, blocked };

std::optional<Column> column_for(const std::string& key) {
    static const std::map<std::string, Column, std::less<>> columns{
        {"name", Column::name},
        {"organisation", Column::organisation},
        {"organization", Column::organisation},
        {"email", Column::email},
        {"e_mail", Column::email},
        {"sector", Column::sector},
        {"category", Column::category},
        {"vip", Column::vip},
        {"external_id", Column::external_id},
        {"notes", Column::notes},
        {"blocked", Column::blocked},
    };
    auto it = columns.find(key);
    if (it == columns.end()) return std::nullopt;
    return it->second;
}

bool all_empty(const std::vector<std::string>& fields, std::size_t from = 0) {
    for (std::size_t i = from; i < fields.size(); ++i)
        if (!fields[i].empty()) return false;
    return true;
}

std::string describe_delimiter(char delimiter) {
    return delimiter == '\t' ? "tab" : std::string("'") + delimiter + "'";
}

} // namespace

std::optional<bool> parse_yes_no(std::string_view text) {
    std::string value = normalise_key(text);
    if (value.empty() || value == "no" || value == "n" || value == "false" || value == "0" ||
        value == "nein")
        return false;
    if (value == "yes" || value == "y" || value == "true" || value == "1" || value == "ja" ||
        value == "j" || value == "x")
        return true;
    return std::nullopt;
}

std::optional<protocol::Category> parse_category(std::string_view text) {
    std::string value = normalise_key(text);
    if (value.empty()) return protocol::Category::member;
    return protocol::category_from_string(value);
}

RosterParse parse_roster_csv(std::string_view text) {
    RosterParse result;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    if (!valid_utf8(text)) {
        result.fatal = "the file is not UTF-8 text (in Excel: Save As > CSV UTF-8)";
        return result;
    }
    if (trim(text).find_first_not_of("\r\n") == std::string::npos) {
        result.fatal = "the file is empty: it needs a header row with at least a 'name' column";
        return result;
    }
    result.delimiter = detect_delimiter(text);
    Splitter splitter(text, result.delimiter);

    Record header = splitter.next();
    if (header.error) {
        result.fatal = "line 1 (header): " + *header.error;
        return result;
    }
    std::vector<std::optional<Column>> columns;
    std::set<Column> seen;
    for (const auto& title : header.fields) {
        std::string key = normalise_key(title);
        auto column = column_for(key);
        if (column && seen.contains(*column)) {
            result.fatal = "line 1 (header): column '" + title + "' appears twice";
            return result;
        }
        if (column) {
            seen.insert(*column);
        } else if (!key.empty()) {
            result.warnings.push_back("unknown column '" + title + "' is ignored");
        }
        columns.push_back(column);
    }
    result.columns.organisation = seen.contains(Column::organisation);
    result.columns.email = seen.contains(Column::email);
    result.columns.sector = seen.contains(Column::sector);
    result.columns.category = seen.contains(Column::category);
    result.columns.vip = seen.contains(Column::vip);
    result.columns.external_id = seen.contains(Column::external_id);
    result.columns.notes = seen.contains(Column::notes);
    result.columns.blocked = seen.contains(Column::blocked);
    if (!seen.contains(Column::name)) {
        result.fatal = "line 1 (header): no 'name' column (found " +
                       std::to_string(header.fields.size()) + " column(s) separated by " +
                       describe_delimiter(result.delimiter) + ")";
        return result;
    }

    std::map<std::string, std::size_t> external_ids;
    std::map<std::string, std::size_t> emails;
    while (!splitter.done()) {
        Record record = splitter.next();
        auto fail = [&](std::string reason) {
            result.errors.push_back({record.line, std::move(reason)});
        };
        if (record.error) {
            fail(*record.error);
            continue;
        }
        if (all_empty(record.fields)) continue; // blank line
        if (record.fields.size() < columns.size()) {
            fail("has " + std::to_string(record.fields.size()) + " fields, the header has " +
                 std::to_string(columns.size()));
            continue;
        }
        // Spreadsheets often pad rows with empty trailing cells; anything else is an error.
        if (record.fields.size() > columns.size() && !all_empty(record.fields, columns.size())) {
            fail("has " + std::to_string(record.fields.size()) + " fields, the header has " +
                 std::to_string(columns.size()));
            continue;
        }
        RosterRow row;
        row.line = record.line;
        std::optional<std::string> problem;
        for (std::size_t i = 0; i < columns.size() && !problem; ++i) {
            if (!columns[i]) continue;
            std::string value = trim(record.fields[i]);
            switch (*columns[i]) {
            case Column::name:
                row.name = value;
                break;
            case Column::organisation:
                row.organisation = value;
                break;
            case Column::email:
                row.email = value;
                break;
            case Column::sector:
                row.sector = value;
                break;
            case Column::external_id:
                row.external_id = value;
                break;
            case Column::notes:
                row.notes = record.fields[i];
                break;
            case Column::category: {
                auto category = parse_category(value);
                if (!category)
                    problem = "unknown category '" + value +
                              "' (use member, guest, new_member, speaker, staff or press)";
                else
                    row.category = *category;
                break;
            }
            case Column::vip:
            case Column::blocked: {
                auto flag = parse_yes_no(value);
                const char* title = *columns[i] == Column::vip ? "vip" : "blocked";
                if (!flag)
                    problem = std::string(title) + " must be yes or no, not '" + value + "'";
                else if (*columns[i] == Column::vip)
                    row.vip = *flag;
                else
                    row.blocked = *flag;
                break;
            }
            }
        }
        if (!problem && row.name.empty()) problem = "name is missing";
        if (!problem && row.name.size() > protocol::kMaxNameBytes)
            problem = "name is longer than 200 bytes";
        if (!problem && row.organisation.size() > protocol::kMaxOrganisationBytes)
            problem = "organisation is longer than 200 bytes";
        if (!problem && row.sector.size() > protocol::kMaxSectorBytes)
            problem = "sector is longer than 100 bytes";
        if (!problem && row.email.size() > protocol::kMaxEmailBytes)
            problem = "email is longer than 254 bytes";
        if (!problem && !row.email.empty() && row.email.find('@') == std::string::npos)
            problem = "email '" + row.email + "' is not an address";
        if (!problem && !row.external_id.empty()) {
            auto [it, inserted] = external_ids.emplace(row.external_id, row.line);
            if (!inserted)
                problem = "external_id '" + row.external_id + "' is also on line " +
                          std::to_string(it->second);
        }
        if (!problem && row.external_id.empty() && !row.email.empty()) {
            auto [it, inserted] = emails.emplace(ascii_lower(row.email), row.line);
            if (!inserted)
                problem = "email '" + row.email + "' is also on line " + std::to_string(it->second);
        }
        if (problem) {
            fail(*problem);
            continue;
        }
        result.rows.push_back(std::move(row));
    }
    return result;
}

} // namespace stagedoor::domain
