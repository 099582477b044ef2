// A module owns one area of the protocol (attendance, stage): it registers its message
// handlers and HTTP routes on the router and keeps its state on the event-loop thread.
#pragma once

#include "app/transport.hpp"
#include "stagedoor/protocol/codec.hpp"

#include <map>
#include <optional>
#include <string>

namespace stagedoor::app {

class Router;

// An authenticated connection as hello established it.
struct Connection {
    ConnectionId id = 0;
    Role role = Role::door;
    // The display name: for a paired device the name the organiser gave it (server side), for a
    // role key the name the client claimed in hello.
    std::string device;
    // The paired device this connection authenticated as; 0 when it used a role key.
    std::int64_t device_id = 0;
    std::string address{}; // the peer's IP address as text; empty when unknown
    std::string app{};     // the client's version text from hello (optional there)
};

struct HttpRequest {
    std::string method; // "GET", "HEAD", "POST"
    std::string path;   // without the query string
    std::map<std::string, std::string> query;
    std::string body;
    std::optional<Role> role;            // from "Authorization: Bearer KEY" or ?key=KEY, when valid
    std::optional<std::int64_t> path_id; // the route's "{id}", when it has one
    // Set by authentication: the paired device (0 for a role key or no credential) and its name
    // ("(role key)" for a role key).
    std::int64_t device_id = 0;
    std::string device{};
    std::string address{}; // the peer's IP address as text; empty when unknown
    // "scheme://host[:port]" as the client reached the server (from the Host header), for
    // links it is given; empty when unknown.
    std::string base_url{};
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::map<std::string, std::string> headers; // extra headers, e.g. Content-Disposition
};

HttpResponse json_error_response(int status, protocol::ErrorCode code, std::string message);

class Module {
  public:
    virtual ~Module() = default;
    // Once, before start: the module's message handlers and HTTP routes.
    virtual void register_routes(Router& router) = 0;
    // Once, on the event-loop thread, after storage is open and before the first connection.
    virtual void start() {}
    // After a successful hello and the welcome: send this connection its snapshots.
    virtual void on_welcome(const Connection& connection) { (void)connection; }
    virtual void on_disconnect(const Connection& connection) { (void)connection; }
    // Called before shutdown, on the event-loop thread.
    virtual void stop() {}
};

// Helpers every module uses to answer requests.
class Replier {
  public:
    explicit Replier(Transport& transport)
        : transport_(transport) {}
    void ok(ConnectionId connection, std::int64_t re);
    void error(ConnectionId connection, std::optional<std::int64_t> re, protocol::ErrorCode code,
               std::string message, std::string field = {});
    void error(ConnectionId connection, std::optional<std::int64_t> re,
               const protocol::Error& error);
    template <class M> void send(ConnectionId connection, const M& message) {
        transport_.send(connection, {make_frame(protocol::serialize(message)), {}});
    }

  private:
    Transport& transport_;
};

} // namespace stagedoor::app
