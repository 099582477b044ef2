// The session layer in front of the router: a connection's life from open to close. It
// authenticates with hello (closing connections that do not say it in time), answers ping,
// enforces the envelope and per-connection rate limits, and hands every other request to the
// router. Runs on the event-loop thread only; the network layer calls it with text frames and
// HTTP requests and is told a connection's role once, at hello.
#pragma once

#include "app/module.hpp"
#include "app/router.hpp"
#include "app/scheduler.hpp"
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
    Dispatcher(storage::EventConfig event, RoleKeys keys, Transport& transport,
               Scheduler& scheduler, Clock clock);

    // Registers the module's routes now; modules are not owned and outlive the dispatcher's use.
    void add_module(Module* module);
    void start_modules();
    void stop_modules();
    Router& router() { return router_; }

    void on_open(ConnectionId connection);
    // receive_time_ms: server clock when the frame was read (pong t1).
    void on_text(ConnectionId connection, std::string_view text, double receive_time_ms);
    void on_binary(ConnectionId connection);
    void on_close(ConnectionId connection);

    // Answers through respond, exactly once, now or after a commit.
    void handle_http(HttpRequest request, std::string_view authorization_header,
                     Router::HttpRespond respond);
    // Decides on a request from its head alone, before its body is read: the route's body
    // limit, or the response that refuses it (an invalid key 401, then as Router::admit_http).
    std::variant<std::uint64_t, HttpResponse> admit_http(HttpRequest& request,
                                                         std::string_view authorization_header);

    std::array<std::size_t, 4> clients_by_role() const;

    // Frames per second a connection may send, with a burst allowance.
    static constexpr double kRatePerSecond = 2000;
    static constexpr double kBurst = 4000;
    // A connection that has not said hello by then is closed (1008 "hello timeout").
    static constexpr std::int64_t kHelloTimeoutMs = 10'000;

  private:
    struct ConnectionState {
        bool authenticated = false;
        Connection info;
        double tokens = 0; // rate limit bucket
        std::int64_t refilled_at = 0;
        Scheduler::TimerId hello_timer = 0;
    };
    void handle_hello(ConnectionState& state, const protocol::Envelope& envelope);
    void handle_ping(ConnectionState& state, const protocol::Envelope& envelope,
                     double receive_time_ms);
    bool take_token(ConnectionState& state);
    // Sets request.role from the bearer key (or ?key=); a key that is not valid gets 401.
    std::optional<HttpResponse> authenticate(HttpRequest& request,
                                             std::string_view authorization_header) const;
    // {"status":"ok"} for anyone; with a role key also the version, uptime, event, clients by
    // role and the refusal count.
    HttpResponse health(const HttpRequest& request) const;

    storage::EventConfig event_;
    RoleKeys keys_;
    Transport& transport_;
    Scheduler& scheduler_;
    Clock clock_;
    Replier reply_;
    Router router_;
    std::vector<Module*> modules_;
    std::unordered_map<ConnectionId, ConnectionState> connections_;
    std::int64_t started_at_;
};

} // namespace stagedoor::app
