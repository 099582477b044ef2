#include "domain/agenda.hpp"

#include <algorithm>
#include <set>

namespace stagedoor::domain {

std::string_view to_string(ItemKind kind) {
    switch (kind) {
    case ItemKind::talk:
        return "talk";
    case ItemKind::pitch:
        return "pitch";
    case ItemKind::break_slot:
        return "break";
    case ItemKind::other:
        return "other";
    }
    return "other";
}

std::string_view to_string(AtZero at_zero) {
    switch (at_zero) {
    case AtZero::count_up:
        return "count_up";
    case AtZero::stop:
        return "stop";
    case AtZero::next:
        return "next";
    }
    return "count_up";
}

std::optional<ItemKind> item_kind_from_string(std::string_view text) {
    for (ItemKind kind : {ItemKind::talk, ItemKind::pitch, ItemKind::break_slot, ItemKind::other})
        if (to_string(kind) == text) return kind;
    return std::nullopt;
}

std::optional<AtZero> at_zero_from_string(std::string_view text) {
    for (AtZero value : {AtZero::count_up, AtZero::stop, AtZero::next})
        if (to_string(value) == text) return value;
    return std::nullopt;
}

std::optional<std::size_t> Agenda::index_of(std::string_view id) const {
    for (std::size_t i = 0; i < items.size(); ++i)
        if (items[i].id == id) return i;
    return std::nullopt;
}

const AgendaItem* Agenda::find(std::string_view id) const {
    auto index = index_of(id);
    return index ? &items[*index] : nullptr;
}

AgendaItem* Agenda::find(std::string_view id) {
    auto index = index_of(id);
    return index ? &items[*index] : nullptr;
}

std::optional<std::size_t> Agenda::next_playable(std::optional<std::size_t> after) const {
    std::size_t begin = after ? *after + 1 : 0;
    for (std::size_t i = begin; i < items.size(); ++i)
        if (items[i].playable()) return i;
    return std::nullopt;
}

std::optional<std::size_t> Agenda::previous_playable(std::size_t before) const {
    for (std::size_t i = std::min(before, items.size()); i > 0; --i)
        if (items[i - 1].playable()) return i - 1;
    return std::nullopt;
}

std::vector<std::string> Agenda::block_names() const {
    std::vector<std::string> names;
    for (const auto& item : items)
        if (!item.block.empty() && std::find(names.begin(), names.end(), item.block) == names.end())
            names.push_back(item.block);
    return names;
}

std::optional<std::int64_t> Agenda::block_target(std::string_view block) const {
    auto it = block_targets.find(std::string(block));
    if (it == block_targets.end()) return std::nullopt;
    return it->second;
}

std::string Agenda::fresh_id() const {
    for (std::size_t n = items.size() + 1;; ++n) {
        std::string id = "item-" + std::to_string(n);
        if (!index_of(id)) return id;
    }
}

namespace {

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdBytes) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

// A title made only of spaces shows as an empty card on the stage.
bool blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t'; });
}

} // namespace

std::optional<Failure> validate_item(const AgendaItem& item) {
    if (!valid_id(item.id))
        return invalid("id", "item id must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', '-'");
    if (item.title.empty() || blank(item.title)) return invalid("title", "title must not be empty");
    if (item.title.size() > kMaxTitleBytes)
        return invalid("title",
                       "title is longer than " + std::to_string(kMaxTitleBytes) + " bytes");
    if (item.organisation.size() > kMaxOrganisationBytes)
        return invalid("organisation", "organisation is longer than " +
                                           std::to_string(kMaxOrganisationBytes) + " bytes");
    if (item.block.size() > kMaxBlockBytes)
        return invalid("block",
                       "block name is longer than " + std::to_string(kMaxBlockBytes) + " bytes");
    if (item.duration_ms < kMinDurationMs || item.duration_ms > kMaxDurationMs)
        return invalid("duration_ms", "duration must be between 0:01 and 8:00:00, not " +
                                          format_clock(item.duration_ms));
    if (item.warn_ms < 0 || item.warn_ms > item.duration_ms)
        return invalid("warn_ms", "warning threshold must be between 0 and the duration (" +
                                      format_clock(item.duration_ms) + ")");
    if (item.danger_ms < 0 || item.danger_ms > item.warn_ms)
        return invalid("danger_ms", "danger threshold must be between 0 and the warning "
                                    "threshold (" +
                                        format_clock(item.warn_ms) + ")");
    if (item.speaker_id && *item.speaker_id <= 0)
        return invalid("speaker_id", "speaker id must be a positive attendee id");
    return std::nullopt;
}

std::optional<Failure> validate_agenda(const Agenda& agenda) {
    if (agenda.items.size() > kMaxItems)
        return invalid("items", "an agenda holds at most " + std::to_string(kMaxItems) + " items");
    std::set<std::string_view> ids;
    for (const auto& item : agenda.items) {
        if (auto failure = validate_item(item)) {
            failure->message = "item '" + item.id + "': " + failure->message;
            return failure;
        }
        if (!ids.insert(item.id).second)
            return invalid("id", "item id '" + item.id + "' is used twice");
    }
    return std::nullopt;
}

std::optional<Failure> make_item(std::string id, const ItemChanges& changes, AgendaItem& out) {
    if (!changes.title) return invalid("title", "title is required");
    if (!changes.duration_ms) return invalid("duration_ms", "duration is required");
    AgendaItem item;
    item.id = std::move(id);
    item.title = *changes.title;
    item.kind = changes.kind.value_or(ItemKind::talk);
    if (changes.speaker_id) item.speaker_id = *changes.speaker_id;
    item.organisation = changes.organisation.value_or("");
    item.duration_ms = *changes.duration_ms;
    // Defaults must fit a short item, so they shrink with it.
    item.warn_ms =
        changes.warn_ms.value_or(std::clamp<std::int64_t>(kDefaultWarnMs, 0, item.duration_ms));
    item.danger_ms =
        changes.danger_ms.value_or(std::clamp<std::int64_t>(kDefaultDangerMs, 0, item.warn_ms));
    item.at_zero = changes.at_zero.value_or(AtZero::count_up);
    item.block = changes.block.value_or("");
    if (auto failure = validate_item(item)) return failure;
    out = std::move(item);
    return std::nullopt;
}

std::optional<Failure> apply_changes(const AgendaItem& item, const ItemChanges& changes,
                                     AgendaItem& out) {
    AgendaItem changed = item;
    if (changes.title) changed.title = *changes.title;
    if (changes.kind) changed.kind = *changes.kind;
    if (changes.speaker_id) changed.speaker_id = *changes.speaker_id;
    if (changes.organisation) changed.organisation = *changes.organisation;
    if (changes.duration_ms) changed.duration_ms = *changes.duration_ms;
    if (changes.warn_ms) changed.warn_ms = *changes.warn_ms;
    if (changes.danger_ms) changed.danger_ms = *changes.danger_ms;
    if (changes.at_zero) changed.at_zero = *changes.at_zero;
    if (changes.block) changed.block = *changes.block;
    if (changes.duration_ms && *changes.duration_ms >= kMinDurationMs) {
        if (!changes.warn_ms) changed.warn_ms = std::min(changed.warn_ms, changed.duration_ms);
        if (!changes.danger_ms) changed.danger_ms = std::min(changed.danger_ms, changed.warn_ms);
    }
    if (auto failure = validate_item(changed)) return failure;
    out = std::move(changed);
    return std::nullopt;
}

std::string format_clock(std::int64_t ms) {
    std::string sign = ms < 0 ? "-" : "";
    std::int64_t total_seconds = (ms < 0 ? -ms : ms) / 1000;
    std::int64_t hours = total_seconds / 3600;
    std::int64_t minutes = (total_seconds / 60) % 60;
    std::int64_t seconds = total_seconds % 60;
    auto two = [](std::int64_t value) { return (value < 10 ? "0" : "") + std::to_string(value); };
    if (hours > 0) return sign + std::to_string(hours) + ":" + two(minutes) + ":" + two(seconds);
    return sign + std::to_string(minutes) + ":" + two(seconds);
}

} // namespace stagedoor::domain
