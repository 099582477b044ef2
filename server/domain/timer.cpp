#include "domain/timer.hpp"

#include <algorithm>

namespace stagedoor::domain {

std::string_view to_string(TimerPhase phase) {
    switch (phase) {
    case TimerPhase::idle:
        return "idle";
    case TimerPhase::running:
        return "running";
    case TimerPhase::paused:
        return "paused";
    case TimerPhase::overtime:
        return "overtime";
    case TimerPhase::stopped:
        return "stopped";
    }
    return "idle";
}

std::optional<TimerPhase> timer_phase_from_string(std::string_view text) {
    for (TimerPhase phase : {TimerPhase::idle, TimerPhase::running, TimerPhase::paused,
                             TimerPhase::overtime, TimerPhase::stopped})
        if (to_string(phase) == text) return phase;
    return std::nullopt;
}

std::string_view to_string(TimerAction action) {
    switch (action) {
    case TimerAction::start:
        return "start";
    case TimerAction::pause:
        return "pause";
    case TimerAction::resume:
        return "resume";
    case TimerAction::next:
        return "next";
    case TimerAction::previous:
        return "previous";
    case TimerAction::go_to:
        return "goto";
    case TimerAction::add_time:
        return "add_time";
    case TimerAction::reset:
        return "reset";
    case TimerAction::stop:
        return "stop";
    }
    return "start";
}

std::optional<TimerAction> timer_action_from_string(std::string_view text) {
    for (TimerAction action : {TimerAction::start, TimerAction::pause, TimerAction::resume,
                               TimerAction::next, TimerAction::previous, TimerAction::go_to,
                               TimerAction::add_time, TimerAction::reset, TimerAction::stop})
        if (to_string(action) == text) return action;
    return std::nullopt;
}

std::string_view to_string(WarningKind kind) {
    switch (kind) {
    case WarningKind::speaker_not_checked_in:
        return "speaker_not_checked_in";
    case WarningKind::speaker_unknown:
        return "speaker_unknown";
    case WarningKind::block_overrun:
        return "block_overrun";
    }
    return "speaker_not_checked_in";
}

std::string_view to_string(ItemStatus status) {
    switch (status) {
    case ItemStatus::pending:
        return "pending";
    case ItemStatus::current:
        return "current";
    case ItemStatus::done:
        return "done";
    case ItemStatus::skipped:
        return "skipped";
    case ItemStatus::no_show:
        return "no_show";
    }
    return "pending";
}

std::string_view to_string(Tone tone) {
    switch (tone) {
    case Tone::info:
        return "info";
    case Tone::wrap_up:
        return "wrap_up";
    case Tone::stop:
        return "stop";
    }
    return "info";
}

std::optional<Tone> tone_from_string(std::string_view text) {
    for (Tone tone : {Tone::info, Tone::wrap_up, Tone::stop})
        if (to_string(tone) == text) return tone;
    return std::nullopt;
}

bool held_at_zero(const TimerState& timer) {
    return timer.phase == TimerPhase::stopped && timer.zero_at.has_value();
}

bool item_in_progress(const TimerState& timer) {
    return timer.phase == TimerPhase::running || timer.phase == TimerPhase::overtime ||
           timer.phase == TimerPhase::paused || held_at_zero(timer);
}

std::int64_t remaining_at(const TimerState& timer, std::int64_t now) {
    switch (timer.phase) {
    case TimerPhase::running:
    case TimerPhase::overtime:
        return timer.ends_at.value_or(now) - now;
    case TimerPhase::idle:
    case TimerPhase::paused:
    case TimerPhase::stopped:
        return timer.remaining_ms.value_or(0);
    }
    return 0;
}

namespace {

bool timing(const TimerState& timer) {
    return timer.phase == TimerPhase::running || timer.phase == TimerPhase::overtime;
}

std::optional<std::size_t> current_index(const StageState& state) {
    if (!state.timer.item_id) return std::nullopt;
    return state.agenda.index_of(*state.timer.item_id);
}

// Makes item index the current one, waiting in idle with its full planned duration.
void load(StageState& state, std::optional<std::size_t> index) {
    TimerState timer;
    if (index) {
        timer.item_id = state.agenda.items[*index].id;
        timer.remaining_ms = state.agenda.items[*index].duration_ms;
    }
    state.timer = std::move(timer);
}

// Starts the loaded (idle) current item at `at` with what it has left (duration + added).
void start_loaded(StageState& state, std::int64_t at) {
    AgendaItem& item = *state.agenda.find(*state.timer.item_id);
    TimerState& timer = state.timer;
    timer.ends_at = at + timer.remaining_ms.value_or(item.duration_ms);
    timer.remaining_ms.reset();
    timer.started_at = at;
    timer.zero_at.reset();
    timer.phase = TimerPhase::running;
    item.actual = ItemActuals{at, std::nullopt, timer.added_ms, 0};
}

// Loads and starts item index at `at`: a fresh run.
void begin(StageState& state, std::size_t index, std::int64_t at) {
    load(state, index);
    start_loaded(state, at);
}

// Records the end of the current run at `at` when an item is in progress.
void finish_current(StageState& state, std::int64_t at) {
    TimerState& timer = state.timer;
    if (!item_in_progress(timer) || !timer.item_id) return;
    AgendaItem* item = state.agenda.find(*timer.item_id);
    if (!item) return;
    std::int64_t overtime = held_at_zero(timer) ? at - *timer.zero_at : -remaining_at(timer, at);
    item->actual.end = at;
    item->actual.overtime_ms = std::max<std::int64_t>(0, overtime);
    item->actual.added_ms = timer.added_ms;
}

// Ends the item in progress and leaves the timer stopped on it, showing what was left.
void stop_current(StageState& state, std::int64_t at) {
    TimerState& timer = state.timer;
    std::int64_t left = held_at_zero(timer) ? 0 : remaining_at(timer, at);
    finish_current(state, at);
    timer.phase = TimerPhase::stopped;
    timer.remaining_ms = left;
    timer.ends_at.reset();
    timer.zero_at.reset();
}

// Leaves the current item for target: a running item hands over running, anything else
// hands over waiting in idle.
void switch_to(StageState& state, std::size_t target, std::int64_t now) {
    bool was_timing = timing(state.timer);
    finish_current(state, now);
    if (was_timing)
        begin(state, target, now);
    else
        load(state, target);
}

// An auto-advancing item that is already past zero because of a command (resumed from a pause
// past zero, or switched to at_zero=next while overrunning) hands over now, keeping its
// overtime, rather than starting the next item back at the old zero as settle() would.
void hand_over_if_past_zero(StageState& state, std::int64_t now) {
    TimerState& timer = state.timer;
    if (!timing(timer) || !timer.ends_at || *timer.ends_at >= now || !timer.item_id) return;
    auto index = state.agenda.index_of(*timer.item_id);
    if (!index || state.agenda.items[*index].at_zero != AtZero::next) return;
    auto target = state.agenda.next_playable(index);
    if (!target) {
        stop_current(state, now);
        return;
    }
    finish_current(state, now);
    begin(state, *target, now);
}

bool settle_impl(StageState& state, std::int64_t now) {
    bool changed = false;
    // Bounded by the number of items: each round either stops or advances one item.
    for (std::size_t round = 0; round <= state.agenda.items.size() + 1; ++round) {
        TimerState& timer = state.timer;
        if (!timing(timer) || !timer.ends_at || !timer.item_id) break;
        const AgendaItem* item = state.agenda.find(*timer.item_id);
        if (!item) break;
        if (now < *timer.ends_at) {
            if (timer.phase == TimerPhase::overtime) {
                timer.phase = TimerPhase::running;
                changed = true;
            }
            break;
        }
        if (item->at_zero == AtZero::count_up) {
            if (timer.phase != TimerPhase::overtime) {
                timer.phase = TimerPhase::overtime;
                changed = true;
            }
            break;
        }
        changed = true;
        std::int64_t zero = *timer.ends_at;
        if (item->at_zero == AtZero::stop) {
            timer.phase = TimerPhase::stopped;
            timer.zero_at = zero;
            timer.remaining_ms = 0;
            timer.ends_at.reset();
            break;
        }
        // at_zero == next: the next item starts exactly when this one reached zero.
        auto target = state.agenda.next_playable(state.agenda.index_of(item->id));
        if (!target) {
            stop_current(state, zero);
            break;
        }
        finish_current(state, zero);
        begin(state, *target, zero);
    }
    return changed;
}

std::optional<Failure> require_current(const StageState& state) {
    if (!state.timer.item_id || !current_index(state)) return conflict("there is no current item");
    return std::nullopt;
}

std::optional<Failure> playable_target(const StageState& state, const std::string& id,
                                       std::size_t& index) {
    auto found = state.agenda.index_of(id);
    if (!found) return not_found("no agenda item '" + id + "'");
    const AgendaItem& item = state.agenda.items[*found];
    if (item.skipped) return conflict("item '" + id + "' is skipped; un-skip it first");
    if (item.no_show) return conflict("item '" + id + "' is marked no-show; clear that first");
    index = *found;
    return std::nullopt;
}

std::optional<Failure> apply_action(StageState& state, const TimerCommand& command,
                                    std::int64_t now) {
    TimerState& timer = state.timer;
    switch (command.action) {
    case TimerAction::start: {
        if (command.item) {
            std::size_t target = 0;
            if (auto failure = playable_target(state, *command.item, target)) return failure;
            finish_current(state, now);
            begin(state, target, now);
            return std::nullopt;
        }
        if (!timer.item_id) {
            auto first = state.agenda.next_playable(std::nullopt);
            if (!first) return conflict("the agenda has nothing to start");
            load(state, *first);
        }
        if (timer.phase == TimerPhase::running || timer.phase == TimerPhase::overtime)
            return conflict("the timer is already running");
        if (timer.phase == TimerPhase::paused) return conflict("the timer is paused; resume it");
        auto index = current_index(state);
        if (!index) return conflict("there is no current item");
        if (!state.agenda.items[*index].playable())
            return conflict("the current item is skipped or a no-show");
        if (timer.phase == TimerPhase::idle)
            start_loaded(state, now);
        else // stopped: run the current item again, from its planned duration
            begin(state, *index, now);
        return std::nullopt;
    }
    case TimerAction::pause:
        if (!timing(timer)) return conflict("the timer is not running");
        timer.remaining_ms = *timer.ends_at - now;
        timer.ends_at.reset();
        timer.phase = TimerPhase::paused;
        return std::nullopt;
    case TimerAction::resume:
        if (timer.phase != TimerPhase::paused) return conflict("the timer is not paused");
        timer.ends_at = now + timer.remaining_ms.value_or(0);
        timer.remaining_ms.reset();
        // settle() applies at_zero for an item resumed at or past zero.
        timer.phase = TimerPhase::running;
        hand_over_if_past_zero(state, now);
        return std::nullopt;
    case TimerAction::next: {
        auto index = current_index(state);
        auto target = state.agenda.next_playable(index);
        if (!target) {
            if (!index || !item_in_progress(timer)) return conflict("this is the last item");
            stop_current(state, now);
            return std::nullopt;
        }
        if (!index) {
            load(state, *target);
            return std::nullopt;
        }
        switch_to(state, *target, now);
        return std::nullopt;
    }
    case TimerAction::previous: {
        auto index = current_index(state);
        if (!index) return conflict("there is no current item");
        auto target = state.agenda.previous_playable(*index);
        if (!target) return conflict("this is the first item");
        switch_to(state, *target, now);
        return std::nullopt;
    }
    case TimerAction::go_to: {
        if (!command.item) return invalid("item", "goto needs an item");
        std::size_t target = 0;
        if (auto failure = playable_target(state, *command.item, target)) return failure;
        if (timer.item_id == *command.item) return conflict("that is already the current item");
        if (!current_index(state))
            load(state, target);
        else
            switch_to(state, target, now);
        return std::nullopt;
    }
    case TimerAction::add_time: {
        if (!command.ms || *command.ms == 0) return invalid("ms", "add_time needs a non-zero ms");
        if (auto failure = require_current(state)) return failure;
        if (timer.phase == TimerPhase::stopped && !held_at_zero(timer))
            return conflict("the item has ended; start it again or go to the next one");
        std::int64_t amount = *command.ms;
        if (amount < 0) {
            // Taking time away stops at 0:00; it never pushes a speaker into overtime.
            std::int64_t left = std::max<std::int64_t>(0, remaining_at(timer, now));
            amount = std::max(amount, -left);
            if (amount == 0) return conflict("there is no time left to take away");
        }
        if (timer.added_ms + amount > kMaxAddedMs || timer.added_ms + amount < -kMaxAddedMs)
            return invalid("ms", "at most 12 hours may be added to one item in total");
        if (held_at_zero(timer)) {
            timer.phase = TimerPhase::running;
            timer.ends_at = now + amount;
            timer.zero_at.reset();
            timer.remaining_ms.reset();
        } else if (timing(timer)) {
            *timer.ends_at += amount;
            if (*timer.ends_at > now) timer.phase = TimerPhase::running;
        } else {
            timer.remaining_ms = timer.remaining_ms.value_or(0) + amount;
        }
        timer.added_ms += amount;
        state.agenda.find(*timer.item_id)->actual.added_ms = timer.added_ms;
        return std::nullopt;
    }
    case TimerAction::reset: {
        auto index = current_index(state);
        if (!index) return conflict("there is no current item");
        load(state, *index);
        state.agenda.items[*index].actual = ItemActuals{};
        return std::nullopt;
    }
    case TimerAction::stop:
        if (!item_in_progress(timer)) return conflict("nothing is running");
        stop_current(state, now);
        return std::nullopt;
    }
    return invalid("action", "unknown action");
}

// Runs mutate on a copy; commits it with seq+1 only when it succeeds.
template <class F> std::optional<Failure> transact(StageState& state, F&& mutate) {
    StageState next = state;
    if (auto failure = mutate(next)) return failure;
    next.seq = state.seq + 1;
    state = std::move(next);
    return std::nullopt;
}

// After the current item was removed, skipped or marked no-show while waiting: the next
// playable item becomes current (else the previous one, else none).
void repoint(StageState& state, std::size_t lost_index) {
    auto target = state.agenda.next_playable(lost_index);
    if (!target) target = state.agenda.previous_playable(lost_index);
    load(state, target);
}

bool is_break(const AgendaItem& item) {
    return item.kind == ItemKind::break_slot;
}

// True for a changeover that has not run and is not the current item: one that may be skipped.
bool waiting_break(const StageState& state, const AgendaItem& item) {
    return is_break(item) && !item.actual.start && state.timer.item_id != item.id;
}

// A no-show between two breaks would leave them back to back: the later one, or the shorter
// one when only it may still be skipped (a changeover next to a lunch break), is skipped too.
void merge_breaks_around(StageState& state, std::size_t index) {
    auto before = state.agenda.previous_playable(index);
    auto after = state.agenda.next_playable(index);
    if (!before || !after) return;
    AgendaItem& first = state.agenda.items[*before];
    AgendaItem& second = state.agenda.items[*after];
    if (!is_break(first) || !is_break(second)) return;
    bool first_waits = waiting_break(state, first);
    if (waiting_break(state, second) && (!first_waits || second.duration_ms <= first.duration_ms))
        second.skipped = true;
    else if (first_waits)
        first.skipped = true;
}

// Undoes merge_breaks_around when the speaker comes after all: a skipped break right next to
// the item returns unless it would now meet another break.
void restore_break_next_to(StageState& state, std::size_t index) {
    auto& items = state.agenda.items;
    if (index + 1 < items.size()) {
        AgendaItem& after = items[index + 1];
        auto beyond = state.agenda.next_playable(index + 1);
        if (after.skipped && waiting_break(state, after) && !(beyond && is_break(items[*beyond]))) {
            after.skipped = false;
            return;
        }
    }
    if (index > 0) {
        AgendaItem& before = items[index - 1];
        auto beyond = state.agenda.previous_playable(index - 1);
        if (before.skipped && waiting_break(state, before) && !(beyond && is_break(items[*beyond])))
            before.skipped = false;
    }
}

std::optional<Failure> set_flag(StageState& state, std::string_view item_id, bool value,
                                bool AgendaItem::*flag) {
    return transact(state, [&](StageState& next) -> std::optional<Failure> {
        auto index = next.agenda.index_of(item_id);
        if (!index) return not_found("no agenda item '" + std::string(item_id) + "'");
        AgendaItem& item = next.agenda.items[*index];
        bool is_current = next.timer.item_id == item.id;
        if (value && is_current && item_in_progress(next.timer))
            return conflict("'" + item.title + "' is on now; stop it first");
        bool was_playable = item.playable();
        item.*flag = value;
        if (!is_break(item) && was_playable && !item.playable()) merge_breaks_around(next, *index);
        if (!is_break(item) && !was_playable && item.playable())
            restore_break_next_to(next, *index);
        if (is_current && next.timer.phase == TimerPhase::idle && !item.playable())
            repoint(next, *index);
        if (!next.timer.item_id && next.timer.phase == TimerPhase::idle)
            load(next, next.agenda.next_playable(std::nullopt));
        return std::nullopt;
    });
}

// The first playable item from index on that is not a break.
std::optional<std::size_t> skip_breaks(const Agenda& agenda, std::optional<std::size_t> index) {
    while (index && is_break(agenda.items[*index]))
        index = agenda.next_playable(index);
    return index;
}

// The changeover that travels with the item at index when it is swapped forward to `front`:
// a waiting break of its block right after it, else (the block's last pitch) right before it.
std::optional<std::size_t> changeover_of(const StageState& state, std::size_t index,
                                         std::size_t front) {
    const auto& items = state.agenda.items;
    auto fits = [&](std::size_t i) {
        return items[i].block == items[index].block && items[i].playable() &&
               waiting_break(state, items[i]);
    };
    if (index + 1 < items.size() && fits(index + 1)) return index + 1;
    if (index > front + 1 && fits(index - 1)) return index - 1;
    return std::nullopt;
}

} // namespace

std::optional<Failure> apply_timer(StageState& state, const TimerCommand& command,
                                   std::int64_t now) {
    return transact(state, [&](StageState& next) -> std::optional<Failure> {
        if (auto failure = apply_action(next, command, now)) return failure;
        settle_impl(next, now);
        return std::nullopt;
    });
}

bool settle(StageState& state, std::int64_t now) {
    if (!settle_impl(state, now)) return false;
    ++state.seq;
    return true;
}

std::optional<std::int64_t> deadline(const StageState& state) {
    if (state.timer.phase == TimerPhase::running) return state.timer.ends_at;
    return std::nullopt;
}

std::optional<Failure> replace_agenda(StageState& state, Agenda agenda) {
    if (item_in_progress(state.timer))
        return conflict("the timer is running; stop it before replacing the agenda");
    if (auto failure = validate_agenda(agenda)) return failure;
    return transact(state, [&](StageState& next) -> std::optional<Failure> {
        next.agenda = std::move(agenda);
        load(next, next.agenda.next_playable(std::nullopt));
        return std::nullopt;
    });
}

std::optional<Failure> add_item(StageState& state, AgendaItem item,
                                const std::optional<std::string>& after) {
    return transact(state, [&](StageState& next) -> std::optional<Failure> {
        if (next.agenda.items.size() >= kMaxItems)
            return conflict("the agenda is full (" + std::to_string(kMaxItems) + " items)");
        if (auto failure = validate_item(item)) return failure;
        if (next.agenda.index_of(item.id))
            return invalid("id", "item id '" + item.id + "' is already in use");
        auto position = next.agenda.items.end();
        if (after) {
            auto index = next.agenda.index_of(*after);
            if (!index) return not_found("no agenda item '" + *after + "'");
            position = next.agenda.items.begin() + static_cast<std::ptrdiff_t>(*index + 1);
        }
        next.agenda.items.insert(position, std::move(item));
        if (!next.timer.item_id && next.timer.phase == TimerPhase::idle)
            load(next, next.agenda.next_playable(std::nullopt));
        return std::nullopt;
    });
}

std::optional<Failure> update_item(StageState& state, std::string_view item_id,
                                   const ItemChanges& changes, std::int64_t now) {
    return transact(state, [&](StageState& next) -> std::optional<Failure> {
        AgendaItem* item = next.agenda.find(item_id);
        if (!item) return not_found("no agenda item '" + std::string(item_id) + "'");
        AgendaItem changed;
        if (auto failure = apply_changes(*item, changes, changed)) return failure;
        std::int64_t delta = changed.duration_ms - item->duration_ms;
        *item = std::move(changed);
        TimerState& timer = next.timer;
        if (timer.item_id == item->id && delta != 0) {
            // The current item keeps what it has used; only its end moves.
            if (timing(timer))
                *timer.ends_at += delta;
            else if (timer.phase == TimerPhase::idle || timer.phase == TimerPhase::paused)
                timer.remaining_ms = timer.remaining_ms.value_or(0) + delta;
            if (timing(timer) && *timer.ends_at > now) timer.phase = TimerPhase::running;
        }
        if (timer.item_id == item->id) hand_over_if_past_zero(next, now);
        settle_impl(next, now);
        return std::nullopt;
    });
}

std::optional<Failure> remove_item(StageState& state, std::string_view item_id) {
    return transact(state, [&](StageState& next) -> std::optional<Failure> {
        auto index = next.agenda.index_of(item_id);
        if (!index) return not_found("no agenda item '" + std::string(item_id) + "'");
        bool is_current = next.timer.item_id == std::string(item_id);
        if (is_current && item_in_progress(next.timer))
            return conflict("'" + next.agenda.items[*index].title + "' is on now; stop it first");
        next.agenda.items.erase(next.agenda.items.begin() + static_cast<std::ptrdiff_t>(*index));
        if (is_current) {
            // The items after it moved up by one: the next playable is now at *index.
            auto target =
                next.agenda.next_playable(*index == 0 ? std::nullopt : std::optional(*index - 1));
            if (!target) target = next.agenda.previous_playable(*index);
            load(next, target);
        }
        return std::nullopt;
    });
}

std::optional<Failure> move_item(StageState& state, std::string_view item_id,
                                 const std::optional<std::string>& before) {
    return transact(state, [&](StageState& next) -> std::optional<Failure> {
        auto index = next.agenda.index_of(item_id);
        if (!index) return not_found("no agenda item '" + std::string(item_id) + "'");
        if (before && *before == item_id)
            return invalid("before", "an item cannot move before itself");
        if (before && !next.agenda.index_of(*before))
            return not_found("no agenda item '" + *before + "'");
        AgendaItem item = std::move(next.agenda.items[*index]);
        next.agenda.items.erase(next.agenda.items.begin() + static_cast<std::ptrdiff_t>(*index));
        auto position = next.agenda.items.end();
        if (before)
            position = next.agenda.items.begin() +
                       static_cast<std::ptrdiff_t>(*next.agenda.index_of(*before));
        next.agenda.items.insert(position, std::move(item));
        return std::nullopt;
    });
}

std::optional<Failure> set_skipped(StageState& state, std::string_view item_id, bool skipped) {
    return set_flag(state, item_id, skipped, &AgendaItem::skipped);
}

std::optional<Failure> set_no_show(StageState& state, std::string_view item_id, bool no_show) {
    return set_flag(state, item_id, no_show, &AgendaItem::no_show);
}

std::optional<std::size_t> upcoming_index(const StageState& state) {
    auto index = current_index(state);
    if (index && state.timer.phase == TimerPhase::idle && state.agenda.items[*index].playable())
        return index;
    return state.agenda.next_playable(index);
}

std::optional<std::size_t> next_speaker_index(const StageState& state) {
    return skip_breaks(state.agenda, upcoming_index(state));
}

std::optional<Failure> swap_next(StageState& state, const SpeakerLookup& speakers) {
    return transact(state, [&](StageState& next) -> std::optional<Failure> {
        auto upcoming = next_speaker_index(next);
        if (!upcoming) return conflict("there is no next item");
        auto is_present = [&](const AgendaItem& item) {
            if (!item.speaker_id) return false;
            auto speaker = speakers ? speakers(*item.speaker_id) : std::nullopt;
            return speaker && speaker->present;
        };
        auto& items = next.agenda.items;
        const AgendaItem& waiting = items[*upcoming];
        if (!waiting.speaker_id) return conflict("the next item has no speaker");
        if (is_present(waiting)) return conflict("the next speaker is present");
        std::optional<std::size_t> found;
        for (std::size_t i = *upcoming + 1; i < items.size() && !found; ++i) {
            const AgendaItem& candidate = items[i];
            if (candidate.block == waiting.block && candidate.playable() && !candidate.actual.end &&
                is_present(candidate))
                found = i;
        }
        if (!found) return conflict("no later speaker in this block is present");
        bool was_current = next.timer.item_id == waiting.id;
        std::vector<AgendaItem> moving{items[*found]};
        auto changeover = changeover_of(next, *found, *upcoming);
        if (changeover) moving.push_back(items[*changeover]);
        // Erase the later index first so the earlier one stays valid.
        auto erase_at = [&](std::size_t i) {
            items.erase(items.begin() + static_cast<std::ptrdiff_t>(i));
        };
        erase_at(changeover ? std::max(*found, *changeover) : *found);
        if (changeover) erase_at(std::min(*found, *changeover));
        items.insert(items.begin() + static_cast<std::ptrdiff_t>(*upcoming), moving.begin(),
                     moving.end());
        if (was_current) load(next, *upcoming);
        return std::nullopt;
    });
}

NextUndo undo_record(const StageState& before, const StageState& after) {
    return NextUndo{before.timer, before.agenda, after.seq};
}

std::optional<Failure> undo_next(StageState& state, const NextUndo& undo, std::int64_t now) {
    if (state.seq != undo.seq)
        return conflict("only the last Next can be undone, before anything else changes");
    return transact(state, [&](StageState& next) -> std::optional<Failure> {
        next.timer = undo.timer;
        next.agenda = undo.agenda;
        settle_impl(next, now);
        return std::nullopt;
    });
}

std::vector<std::size_t> queue_after_current(const StageState& state, std::size_t count) {
    std::vector<std::size_t> queue;
    auto index = current_index(state);
    for (auto i = state.agenda.next_playable(index); i && queue.size() < count;
         i = state.agenda.next_playable(*i))
        if (state.agenda.items[*i].kind != ItemKind::break_slot) queue.push_back(*i);
    return queue;
}

namespace {

ItemStatus item_status(const AgendaItem& item, bool is_current) {
    if (item.no_show) return ItemStatus::no_show;
    if (item.skipped) return ItemStatus::skipped;
    if (is_current) return ItemStatus::current;
    if (item.actual.end) return ItemStatus::done;
    return ItemStatus::pending;
}

// Projects the current item from the timer; returns where the time goes from now on.
std::int64_t project_current(const AgendaItem& item, const TimerState& timer, std::int64_t now,
                             ItemProjection& out) {
    std::int64_t cursor;
    if (timer.phase == TimerPhase::idle) {
        out.projected_start = now;
        cursor = now + std::max<std::int64_t>(0, remaining_at(timer, now));
    } else if (timer.phase == TimerPhase::stopped && !held_at_zero(timer)) {
        out.projected_start = item.actual.start;
        cursor = now;
    } else {
        out.projected_start = timer.started_at;
        cursor = now + std::max<std::int64_t>(0, remaining_at(timer, now));
    }
    out.projected_end = cursor;
    if (!item.playable()) out.projected_end = item.actual.end;
    return cursor;
}

// Status and start/end of every item: actual times up to the current item, then the items
// still to play back to back from the current one's projected end.
void project_items(const StageState& state, std::int64_t now, Projection& projection) {
    const auto& items = state.agenda.items;
    projection.items.resize(items.size());
    auto current = current_index(state);
    std::int64_t cursor = now;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const AgendaItem& item = items[i];
        ItemProjection& out = projection.items[i];
        bool is_current = current && i == *current;
        out.status = item_status(item, is_current);
        bool before_current = current ? i < *current : false;
        if (is_current) {
            cursor = project_current(item, state.timer, now, out);
        } else if (before_current || !item.playable() || (!current && item.actual.end)) {
            out.projected_start = item.playable() ? item.actual.start : std::nullopt;
            out.projected_end = item.playable() ? item.actual.end : std::nullopt;
        } else {
            out.projected_start = cursor;
            cursor += item.duration_ms;
            out.projected_end = cursor;
        }
    }
}

AgendaWarning make_warning(std::string item_id, std::string text, WarningKind kind) {
    AgendaWarning warning;
    warning.item_id = std::move(item_id);
    warning.text = std::move(text);
    warning.kind = kind;
    return warning;
}

// Each block's projected end (its latest playable item's), with a warning when it overruns
// the block's target.
void project_blocks(const StageState& state, Projection& projection) {
    const auto& items = state.agenda.items;
    for (const auto& name : state.agenda.block_names()) {
        BlockProjection block;
        block.name = name;
        block.target_end = state.agenda.block_target(name);
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (items[i].block != name || !items[i].playable()) continue;
            auto end = projection.items[i].projected_end;
            if (end && (!block.projected_end || *end > *block.projected_end))
                block.projected_end = end;
        }
        if (block.target_end && block.projected_end && *block.projected_end > *block.target_end) {
            std::string last_id;
            for (const auto& item : items)
                if (item.block == name) last_id = item.id;
            std::int64_t overrun = *block.projected_end - *block.target_end;
            projection.warnings.push_back(
                {last_id,
                 "Block '" + name + "' is projected to overrun by " + format_clock(overrun),
                 WarningKind::block_overrun, name, overrun});
        }
        projection.blocks.push_back(std::move(block));
    }
}

// Puts a warning first when the next item's speaker is unknown or not checked in.
void warn_about_next_speaker(const StageState& state, const SpeakerLookup& speakers,
                             Projection& projection) {
    auto upcoming = next_speaker_index(state);
    if (!upcoming) return;
    const AgendaItem& item = state.agenda.items[*upcoming];
    // Without an attendee directory there is nothing to warn about.
    if (!item.speaker_id || !speakers) return;
    auto speaker = speakers(*item.speaker_id);
    if (!speaker)
        projection.warnings.insert(
            projection.warnings.begin(),
            make_warning(item.id, "The speaker of '" + item.title + "' is not in the attendee list",
                         WarningKind::speaker_unknown));
    else if (!speaker->present)
        projection.warnings.insert(
            projection.warnings.begin(),
            make_warning(item.id, "Next speaker " + speaker->name + " is not checked in",
                         WarningKind::speaker_not_checked_in));
}

} // namespace

Projection project(const StageState& state, std::int64_t now, const SpeakerLookup& speakers) {
    Projection projection;
    project_items(state, now, projection);
    project_blocks(state, projection);
    warn_about_next_speaker(state, speakers, projection);
    return projection;
}

} // namespace stagedoor::domain
