// What the application needs from the network layer. Implemented by server/net with Beast;
// implemented by a recording fake in unit tests. No Beast or Asio types here.
#pragma once

#include "app/roles.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace stagedoor::app {

using ConnectionId = std::uint64_t;

// One serialised frame, shared by every connection it is sent to.
using Frame = std::shared_ptr<const std::string>;
inline Frame make_frame(std::string text) {
    return std::make_shared<const std::string>(std::move(text));
}

// A frame with a coalescing key replaces an unsent frame with the same key in a slow
// client's queue, so a lagging display gets the latest state instead of a backlog.
struct Outgoing {
    Frame frame;
    std::string_view coalesce_key; // empty: never replaced (replies, events)
    // Set by the network layer for broadcasts: pushes the client did not ask for are held to
    // the small queue bound; replies to its own requests only to the large one, so a kiosk
    // that sends a burst of queued scans is not dropped for reading its answers.
    bool unsolicited = false;
};

class Transport {
  public:
    virtual ~Transport() = default;
    // All of these are called on the event-loop thread, except post().
    // Once per connection, when its hello succeeds: from now on broadcasts to a set that holds
    // role reach it. The network layer keeps the role; it never asks the application for it.
    virtual void set_role(ConnectionId connection, Role role) = 0;
    virtual void send(ConnectionId connection, Outgoing message) = 0;
    // To every authenticated connection whose role is in roles.
    virtual void broadcast(RoleSet roles, Outgoing message) = 0;
    // Runs task on the event-loop thread. Safe from any thread.
    virtual void post(std::function<void()> task) = 0;
    // Sends a close frame after what is queued (1008 policy, 1002 protocol, 1001 going away).
    virtual void close(ConnectionId connection, int code, std::string reason) = 0;
};

// Wall clock in unix milliseconds; injected so the domain can be tested without sleeping.
using Clock = std::function<std::int64_t()>;
std::int64_t system_clock_ms();
double system_clock_ms_precise();

} // namespace stagedoor::app
