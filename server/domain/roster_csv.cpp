#include "domain/roster_csv.hpp"

#include "domain/csv.hpp"
#include "stagedoor/protocol/text.hpp"

#include <map>
#include <tuple>

namespace stagedoor::domain {

namespace {

// The columns of roster_columns(), in its order.
enum class Column : std::size_t {
    name,
    organisation,
    email,
    sector,
    category,
    vip,
    external_id,
    notes,
    blocked
};

const std::vector<CsvColumn>& roster_columns() {
    static const std::vector<CsvColumn> columns{
        {"name", {}, true},    {"organisation", {"organization"}},
        {"email", {"e_mail"}}, {"sector", {}},
        {"category", {}},      {"vip", {}},
        {"external_id", {}},   {"notes", {}},
        {"blocked", {}},
    };
    return columns;
}

RosterColumns columns_present(const CsvTable& table) {
    RosterColumns columns;
    columns.organisation = table.has(Column::organisation);
    columns.email = table.has(Column::email);
    columns.sector = table.has(Column::sector);
    columns.category = table.has(Column::category);
    columns.vip = table.has(Column::vip);
    columns.external_id = table.has(Column::external_id);
    columns.notes = table.has(Column::notes);
    columns.blocked = table.has(Column::blocked);
    return columns;
}

// The row's fields from its cells; the reason when a cell holds no valid value.
std::optional<std::string> read_row(const CsvRow& source, RosterRow& row) {
    auto cell = [&](Column column) { return std::string(protocol::trim(source.cell(column))); };
    row.line = source.line;
    row.name = cell(Column::name);
    row.organisation = cell(Column::organisation);
    row.email = cell(Column::email);
    row.sector = cell(Column::sector);
    row.external_id = cell(Column::external_id);
    row.notes = source.cell(Column::notes); // kept as written, line breaks and all
    auto category = parse_category(cell(Column::category));
    if (!category)
        return "unknown category '" + cell(Column::category) +
               "' (use member, guest, new_member, speaker, staff or press)";
    row.category = *category;
    for (auto [column, title, flag] : {std::tuple{Column::vip, "vip", &row.vip},
                                       std::tuple{Column::blocked, "blocked", &row.blocked}}) {
        auto value = parse_yes_no(cell(column));
        if (!value) return std::string(title) + " must be yes or no, not '" + cell(column) + "'";
        *flag = *value;
    }
    return std::nullopt;
}

std::optional<std::string> check_row(const RosterRow& row) {
    if (row.name.empty()) return "name is missing";
    if (row.name.size() > protocol::kMaxNameBytes) return "name is longer than 200 bytes";
    if (row.organisation.size() > protocol::kMaxOrganisationBytes)
        return "organisation is longer than 200 bytes";
    if (row.sector.size() > protocol::kMaxSectorBytes) return "sector is longer than 100 bytes";
    if (row.email.size() > protocol::kMaxEmailBytes) return "email is longer than 254 bytes";
    if (!row.email.empty() && row.email.find('@') == std::string::npos)
        return "email '" + row.email + "' is not an address";
    return std::nullopt;
}

// One person per external_id, else per email (case-insensitive), within the file.
class UniquePeople {
  public:
    std::optional<std::string> add(const RosterRow& row) {
        if (!row.external_id.empty()) {
            auto [it, inserted] = external_ids_.emplace(row.external_id, row.line);
            if (!inserted)
                return "external_id '" + row.external_id + "' is also on line " +
                       std::to_string(it->second);
        } else if (!row.email.empty()) {
            auto [it, inserted] = emails_.emplace(protocol::ascii_lower(row.email), row.line);
            if (!inserted)
                return "email '" + row.email + "' is also on line " + std::to_string(it->second);
        }
        return std::nullopt;
    }

  private:
    std::map<std::string, std::size_t> external_ids_;
    std::map<std::string, std::size_t> emails_;
};

} // namespace

std::optional<bool> parse_yes_no(std::string_view text) {
    std::string value = fold_csv_key(text);
    if (value.empty() || value == "no" || value == "n" || value == "false" || value == "0" ||
        value == "nein")
        return false;
    if (value == "yes" || value == "y" || value == "true" || value == "1" || value == "ja" ||
        value == "j" || value == "x")
        return true;
    return std::nullopt;
}

std::optional<protocol::Category> parse_category(std::string_view text) {
    std::string value = fold_csv_key(text);
    if (value.empty()) return protocol::Category::member;
    return protocol::category_from_string(value);
}

RosterParse parse_roster_csv(std::string_view text) {
    RosterParse result;
    CsvTable table = read_csv_table(text, roster_columns());
    result.delimiter = table.delimiter;
    result.warnings = std::move(table.warnings);
    if (!table.ok()) {
        std::string fatal;
        for (const auto& problem : table.errors)
            fatal += (fatal.empty() ? "" : "; ") + problem.describe();
        result.fatal = fatal;
        return result;
    }
    result.columns = columns_present(table);
    UniquePeople people;
    for (const CsvRow& source : table.rows) {
        RosterRow row;
        std::optional<std::string> problem = source.error;
        if (!problem) problem = read_row(source, row);
        if (!problem) problem = check_row(row);
        if (!problem) problem = people.add(row);
        if (problem)
            result.errors.push_back({source.line, std::move(*problem)});
        else
            result.rows.push_back(std::move(row));
    }
    return result;
}

} // namespace stagedoor::domain
