#include "domain/agenda_import.hpp"

#include "domain/csv.hpp"
#include "stagedoor/protocol/text.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace stagedoor::domain {

namespace {

constexpr std::size_t kMaxErrors = 50;

std::optional<std::int64_t> parse_uint(std::string_view text) {
    if (text.empty() || text.size() > 12) return std::nullopt;
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

std::optional<std::int64_t> default_local_to_unix_ms(const std::tm& local) {
    std::tm copy = local;
    copy.tm_isdst = -1;
    std::time_t seconds = std::mktime(&copy);
    if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
    return static_cast<std::int64_t>(seconds) * 1000;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
    year -= month <= 2;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto yoe = static_cast<unsigned>(year - era * 400);
    const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Date {
    int year = 0, month = 0, day = 0;
};

std::optional<Date> parse_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto year = parse_uint(text.substr(0, 4));
    auto month = parse_uint(text.substr(5, 2));
    auto day = parse_uint(text.substr(8, 2));
    if (!year || !month || !day || *month < 1 || *month > 12 || *day < 1 || *day > 31)
        return std::nullopt;
    // A year outside these is a typo; and a time before 1970 could not go on the wire, where
    // times are non-negative (found by fuzz_agenda_import: a block_target in the year 1013).
    if (*year < 2000 || *year > 2199) return std::nullopt;
    return Date{static_cast<int>(*year), static_cast<int>(*month), static_cast<int>(*day)};
}

std::optional<std::pair<int, int>> parse_hh_mm(std::string_view text, std::size_t& used) {
    if (text.size() < 5 || text[2] != ':') return std::nullopt;
    auto hours = parse_uint(text.substr(0, 2));
    auto minutes = parse_uint(text.substr(3, 2));
    if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
    used = 5;
    return std::pair<int, int>{static_cast<int>(*hours), static_cast<int>(*minutes)};
}

// HH:MM on the event date in local time, or YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM).
std::optional<std::int64_t> parse_block_target(std::string_view text, const ImportOptions& options,
                                               std::string& problem) {
    std::size_t used = 0;
    if (text.size() == 5) {
        auto time = parse_hh_mm(text, used);
        if (!time) {
            problem = "block_target '" + std::string(text) + "' is not HH:MM";
            return std::nullopt;
        }
        auto date = parse_date(options.event_date);
        if (!date) {
            problem = "block_target HH:MM needs the event date; give a full ISO 8601 time";
            return std::nullopt;
        }
        std::tm local{};
        local.tm_year = date->year - 1900;
        local.tm_mon = date->month - 1;
        local.tm_mday = date->day;
        local.tm_hour = time->first;
        local.tm_min = time->second;
        auto convert =
            options.local_to_unix_ms ? options.local_to_unix_ms : default_local_to_unix_ms;
        auto result = convert(local);
        if (!result) problem = "block_target '" + std::string(text) + "' is not a valid local time";
        return result;
    }
    auto fail = [&]() -> std::optional<std::int64_t> {
        problem = "block_target '" + std::string(text) +
                  "' must be HH:MM or an ISO 8601 time with offset, e.g. 2026-11-26T18:30:00+01:00";
        return std::nullopt;
    };
    if (text.size() < 16 || (text[10] != 'T' && text[10] != ' ')) return fail();
    auto date = parse_date(text.substr(0, 10));
    auto time = parse_hh_mm(text.substr(11), used);
    if (!date || !time) return fail();
    std::size_t position = 16;
    int seconds = 0;
    if (position < text.size() && text[position] == ':') {
        auto parsed =
            text.size() >= position + 3 ? parse_uint(text.substr(position + 1, 2)) : std::nullopt;
        if (!parsed || *parsed > 59) return fail();
        seconds = static_cast<int>(*parsed);
        position += 3;
    }
    std::int64_t offset_minutes = 0;
    std::string_view zone = text.substr(position);
    if (zone == "Z") {
        offset_minutes = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-')) {
        std::size_t zone_used = 0;
        auto offset = parse_hh_mm(zone.substr(1), zone_used);
        if (!offset) return fail();
        offset_minutes = (offset->first * 60 + offset->second) * (zone[0] == '-' ? -1 : 1);
    } else {
        return fail();
    }
    std::int64_t days = days_from_civil(date->year, static_cast<unsigned>(date->month),
                                        static_cast<unsigned>(date->day));
    std::int64_t unix_seconds =
        days * 86400 + time->first * 3600 + time->second * 60 + seconds - offset_minutes * 60;
    return unix_seconds * 1000;
}

// Threshold columns: seconds before the end, or m:ss.
std::optional<std::int64_t> parse_threshold(std::string_view text) {
    return parse_clock_duration(text);
}

class SpeakerIndex {
  public:
    explicit SpeakerIndex(const std::vector<AttendeeRecord>& attendees)
        : attendees_(attendees) {
        for (std::size_t i = 0; i < attendees.size(); ++i) {
            const auto& attendee = attendees[i];
            if (!attendee.external_id.empty())
                by_external_id_[protocol::ascii_lower(attendee.external_id)].push_back(i);
            if (!attendee.email.empty())
                by_email_[protocol::ascii_lower(attendee.email)].push_back(i);
            by_name_[std::string(protocol::trim(attendee.name))].push_back(i);
            by_id_[attendee.id] = i;
        }
    }

    // Matched by external_id, then email, then exact name.
    const AttendeeRecord* match(const std::string& reference, std::string& problem) const {
        for (const auto* index : {&by_external_id_, &by_email_}) {
            auto it = index->find(protocol::ascii_lower(reference));
            if (it != index->end()) return unique(it->second, reference, problem);
        }
        auto it = by_name_.find(reference);
        if (it != by_name_.end()) return unique(it->second, reference, problem);
        problem = "speaker '" + reference + "' matches no attendee (by external id, email or name)";
        return nullptr;
    }

    const AttendeeRecord* by_id(std::int64_t id) const {
        auto it = by_id_.find(id);
        return it == by_id_.end() ? nullptr : &attendees_[it->second];
    }

  private:
    const AttendeeRecord* unique(const std::vector<std::size_t>& found,
                                 const std::string& reference, std::string& problem) const {
        if (found.size() == 1) return &attendees_[found.front()];
        problem = "speaker '" + reference + "' matches " + std::to_string(found.size()) +
                  " attendees; use the external id or email";
        return nullptr;
    }

    const std::vector<AttendeeRecord>& attendees_;
    std::map<std::string, std::vector<std::size_t>> by_external_id_;
    std::map<std::string, std::vector<std::size_t>> by_email_;
    std::map<std::string, std::vector<std::size_t>> by_name_;
    std::map<std::int64_t, std::size_t> by_id_;
};

// One row/object in text form, before it becomes an item.
struct RawItem {
    std::size_t line = 0;
    std::string id;
    std::string title;
    std::string kind;
    std::string speaker;
    std::optional<std::int64_t> speaker_id;
    std::optional<std::string> organisation;
    std::string duration;
    std::optional<std::int64_t> duration_ms;
    std::string warn, danger;
    std::optional<std::int64_t> warn_ms, danger_ms;
    std::string at_zero;
    std::string block;
    std::string block_target;
};

class Builder {
  public:
    Builder(const std::vector<AttendeeRecord>& attendees, const ImportOptions& options,
            ImportResult& result)
        : speakers_(attendees)
        , options_(options)
        , result_(result) {}

    void error(std::size_t line, std::string message) {
        if (result_.errors.size() < kMaxErrors)
            result_.errors.push_back({line, std::move(message)});
    }

    void add(const RawItem& raw, std::size_t position) {
        std::size_t errors_before = result_.errors.size();
        ItemChanges changes;
        read_shape(raw, changes);
        read_threshold(raw.line, raw.warn, raw.warn_ms, "warn", changes.warn_ms);
        read_threshold(raw.line, raw.danger, raw.danger_ms, "danger", changes.danger_ms);
        if (changes.warn_ms && !changes.danger_ms)
            changes.danger_ms = std::min(kDefaultDangerMs, *changes.warn_ms);
        read_speaker(raw, changes);
        changes.block = raw.block;
        if (!raw.block_target.empty()) read_block_target(raw);
        std::string id = raw.id.empty() ? "item-" + std::to_string(position) : raw.id;
        if (result_.errors.size() != errors_before) return;
        AgendaItem item;
        if (auto failure = make_item(id, changes, item)) {
            error(raw.line, failure->message);
            return;
        }
        if (!ids_.insert(item.id).second) {
            error(raw.line, "id '" + item.id + "' is used twice");
            return;
        }
        result_.agenda.items.push_back(std::move(item));
    }

    void finish() {
        if (result_.agenda.items.size() > kMaxItems)
            error(0, "an agenda holds at most " + std::to_string(kMaxItems) + " items");
        if (result_.agenda.items.empty() && result_.errors.empty())
            error(0, "the agenda has no items");
        // Not a structured binding: clang before 16 cannot capture one in a lambda.
        for (const auto& block_target : result_.agenda.block_targets) {
            const std::string& name = block_target.first;
            bool used = std::any_of(result_.agenda.items.begin(), result_.agenda.items.end(),
                                    [&](const AgendaItem& item) { return item.block == name; });
            if (!used && result_.errors.empty())
                error(0, "block '" + name + "' has a target but no items");
        }
        if (!result_.errors.empty()) result_.agenda = Agenda{};
    }

    ImportResult& result() { return result_; }
    const ImportOptions& options() const { return options_; }

  private:
    // Title, duration, kind and at_zero.
    void read_shape(const RawItem& raw, ItemChanges& changes) {
        if (raw.title.empty())
            error(raw.line, "title is required");
        else
            changes.title = raw.title;
        if (raw.duration_ms) {
            changes.duration_ms = raw.duration_ms;
        } else if (raw.duration.empty()) {
            error(raw.line, "duration is required (m:ss or seconds)");
        } else if (auto duration = parse_clock_duration(raw.duration)) {
            changes.duration_ms = duration;
        } else {
            error(raw.line, "duration '" + raw.duration + "' is not m:ss or seconds");
        }
        if (!raw.kind.empty()) {
            if (auto kind = item_kind_from_string(protocol::ascii_lower(raw.kind)))
                changes.kind = kind;
            else
                error(raw.line, "kind '" + raw.kind + "' must be talk, pitch, break or other");
        }
        if (!raw.at_zero.empty()) {
            if (auto at_zero = at_zero_from_string(protocol::ascii_lower(raw.at_zero)))
                changes.at_zero = at_zero;
            else
                error(raw.line, "at_zero '" + raw.at_zero + "' must be count_up, stop or next");
        }
    }

    // A warn/danger threshold: ms as given (JSON *_ms), else text as seconds or m:ss.
    void read_threshold(std::size_t line, const std::string& text, std::optional<std::int64_t> ms,
                        const char* name, std::optional<std::int64_t>& out) {
        if (ms) {
            out = ms;
        } else if (!text.empty()) {
            if (auto value = parse_threshold(text))
                out = value;
            else
                error(line, std::string(name) + " '" + text + "' is not seconds or m:ss");
        }
    }

    // The speaker (by id or by name) and the organisation, which defaults to the speaker's.
    void read_speaker(const RawItem& raw, ItemChanges& changes) {
        const AttendeeRecord* speaker = nullptr;
        if (raw.speaker_id) {
            speaker = speakers_.by_id(*raw.speaker_id);
            if (!speaker)
                error(raw.line,
                      "speaker_id " + std::to_string(*raw.speaker_id) + " is not an attendee");
        } else if (!raw.speaker.empty()) {
            std::string problem;
            speaker = speakers_.match(raw.speaker, problem);
            if (!speaker) error(raw.line, problem);
        }
        if (speaker) changes.speaker_id = std::optional<std::int64_t>(speaker->id);
        changes.organisation = raw.organisation ? *raw.organisation
                                                : (speaker ? speaker->organisation : std::string());
    }

    // Records the item's block_target as its block's target; every item of a block that
    // names one must name the same.
    void read_block_target(const RawItem& raw) {
        if (raw.block.empty()) {
            error(raw.line, "block_target needs a block name");
            return;
        }
        std::string problem;
        if (auto target = parse_block_target(raw.block_target, options_, problem)) {
            auto [it, inserted] = result_.agenda.block_targets.emplace(raw.block, *target);
            if (!inserted && it->second != *target)
                error(raw.line, "block '" + raw.block + "' already has another block_target");
        } else {
            error(raw.line, problem);
        }
    }

    SpeakerIndex speakers_;
    const ImportOptions& options_;
    ImportResult& result_;
    std::set<std::string> ids_;
};

// The columns of agenda_columns(), in its order.
enum class Column : std::size_t {
    id,
    title,
    kind,
    speaker,
    organisation,
    duration,
    warn,
    danger,
    at_zero,
    block,
    block_target
};

const std::vector<CsvColumn>& agenda_columns() {
    static const std::vector<CsvColumn> columns{
        {"id", {}},
        {"title", {}, true},
        {"kind", {}},
        {"speaker", {}},
        {"organisation", {"organization"}},
        {"duration", {}, true},
        {"warn", {}},
        {"danger", {}},
        {"at_zero", {}},
        {"block", {}},
        {"block_target", {}},
    };
    return columns;
}

RawItem raw_item(const CsvRow& row) {
    auto cell = [&](Column column) { return std::string(protocol::trim(row.cell(column))); };
    RawItem raw;
    raw.line = row.line;
    raw.id = cell(Column::id);
    raw.title = cell(Column::title);
    raw.kind = cell(Column::kind);
    raw.speaker = cell(Column::speaker);
    if (!cell(Column::organisation).empty()) raw.organisation = cell(Column::organisation);
    raw.duration = cell(Column::duration);
    raw.warn = cell(Column::warn);
    raw.danger = cell(Column::danger);
    raw.at_zero = cell(Column::at_zero);
    raw.block = cell(Column::block);
    raw.block_target = cell(Column::block_target);
    return raw;
}

using nlohmann::json;

// One entry of the JSON 'blocks' array: its name and optional target_end.
void read_json_block(const json& block, Builder& builder) {
    if (!block.is_object() || !block.contains("name") || !block["name"].is_string()) {
        builder.error(0, "each block needs a string 'name'");
        return;
    }
    std::string name = block["name"].get<std::string>();
    for (const auto& [key, value] : block.items())
        if (key != "name" && key != "target_end")
            builder.error(0, "block '" + name + "': unknown key '" + key + "'");
    auto target = block.find("target_end");
    if (target == block.end() || target->is_null()) return;
    std::optional<std::int64_t> value;
    std::string problem;
    if (target->is_number_integer() && target->get<std::int64_t>() > 0)
        value = target->get<std::int64_t>();
    else if (target->is_string())
        value = parse_block_target(target->get<std::string>(), builder.options(), problem);
    if (!value)
        builder.error(0, "block '" + name + "': " +
                             (problem.empty() ? "target_end must be unix ms or a time" : problem));
    else
        builder.result().agenda.block_targets[name] = *value;
}

// The top level of a JSON agenda: an array of items, or an object with 'items' and optional
// 'blocks' (read here). Returns the items array, or null when there is none.
const json* read_json_document(const json& document, Builder& builder) {
    if (document.is_array()) return &document;
    if (!document.is_object()) {
        builder.error(0, "the file must hold an object with 'items' or an array of items");
        return nullptr;
    }
    for (const auto& [key, value] : document.items())
        if (key != "items" && key != "blocks")
            builder.error(0, "unknown key '" + key + "' (known: items, blocks)");
    const json* items = nullptr;
    auto it = document.find("items");
    if (it == document.end() || !it->is_array())
        builder.error(0, "'items' must be an array of items");
    else
        items = &*it;
    auto blocks = document.find("blocks");
    if (blocks != document.end()) {
        if (!blocks->is_array())
            builder.error(0, "'blocks' must be an array");
        else
            for (const auto& block : *blocks)
                read_json_block(block, builder);
    }
    return items;
}

// Reads the fields of one JSON item object (number is its 1-based position) into raw.
// Returns false when a field is unknown or of the wrong type (each reported).
bool read_json_item(const json& object, std::size_t number, Builder& builder, RawItem& raw) {
    static const std::set<std::string> known = {
        "id",           "title",     "kind",        "speaker", "speaker_id",
        "organisation", "duration",  "duration_ms", "warn",    "warn_ms",
        "danger",       "danger_ms", "at_zero",     "block",   "block_target"};
    raw.line = number;
    bool well_formed = true;
    auto text_field = [&](const char* key, std::string& out) {
        auto it = object.find(key);
        if (it == object.end() || it->is_null()) return;
        if (it->is_string())
            out = protocol::trim(it->get<std::string>());
        else if (it->is_number_unsigned() || it->is_number_integer())
            out = std::to_string(it->get<std::int64_t>());
        else {
            builder.error(number, std::string(key) + " must be a string");
            well_formed = false;
        }
    };
    auto int_field = [&](const char* key, std::optional<std::int64_t>& out) {
        auto it = object.find(key);
        if (it == object.end() || it->is_null()) return;
        if (it->is_number_integer() || it->is_number_unsigned())
            out = it->get<std::int64_t>();
        else {
            builder.error(number, std::string(key) + " must be an integer");
            well_formed = false;
        }
    };
    for (const auto& [key, value] : object.items())
        if (!known.contains(key)) {
            builder.error(number, "unknown field '" + key + "'");
            well_formed = false;
        }
    text_field("id", raw.id);
    text_field("title", raw.title);
    text_field("kind", raw.kind);
    text_field("speaker", raw.speaker);
    int_field("speaker_id", raw.speaker_id);
    std::string organisation;
    text_field("organisation", organisation);
    if (object.contains("organisation") && !object["organisation"].is_null())
        raw.organisation = organisation;
    text_field("duration", raw.duration);
    int_field("duration_ms", raw.duration_ms);
    text_field("warn", raw.warn);
    int_field("warn_ms", raw.warn_ms);
    text_field("danger", raw.danger);
    int_field("danger_ms", raw.danger_ms);
    text_field("at_zero", raw.at_zero);
    text_field("block", raw.block);
    text_field("block_target", raw.block_target);
    return well_formed;
}

} // namespace

std::optional<std::int64_t> parse_clock_duration(std::string_view text) {
    std::string_view value = protocol::trim(text);
    if (value.empty()) return std::nullopt;
    std::vector<std::string_view> parts;
    std::string_view rest = value;
    while (true) {
        auto colon = rest.find(':');
        parts.push_back(rest.substr(0, colon));
        if (colon == std::string_view::npos) break;
        rest = rest.substr(colon + 1);
    }
    if (parts.size() > 3) return std::nullopt;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto number = parse_uint(parts[i]);
        if (!number) return std::nullopt;
        // Every part after the first is a two-digit 00-59.
        if (i > 0 && (parts[i].size() != 2 || *number > 59)) return std::nullopt;
        total = total * 60 + *number;
    }
    if (total > 24 * 3600) return std::nullopt;
    return total * 1000;
}

std::string ImportResult::describe() const {
    std::string out;
    for (const auto& error : errors) {
        if (!out.empty()) out += "\n";
        out += error.line == 0 ? error.message
                               : unit + " " + std::to_string(error.line) + ": " + error.message;
    }
    return out;
}

ImportResult import_agenda_csv(std::string_view bytes, const std::vector<AttendeeRecord>& attendees,
                               const ImportOptions& options) {
    ImportResult result;
    Builder builder(attendees, options, result);
    CsvTable table = read_csv_table(bytes, agenda_columns());
    result.warnings = std::move(table.warnings);
    for (const auto& problem : table.errors)
        builder.error(problem.line, problem.message);
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
        const CsvRow& row = table.rows[i];
        if (row.error)
            builder.error(row.line, *row.error);
        else
            builder.add(raw_item(row), i + 1);
    }
    builder.finish();
    return result;
}

namespace {

// A JSON agenda from the file's text (csv_text_from_bytes: any encoding we read).
ImportResult import_json_text(const CsvText& decoded, const std::vector<AttendeeRecord>& attendees,
                              const ImportOptions& options) {
    ImportResult result;
    result.unit = "item";
    Builder builder(attendees, options, result);
    if (decoded.error) {
        builder.error(0, CsvProblem{decoded.error_line, *decoded.error}.describe());
        builder.finish();
        return result;
    }
    if (decoded.warning) result.warnings.push_back(*decoded.warning);
    json document = json::parse(decoded.text, nullptr, false);
    if (document.is_discarded()) {
        builder.error(0, "the file is not valid JSON");
        builder.finish();
        return result;
    }
    const json* items = read_json_document(document, builder);
    if (!items) {
        builder.finish();
        return result;
    }
    std::size_t number = 0;
    for (const auto& object : *items) {
        ++number;
        if (!object.is_object()) {
            builder.error(number, "must be an object");
            continue;
        }
        RawItem raw;
        if (read_json_item(object, number, builder, raw)) builder.add(raw, number);
    }
    builder.finish();
    return result;
}

} // namespace

ImportResult import_agenda_json(std::string_view bytes,
                                const std::vector<AttendeeRecord>& attendees,
                                const ImportOptions& options) {
    return import_json_text(csv_text_from_bytes(bytes), attendees, options);
}

ImportResult import_agenda(std::string_view bytes, const std::vector<AttendeeRecord>& attendees,
                           const ImportOptions& options) {
    CsvText decoded = csv_text_from_bytes(bytes);
    std::string_view content = protocol::trim(decoded.text);
    if (content.starts_with('{') || content.starts_with('['))
        return import_json_text(decoded, attendees, options);
    return import_agenda_csv(bytes, attendees, options);
}

} // namespace stagedoor::domain
