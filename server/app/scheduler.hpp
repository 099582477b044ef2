// Runs code at a wall-clock time on the event-loop thread (heartbeats, auto-advance at zero).
// Implemented by the network layer with Asio timers; by a manual fake in unit tests.
#pragma once

#include <cstdint>
#include <functional>

namespace stagedoor::app {

class Scheduler {
  public:
    using TimerId = std::uint64_t;
    virtual ~Scheduler() = default;
    // task runs once on the event loop at (or just after) unix_ms; a time in the past runs soon.
    virtual TimerId schedule_at(std::int64_t unix_ms, std::function<void()> task) = 0;
    // Cancelling an unknown or already-run timer does nothing.
    virtual void cancel(TimerId timer) = 0;
};

} // namespace stagedoor::app
