// The one stagedoor WebSocket client: connect, hello, request/reply by id, pushes. Used by the
// native kiosk, the load swarm (bench) and the integration tests. Beast stays in client.cpp.
//
// Threading: a ClientContext runs one I/O thread for any number of connections. Callbacks run
// on that thread. The blocking helpers (receive, request, wait_for) may be called from any
// other thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stagedoor::client {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

class ClientError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class ClientContext {
  public:
    ClientContext();
    ~ClientContext();
    ClientContext(const ClientContext&) = delete;
    ClientContext& operator=(const ClientContext&) = delete;
    struct Impl;
    Impl& impl() { return *impl_; }

  private:
    std::unique_ptr<Impl> impl_;
};

struct Endpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string path = "/ws";
};

class Connection {
  public:
    // Connects and completes the WebSocket handshake; throws ClientError on failure/timeout.
    static std::shared_ptr<Connection> open(ClientContext& context, const Endpoint& endpoint,
                                            Millis timeout = 5s);
    ~Connection();

    // Sends a text frame as is (tests use this for malformed input).
    void send_text(std::string text);
    void send_binary(std::string bytes);
    // Sends a request with the next id (or the one it carries) and returns that id.
    std::int64_t send_request(nlohmann::json message);

    // Next frame not yet taken (pushes and replies in arrival order); nullopt on timeout or close.
    std::optional<nlohmann::json> receive(Millis timeout = 5s);
    // Sends a request and waits for the frame whose "re" is its id; frames before it stay queued
    // for receive()/wait_for(). Throws ClientError on timeout or close.
    nlohmann::json request(nlohmann::json message, Millis timeout = 5s);
    // First queued or arriving frame of this type (others stay queued); nullopt on timeout.
    std::optional<nlohmann::json> wait_for(std::string_view type, Millis timeout = 5s);
    // hello with role and a role key, or a paired device's token ("sdd_..."); returns the reply
    // (welcome or error).
    nlohmann::json hello(std::string_view role, std::string_view key,
                         std::string_view device = "test");

    // Asynchronous request for load generation: the callback runs on the I/O thread with the
    // reply. Frames answered this way are not queued.
    void request_async(nlohmann::json message, std::function<void(const nlohmann::json&)> on_reply);

    // Stops reading from the socket (the server then sees a slow client), and starts again.
    void pause_reading();
    void resume_reading();
    // Sees every incoming frame first, on the I/O thread, before it is parsed; returning true
    // consumes it (no parse, no queue, no callback). For load tools that time or count pushes
    // without the cost of queueing them. Takes effect before any frame of a later request.
    void on_frame(std::function<bool(std::string_view frame)> hook);

    // Close code the server sent (or 1006 for an abnormal close), once closed.
    std::optional<int> wait_closed(Millis timeout = 5s);
    bool is_open() const;
    void close(int code = 1000);

    struct Impl;

  private:
    explicit Connection(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

// Plain HTTP/1.1 GET or POST on loopback, for tests and tools. Returns status and body.
struct HttpResult {
    int status = 0;
    std::string body;
    std::string content_type;
};
HttpResult http_request(const Endpoint& endpoint, std::string_view method, std::string_view target,
                        std::string_view body = {}, std::string_view bearer_key = {},
                        Millis timeout = 5s);

} // namespace stagedoor::client
