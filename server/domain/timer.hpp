// The server-authoritative stage timer: a pure state machine over the agenda. The state
// holds wall-clock anchors (ends_at while running, remaining_ms while paused), never ticks;
// every function takes the current time. See PROTOCOL.md for the full state table.
#pragma once

#include "domain/agenda.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::domain {

enum class TimerPhase { idle, running, paused, overtime, stopped };
std::string_view to_string(TimerPhase phase);
std::optional<TimerPhase> timer_phase_from_string(std::string_view text);

struct TimerState {
    TimerPhase phase = TimerPhase::idle;
    std::optional<std::string> item_id;     // the current item; null only when nothing is playable
    std::optional<std::int64_t> started_at; // start of the current run
    std::optional<std::int64_t> ends_at;    // running and overtime: when it is (was) zero
    std::optional<std::int64_t> remaining_ms; // idle, paused, stopped; negative: past zero
    // stopped and held at 0:00 by at_zero=stop: when zero was reached. The item has not ended
    // yet (the speaker is still on); a stopped state without it is an ended item.
    std::optional<std::int64_t> zero_at;
    std::int64_t added_ms = 0; // net add_time of the current run
    bool operator==(const TimerState&) const = default;
};

// The whole stage: agenda, timer and the sequence number every change increments.
struct StageState {
    Agenda agenda;
    TimerState timer;
    std::uint64_t seq = 0;
    bool operator==(const StageState&) const = default;
};

// What the stage screen shows besides the timer: a message to the speaker and blackout.
enum class Tone { info, wrap_up, stop };
std::string_view to_string(Tone tone);
std::optional<Tone> tone_from_string(std::string_view text);
struct SpeakerMessage {
    std::string text; // 1-280 bytes
    Tone tone = Tone::info;
    bool flash = false;
    std::int64_t at = 0;
    bool operator==(const SpeakerMessage&) const = default;
};
struct ScreenState {
    std::optional<SpeakerMessage> message;
    bool blackout = false;
    bool operator==(const ScreenState&) const = default;
};

// Remaining time of the current item at now: negative past zero, 0 when held at zero.
std::int64_t remaining_at(const TimerState& timer, std::int64_t now);
bool held_at_zero(const TimerState& timer);
// True while the current item is on (running, overtime, paused or held at zero).
bool item_in_progress(const TimerState& timer);

enum class TimerAction { start, pause, resume, next, previous, go_to, add_time, reset, stop };
std::string_view to_string(TimerAction action); // "goto" for go_to
std::optional<TimerAction> timer_action_from_string(std::string_view text);

// Time added to one item, in total, stays within ±12 h: however often a moderator presses
// "+1 min", the deadline stays a sane time (and far from overflowing anything).
inline constexpr std::int64_t kMaxAddedMs = 12LL * 60 * 60 * 1000;

struct TimerCommand {
    TimerAction action = TimerAction::start;
    std::optional<std::string> item; // start (optional), goto (required)
    std::optional<std::int64_t> ms;  // add_time (required, non-zero)
};

// Every mutating function below either succeeds (the state changed, seq incremented, zero
// transitions due at now applied) or returns a Failure and leaves the state untouched.

std::optional<Failure> apply_timer(StageState& state, const TimerCommand& command,
                                   std::int64_t now);

// Applies the zero transitions due at now: running -> overtime (count_up), running -> held at
// 0:00 (stop), auto-advance (next; the following item starts exactly at the previous ends_at,
// repeatedly when the clock jumped over several items). Returns true when something changed
// (then seq was incremented). Called at deadline() and after a restart.
bool settle(StageState& state, std::int64_t now);
// When settle() next has work: ends_at of a running item; nullopt otherwise.
std::optional<std::int64_t> deadline(const StageState& state);

// Loads an agenda into a fresh state (idle on the first playable item), keeping seq.
std::optional<Failure> replace_agenda(StageState& state, Agenda agenda);

// Agenda edits with the timer's guards: the item in progress cannot be removed, skipped or
// marked no-show (stop it first); the current item may be moved and updated (a new duration
// shifts its anchors by the difference).
std::optional<Failure> add_item(StageState& state, AgendaItem item,
                                const std::optional<std::string>& after);
std::optional<Failure> update_item(StageState& state, std::string_view item_id,
                                   const ItemChanges& changes, std::int64_t now);
std::optional<Failure> remove_item(StageState& state, std::string_view item_id);
// before: the item to move in front of; nullopt moves to the end.
std::optional<Failure> move_item(StageState& state, std::string_view item_id,
                                 const std::optional<std::string>& before);
std::optional<Failure> set_skipped(StageState& state, std::string_view item_id, bool skipped);
std::optional<Failure> set_no_show(StageState& state, std::string_view item_id, bool no_show);

// A speaker as the presence-aware queue sees them.
struct SpeakerInfo {
    std::int64_t id = 0;
    std::string name;
    std::string organisation;
    bool present = false;
    std::optional<std::int64_t> arrived_at;
};
using SpeakerLookup = std::function<std::optional<SpeakerInfo>(std::int64_t attendee_id)>;

// The item that will be on next: the current one while it waits in idle, else the first
// playable item after it.
std::optional<std::size_t> upcoming_index(const StageState& state);
// The item whose speaker is on next: the upcoming item, or the first playable item after it
// that is not a break when the upcoming one is a break or changeover.
std::optional<std::size_t> next_speaker_index(const StageState& state);
// Moves the first later playable item of the same block whose speaker is present in front of
// the next speaker's item (when that one is idle-current, the moved item becomes current).
// A changeover right after the moved item (or, for the last one, right before it) moves with
// it and follows it, so no two changeovers end up back to back. Fails with conflict when the
// next speaker is present or nobody later in the block is.
std::optional<Failure> swap_next(StageState& state, const SpeakerLookup& speakers);

// What a `next` replaced, so that a mistaken Next can be taken back (StageModule keeps it).
struct NextUndo {
    TimerState timer;      // the timer before the next
    Agenda agenda;         // the agenda before the next (the items' records)
    std::uint64_t seq = 0; // the state's seq right after the next
};
// The undo record of a `next` that turned `before` into `after`.
NextUndo undo_record(const StageState& before, const StageState& after);
// Puts the timer and agenda back as they were before the next, then applies the zero
// transitions due at now (a running item kept running meanwhile). Fails with conflict when
// anything changed since the next (state.seq != undo.seq).
std::optional<Failure> undo_next(StageState& state, const NextUndo& undo, std::int64_t now);

enum class ItemStatus { pending, current, done, skipped, no_show };
std::string_view to_string(ItemStatus status);

struct ItemProjection {
    ItemStatus status = ItemStatus::pending;
    // Items after the current one: when they would start. The current one and earlier ones:
    // their actual start (null when they never ran). Skipped/no-show: null.
    std::optional<std::int64_t> projected_start;
    std::optional<std::int64_t> projected_end;
};

struct BlockProjection {
    std::string name;
    std::optional<std::int64_t> target_end;
    std::optional<std::int64_t> projected_end; // null when the block has nothing to play
};

// What a warning is about, so a view can say it in its own language (text is English).
enum class WarningKind { speaker_not_checked_in, speaker_unknown, block_overrun };
std::string_view to_string(WarningKind kind); // "speaker_not_checked_in", ...

struct AgendaWarning {
    std::string item_id;
    std::string text; // English, for logs and clients that do not know the kind
    WarningKind kind = WarningKind::speaker_not_checked_in;
    std::string block;           // block_overrun: the block's name
    std::int64_t overrun_ms = 0; // block_overrun: by how much
};

struct Projection {
    std::vector<ItemProjection> items; // parallel to agenda.items
    std::vector<BlockProjection> blocks;
    std::vector<AgendaWarning> warnings;
};

// projected end of a block = now + remaining of the current item (never below 0) + planned
// durations of the block's playable items still to come.
Projection project(const StageState& state, std::int64_t now, const SpeakerLookup& speakers);

// The next `count` playable items after the current one that are not breaks (the pitch
// queue: position 1 is next, 2 the one after).
std::vector<std::size_t> queue_after_current(const StageState& state, std::size_t count);

} // namespace stagedoor::domain
