// The stage in protocol terms: pure functions from the domain's stage state to the messages
// displays and moderators get, and from request fields to domain changes. No state, no I/O.
#pragma once

#include "domain/timer.hpp"
#include "stagedoor/protocol/messages_stage.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stagedoor::app {

// The domain and the protocol name their enumerations alike (the wire names): maps by name.
template <class To, class From>
To same_name(From value, std::optional<To> (*from_string)(std::string_view)) {
    return *from_string(to_string(value));
}

// How a speaker whom the roster does not know (any more) is shown: "Attendee #12".
std::string fallback_name(std::int64_t attendee_id);

// Agenda item fields of a request -> the domain's changes (the protocol checked the values).
domain::ItemChanges to_changes(const protocol::ItemFields& fields);

// The `timer` push: the anchors displays count from, at server time now.
protocol::TimerMessage timer_message(const domain::StageState& state, std::int64_t now,
                                     const domain::SpeakerLookup& speakers);
// The `agenda` push: items with presence, projections, blocks and warnings.
protocol::AgendaMessage agenda_message(const domain::StageState& state, std::int64_t now,
                                       const domain::SpeakerLookup& speakers);
// The `stage` push: the speaker message and blackout.
protocol::StageScreen screen_message(const domain::ScreenState& screen);

} // namespace stagedoor::app
