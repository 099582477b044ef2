// Runs code at a wall-clock time on the event-loop thread. The stage module uses it for the
// timer heartbeat and for the exact moment an item reaches zero (auto-advance, hold at 0:00,
// overtime). Implemented by server/net with Asio timers; by a manual fake in unit tests.
#pragma once

#include <cstdint>
#include <functional>

namespace stagedoor::app {

class Scheduler {
  public:
    virtual ~Scheduler() = default;
    // Runs task on the event-loop thread once the wall clock reaches unix_ms (at once when
    // that time has passed). Returns a handle for cancel(); handles are never 0.
    virtual std::uint64_t schedule_at(std::int64_t unix_ms, std::function<void()> task) = 0;
    // Drops a task that has not run yet; unknown or finished handles are ignored.
    virtual void cancel(std::uint64_t handle) = 0;
};

} // namespace stagedoor::app
