// The agenda of the stage: ordered items grouped in blocks, with what actually happened to
// each item (for the session report). Pure values and functions; no clock, no I/O.
#pragma once

#include "domain/failure.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::domain {

enum class ItemKind { talk, pitch, break_slot, other };
enum class AtZero { count_up, stop, next };

std::string_view to_string(ItemKind kind);  // "talk", "pitch", "break", "other"
std::string_view to_string(AtZero at_zero); // "count_up", "stop", "next"
std::optional<ItemKind> item_kind_from_string(std::string_view text);
std::optional<AtZero> at_zero_from_string(std::string_view text);

inline constexpr std::int64_t kMinDurationMs = 1'000;
inline constexpr std::int64_t kMaxDurationMs = 8 * 3'600'000;
inline constexpr std::int64_t kDefaultWarnMs = 30'000;
inline constexpr std::int64_t kDefaultDangerMs = 10'000;
inline constexpr std::size_t kMaxIdBytes = 64;
inline constexpr std::size_t kMaxTitleBytes = 200;
inline constexpr std::size_t kMaxOrganisationBytes = 200;
inline constexpr std::size_t kMaxBlockBytes = 100;
inline constexpr std::size_t kMaxItems = 500;

// What happened to an item when it ran (the latest run when it was run twice).
struct ItemActuals {
    std::optional<std::int64_t> start; // unix ms
    std::optional<std::int64_t> end;
    std::int64_t added_ms = 0;    // net time added with add_time (may be negative)
    std::int64_t overtime_ms = 0; // how far past zero it went before it ended
    bool operator==(const ItemActuals&) const = default;
};

struct AgendaItem {
    std::string id;
    std::string title;
    ItemKind kind = ItemKind::talk;
    std::optional<std::int64_t> speaker_id; // attendee id
    std::string organisation;
    std::int64_t duration_ms = 0;
    std::int64_t warn_ms = kDefaultWarnMs;
    std::int64_t danger_ms = kDefaultDangerMs;
    AtZero at_zero = AtZero::count_up;
    std::string block; // empty: not in a block
    bool skipped = false;
    bool no_show = false;
    ItemActuals actual;

    // Skipped and no-show items are passed over by next/previous and the projections.
    bool playable() const { return !skipped && !no_show; }
    bool operator==(const AgendaItem&) const = default;
};

// The fields of an item as a moderator sends them; absent fields keep their value (update)
// or take their default (add). speaker_id holds a null (clear) or a new id when present.
struct ItemChanges {
    std::optional<std::string> title;
    std::optional<ItemKind> kind;
    std::optional<std::optional<std::int64_t>> speaker_id;
    std::optional<std::string> organisation;
    std::optional<std::int64_t> duration_ms;
    std::optional<std::int64_t> warn_ms;
    std::optional<std::int64_t> danger_ms;
    std::optional<AtZero> at_zero;
    std::optional<std::string> block; // "" takes the item out of its block
};

struct Agenda {
    std::vector<AgendaItem> items;
    // Target end per block name (unix ms); blocks without a target are not listed.
    std::map<std::string, std::int64_t> block_targets;

    std::optional<std::size_t> index_of(std::string_view id) const;
    const AgendaItem* find(std::string_view id) const;
    AgendaItem* find(std::string_view id);
    // First playable item strictly after / before index (nullopt: none).
    std::optional<std::size_t> next_playable(std::optional<std::size_t> after) const;
    std::optional<std::size_t> previous_playable(std::size_t before) const;
    // Block names in order of their first item.
    std::vector<std::string> block_names() const;
    std::optional<std::int64_t> block_target(std::string_view block) const;
    // "item-N" with the smallest N >= items.size()+1 not in use.
    std::string fresh_id() const;
    bool operator==(const Agenda&) const = default;
};

// Builds an item from changes with the defaults (kind talk, warn min(30 s, duration),
// danger min(10 s, warn), count_up), then validates it. changes.duration_ms and title are
// required.
std::optional<Failure> make_item(std::string id, const ItemChanges& changes, AgendaItem& out);
// Applies changes to a copy of item and validates. When the duration shrinks below a
// threshold that was not given in the same change, the threshold is lowered to fit.
std::optional<Failure> apply_changes(const AgendaItem& item, const ItemChanges& changes,
                                     AgendaItem& out);
// Field rules: id 1-64 bytes of [A-Za-z0-9._-]; title 1-200 bytes; organisation <= 200;
// block <= 100; duration 1 s - 8 h; 0 <= danger <= warn <= duration.
std::optional<Failure> validate_item(const AgendaItem& item);
// Every item valid, ids unique, at most kMaxItems items.
std::optional<Failure> validate_agenda(const Agenda& agenda);

// Formats milliseconds as m:ss (or h:mm:ss), with a leading '-' when negative.
std::string format_clock(std::int64_t ms);

} // namespace stagedoor::domain
