// The one stagedoor WebSocket client: connect, hello, request/reply by id, pushes, over ws:// or
// wss:// (and plain or TLS HTTP requests). Used by the native kiosk, the load swarm (bench) and
// the integration tests. Beast stays in client.cpp.
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

// The server presented a certificate other than the pinned one. what() names both fingerprints.
class CertificateMismatch : public ClientError {
  public:
    CertificateMismatch(std::string pinned, std::string presented);
    const std::string& pinned() const { return pinned_; }
    const std::string& presented() const { return presented_; }

  private:
    std::string pinned_;
    std::string presented_;
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

// Which certificate a TLS connection accepts. With a fingerprint, exactly that certificate (a
// venue server's self-signed one, pinned at pairing); with a CA file, a chain to a certificate in
// it that names the host; both set, both must hold. With neither, the system's CAs and the host
// name, unless accept_any: pairing accepts the certificate it sees and pins what
// HttpResult::fingerprint / Connection::peer_fingerprint report.
struct Trust {
    std::string fingerprint; // "sha256:AB:CD:..." (see normalize_fingerprint), or empty
    std::string ca_file;     // PEM file with the trusted certificate(s), or empty
    bool accept_any = false;
};

struct Endpoint {
    std::string host = "127.0.0.1"; // an IP address or a host name (resolved when connecting)
    std::uint16_t port = 0;
    std::string path = "/ws";
    bool tls = false; // wss:// or https://
    Trust trust = {}; // only used with tls
};

// ws://, wss://, http:// or https:// followed by HOST[:PORT][/PATH][#FRAGMENT]. HOST is a name,
// an IPv4 address or a bracketed IPv6 address; PORT defaults to 80 (443 with TLS); PATH defaults
// to "/ws" for ws(s) and "/" for http(s); the fragment is dropped (it never goes to a server).
// Throws ClientError naming what is wrong.
Endpoint parse_endpoint(std::string_view url);

// "sha256:" and 32 bytes as upper-case hex pairs joined by ':'. Accepts that with or without the
// "sha256:" prefix, in any case, with or without the colons (`stagedoor serve` prints the bare
// pairs); throws ClientError for anything else.
std::string normalize_fingerprint(std::string_view text);

class Connection {
  public:
    // Connects (TLS first for endpoint.tls) and completes the WebSocket handshake; throws
    // ClientError on failure/timeout, CertificateMismatch when a pinned certificate differs.
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
    // The fingerprint of the certificate the server presented ("sha256:..."); "" without TLS.
    const std::string& peer_fingerprint() const;

    struct Impl;

  private:
    explicit Connection(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

// One HTTP/1.1 request (https:// with endpoint.tls, trusted as for Connection::open), for
// pairing, tests and tools. Returns status and body; throws ClientError when the server cannot
// be reached or answers nothing within the timeout, CertificateMismatch as open() does.
struct HttpResult {
    int status = 0;
    std::string body;
    std::string content_type;
    std::string fingerprint; // the server's certificate ("sha256:..."), "" without TLS
};
HttpResult http_request(const Endpoint& endpoint, std::string_view method, std::string_view target,
                        std::string_view body = {}, std::string_view bearer_key = {},
                        Millis timeout = 5s);

} // namespace stagedoor::client
