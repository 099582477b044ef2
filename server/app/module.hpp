// A module owns one area of the protocol (attendance, stage). The dispatcher authenticates
// the connection, parses the envelope and offers each message to the modules in turn.
#pragma once

#include "app/transport.hpp"
#include "stagedoor/protocol/codec.hpp"

#include <map>
#include <optional>
#include <string>

namespace stagedoor::app {

struct Connection {
    ConnectionId id = 0;
    Role role = Role::door;
    std::string device;
};

struct HttpRequest {
    std::string method; // "GET", "POST"
    std::string path;   // without the query string
    std::map<std::string, std::string> query;
    std::string body;
    std::optional<Role> role; // from "Authorization: Bearer KEY" or ?key=KEY, when valid
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
    // Once, on the event-loop thread, after storage is open and before the first connection.
    virtual void start() {}
    // After a successful hello and the welcome: send this connection its snapshots.
    virtual void on_welcome(const Connection& connection) { (void)connection; }
    // Returns false when the message type is not this module's. When it returns true, the
    // module has replied (now or after a commit) to envelope.id.
    virtual bool handle(const Connection& connection, const protocol::Envelope& envelope) = 0;
    // A fast path for the busiest requests, tried before the frame is parsed into a JSON tree
    // (authenticated connections only). Returns true when the module recognised the frame from
    // its text and answered it exactly as handle() would have; it sets request_id as soon as
    // it knows it, so a failure can still be answered. Returns false to take the general path.
    virtual bool handle_text(const Connection& connection, std::string_view text,
                             std::optional<std::int64_t>& request_id) {
        (void)connection;
        (void)text;
        (void)request_id;
        return false;
    }
    virtual void on_disconnect(const Connection& connection) { (void)connection; }
    // HTTP routes under /api and friends; std::nullopt when the path is not this module's.
    virtual std::optional<HttpResponse> handle_http(const HttpRequest& request) {
        (void)request;
        return std::nullopt;
    }
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
