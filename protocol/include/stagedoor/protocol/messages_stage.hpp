// Protocol v1 stage messages: agenda edits, the pitch timer, speaker messages and display
// sync health. Enumerations travel as the strings listed next to each field; the server maps
// them onto its domain types. See PROTOCOL.md, "Agenda, timer and stage".
#pragma once

#include "stagedoor/protocol/codec.hpp"
#include "stagedoor/protocol/messages.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::protocol {

inline constexpr std::size_t kMaxItemIdBytes = 64;
inline constexpr std::size_t kMaxItemTitleBytes = 200;
inline constexpr std::size_t kMaxItemOrganisationBytes = 200;
inline constexpr std::size_t kMaxBlockNameBytes = 100;
inline constexpr std::size_t kMaxStageTextBytes = 280;
inline constexpr std::int64_t kMaxItemDurationMs = 8 * 3'600'000;

// Enumerations on the wire, each with its one table of names.
enum class TimerAction { start, pause, resume, next, previous, go_to, add_time, reset, stop };
inline constexpr std::array<std::pair<std::string_view, TimerAction>, 9> kTimerActions{{
    {"start", TimerAction::start},
    {"pause", TimerAction::pause},
    {"resume", TimerAction::resume},
    {"next", TimerAction::next},
    {"previous", TimerAction::previous},
    {"goto", TimerAction::go_to},
    {"add_time", TimerAction::add_time},
    {"reset", TimerAction::reset},
    {"stop", TimerAction::stop},
}};
constexpr const auto& names_of(TimerAction) {
    return kTimerActions;
}
inline std::optional<TimerAction> timer_action_from_string(std::string_view name) {
    return from_string<TimerAction>(name);
}

enum class ItemKind { talk, pitch, break_slot, other };
inline constexpr std::array<std::pair<std::string_view, ItemKind>, 4> kItemKinds{{
    {"talk", ItemKind::talk},
    {"pitch", ItemKind::pitch},
    {"break", ItemKind::break_slot},
    {"other", ItemKind::other},
}};
constexpr const auto& names_of(ItemKind) {
    return kItemKinds;
}
inline std::optional<ItemKind> item_kind_from_string(std::string_view name) {
    return from_string<ItemKind>(name);
}

enum class AtZero { count_up, stop, next };
inline constexpr std::array<std::pair<std::string_view, AtZero>, 3> kAtZero{{
    {"count_up", AtZero::count_up},
    {"stop", AtZero::stop},
    {"next", AtZero::next},
}};
constexpr const auto& names_of(AtZero) {
    return kAtZero;
}
inline std::optional<AtZero> at_zero_from_string(std::string_view name) {
    return from_string<AtZero>(name);
}

enum class TimerState { idle, running, paused, overtime, stopped };
inline constexpr std::array<std::pair<std::string_view, TimerState>, 5> kTimerStates{{
    {"idle", TimerState::idle},
    {"running", TimerState::running},
    {"paused", TimerState::paused},
    {"overtime", TimerState::overtime},
    {"stopped", TimerState::stopped},
}};
constexpr const auto& names_of(TimerState) {
    return kTimerStates;
}
inline std::optional<TimerState> timer_state_from_string(std::string_view name) {
    return from_string<TimerState>(name);
}

enum class ItemStatus { pending, current, done, skipped, no_show };
inline constexpr std::array<std::pair<std::string_view, ItemStatus>, 5> kItemStatuses{{
    {"pending", ItemStatus::pending},
    {"current", ItemStatus::current},
    {"done", ItemStatus::done},
    {"skipped", ItemStatus::skipped},
    {"no_show", ItemStatus::no_show},
}};
constexpr const auto& names_of(ItemStatus) {
    return kItemStatuses;
}
inline std::optional<ItemStatus> item_status_from_string(std::string_view name) {
    return from_string<ItemStatus>(name);
}

enum class Tone { info, wrap_up, stop };
inline constexpr std::array<std::pair<std::string_view, Tone>, 3> kTones{{
    {"info", Tone::info},
    {"wrap_up", Tone::wrap_up},
    {"stop", Tone::stop},
}};
constexpr const auto& names_of(Tone) {
    return kTones;
}
inline std::optional<Tone> tone_from_string(std::string_view name) {
    return from_string<Tone>(name);
}

// Rules shared by several stage messages. A problem inside a nested object is reported at
// the inner field, e.g. "items[2].speaker.name" (Object{}'s default).
inline constexpr Text kItemIdText{kMaxItemIdBytes};
inline constexpr Text kItemTitleText{kMaxItemTitleBytes};
inline constexpr Text kPersonNameText{200};
inline constexpr Text kOrganisationText{kMaxItemOrganisationBytes, true};
inline constexpr Integer kItemMsRule{0, kMaxItemDurationMs};
inline constexpr Integer kDurationRule{1000, kMaxItemDurationMs};
inline constexpr Nullable<Integer> kNullableTime{Integer{0}};
inline constexpr Nullable<Object<>> kNullableObject{};

// ---- client -> server (moderator, organiser) ----

// The fields of an agenda item as a moderator sends them. In agenda_add, title and
// duration_ms are required; in agenda_update every field is optional. speaker_id: null
// clears the speaker; block: null or "" takes the item out of its block.
struct ItemFields {
    std::optional<std::string> title;
    std::optional<ItemKind> kind;
    std::optional<std::optional<std::int64_t>> speaker_id; // present: set (value) or clear (null)
    std::optional<std::string> organisation;
    std::optional<std::int64_t> duration_ms; // 1000 .. 28 800 000
    std::optional<std::int64_t> warn_ms;     // 0 .. 28 800 000 (and <= duration)
    std::optional<std::int64_t> danger_ms;   // 0 .. 28 800 000 (and <= warn)
    std::optional<AtZero> at_zero;
    std::optional<std::string> block; // "" = no block
    static void item_fields(auto& m, auto& v, bool new_item) {
        if (new_item) {
            v("title", m.title, Required{kItemTitleText});
            v("duration_ms", m.duration_ms, Required{kDurationRule});
        } else {
            v("title", m.title, Optional{kItemTitleText});
            v("duration_ms", m.duration_ms, Optional{kDurationRule});
        }
        v("kind", m.kind, Optional{OneOf{kItemKinds}});
        v("speaker_id", m.speaker_id, Optional{Nullable{Integer{1}}});
        v("organisation", m.organisation, Optional{kOrganisationText});
        v("warn_ms", m.warn_ms, Optional{kItemMsRule});
        v("danger_ms", m.danger_ms, Optional{kItemMsRule});
        v("at_zero", m.at_zero, Optional{OneOf{kAtZero}});
        v("block", m.block, Optional{NullAsEmpty{Text{kMaxBlockNameBytes, true}}});
    }
    // As agenda_update's "changes".
    static void fields(auto& m, auto& v) { item_fields(m, v, false); }
    // As agenda_add's "item".
    static constexpr auto new_item_fields = [](auto& m, auto& v) { item_fields(m, v, true); };
    bool empty() const;
    bool operator==(const ItemFields&) const = default;
};

struct TimerControl {
    static constexpr std::string_view type = "timer_control";
    std::int64_t id = 0;
    TimerAction action = TimerAction::start;
    std::optional<std::string> item; // start (optional), goto (required)
    std::optional<std::int64_t> ms;  // add_time (required, non-zero, |ms| <= 8 h)
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("action", m.action, OneOf{kTimerActions});
        v("item", m.item, Optional{kItemIdText});
        v("ms", m.ms, Optional{Integer{-kMaxItemDurationMs, kMaxItemDurationMs}});
        v.check("item", [&] { return item_problem(m); });
        v.check("ms", [&] { return ms_problem(m); });
    }
    // What is wrong with item or ms given the action, or "".
    static std::string_view item_problem(const TimerControl& m);
    static std::string_view ms_problem(const TimerControl& m);
    bool operator==(const TimerControl&) const = default;
};

struct AgendaAdd {
    static constexpr std::string_view type = "agenda_add";
    std::int64_t id = 0;
    ItemFields item;
    std::optional<std::string> after; // absent or null: at the end
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("item", m.item, Object{NestedErrors::at_inner_field, ItemFields::new_item_fields});
        v("after", m.after, Optional{kItemIdText});
    }
    bool operator==(const AgendaAdd&) const = default;
};

// The fields of the requests about one agenda item.
struct ItemRequest {
    std::int64_t id = 0;
    std::string item_id;
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("item_id", m.item_id, kItemIdText);
    }
    bool operator==(const ItemRequest&) const = default;
};

struct AgendaUpdate {
    static constexpr std::string_view type = "agenda_update";
    std::int64_t id = 0;
    std::string item_id;
    ItemFields changes; // at least one field
    static void fields(auto& m, auto& v) {
        ItemRequest::fields(m, v);
        v("changes", m.changes, Object{});
        v.check("changes", [&] {
            return std::string_view(m.changes.empty() ? "must change at least one field" : "");
        });
    }
    bool operator==(const AgendaUpdate&) const = default;
};

struct AgendaRemove : ItemRequest {
    static constexpr std::string_view type = "agenda_remove";
};

struct AgendaMove {
    static constexpr std::string_view type = "agenda_move";
    std::int64_t id = 0;
    std::string item_id;
    std::optional<std::string> before; // null or absent: to the end
    static void fields(auto& m, auto& v) {
        ItemRequest::fields(m, v);
        v("before", m.before, Nullable{kItemIdText});
    }
    bool operator==(const AgendaMove&) const = default;
};

struct AgendaSkip {
    static constexpr std::string_view type = "agenda_skip";
    std::int64_t id = 0;
    std::string item_id;
    bool skipped = true;
    static void fields(auto& m, auto& v) {
        ItemRequest::fields(m, v);
        v("skipped", m.skipped, Boolean{});
    }
    bool operator==(const AgendaSkip&) const = default;
};

struct NoShow {
    static constexpr std::string_view type = "no_show";
    std::int64_t id = 0;
    std::string item_id;
    bool no_show = true;
    static void fields(auto& m, auto& v) {
        ItemRequest::fields(m, v);
        v("no_show", m.no_show, Boolean{});
    }
    bool operator==(const NoShow&) const = default;
};

// A request with nothing but its id.
struct PlainRequest {
    std::int64_t id = 0;
    static void fields(auto& m, auto& v) { v("id", m.id, kRequestId); }
    bool operator==(const PlainRequest&) const = default;
};

struct SwapNext : PlainRequest {
    static constexpr std::string_view type = "swap_next";
};

// Takes back this server's last `next` while nothing else has changed since (PROTOCOL.md 7.3).
struct UndoNext : PlainRequest {
    static constexpr std::string_view type = "undo_next";
};

struct StageMessageRequest {
    static constexpr std::string_view type = "stage_message";
    std::int64_t id = 0;
    std::string text; // 1-280 bytes
    Tone tone = Tone::info;
    bool flash = false;
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        text_fields(m, v);
    }
    // Also the first fields of the stage push's message.
    static void text_fields(auto& m, auto& v) {
        v("text", m.text, Text{kMaxStageTextBytes});
        v("tone", m.tone, OneOf{kTones});
        v("flash", m.flash, Boolean{});
    }
    bool operator==(const StageMessageRequest&) const = default;
};

struct StageClear : PlainRequest {
    static constexpr std::string_view type = "stage_clear";
};

struct Blackout {
    static constexpr std::string_view type = "blackout";
    std::int64_t id = 0;
    bool on = false;
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("on", m.on, Boolean{});
    }
    bool operator==(const Blackout&) const = default;
};

// ---- client -> server (any role) ----

// A display's clock-sync health: its offset estimate, the round-trip delay of the sample it
// uses and that sample's age, all in ms (fractions allowed). Answered ok.
struct SyncReport {
    static constexpr std::string_view type = "sync_report";
    std::int64_t id = 0;
    double offset_ms = 0;     // |offset| <= 1e12
    double delay_ms = 0;      // 0 .. 1e9
    double sample_age_ms = 0; // 0 .. 1e12
    static constexpr Number kOffsetRule{-1e12, 1e12};
    static constexpr Number kDelayRule{0, 1e9};
    static constexpr Number kAgeRule{0, 1e12};
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("offset_ms", m.offset_ms, kOffsetRule);
        v("delay_ms", m.delay_ms, kDelayRule);
        v("sample_age_ms", m.sample_age_ms, kAgeRule);
    }
    bool operator==(const SyncReport&) const = default;
};

// ---- server -> client ----

struct SpeakerRef {
    std::int64_t id = 0;
    std::string name;
    std::string organisation;
    static void fields(auto& m, auto& v) {
        v("id", m.id, Integer{1});
        v("name", m.name, kPersonNameText);
        v("organisation", m.organisation, Text{200, true});
    }
    bool operator==(const SpeakerRef&) const = default;
};

struct OnDeckSpeaker {
    std::int64_t id = 0;
    std::string name;
    std::string organisation;
    bool present = false;
    static void fields(auto& m, auto& v) {
        SpeakerRef::fields(m, v);
        v("present", m.present, Boolean{});
    }
    bool operator==(const OnDeckSpeaker&) const = default;
};

struct TimerItem {
    std::string id;
    std::string title;
    ItemKind kind = ItemKind::talk;
    std::optional<SpeakerRef> speaker;
    std::string organisation;
    // Also the first fields of an agenda entry.
    static void fields(auto& m, auto& v) {
        v("id", m.id, kItemIdText);
        v("title", m.title, kItemTitleText);
        v("kind", m.kind, OneOf{kItemKinds});
        v("speaker", m.speaker, kNullableObject);
        v("organisation", m.organisation, kOrganisationText);
    }
    bool operator==(const TimerItem&) const = default;
};

// An item named by id and title (on_deck's item; the start of timer's next).
struct ItemTitle {
    std::string id;
    std::string title;
    static void fields(auto& m, auto& v) {
        v("id", m.id, kItemIdText);
        v("title", m.title, kItemTitleText);
    }
    bool operator==(const ItemTitle&) const = default;
};

struct TimerNext {
    std::string id;
    std::string title;
    std::optional<std::string> speaker_name;
    static void fields(auto& m, auto& v) {
        ItemTitle::fields(m, v);
        v("speaker_name", m.speaker_name, Nullable{Text{200, true}});
    }
    bool operator==(const TimerNext&) const = default;
};

struct TimerBlock {
    std::string name;
    std::optional<std::int64_t> target_end;
    std::optional<std::int64_t> projected_end;
    static void fields(auto& m, auto& v) {
        v("name", m.name, Text{kMaxBlockNameBytes});
        v("target_end", m.target_end, kNullableTime);
        v("projected_end", m.projected_end, kNullableTime);
    }
    bool operator==(const TimerBlock&) const = default;
};

// Push to every role on hello, on every change and every 5 s (coalesce key "timer").
// A display shows: running/overtime -> ends_at - (its server-clock estimate) (negative:
// overtime, shown +m:ss; held at 0:00 for at_zero=stop); paused/stopped/idle -> remaining_ms.
struct TimerMessage {
    static constexpr std::string_view type = "timer";
    std::int64_t seq = 0;
    TimerState state = TimerState::idle;
    std::optional<TimerItem> item;
    std::int64_t duration_ms = 0; // planned duration of the item
    std::optional<std::int64_t> started_at;
    std::optional<std::int64_t> ends_at;      // running, overtime
    std::optional<std::int64_t> remaining_ms; // idle, paused, stopped (negative: past zero)
    std::int64_t warn_ms = 0;
    std::int64_t danger_ms = 0;
    AtZero at_zero = AtZero::count_up;
    std::int64_t added_ms = 0;
    std::optional<TimerNext> next;
    std::optional<TimerBlock> block;
    std::int64_t server_time = 0;
    static void fields(auto& m, auto& v) {
        v("seq", m.seq, Integer{0});
        v("state", m.state, OneOf{kTimerStates});
        v("item", m.item, kNullableObject);
        v("duration_ms", m.duration_ms, kItemMsRule);
        v("started_at", m.started_at, kNullableTime);
        v("ends_at", m.ends_at, kNullableTime);
        v("remaining_ms", m.remaining_ms, Nullable{Integer{}});
        v("warn_ms", m.warn_ms, kItemMsRule);
        v("danger_ms", m.danger_ms, kItemMsRule);
        v("at_zero", m.at_zero, OneOf{kAtZero});
        v("added_ms", m.added_ms, Integer{});
        v("next", m.next, kNullableObject);
        v("block", m.block, kNullableObject);
        v("server_time", m.server_time, Integer{0});
    }
    bool operator==(const TimerMessage&) const = default;
};

struct AgendaSpeaker {
    std::int64_t id = 0;
    std::string name;
    std::string organisation;
    bool present = false;
    std::optional<std::int64_t> arrived_at;
    static void fields(auto& m, auto& v) {
        OnDeckSpeaker::fields(m, v);
        v("arrived_at", m.arrived_at, kNullableTime);
    }
    bool operator==(const AgendaSpeaker&) const = default;
};

struct AgendaEntry {
    std::string id;
    std::string title;
    ItemKind kind = ItemKind::talk;
    std::optional<AgendaSpeaker> speaker;
    std::string organisation;
    std::int64_t duration_ms = 0;
    std::int64_t warn_ms = 0;
    std::int64_t danger_ms = 0;
    AtZero at_zero = AtZero::count_up;
    std::optional<std::string> block;
    ItemStatus status = ItemStatus::pending;
    std::optional<std::int64_t> actual_start;
    std::optional<std::int64_t> actual_end;
    std::int64_t added_ms = 0;
    std::optional<std::int64_t>
        projected_start; // null: skipped, or before the current item and never run
    static void fields(auto& m, auto& v) {
        TimerItem::fields(m, v);
        v("duration_ms", m.duration_ms, kDurationRule);
        v("warn_ms", m.warn_ms, kItemMsRule);
        v("danger_ms", m.danger_ms, kItemMsRule);
        v("at_zero", m.at_zero, OneOf{kAtZero});
        v("block", m.block, Nullable{Text{kMaxBlockNameBytes, true}});
        v("status", m.status, OneOf{kItemStatuses});
        v("actual_start", m.actual_start, kNullableTime);
        v("actual_end", m.actual_end, kNullableTime);
        v("added_ms", m.added_ms, Integer{});
        v("projected_start", m.projected_start, kNullableTime);
    }
    bool operator==(const AgendaEntry&) const = default;
};

enum class AgendaWarningKind { speaker_not_checked_in, speaker_unknown, block_overrun };
inline constexpr std::array<std::pair<std::string_view, AgendaWarningKind>, 3> kAgendaWarningKinds{{
    {"speaker_not_checked_in", AgendaWarningKind::speaker_not_checked_in},
    {"speaker_unknown", AgendaWarningKind::speaker_unknown},
    {"block_overrun", AgendaWarningKind::block_overrun},
}};
constexpr const auto& names_of(AgendaWarningKind) {
    return kAgendaWarningKinds;
}
inline std::optional<AgendaWarningKind> agenda_warning_kind_from_string(std::string_view name) {
    return from_string<AgendaWarningKind>(name);
}

// text is English; kind (with block and overrun_ms for an overrun) lets a view translate it.
struct AgendaWarningEntry {
    std::string item_id;
    std::string text;
    std::optional<AgendaWarningKind> kind;
    std::optional<std::string> block;
    std::optional<std::int64_t> overrun_ms;
    static void fields(auto& m, auto& v) {
        v("item_id", m.item_id, kItemIdText);
        v("text", m.text, Text{500});
        v("kind", m.kind, Optional{OneOf{kAgendaWarningKinds}});
        v("block", m.block, Optional{Text{kMaxBlockNameBytes, true}});
        v("overrun_ms", m.overrun_ms, Optional{Integer{0}});
    }
    bool operator==(const AgendaWarningEntry&) const = default;
};

// Push to every role on hello and on every change; to moderator and organiser when a
// speaker's presence changes (coalesce key "agenda").
struct AgendaMessage {
    static constexpr std::string_view type = "agenda";
    std::int64_t seq = 0;
    std::optional<std::string> current;
    std::vector<AgendaEntry> items;
    std::vector<TimerBlock> blocks;
    std::vector<AgendaWarningEntry> warnings;
    static void fields(auto& m, auto& v) {
        v("seq", m.seq, Integer{0});
        v("current", m.current, Nullable{Text{kMaxItemIdBytes, true}});
        v("items", m.items, List{Object{}, 500});
        v("blocks", m.blocks, List{Object{}, 500});
        v("warnings", m.warnings, List{Object{}, 1000});
    }
    bool operator==(const AgendaMessage&) const = default;
};

struct StageText {
    std::string text;
    Tone tone = Tone::info;
    bool flash = false;
    std::int64_t at = 0;
    static void fields(auto& m, auto& v) {
        StageMessageRequest::text_fields(m, v);
        v("at", m.at, Integer{0});
    }
    bool operator==(const StageText&) const = default;
};

// Push to every role on hello and on change (coalesce key "stage").
struct StageScreen {
    static constexpr std::string_view type = "stage";
    std::optional<StageText> message;
    bool blackout = false;
    static void fields(auto& m, auto& v) {
        v("message", m.message, kNullableObject);
        v("blackout", m.blackout, Boolean{});
    }
    bool operator==(const StageScreen&) const = default;
};

using OnDeckItem = ItemTitle;

// Push to door and organiser when a pitch with a speaker is two items away.
struct OnDeck {
    static constexpr std::string_view type = "on_deck";
    OnDeckItem item;
    OnDeckSpeaker speaker;
    std::int64_t position = 2;
    static void fields(auto& m, auto& v) {
        v("item", m.item, Object{});
        v("speaker", m.speaker, Object{});
        v("position", m.position, Integer{1, 100});
    }
    bool operator==(const OnDeck&) const = default;
};

struct DisplayHealth {
    std::string device;
    Role role = Role::stage;
    std::optional<double> offset_ms; // null until the display reported
    std::optional<double> delay_ms;
    std::optional<double> sample_age_ms;
    std::optional<std::int64_t> last_report;
    bool connected = false;
    static void fields(auto& m, auto& v) {
        v("device", m.device, Text{kMaxDeviceBytes});
        v("role", m.role, OneOf{kRoles});
        v("offset_ms", m.offset_ms, Nullable{SyncReport::kOffsetRule});
        v("delay_ms", m.delay_ms, Nullable{SyncReport::kDelayRule});
        v("sample_age_ms", m.sample_age_ms, Nullable{SyncReport::kAgeRule});
        v("last_report", m.last_report, kNullableTime);
        v("connected", m.connected, Boolean{});
    }
    bool operator==(const DisplayHealth&) const = default;
};

// Push to moderator and organiser on hello, when a report arrives and when a display
// disconnects (coalesce key "displays").
struct Displays {
    static constexpr std::string_view type = "displays";
    std::vector<DisplayHealth> displays;
    static void fields(auto& m, auto& v) { v("displays", m.displays, List{Object{}, 1000}); }
    bool operator==(const Displays&) const = default;
};

} // namespace stagedoor::protocol
