// Who is in the building, as the stage module needs it for the presence-aware pitch queue.
// Implemented by the attendance module.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace stagedoor::app {

struct SpeakerPresence {
    std::int64_t attendee_id = 0;
    std::string name;
    std::string organisation;
    bool present = false;                   // checked in and not checked out
    std::optional<std::int64_t> arrived_at; // first admission, unix ms
};

class PresenceDirectory {
  public:
    virtual ~PresenceDirectory() = default;
    virtual std::optional<SpeakerPresence> speaker(std::int64_t attendee_id) const = 0;
    // listener runs on the event loop after a committed change of an attendee's presence.
    virtual void subscribe(std::function<void(std::int64_t attendee_id)> listener) = 0;
};

} // namespace stagedoor::app
