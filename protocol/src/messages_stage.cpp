#include "stagedoor/protocol/messages_stage.hpp"

namespace stagedoor::protocol {

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
