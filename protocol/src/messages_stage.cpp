#include "stagedoor/protocol/messages_stage.hpp"

#include <cmath>

namespace stagedoor::protocol {

using nlohmann::json;

namespace {

// Reads a nested object strictly with read(nested). A problem inside is reported on the
// parent under the nested path (e.g. "items[2].speaker.name"), whatever the depth.
template <class F>
void read_nested_with(Reader& parent, const json& value, const std::string& key, F&& read) {
    Reader nested(value, key);
    read(nested);
    nested.finish();
    if (nested.ok()) return;
    const Error& error = nested.error();
    std::string prefix = "field '" + error.field + "' ";
    std::string what =
        error.message.rfind(prefix, 0) == 0 ? error.message.substr(prefix.size()) : error.message;
    // The nested reader already prefixed key; the parent adds its own prefix.
    parent.fail(error.field.empty() ? key : error.field, what, error.code);
}

template <class T>
void read_nested(Reader& parent, const json& value, const std::string& key, T& out) {
    read_nested_with(parent, value, key, [&](Reader& nested) { out.read(nested); });
}

// A required object field.
template <class T> void read_object(Reader& reader, std::string_view key, T& out) {
    if (const json* value = reader.object(key)) read_nested(reader, *value, std::string(key), out);
}

// An object field that may be null (or absent).
template <class T> void read_nullable(Reader& reader, std::string_view key, std::optional<T>& out) {
    out.reset();
    if (const json* value = reader.optional_object(key)) {
        T decoded{};
        read_nested(reader, *value, std::string(key), decoded);
        if (reader.ok()) out = std::move(decoded);
    }
}

template <class T>
void read_list(Reader& reader, std::string_view key, std::vector<T>& out, std::size_t max_items) {
    out.clear();
    const json* value = reader.array(key);
    if (!value) return;
    if (value->size() > max_items) {
        reader.fail(key, "has more than " + std::to_string(max_items) + " entries");
        return;
    }
    for (std::size_t i = 0; i < value->size() && reader.ok(); ++i) {
        std::string path = std::string(key) + "[" + std::to_string(i) + "]";
        if (!(*value)[i].is_object()) {
            reader.fail(path, "must be an object");
            return;
        }
        T decoded{};
        read_nested(reader, (*value)[i], path, decoded);
        out.push_back(std::move(decoded));
    }
}

template <class T> json object_of(const T& value) {
    json out = json::object();
    value.write(out);
    return out;
}

template <class T> json nullable(const std::optional<T>& value) {
    return value ? object_of(*value) : json(nullptr);
}

template <class T> json nullable_value(const std::optional<T>& value) {
    return value ? json(*value) : json(nullptr);
}

template <class T> json list_of(const std::vector<T>& values) {
    json out = json::array();
    for (const auto& value : values)
        out.push_back(object_of(value));
    return out;
}

std::string choice(Reader& reader, std::string_view key, std::span<const Choice> choices) {
    return std::string(reader.one_of<std::string_view>(key, choices));
}

std::optional<std::string> optional_choice(Reader& reader, std::string_view key,
                                           std::span<const Choice> choices) {
    auto value = reader.optional_one_of<std::string_view>(key, choices);
    if (!value) return std::nullopt;
    return std::string(*value);
}

std::string item_id(Reader& reader, std::string_view key) {
    return reader.string(key, kMaxItemIdBytes);
}

std::optional<std::string> optional_item_id(Reader& reader, std::string_view key) {
    auto value = reader.optional_string(key, kMaxItemIdBytes);
    if (value && value->empty()) reader.fail(key, "must not be empty");
    return value;
}

double bounded_number(Reader& reader, std::string_view key, double min, double max) {
    double value = reader.number(key);
    if (reader.ok() && (value < min || value > max)) reader.fail(key, "is out of range");
    return value;
}

std::optional<double> optional_bounded_number(Reader& reader, std::string_view key, double min,
                                              double max) {
    auto value = reader.optional_number(key);
    if (value && (*value < min || *value > max)) reader.fail(key, "is out of range");
    return value;
}

constexpr std::int64_t kMaxTime = kMaxSafeInteger;

} // namespace

// ---- ItemFields ----

void ItemFields::read(Reader& reader, bool require_new_item_fields) {
    if (require_new_item_fields) {
        title = reader.string("title", kMaxItemTitleBytes);
        duration_ms = reader.integer("duration_ms", 1000, kMaxItemDurationMs);
    } else {
        title = reader.optional_string("title", kMaxItemTitleBytes);
        if (title && title->empty()) reader.fail("title", "must not be empty");
        duration_ms = reader.optional_integer("duration_ms", 1000, kMaxItemDurationMs);
    }
    kind = optional_choice(reader, "kind", kItemKinds);
    speaker_id.reset();
    if (reader.has("speaker_id")) speaker_id = reader.optional_integer("speaker_id", 1);
    organisation = reader.optional_string("organisation", kMaxItemOrganisationBytes);
    warn_ms = reader.optional_integer("warn_ms", 0, kMaxItemDurationMs);
    danger_ms = reader.optional_integer("danger_ms", 0, kMaxItemDurationMs);
    at_zero = optional_choice(reader, "at_zero", kAtZero);
    block.reset();
    if (reader.has("block"))
        block = reader.optional_string("block", kMaxBlockNameBytes).value_or("");
}

void ItemFields::write(json& out) const {
    if (title) out["title"] = *title;
    if (kind) out["kind"] = *kind;
    if (speaker_id) out["speaker_id"] = nullable_value(*speaker_id);
    if (organisation) out["organisation"] = *organisation;
    if (duration_ms) out["duration_ms"] = *duration_ms;
    if (warn_ms) out["warn_ms"] = *warn_ms;
    if (danger_ms) out["danger_ms"] = *danger_ms;
    if (at_zero) out["at_zero"] = *at_zero;
    if (block) out["block"] = *block;
}

bool ItemFields::empty() const {
    return !title && !kind && !speaker_id && !organisation && !duration_ms && !warn_ms &&
           !danger_ms && !at_zero && !block;
}

// ---- requests ----

void TimerControl::read(Reader& reader) {
    id = reader.integer("id", 0);
    action = choice(reader, "action", kTimerActions);
    item = optional_item_id(reader, "item");
    ms = reader.optional_integer("ms", -kMaxItemDurationMs, kMaxItemDurationMs);
    if (!reader.ok()) return;
    if (action == "goto" && !item)
        reader.fail("item", "is required for goto");
    else if (item && action != "goto" && action != "start")
        reader.fail("item", "is only allowed with start and goto");
    else if (action == "add_time" && !ms)
        reader.fail("ms", "is required for add_time");
    else if (action == "add_time" && *ms == 0)
        reader.fail("ms", "must not be 0");
    else if (ms && action != "add_time")
        reader.fail("ms", "is only allowed with add_time");
}
void TimerControl::write(json& out) const {
    out["id"] = id;
    out["action"] = action;
    if (item) out["item"] = *item;
    if (ms) out["ms"] = *ms;
}

void AgendaAdd::read(Reader& reader) {
    id = reader.integer("id", 0);
    if (const json* value = reader.object("item"))
        read_nested_with(reader, *value, "item", [&](Reader& nested) { item.read(nested, true); });
    after = optional_item_id(reader, "after");
}
void AgendaAdd::write(json& out) const {
    out["id"] = id;
    json fields = json::object();
    item.write(fields);
    out["item"] = std::move(fields);
    if (after) out["after"] = *after;
}

void AgendaUpdate::read(Reader& reader) {
    id = reader.integer("id", 0);
    item_id = protocol::item_id(reader, "item_id");
    if (const json* value = reader.object("changes")) {
        read_nested_with(reader, *value, "changes",
                         [&](Reader& nested) { changes.read(nested, false); });
        if (reader.ok() && changes.empty())
            reader.fail("changes", "must change at least one field");
    }
}
void AgendaUpdate::write(json& out) const {
    out["id"] = id;
    out["item_id"] = item_id;
    json fields = json::object();
    changes.write(fields);
    out["changes"] = std::move(fields);
}

void AgendaRemove::read(Reader& reader) {
    id = reader.integer("id", 0);
    item_id = protocol::item_id(reader, "item_id");
}
void AgendaRemove::write(json& out) const {
    out["id"] = id;
    out["item_id"] = item_id;
}

void AgendaMove::read(Reader& reader) {
    id = reader.integer("id", 0);
    item_id = protocol::item_id(reader, "item_id");
    before = optional_item_id(reader, "before");
}
void AgendaMove::write(json& out) const {
    out["id"] = id;
    out["item_id"] = item_id;
    out["before"] = nullable_value(before);
}

void AgendaSkip::read(Reader& reader) {
    id = reader.integer("id", 0);
    item_id = protocol::item_id(reader, "item_id");
    skipped = reader.boolean("skipped");
}
void AgendaSkip::write(json& out) const {
    out["id"] = id;
    out["item_id"] = item_id;
    out["skipped"] = skipped;
}

void NoShow::read(Reader& reader) {
    id = reader.integer("id", 0);
    item_id = protocol::item_id(reader, "item_id");
    no_show = reader.boolean("no_show");
}
void NoShow::write(json& out) const {
    out["id"] = id;
    out["item_id"] = item_id;
    out["no_show"] = no_show;
}

void SwapNext::read(Reader& reader) {
    id = reader.integer("id", 0);
}
void SwapNext::write(json& out) const {
    out["id"] = id;
}

void StageMessageRequest::read(Reader& reader) {
    id = reader.integer("id", 0);
    text = reader.string("text", kMaxStageTextBytes);
    tone = choice(reader, "tone", kTones);
    flash = reader.boolean("flash");
}
void StageMessageRequest::write(json& out) const {
    out["id"] = id;
    out["text"] = text;
    out["tone"] = tone;
    out["flash"] = flash;
}

void StageClear::read(Reader& reader) {
    id = reader.integer("id", 0);
}
void StageClear::write(json& out) const {
    out["id"] = id;
}

void Blackout::read(Reader& reader) {
    id = reader.integer("id", 0);
    on = reader.boolean("on");
}
void Blackout::write(json& out) const {
    out["id"] = id;
    out["on"] = on;
}

void SyncReport::read(Reader& reader) {
    id = reader.integer("id", 0);
    offset_ms = bounded_number(reader, "offset_ms", -1e12, 1e12);
    delay_ms = bounded_number(reader, "delay_ms", 0, 1e9);
    sample_age_ms = bounded_number(reader, "sample_age_ms", 0, 1e12);
}
void SyncReport::write(json& out) const {
    out["id"] = id;
    out["offset_ms"] = offset_ms;
    out["delay_ms"] = delay_ms;
    out["sample_age_ms"] = sample_age_ms;
}

// ---- pushes ----

void SpeakerRef::read(Reader& reader) {
    id = reader.integer("id", 1);
    name = reader.string("name", 200);
    organisation = reader.string("organisation", 200, true);
}
void SpeakerRef::write(json& out) const {
    out["id"] = id;
    out["name"] = name;
    out["organisation"] = organisation;
}

void TimerItem::read(Reader& reader) {
    id = item_id(reader, "id");
    title = reader.string("title", kMaxItemTitleBytes);
    kind = choice(reader, "kind", kItemKinds);
    read_nullable(reader, "speaker", speaker);
    organisation = reader.string("organisation", kMaxItemOrganisationBytes, true);
}
void TimerItem::write(json& out) const {
    out["id"] = id;
    out["title"] = title;
    out["kind"] = kind;
    out["speaker"] = nullable(speaker);
    out["organisation"] = organisation;
}

void TimerNext::read(Reader& reader) {
    id = item_id(reader, "id");
    title = reader.string("title", kMaxItemTitleBytes);
    speaker_name = reader.optional_string("speaker_name", 200);
}
void TimerNext::write(json& out) const {
    out["id"] = id;
    out["title"] = title;
    out["speaker_name"] = nullable_value(speaker_name);
}

void TimerBlock::read(Reader& reader) {
    name = reader.string("name", kMaxBlockNameBytes);
    target_end = reader.optional_integer("target_end", 0, kMaxTime);
    projected_end = reader.optional_integer("projected_end", 0, kMaxTime);
}
void TimerBlock::write(json& out) const {
    out["name"] = name;
    out["target_end"] = nullable_value(target_end);
    out["projected_end"] = nullable_value(projected_end);
}

void TimerMessage::read(Reader& reader) {
    seq = reader.integer("seq", 0);
    state = choice(reader, "state", kTimerStates);
    read_nullable(reader, "item", item);
    duration_ms = reader.integer("duration_ms", 0, kMaxItemDurationMs);
    started_at = reader.optional_integer("started_at", 0, kMaxTime);
    ends_at = reader.optional_integer("ends_at", 0, kMaxTime);
    remaining_ms = reader.optional_integer("remaining_ms");
    warn_ms = reader.integer("warn_ms", 0, kMaxItemDurationMs);
    danger_ms = reader.integer("danger_ms", 0, kMaxItemDurationMs);
    at_zero = choice(reader, "at_zero", kAtZero);
    added_ms = reader.integer("added_ms");
    read_nullable(reader, "next", next);
    read_nullable(reader, "block", block);
    server_time = reader.integer("server_time", 0, kMaxTime);
}
void TimerMessage::write(json& out) const {
    out["seq"] = seq;
    out["state"] = state;
    out["item"] = nullable(item);
    out["duration_ms"] = duration_ms;
    out["started_at"] = nullable_value(started_at);
    out["ends_at"] = nullable_value(ends_at);
    out["remaining_ms"] = nullable_value(remaining_ms);
    out["warn_ms"] = warn_ms;
    out["danger_ms"] = danger_ms;
    out["at_zero"] = at_zero;
    out["added_ms"] = added_ms;
    out["next"] = nullable(next);
    out["block"] = nullable(block);
    out["server_time"] = server_time;
}

void AgendaSpeaker::read(Reader& reader) {
    id = reader.integer("id", 1);
    name = reader.string("name", 200);
    organisation = reader.string("organisation", 200, true);
    present = reader.boolean("present");
    arrived_at = reader.optional_integer("arrived_at", 0, kMaxTime);
}
void AgendaSpeaker::write(json& out) const {
    out["id"] = id;
    out["name"] = name;
    out["organisation"] = organisation;
    out["present"] = present;
    out["arrived_at"] = nullable_value(arrived_at);
}

void AgendaEntry::read(Reader& reader) {
    id = item_id(reader, "id");
    title = reader.string("title", kMaxItemTitleBytes);
    kind = choice(reader, "kind", kItemKinds);
    read_nullable(reader, "speaker", speaker);
    organisation = reader.string("organisation", kMaxItemOrganisationBytes, true);
    duration_ms = reader.integer("duration_ms", 1000, kMaxItemDurationMs);
    warn_ms = reader.integer("warn_ms", 0, kMaxItemDurationMs);
    danger_ms = reader.integer("danger_ms", 0, kMaxItemDurationMs);
    at_zero = choice(reader, "at_zero", kAtZero);
    block = reader.optional_string("block", kMaxBlockNameBytes);
    status = choice(reader, "status", kItemStatuses);
    actual_start = reader.optional_integer("actual_start", 0, kMaxTime);
    actual_end = reader.optional_integer("actual_end", 0, kMaxTime);
    added_ms = reader.integer("added_ms");
    projected_start = reader.optional_integer("projected_start", 0, kMaxTime);
}
void AgendaEntry::write(json& out) const {
    out["id"] = id;
    out["title"] = title;
    out["kind"] = kind;
    out["speaker"] = nullable(speaker);
    out["organisation"] = organisation;
    out["duration_ms"] = duration_ms;
    out["warn_ms"] = warn_ms;
    out["danger_ms"] = danger_ms;
    out["at_zero"] = at_zero;
    out["block"] = nullable_value(block);
    out["status"] = status;
    out["actual_start"] = nullable_value(actual_start);
    out["actual_end"] = nullable_value(actual_end);
    out["added_ms"] = added_ms;
    out["projected_start"] = nullable_value(projected_start);
}

void AgendaWarningEntry::read(Reader& reader) {
    item_id = protocol::item_id(reader, "item_id");
    text = reader.string("text", 500);
}
void AgendaWarningEntry::write(json& out) const {
    out["item_id"] = item_id;
    out["text"] = text;
}

void AgendaMessage::read(Reader& reader) {
    seq = reader.integer("seq", 0);
    current = reader.optional_string("current", kMaxItemIdBytes);
    read_list(reader, "items", items, 500);
    read_list(reader, "blocks", blocks, 500);
    read_list(reader, "warnings", warnings, 1000);
}
void AgendaMessage::write(json& out) const {
    out["seq"] = seq;
    out["current"] = nullable_value(current);
    out["items"] = list_of(items);
    out["blocks"] = list_of(blocks);
    out["warnings"] = list_of(warnings);
}

void StageText::read(Reader& reader) {
    text = reader.string("text", kMaxStageTextBytes);
    tone = choice(reader, "tone", kTones);
    flash = reader.boolean("flash");
    at = reader.integer("at", 0, kMaxTime);
}
void StageText::write(json& out) const {
    out["text"] = text;
    out["tone"] = tone;
    out["flash"] = flash;
    out["at"] = at;
}

void StageScreen::read(Reader& reader) {
    read_nullable(reader, "message", message);
    blackout = reader.boolean("blackout");
}
void StageScreen::write(json& out) const {
    out["message"] = nullable(message);
    out["blackout"] = blackout;
}

void OnDeckItem::read(Reader& reader) {
    id = item_id(reader, "id");
    title = reader.string("title", kMaxItemTitleBytes);
}
void OnDeckItem::write(json& out) const {
    out["id"] = id;
    out["title"] = title;
}

void OnDeckSpeaker::read(Reader& reader) {
    id = reader.integer("id", 1);
    name = reader.string("name", 200);
    organisation = reader.string("organisation", 200, true);
    present = reader.boolean("present");
}
void OnDeckSpeaker::write(json& out) const {
    out["id"] = id;
    out["name"] = name;
    out["organisation"] = organisation;
    out["present"] = present;
}

void OnDeck::read(Reader& reader) {
    read_object(reader, "item", item);
    read_object(reader, "speaker", speaker);
    position = reader.integer("position", 1, 100);
}
void OnDeck::write(json& out) const {
    out["item"] = object_of(item);
    out["speaker"] = object_of(speaker);
    out["position"] = position;
}

void DisplayHealth::read(Reader& reader) {
    device = reader.string("device", kMaxDeviceBytes);
    role = choice(reader, "role",
                  std::array<Choice, 4>{{{"door", "door"},
                                         {"stage", "stage"},
                                         {"moderator", "moderator"},
                                         {"organiser", "organiser"}}});
    offset_ms = optional_bounded_number(reader, "offset_ms", -1e12, 1e12);
    delay_ms = optional_bounded_number(reader, "delay_ms", 0, 1e9);
    sample_age_ms = optional_bounded_number(reader, "sample_age_ms", 0, 1e12);
    last_report = reader.optional_integer("last_report", 0, kMaxTime);
    connected = reader.boolean("connected");
}
void DisplayHealth::write(json& out) const {
    out["device"] = device;
    out["role"] = role;
    out["offset_ms"] = nullable_value(offset_ms);
    out["delay_ms"] = nullable_value(delay_ms);
    out["sample_age_ms"] = nullable_value(sample_age_ms);
    out["last_report"] = nullable_value(last_report);
    out["connected"] = connected;
}

void Displays::read(Reader& reader) {
    read_list(reader, "displays", displays, 1000);
}
void Displays::write(json& out) const {
    out["displays"] = list_of(displays);
}

} // namespace stagedoor::protocol
