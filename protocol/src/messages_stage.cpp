#include "stagedoor/protocol/messages_stage.hpp"

namespace stagedoor::protocol {

std::string_view to_string(TimerAction action) {
    return name_in(kTimerActions, action);
}
std::optional<TimerAction> timer_action_from_string(std::string_view name) {
    return value_in<TimerAction>(kTimerActions, name);
}
std::string_view to_string(ItemKind kind) {
    return name_in(kItemKinds, kind);
}
std::optional<ItemKind> item_kind_from_string(std::string_view name) {
    return value_in<ItemKind>(kItemKinds, name);
}
std::string_view to_string(AtZero at_zero) {
    return name_in(kAtZero, at_zero);
}
std::optional<AtZero> at_zero_from_string(std::string_view name) {
    return value_in<AtZero>(kAtZero, name);
}
std::string_view to_string(TimerState state) {
    return name_in(kTimerStates, state);
}
std::optional<TimerState> timer_state_from_string(std::string_view name) {
    return value_in<TimerState>(kTimerStates, name);
}
std::string_view to_string(ItemStatus status) {
    return name_in(kItemStatuses, status);
}
std::optional<ItemStatus> item_status_from_string(std::string_view name) {
    return value_in<ItemStatus>(kItemStatuses, name);
}
std::string_view to_string(Tone tone) {
    return name_in(kTones, tone);
}
std::optional<Tone> tone_from_string(std::string_view name) {
    return value_in<Tone>(kTones, name);
}

bool ItemFields::empty() const {
    return !title && !kind && !speaker_id && !organisation && !duration_ms && !warn_ms &&
           !danger_ms && !at_zero && !block;
}

std::string_view TimerControl::item_problem(const TimerControl& m) {
    if (m.action == TimerAction::go_to && !m.item) return "is required for goto";
    if (m.item && m.action != TimerAction::go_to && m.action != TimerAction::start)
        return "is only allowed with start and goto";
    return {};
}

std::string_view TimerControl::ms_problem(const TimerControl& m) {
    if (m.action == TimerAction::add_time && !m.ms) return "is required for add_time";
    if (m.action == TimerAction::add_time && *m.ms == 0) return "must not be 0";
    if (m.ms && m.action != TimerAction::add_time) return "is only allowed with add_time";
    return {};
}

} // namespace stagedoor::protocol
