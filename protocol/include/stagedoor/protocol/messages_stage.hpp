// Protocol v1 stage messages: agenda edits, the pitch timer, speaker messages and display
// sync health. Enumerations travel as the strings listed next to each field; the server maps
// them onto its domain types. See PROTOCOL.md, "Agenda, timer and stage".
#pragma once

#include "stagedoor/protocol/codec.hpp"

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

using Choice = std::pair<std::string_view, std::string_view>;
inline constexpr std::array<Choice, 9> kTimerActions{{{"start", "start"},
                                                      {"pause", "pause"},
                                                      {"resume", "resume"},
                                                      {"next", "next"},
                                                      {"previous", "previous"},
                                                      {"goto", "goto"},
                                                      {"add_time", "add_time"},
                                                      {"reset", "reset"},
                                                      {"stop", "stop"}}};
inline constexpr std::array<Choice, 4> kItemKinds{
    {{"talk", "talk"}, {"pitch", "pitch"}, {"break", "break"}, {"other", "other"}}};
inline constexpr std::array<Choice, 3> kAtZero{
    {{"count_up", "count_up"}, {"stop", "stop"}, {"next", "next"}}};
inline constexpr std::array<Choice, 5> kTimerStates{{{"idle", "idle"},
                                                     {"running", "running"},
                                                     {"paused", "paused"},
                                                     {"overtime", "overtime"},
                                                     {"stopped", "stopped"}}};
inline constexpr std::array<Choice, 5> kItemStatuses{{{"pending", "pending"},
                                                      {"current", "current"},
                                                      {"done", "done"},
                                                      {"skipped", "skipped"},
                                                      {"no_show", "no_show"}}};
inline constexpr std::array<Choice, 3> kTones{
    {{"info", "info"}, {"wrap_up", "wrap_up"}, {"stop", "stop"}}};

// ---- client -> server (moderator, organiser) ----

// The fields of an agenda item as a moderator sends them. In agenda_add, title and
// duration_ms are required; in agenda_update every field is optional. speaker_id: null
// clears the speaker; block: null or "" takes the item out of its block.
struct ItemFields {
    std::optional<std::string> title;
    std::optional<std::string> kind;                       // talk|pitch|break|other
    std::optional<std::optional<std::int64_t>> speaker_id; // present: set (value) or clear (null)
    std::optional<std::string> organisation;
    std::optional<std::int64_t> duration_ms; // 1000 .. 28 800 000
    std::optional<std::int64_t> warn_ms;     // 0 .. 28 800 000 (and <= duration)
    std::optional<std::int64_t> danger_ms;   // 0 .. 28 800 000 (and <= warn)
    std::optional<std::string> at_zero;      // count_up|stop|next
    std::optional<std::string> block;        // "" = no block
    void read(Reader& reader, bool require_new_item_fields);
    void write(nlohmann::json& out) const;
    bool empty() const;
};

struct TimerControl {
    static constexpr std::string_view type = "timer_control";
    std::int64_t id = 0;
    std::string action;              // see kTimerActions
    std::optional<std::string> item; // start (optional), goto (required)
    std::optional<std::int64_t> ms;  // add_time (required, non-zero, |ms| <= 8 h)
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct AgendaAdd {
    static constexpr std::string_view type = "agenda_add";
    std::int64_t id = 0;
    ItemFields item;
    std::optional<std::string> after; // absent or null: at the end
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct AgendaUpdate {
    static constexpr std::string_view type = "agenda_update";
    std::int64_t id = 0;
    std::string item_id;
    ItemFields changes; // at least one field
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct AgendaRemove {
    static constexpr std::string_view type = "agenda_remove";
    std::int64_t id = 0;
    std::string item_id;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct AgendaMove {
    static constexpr std::string_view type = "agenda_move";
    std::int64_t id = 0;
    std::string item_id;
    std::optional<std::string> before; // null or absent: to the end
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct AgendaSkip {
    static constexpr std::string_view type = "agenda_skip";
    std::int64_t id = 0;
    std::string item_id;
    bool skipped = true;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct NoShow {
    static constexpr std::string_view type = "no_show";
    std::int64_t id = 0;
    std::string item_id;
    bool no_show = true;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct SwapNext {
    static constexpr std::string_view type = "swap_next";
    std::int64_t id = 0;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct StageMessageRequest {
    static constexpr std::string_view type = "stage_message";
    std::int64_t id = 0;
    std::string text;          // 1-280 bytes
    std::string tone = "info"; // info|wrap_up|stop
    bool flash = false;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct StageClear {
    static constexpr std::string_view type = "stage_clear";
    std::int64_t id = 0;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct Blackout {
    static constexpr std::string_view type = "blackout";
    std::int64_t id = 0;
    bool on = false;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
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
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

// ---- server -> client ----

struct SpeakerRef {
    std::int64_t id = 0;
    std::string name;
    std::string organisation;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct TimerItem {
    std::string id;
    std::string title;
    std::string kind;
    std::optional<SpeakerRef> speaker;
    std::string organisation;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct TimerNext {
    std::string id;
    std::string title;
    std::optional<std::string> speaker_name;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct TimerBlock {
    std::string name;
    std::optional<std::int64_t> target_end;
    std::optional<std::int64_t> projected_end;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

// Push to every role on hello, on every change and every 5 s (coalesce key "timer").
// A display shows: running/overtime -> ends_at - (its server-clock estimate) (negative:
// overtime, shown +m:ss; held at 0:00 for at_zero=stop); paused/stopped/idle -> remaining_ms.
struct TimerMessage {
    static constexpr std::string_view type = "timer";
    std::int64_t seq = 0;
    std::string state = "idle"; // idle|running|paused|overtime|stopped
    std::optional<TimerItem> item;
    std::int64_t duration_ms = 0; // planned duration of the item
    std::optional<std::int64_t> started_at;
    std::optional<std::int64_t> ends_at;      // running, overtime
    std::optional<std::int64_t> remaining_ms; // idle, paused, stopped (negative: past zero)
    std::int64_t warn_ms = 0;
    std::int64_t danger_ms = 0;
    std::string at_zero = "count_up";
    std::int64_t added_ms = 0;
    std::optional<TimerNext> next;
    std::optional<TimerBlock> block;
    std::int64_t server_time = 0;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct AgendaSpeaker {
    std::int64_t id = 0;
    std::string name;
    std::string organisation;
    bool present = false;
    std::optional<std::int64_t> arrived_at;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct AgendaEntry {
    std::string id;
    std::string title;
    std::string kind;
    std::optional<AgendaSpeaker> speaker;
    std::string organisation;
    std::int64_t duration_ms = 0;
    std::int64_t warn_ms = 0;
    std::int64_t danger_ms = 0;
    std::string at_zero = "count_up";
    std::optional<std::string> block;
    std::string status = "pending"; // pending|current|done|skipped|no_show
    std::optional<std::int64_t> actual_start;
    std::optional<std::int64_t> actual_end;
    std::int64_t added_ms = 0;
    std::optional<std::int64_t>
        projected_start; // null: skipped, or before the current item and never run
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct AgendaWarningEntry {
    std::string item_id;
    std::string text;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
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
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct StageText {
    std::string text;
    std::string tone = "info";
    bool flash = false;
    std::int64_t at = 0;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

// Push to every role on hello and on change (coalesce key "stage").
struct StageScreen {
    static constexpr std::string_view type = "stage";
    std::optional<StageText> message;
    bool blackout = false;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct OnDeckItem {
    std::string id;
    std::string title;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct OnDeckSpeaker {
    std::int64_t id = 0;
    std::string name;
    std::string organisation;
    bool present = false;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

// Push to door and organiser when a pitch with a speaker is two items away.
struct OnDeck {
    static constexpr std::string_view type = "on_deck";
    OnDeckItem item;
    OnDeckSpeaker speaker;
    std::int64_t position = 2;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct DisplayHealth {
    std::string device;
    std::string role;
    std::optional<double> offset_ms; // null until the display reported
    std::optional<double> delay_ms;
    std::optional<double> sample_age_ms;
    std::optional<std::int64_t> last_report;
    bool connected = false;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

// Push to moderator and organiser on hello, when a report arrives and when a display
// disconnects (coalesce key "displays").
struct Displays {
    static constexpr std::string_view type = "displays";
    std::vector<DisplayHealth> displays;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

} // namespace stagedoor::protocol
