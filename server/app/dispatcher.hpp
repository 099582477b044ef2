// The protocol front door: authenticates connections with hello, answers ping, enforces the
// envelope and per-connection rate limits, and hands messages to the modules. Runs on the
// event-loop thread only; the network layer calls it with text frames and HTTP requests.
#pragma once

#include "app/module.hpp"
#include "storage/data_dir.hpp"

#include <array>
#include <memory>
#include <unordered_map>
#include <vector>

namespace stagedoor::app {

struct RoleKeys {
    std::array<std::string, 4> keys; // indexed by Role
    static RoleKeys load(const storage::DataDir& dir);
    std::optional<Role> role_for(std::string_view key) const;
};

class Dispatcher {
  public:
    Dispatcher(storage::EventConfig event, RoleKeys keys, Transport& transport, Clock clock);

    void add_module(Module* module); // not owned; modules outlive the dispatcher's use
    void start_modules();
    void stop_modules();

    void on_open(ConnectionId connection);
    // receive_time_ms: server clock when the frame was read (pong t1).
    void on_text(ConnectionId connection, std::string_view text, double receive_time_ms);
    void on_binary(ConnectionId connection);
    void on_close(ConnectionId connection);

    HttpResponse handle_http(HttpRequest request, std::string_view authorization_header);

    struct ConnectionState {
        bool authenticated = false;
        Connection info;
        double tokens = 0; // rate limit bucket
        std::int64_t refilled_at = 0;
    };
    const ConnectionState* find(ConnectionId connection) const;
    std::array<std::size_t, 4> clients_by_role() const;
    std::int64_t started_at() const { return started_at_; }
    const storage::EventConfig& event() const { return event_; }

    // Frames per second a connection may send, with a burst allowance.
    static constexpr double kRatePerSecond = 2000;
    static constexpr double kBurst = 4000;

  private:
    void handle_hello(ConnectionState& state, const protocol::Envelope& envelope);
    void handle_ping(ConnectionId connection, const protocol::Envelope& envelope,
                     double receive_time_ms);
    bool take_token(ConnectionState& state);

    storage::EventConfig event_;
    RoleKeys keys_;
    Transport& transport_;
    Clock clock_;
    Replier reply_;
    std::vector<Module*> modules_;
    std::unordered_map<ConnectionId, ConnectionState> connections_;
    std::int64_t started_at_;
};

} // namespace stagedoor::app
