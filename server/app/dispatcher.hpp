// The session layer in front of the router: a connection's life from open to close. It
// authenticates with hello (closing connections that do not say it in time), answers ping,
// enforces the envelope and per-connection rate limits, and hands every other request to the
// router. Runs on the event-loop thread only; the network layer calls it with text frames and
// HTTP requests and is told a connection's role once, at hello.
#pragma once

#include "app/download_tokens.hpp"
#include "app/module.hpp"
#include "app/router.hpp"
#include "app/scheduler.hpp"
#include "storage/data_dir.hpp"

#include <array>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace stagedoor::app {

struct RoleKeys {
    std::array<std::string, 4> keys; // indexed by Role
    static RoleKeys load(const storage::DataDir& dir);
    std::optional<Role> role_for(std::string_view key) const;
};

// Checks device tokens (hello.token, "Authorization: Bearer sdd_..."): the DevicesModule.
class DeviceAuthority {
  public:
    struct Device {
        std::int64_t id = 0;
        std::string name;
        Role role = Role::door;
    };
    virtual ~DeviceAuthority() = default;
    // The device token belongs to, or why it is refused: "this device was removed" (revoked) or
    // "unknown device token".
    virtual std::variant<Device, std::string> device_for_token(std::string_view token) = 0;
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

    // address: the peer's IP address as text (kept on the connection for logs and devices).
    void on_open(ConnectionId connection, std::string address = {});
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

    // Device tokens are checked by authority from now on (null: every token is unknown).
    void set_device_authority(DeviceAuthority* authority) { devices_ = authority; }
    const RoleKeys& keys() const { return keys_; }
    // Uses keys from now on and closes the role-key connections of each role whose key changed
    // (1008 "key rotated"). Paired devices are not affected.
    void replace_keys(RoleKeys keys);
    // Closes every connection of a paired device (1008 reason).
    void close_device(std::int64_t device_id, std::string_view reason);
    // The connections of a paired device carry its new name from now on.
    void rename_device(std::int64_t device_id, std::string_view name);

    // What a connection may send: frames and bytes per second, each with a burst. Charged when
    // a frame is read, before it is parsed; over budget is answered rate_limited unparsed.
    struct Budget {
        double frames_per_second;
        double frame_burst;
        double bytes_per_second;
        double byte_burst;
    };
    // Before hello nobody is known: enough for hello and a few pings.
    static constexpr Budget kBeforeHello{10, 20, 16 * 1024, 64 * 1024};
    // The budget of each role (indexed by Role): a door sustains the check-in benchmark (~700
    // scans/s per connection) with room for offline queues; a stage display needs pings and a
    // sync_report every 10 s; a moderator a few controls per second, with a burst for a queue
    // of edits sent at once.
    static constexpr std::array<Budget, 4> kRoleBudgets{{
        {2000, 4000, 1024 * 1024, 2 * 1024 * 1024},     // door
        {10, 50, 16 * 1024, 64 * 1024},                 // stage
        {20, 1000, 64 * 1024, 256 * 1024},              // moderator
        {2000, 4000, 2 * 1024 * 1024, 4 * 1024 * 1024}, // organiser
    }};
    // A lookup searches the roster; it costs this many frames of the budget.
    static constexpr double kLookupWeight = 10;
    // A connection that has not said hello by then is closed (1008 "hello timeout").
    static constexpr std::int64_t kHelloTimeoutMs = 10'000;

  private:
    struct ConnectionState {
        bool authenticated = false;
        Connection info;
        Budget budget = kBeforeHello;
        double frames = 0; // what is left of the budget
        double bytes = 0;
        std::int64_t refilled_at = 0;
        Scheduler::TimerId hello_timer = 0;
        bool closing = false; // closed by the server: frames still arriving are dropped
    };
    // Who a hello's credential (role key or device token) says the client is.
    struct Identity {
        Role role = Role::door;
        std::int64_t device_id = 0;
        std::string device;
    };
    // The identity of hello, or nullopt after refusing it (answered, connection closed).
    std::optional<Identity> identify(ConnectionState& state, const protocol::Hello& hello);
    // Closes with 1008 reason; nothing more from the connection is handled.
    void close_policy(ConnectionState& state, std::string_view reason);
    void handle_hello(ConnectionState& state, const protocol::Envelope& envelope);
    void handle_ping(ConnectionState& state, const protocol::Envelope& envelope,
                     double receive_time_ms);
    // Takes frames and bytes from the connection's budget; false (nothing taken) when over it.
    bool charge(ConnectionState& state, double frames, std::size_t bytes);
    void refuse_rate_limited(ConnectionState& state, std::optional<std::int64_t> re);
    // Sets request.role (and the device) from the bearer role key or device token, or a download
    // token (?dl=); a key that is not valid, a key in the URL (?key=) or a spent download token
    // gets 401. spend_download: this is the request itself (not the look at its head), so a GET
    // spends its download token.
    std::optional<HttpResponse>
    authenticate(HttpRequest& request, std::string_view authorization_header, bool spend_download);
    // The role of request's ?dl= token (see DownloadTokens::redeem), or the 401 that refuses it.
    std::optional<HttpResponse> authenticate_download(HttpRequest& request, bool spend);
    // POST /api/downloads {"path":"/api/report.csv"}: a download token for one GET of a path
    // the caller may GET, as {"url":"/api/report.csv?dl=TOKEN","expires_in_s":60}.
    HttpResponse issue_download(const HttpRequest& request);
    // {"status":"ok"} for anyone; with a role key also the version, uptime, event, clients by
    // role and the refusal count.
    HttpResponse health(const HttpRequest& request) const;

    storage::EventConfig event_;
    RoleKeys keys_;
    DeviceAuthority* devices_ = nullptr;
    Transport& transport_;
    Scheduler& scheduler_;
    Clock clock_;
    Replier reply_;
    Router router_;
    DownloadTokens downloads_;
    std::vector<Module*> modules_;
    std::unordered_map<ConnectionId, ConnectionState> connections_;
    std::int64_t started_at_;
};

} // namespace stagedoor::app
