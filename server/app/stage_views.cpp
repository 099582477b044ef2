#include "app/stage_views.hpp"

namespace stagedoor::app {

namespace d = domain;

std::string fallback_name(std::int64_t attendee_id) {
    return "Attendee #" + std::to_string(attendee_id);
}

// Protocol fields -> domain changes (the protocol already checked the enumerations).
d::ItemChanges to_changes(const protocol::ItemFields& fields) {
    d::ItemChanges changes;
    changes.title = fields.title;
    if (fields.kind) changes.kind = same_name(*fields.kind, d::item_kind_from_string);
    changes.speaker_id = fields.speaker_id;
    changes.organisation = fields.organisation;
    changes.duration_ms = fields.duration_ms;
    changes.warn_ms = fields.warn_ms;
    changes.danger_ms = fields.danger_ms;
    if (fields.at_zero) changes.at_zero = same_name(*fields.at_zero, d::at_zero_from_string);
    changes.block = fields.block;
    return changes;
}

protocol::TimerMessage timer_message(const d::StageState& state, std::int64_t now,
                                     const d::SpeakerLookup& speakers) {
    protocol::TimerMessage message;
    message.seq = static_cast<std::int64_t>(state.seq);
    message.state = same_name(state.timer.phase, protocol::timer_state_from_string);
    message.server_time = now;
    message.started_at = state.timer.started_at;
    message.added_ms = state.timer.added_ms;
    bool timing =
        state.timer.phase == d::TimerPhase::running || state.timer.phase == d::TimerPhase::overtime;
    if (timing)
        message.ends_at = state.timer.ends_at;
    else
        message.remaining_ms = state.timer.remaining_ms.value_or(0);

    auto index = state.timer.item_id ? state.agenda.index_of(*state.timer.item_id) : std::nullopt;
    if (!index) return message;
    const d::AgendaItem& item = state.agenda.items[*index];
    protocol::TimerItem out;
    out.id = item.id;
    out.title = item.title;
    out.kind = same_name(item.kind, protocol::item_kind_from_string);
    out.organisation = item.organisation;
    if (item.speaker_id) {
        auto speaker = speakers ? speakers(*item.speaker_id) : std::nullopt;
        out.speaker =
            speaker ? protocol::SpeakerRef{speaker->id, speaker->name, speaker->organisation}
                    : protocol::SpeakerRef{*item.speaker_id, fallback_name(*item.speaker_id), ""};
    }
    message.item = std::move(out);
    message.duration_ms = item.duration_ms;
    message.warn_ms = item.warn_ms;
    message.danger_ms = item.danger_ms;
    message.at_zero = same_name(item.at_zero, protocol::at_zero_from_string);
    if (auto next = state.agenda.next_playable(index)) {
        const d::AgendaItem& following = state.agenda.items[*next];
        std::optional<std::string> name;
        if (following.speaker_id) {
            auto speaker = speakers ? speakers(*following.speaker_id) : std::nullopt;
            name = speaker ? speaker->name : fallback_name(*following.speaker_id);
        }
        message.next = protocol::TimerNext{following.id, following.title, name};
    }
    if (!item.block.empty()) {
        auto projection = d::project(state, now, {});
        for (const auto& block : projection.blocks)
            if (block.name == item.block)
                message.block =
                    protocol::TimerBlock{block.name, block.target_end, block.projected_end};
    }
    return message;
}

protocol::AgendaMessage agenda_message(const d::StageState& state, std::int64_t now,
                                       const d::SpeakerLookup& speakers) {
    auto projection = d::project(state, now, speakers);
    protocol::AgendaMessage message;
    message.seq = static_cast<std::int64_t>(state.seq);
    message.current = state.timer.item_id;
    for (std::size_t i = 0; i < state.agenda.items.size(); ++i) {
        const d::AgendaItem& item = state.agenda.items[i];
        protocol::AgendaEntry entry;
        entry.id = item.id;
        entry.title = item.title;
        entry.kind = same_name(item.kind, protocol::item_kind_from_string);
        if (item.speaker_id) {
            auto speaker = speakers ? speakers(*item.speaker_id) : std::nullopt;
            entry.speaker =
                speaker ? protocol::AgendaSpeaker{speaker->id, speaker->name, speaker->organisation,
                                                  speaker->present, speaker->arrived_at}
                        : protocol::AgendaSpeaker{*item.speaker_id, fallback_name(*item.speaker_id),
                                                  "", false, std::nullopt};
        }
        entry.organisation = item.organisation;
        entry.duration_ms = item.duration_ms;
        entry.warn_ms = item.warn_ms;
        entry.danger_ms = item.danger_ms;
        entry.at_zero = same_name(item.at_zero, protocol::at_zero_from_string);
        if (!item.block.empty()) entry.block = item.block;
        entry.status = same_name(projection.items[i].status, protocol::item_status_from_string);
        entry.actual_start = item.actual.start;
        entry.actual_end = item.actual.end;
        entry.added_ms = item.actual.added_ms;
        entry.projected_start = projection.items[i].projected_start;
        message.items.push_back(std::move(entry));
    }
    for (const auto& block : projection.blocks)
        message.blocks.push_back({block.name, block.target_end, block.projected_end});
    for (const auto& warning : projection.warnings) {
        protocol::AgendaWarningEntry entry;
        entry.item_id = warning.item_id;
        entry.text = warning.text;
        entry.kind = same_name(warning.kind, protocol::agenda_warning_kind_from_string);
        if (warning.kind == d::WarningKind::block_overrun) {
            entry.block = warning.block;
            entry.overrun_ms = warning.overrun_ms;
        }
        message.warnings.push_back(std::move(entry));
    }
    return message;
}

protocol::StageScreen screen_message(const d::ScreenState& screen) {
    protocol::StageScreen message;
    if (screen.message)
        message.message = protocol::StageText{
            screen.message->text, same_name(screen.message->tone, protocol::tone_from_string),
            screen.message->flash, screen.message->at};
    message.blackout = screen.blackout;
    return message;
}

} // namespace stagedoor::app
