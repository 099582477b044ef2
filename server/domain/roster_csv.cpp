#include "domain/roster_csv.hpp"

#include "domain/csv.hpp"
#include "domain/text_fold.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace stagedoor::domain {

namespace {

// Lower case, and spaces or hyphens as underscores: "External ID" -> "external_id".
std::string normalise_key(std::string_view text) {
    std::string out = ascii_lower(trim_csv_blanks(text));
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
    text = strip_utf8_bom(text);
    if (!valid_utf8(text)) {
        result.fatal = "the file is not UTF-8 text (in Excel: Save As > CSV UTF-8)";
        return result;
    }
    if (trim_csv_blanks(text).find_first_not_of("\r\n") == std::string::npos) {
        result.fatal = "the file is empty: it needs a header row with at least a 'name' column";
        return result;
    }
    result.delimiter = detect_csv_delimiter(text);
    std::vector<CsvRecord> records = read_csv_records(text, result.delimiter);

    const CsvRecord& header = records.front(); // the text is not blank, so there is one
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
    for (std::size_t index = 1; index < records.size(); ++index) {
        const CsvRecord& record = records[index];
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
            std::string value = trim_csv_blanks(record.fields[i]);
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
