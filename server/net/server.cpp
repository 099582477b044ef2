// Beast server in the shape of Boost.Beast's chat-multi example (listener, http_session,
// websocket_session, shared state), with what it lacks for a venue: TLS detected on the first
// bytes, bounded per-client write queues with coalescing, TCP_NODELAY, timeouts, and a
// graceful shutdown with close frames and a deadline.
#include "net/server.hpp"

#include "app/dispatcher.hpp"
#include "app/log.hpp"
#include "app/static_files.hpp"
#include "net/limits.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <chrono>
#include <deque>
#include <unordered_map>

namespace stagedoor::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using app::ConnectionId;

namespace {

constexpr auto kHttpTimeout = std::chrono::seconds(30);
constexpr auto kHelloTimeout = std::chrono::seconds(10);
// A graceful shutdown delivers what is in flight for up to kFlushDeadline, then gives the
// close handshakes kCloseDeadline: a client that never reads cannot hold the exit past 5 s.
constexpr auto kFlushDeadline = std::chrono::seconds(3);
constexpr auto kCloseDeadline = std::chrono::seconds(1);
// A connection closed after an answer: what the peer still sends is read and dropped for so
// long and so much, so that the answer is not lost to a reset caused by unread bytes.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 256 * 1024;
using Slot = ConnectionLimits::Slot;

// Errors that are part of normal life (peers going away, our own cancellations) are not logged.
void fail(beast::error_code ec, const char* what) {
    if (ec == asio::error::operation_aborted || ec == websocket::error::closed ||
        ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == beast::error::timeout ||
        ec == ssl::error::stream_truncated || ec == asio::error::broken_pipe)
        return;
    app::log::info(std::string(what) + ": " + ec.message());
}

// A peer's IP address as text; an IPv4-mapped IPv6 address is shown as IPv4.
std::string display_address(const asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
}

// The peer address of a (possibly layered) TCP stream; empty when the peer is gone.
template <class Stream> std::string peer_address(Stream& stream) {
    beast::error_code ec;
    auto endpoint = beast::get_lowest_layer(stream).socket().remote_endpoint(ec);
    return ec ? std::string() : display_address(endpoint.address());
}

// The event loop outlives any one task: an exception that escapes a frame's handling, a timer
// or a write's completion is logged once, and the loop goes on serving everyone else. (Message
// and HTTP handlers have their own boundary in the router, which also answers the client.)
using app::run_guarded;

// A TCP stream whose WebSocket teardown (after a close frame, also the one Beast sends on a
// protocol error such as invalid UTF-8) drains what the peer still sends, at most kLingerBytes
// within kLingerTime, before closing. Beast's own teardown closes after one read of 2 KiB, and
// closing with unread bytes resets the connection, so a client that keeps sending lost the
// close frame (1007) and saw 1006.
class DrainingTcpStream : public beast::tcp_stream {
  public:
    explicit DrainingTcpStream(beast::tcp_stream&& stream)
        : beast::tcp_stream(std::move(stream)) {}
};

struct DrainThenClose {
    DrainingTcpStream& stream;
    std::unique_ptr<std::array<char, 4096>> buffer = std::make_unique<std::array<char, 4096>>();
    std::size_t drained = 0;
    bool started = false;

    template <class Self>
    void operator()(Self& self, beast::error_code ec = {}, std::size_t n = 0) {
        if (!started) {
            started = true;
            stream.socket().shutdown(tcp::socket::shutdown_send, ec);
            stream.expires_after(kLingerTime);
        } else {
            drained += n;
        }
        if (ec || drained >= kLingerBytes) {
            beast::error_code ignored;
            stream.socket().close(ignored);
            return self.complete(beast::error_code{}); // the close itself went as far as it could
        }
        stream.async_read_some(asio::buffer(*buffer), std::move(self));
    }
};

template <class TeardownHandler>
void async_teardown(beast::role_type, DrainingTcpStream& stream, TeardownHandler&& handler) {
    asio::async_compose<TeardownHandler, void(beast::error_code)>(DrainThenClose{stream}, handler,
                                                                  stream);
}

class WebSocketSessionBase {
  public:
    virtual ~WebSocketSessionBase() = default;
    virtual void enqueue(app::Outgoing message) = 0;
    virtual void close(int code, std::string reason) = 0;
    // Nothing waits to be written to this client.
    virtual bool flushed() const = 0;
};

} // namespace

// Shared state: the registry of live WebSocket sessions (with the role each one said hello
// as), the dispatcher every frame goes to, and the scheduler's timers.
//
// Threads: one thread runs the io_context, and with it every session, the dispatcher and every
// module, so nothing here needs a strand and a frame is handled in the read completion that
// received it. Only the SQLite writer has a thread of its own; it hands its completions back
// with post().
class Hub final : public app::Transport, public app::Scheduler {
  public:
    Hub(asio::io_context& ioc, const ServerOptions& options)
        : ioc_(ioc)
        , options_(options) {}

    void set_dispatcher(app::Dispatcher* dispatcher) { dispatcher_ = dispatcher; }
    app::Dispatcher& dispatcher() { return *dispatcher_; }
    const ServerOptions& options() const { return options_; }
    ConnectionId next_id() { return ++last_id_; }

    // --- on the event loop ---
    void add(ConnectionId id, std::weak_ptr<WebSocketSessionBase> session, std::string address) {
        sessions_.emplace(id, Registered{std::move(session), std::nullopt});
        dispatcher_->on_open(id, std::move(address));
    }
    void remove(ConnectionId id) {
        if (sessions_.erase(id)) dispatcher_->on_close(id);
    }
    std::size_t live_sessions() const { return sessions_.size(); }
    // From now on frames that arrive are dropped unhandled (a graceful shutdown answers only
    // what it has already accepted).
    void stop_reading() { reading_stopped_ = true; }
    bool reading_stopped() const { return reading_stopped_; }
    // Every live session has written all it was given.
    bool all_flushed() const {
        for (const auto& [id, registered] : sessions_)
            if (auto session = registered.session.lock(); session && !session->flushed())
                return false;
        return true;
    }

    void set_role(ConnectionId connection, app::Role role) override {
        if (auto it = sessions_.find(connection); it != sessions_.end()) it->second.role = role;
    }

    void send(ConnectionId connection, app::Outgoing message) override {
        auto it = sessions_.find(connection);
        if (it == sessions_.end()) return;
        if (auto session = it->second.session.lock()) session->enqueue(std::move(message));
    }

    void broadcast(app::RoleSet roles, app::Outgoing message) override {
        // Sessions are collected first, then sent to: a send never mutates the registry.
        recipients_.clear();
        for (const auto& [id, registered] : sessions_) {
            if (!registered.role || !roles.contains(*registered.role)) continue;
            if (auto session = registered.session.lock()) recipients_.push_back(std::move(session));
        }
        message.unsolicited = true;
        for (auto& session : recipients_)
            session->enqueue(message);
        recipients_.clear();
    }

    void close(ConnectionId connection, int code, std::string reason) override {
        auto it = sessions_.find(connection);
        if (it == sessions_.end()) return;
        if (auto session = it->second.session.lock()) session->close(code, std::move(reason));
    }

    void close_all(int code, const std::string& reason) {
        for (const auto& [id, registered] : sessions_)
            if (auto session = registered.session.lock()) session->close(code, reason);
    }

    // --- any thread ---
    void post(std::function<void()> task) override {
        asio::post(ioc_, [task = std::move(task)] { run_guarded("a completion", task); });
    }

    // --- scheduler, on the event loop ---
    TimerId schedule_at(std::int64_t unix_ms, std::function<void()> task) override {
        TimerId id = ++last_timer_;
        auto timer = std::make_shared<asio::steady_timer>(ioc_);
        auto delay = std::max<std::int64_t>(0, unix_ms - app::system_clock_ms());
        timer->expires_after(std::chrono::milliseconds(delay));
        timers_.emplace(id, timer);
        timer->async_wait([this, id, task = std::move(task)](beast::error_code ec) {
            if (ec) return;
            timers_.erase(id);
            run_guarded("a timer", task);
        });
        return id;
    }
    void cancel(TimerId timer) override {
        auto it = timers_.find(timer);
        if (it == timers_.end()) return;
        it->second->cancel();
        timers_.erase(it);
    }
    void cancel_all_timers() {
        for (auto& [id, timer] : timers_)
            timer->cancel();
        timers_.clear();
    }

  private:
    struct Registered {
        std::weak_ptr<WebSocketSessionBase> session;
        std::optional<app::Role> role; // set at hello; broadcasts reach only sessions with one
    };
    asio::io_context& ioc_;
    const ServerOptions& options_;
    app::Dispatcher* dispatcher_ = nullptr;
    ConnectionId last_id_ = 0;
    TimerId last_timer_ = 0;
    std::unordered_map<ConnectionId, Registered> sessions_;
    std::vector<std::shared_ptr<WebSocketSessionBase>> recipients_;
    std::unordered_map<TimerId, std::shared_ptr<asio::steady_timer>> timers_;
    bool reading_stopped_ = false;
};

namespace {

// One WebSocket connection, plain or TLS (CRTP, as in Beast's advanced_server_flex).
template <class Derived> class WebSocketSession : public WebSocketSessionBase {
  public:
    WebSocketSession(Hub& hub, Slot slot)
        : hub_(hub)
        , slot_(std::move(slot))
        , id_(hub.next_id()) {}

    template <class Body, class Allocator>
    void run(http::request<Body, http::basic_fields<Allocator>> request) {
        auto& ws = derived().ws();
        ws.set_option(
            websocket::stream_base::timeout{kHelloTimeout, std::chrono::seconds(60), false});
        ws.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
            response.set(http::field::server, "stagedoor/" STAGEDOOR_VERSION);
        }));
        ws.read_message_max(protocol::kMaxFrameBytes);
        ws.auto_fragment(false);
        ws.async_accept(request, beast::bind_front_handler(&WebSocketSession::on_accept,
                                                           derived().shared_from_this()));
    }

    // Both run on the event loop, like everything else (see Hub).
    void enqueue(app::Outgoing message) override { on_enqueue(std::move(message)); }
    void close(int code, std::string reason) override { begin_close(code, reason); }
    bool flushed() const override { return queue_.empty() && !writing_; }

  protected:
    ~WebSocketSession() override {
        // Unregistered after this handler returns: the destructor may run inside a broadcast
        // or a close, and the registry must not change under them. Only the id is used.
        Hub& hub = hub_;
        ConnectionId id = id_;
        if (registered_) hub.post([&hub, id] { hub.remove(id); });
    }

  private:
    Derived& derived() { return static_cast<Derived&>(*this); }

    void on_accept(beast::error_code ec) {
        if (ec) return fail(ec, "websocket accept");
        auto& ws = derived().ws();
        ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(10),
                                                      std::chrono::seconds(60), false});
        registered_ = true;
        // The dispatcher closes the connection if it does not say hello in time.
        hub_.add(id_, derived().shared_from_this(), peer_address(ws));
        do_read();
    }

    void do_read() {
        derived().ws().async_read(buffer_, beast::bind_front_handler(&WebSocketSession::on_read,
                                                                     derived().shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) return fail(ec, "websocket read");
        if (hub_.reading_stopped()) {
            // Shutting down: not handled, so never stored and never answered. Reading goes on
            // so that the close handshake completes.
            buffer_.consume(buffer_.size());
            return do_read();
        }
        double received_at = app::system_clock_ms_precise();
        auto data = buffer_.cdata();
        run_guarded("handling a frame", [&] {
            if (derived().ws().got_text())
                hub_.dispatcher().on_text(
                    id_, std::string_view(static_cast<const char*>(data.data()), data.size()),
                    received_at);
            else
                hub_.dispatcher().on_binary(id_);
        });
        buffer_.consume(buffer_.size());
        if (!closing_) do_read();
    }

    void on_enqueue(app::Outgoing message) {
        if (closing_ || close_pending_) return;
        std::size_t size = message.frame->size();
        // A newer state replaces an unsent older one, so a slow display gets the latest state.
        // Keyed frames are thus bounded by the number of keys and need no byte bound.
        if (!message.coalesce_key.empty()) {
            for (std::size_t i = writing_ ? 1 : 0; i < queue_.size(); ++i) {
                if (queue_[i].coalesce_key == message.coalesce_key) {
                    queue_[i] = std::move(message);
                    return;
                }
            }
        } else {
            std::size_t limit = message.unsolicited ? hub_.options().max_queue_bytes
                                                    : hub_.options().hard_queue_bytes;
            if (backlog_bytes_ > 0 && backlog_bytes_ + size > limit) {
                // The client is not reading: drop it rather than buffer without bound. It
                // will reconnect and resync from the snapshots.
                app::log::info("closing a client that does not keep up (" +
                               std::to_string(backlog_bytes_) + " bytes waiting)");
                drop_slow_client();
                return;
            }
            backlog_bytes_ += size;
        }
        queue_.push_back(std::move(message));
        if (!writing_) do_write();
    }

    // Frees what waits, says 1008 once the frame on the wire is through, and cuts the
    // connection if even that does not happen within a few seconds.
    void drop_slow_client() {
        std::size_t keep = writing_ ? 1 : 0;
        queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(keep), queue_.end());
        backlog_bytes_ = 0;
        begin_close(1008, "client too slow");
        drop_timer_.emplace(derived().ws().get_executor());
        drop_timer_->expires_after(std::chrono::seconds(5));
        drop_timer_->async_wait([self = derived().shared_from_this()](beast::error_code ec) {
            if (ec) return;
            beast::error_code ignored;
            beast::get_lowest_layer(self->ws()).socket().close(ignored);
        });
    }

    void do_write() {
        writing_ = true;
        // The frame on the wire is the socket's now; the bound is on what waits behind it.
        if (queue_.front().coalesce_key.empty()) backlog_bytes_ -= queue_.front().frame->size();
        derived().ws().text(true);
        derived().ws().async_write(
            asio::buffer(*queue_.front().frame),
            beast::bind_front_handler(&WebSocketSession::on_write, derived().shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        writing_ = false;
        if (ec) return fail(ec, "websocket write");
        queue_.pop_front();
        if (!queue_.empty()) return do_write();
        if (close_pending_) do_close();
    }

    void begin_close(int code, const std::string& reason) {
        if (closing_ || close_pending_) return;
        close_code_ = static_cast<std::uint16_t>(code);
        close_reason_ = reason;
        // Queued frames (such as the error that explains the close) go out first.
        if (writing_ || !queue_.empty())
            close_pending_ = true;
        else
            do_close();
    }

    void do_close() {
        closing_ = true;
        derived().ws().async_close(
            websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_reason_),
            [self = derived().shared_from_this()](beast::error_code ec) {
                if (ec) fail(ec, "websocket close");
            });
    }

    Hub& hub_;
    Slot slot_; // this connection's place under the connection caps
    ConnectionId id_;
    bool registered_ = false;
    beast::flat_buffer buffer_;
    std::deque<app::Outgoing> queue_;
    std::size_t backlog_bytes_ = 0; // unkeyed frames waiting behind the one being written
    bool writing_ = false;
    bool closing_ = false;
    bool close_pending_ = false;
    std::uint16_t close_code_ = 1000;
    std::string close_reason_;
    std::optional<asio::steady_timer> drop_timer_;
};

class PlainWebSocketSession : public WebSocketSession<PlainWebSocketSession>,
                              public std::enable_shared_from_this<PlainWebSocketSession> {
  public:
    PlainWebSocketSession(Hub& hub, beast::tcp_stream&& stream, Slot slot)
        : WebSocketSession(hub, std::move(slot))
        , ws_(DrainingTcpStream(std::move(stream))) {}
    websocket::stream<DrainingTcpStream>& ws() { return ws_; }

  private:
    websocket::stream<DrainingTcpStream> ws_;
};

class TlsWebSocketSession : public WebSocketSession<TlsWebSocketSession>,
                            public std::enable_shared_from_this<TlsWebSocketSession> {
  public:
    TlsWebSocketSession(Hub& hub, ssl::stream<beast::tcp_stream>&& stream, Slot slot)
        : WebSocketSession(hub, std::move(slot))
        , ws_(std::move(stream)) {}
    websocket::stream<ssl::stream<beast::tcp_stream>>& ws() { return ws_; }

  private:
    websocket::stream<ssl::stream<beast::tcp_stream>> ws_;
};

std::map<std::string, std::string> parse_query(std::string_view query) {
    std::map<std::string, std::string> result;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        auto eq = pair.find('=');
        std::string name(pair.substr(0, eq));
        std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        for (auto& c : value)
            if (c == '+') c = ' ';
        auto decoded_name = app::percent_decode(name);
        auto decoded_value = app::percent_decode(value);
        if (decoded_name && decoded_value) result[*decoded_name] = *decoded_value;
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return result;
}

template <class Body> void add_common_headers(http::response<Body>& response, bool keep_alive) {
    response.set(http::field::server, "stagedoor/" STAGEDOOR_VERSION);
    response.set("X-Content-Type-Options", "nosniff");
    // Keys travel in URL fragments and queries: never leak them in a Referer.
    response.set("Referrer-Policy", "no-referrer");
    response.keep_alive(keep_alive);
}

bool is_app_path(std::string_view path) {
    return path == "/healthz" || path.starts_with("/api/") || path == "/badges";
}

// The app's view of a request head: method, path and query (the body is added once read).
app::HttpRequest app_request_head(const http::request_header<>& head) {
    std::string_view target = head.target();
    app::HttpRequest request;
    request.method = std::string(head.method_string());
    request.path = std::string(target.substr(0, target.find('?')));
    if (auto q = target.find('?'); q != std::string_view::npos)
        request.query = parse_query(target.substr(q + 1));
    return request;
}

app::HttpResponse too_large_response(std::uint64_t limit) {
    return app::json_error_response(413, protocol::ErrorCode::too_large,
                                    "the request body is over this endpoint's limit of " +
                                        std::to_string(limit) + " bytes");
}

// Closes a plain connection after its last answer: stops sending, then reads and drops what the
// peer still sends (at most kLingerBytes, for at most kLingerTime), so that the answer is not
// lost to a reset caused by unread bytes. Holds the connection's slot until the socket closes.
class LingeringClose : public std::enable_shared_from_this<LingeringClose> {
  public:
    LingeringClose(beast::tcp_stream&& stream, Slot slot)
        : stream_(std::move(stream))
        , slot_(std::move(slot)) {}

    void run() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(kLingerTime);
        drop_input();
    }
    // Writes answer (which must outlive the write), then closes as run() does.
    void answer_then_close(std::string_view answer) {
        stream_.expires_after(kLingerTime);
        asio::async_write(stream_, asio::buffer(answer.data(), answer.size()),
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->run();
                          });
    }

  private:
    void drop_input() {
        stream_.async_read_some(asio::buffer(buffer_),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->dropped_ += n;
                                    if (!ec && self->dropped_ < kLingerBytes) self->drop_input();
                                });
    }

    beast::tcp_stream stream_;
    Slot slot_;
    std::array<char, 16 * 1024> buffer_{};
    std::size_t dropped_ = 0;
};

// One HTTP connection (keep-alive), plain or TLS. Upgrades to WebSocket on /ws. A request's
// head is read first; its body only once the route, the key and the body's size are accepted.
template <class Derived> class HttpSession {
  public:
    HttpSession(Hub& hub, beast::flat_buffer buffer, Slot slot)
        : hub_(hub)
        , buffer_(std::move(buffer))
        , slot_(std::move(slot)) {}

    void do_read() {
        head_parser_.emplace();
        // Nothing of the body is read before on_head; the route's limit applies there.
        head_parser_->body_limit(boost::none);
        head_parser_->header_limit(16 * 1024);
        beast::get_lowest_layer(derived().stream()).expires_after(kHttpTimeout);
        http::async_read_header(
            derived().stream(), buffer_, *head_parser_,
            beast::bind_front_handler(&HttpSession::on_head, derived().shared_from_this()));
    }

  private:
    Derived& derived() { return static_cast<Derived&>(*this); }

    void on_head(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) return derived().do_eof();
        if (ec == http::error::header_limit)
            return refuse_unread(app::json_error_response(413, protocol::ErrorCode::too_large,
                                                          "the request head is over 16 KiB"),
                                 false);
        // Not HTTP (a target with raw bytes, a broken header): a clear 400, then the end.
        if (ec.category() == http::make_error_code(http::error::bad_target).category())
            return send_simple(
                http::status::bad_request, "application/json",
                R"({"code":"bad_message","message":"the request is not valid HTTP"})", false);
        if (ec) return fail(ec, "http read");
        // During a shutdown nothing new is handled: what it would write could not be answered.
        if (hub_.reading_stopped())
            return send_simple(
                http::status::service_unavailable, "application/json",
                R"({"code":"internal","message":"the server is shutting down; try again"})", false);
        const auto& head = head_parser_->get();
        std::string_view target = head.target();
        if (websocket::is_upgrade(head)) {
            if (target.substr(0, target.find('?')) != "/ws")
                return send_simple(http::status::not_found, "text/plain; charset=utf-8",
                                   "WebSocket lives at /ws\n", false);
            beast::get_lowest_layer(derived().stream()).expires_never();
            return derived().upgrade(head_parser_->release());
        }
        bool head_only = head.method() == http::verb::head;
        auto admitted = admit(head);
        if (auto* refused = std::get_if<app::HttpResponse>(&admitted))
            return refuse_unread(std::move(*refused), head_only);
        std::uint64_t limit = std::get<std::uint64_t>(admitted);
        if (head_parser_->content_length().value_or(0) > limit)
            return refuse_unread(too_large_response(limit), head_only);
        parser_.emplace(std::move(*head_parser_));
        head_parser_.reset();
        parser_->body_limit(limit); // a chunked body is counted as it arrives
        body_limit_ = limit;
        if (parser_->is_done()) return on_read({}, 0);
        http::async_read(
            derived().stream(), buffer_, *parser_,
            beast::bind_front_handler(&HttpSession::on_read, derived().shared_from_this()));
    }

    // The body limit of the request's route, or the answer that refuses it from its head alone
    // (an API route without a valid key, of another role, or that does not exist).
    std::variant<std::uint64_t, app::HttpResponse> admit(const http::request_header<>& head) {
        auto request = app_request_head(head);
        if (!is_app_path(request.path)) return app::Router::kDefaultBodyLimit;
        describe_client(request, head);
        return hub_.dispatcher().admit_http(request, head[http::field::authorization]);
    }

    // Where the request comes from (peer address) and how it reached us (scheme and Host).
    template <class Head> void describe_client(app::HttpRequest& request, const Head& head) {
        request.address = peer_address(derived().stream());
        std::string_view host = head[http::field::host];
        // Host names, IPv4, [IPv6] and a port only: the text goes into links a device opens.
        bool sane = !host.empty() && host.size() <= 255 &&
                    std::all_of(host.begin(), host.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                               c == '-' || c == ':' || c == '[' || c == ']';
                    });
        if (sane) request.base_url = std::string(Derived::kScheme) + "://" + std::string(host);
    }

    // Answers without reading the body, and closes the connection (its body is still coming).
    void refuse_unread(app::HttpResponse response, bool head_only) {
        send_app_response(std::move(response), false, head_only);
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::body_limit)
            return refuse_unread(too_large_response(body_limit_), false);
        if (ec) return fail(ec, "http read");

        auto request = parser_->release();
        std::string_view target = request.target();
        std::string_view path = target.substr(0, target.find('?'));
        bool keep_alive = request.keep_alive();
        if (is_app_path(path)) {
            app::HttpRequest app_request = app_request_head(request);
            app_request.body = std::move(request.body());
            describe_client(app_request, request);
            // Answered now, or once the request's write is durable; the session reads nothing
            // more until then.
            hub_.dispatcher().handle_http(
                std::move(app_request), request[http::field::authorization],
                [self = derived().shared_from_this(), keep_alive,
                 head = request.method() == http::verb::head](app::HttpResponse response) {
                    self->send_app_response(std::move(response), keep_alive, head);
                });
            return;
        }
        if (request.method() != http::verb::get && request.method() != http::verb::head)
            return send_simple(http::status::method_not_allowed, "text/plain; charset=utf-8",
                               "method not allowed\n", keep_alive);
        serve_file(path, keep_alive, request.method() == http::verb::head);
    }

    void serve_file(std::string_view path, bool keep_alive, bool head) {
        auto file = app::resolve_static(hub_.options().web_root, hub_.options().vendor_root, path);
        http::file_body::value_type body;
        beast::error_code ec;
        if (file) body.open(file->c_str(), beast::file_mode::scan, ec);
        if (!file || ec) {
            return send_simple(
                http::status::not_found, "text/html; charset=utf-8",
                "<!doctype html><meta charset=utf-8><title>Not found</title>"
                "<body style=\"font:20px system-ui;padding:2em\"><h1>Not found</h1>"
                "<p>There is nothing at this address. <a href=\"/\">stagedoor home</a></p>",
                keep_alive);
        }
        auto size = body.size();
        auto response = std::make_shared<http::response<http::file_body>>(
            std::piecewise_construct, std::make_tuple(std::move(body)),
            std::make_tuple(http::status::ok, 11));
        add_common_headers(*response, keep_alive);
        response->set(http::field::content_type, app::mime_type(*file));
        response->set(http::field::cache_control, "no-cache");
        response->content_length(size);
        if (head) {
            http::response<http::empty_body> head_response{http::status::ok, 11};
            add_common_headers(head_response, keep_alive);
            head_response.set(http::field::content_type, app::mime_type(*file));
            head_response.content_length(size);
            return write(
                std::make_shared<http::response<http::empty_body>>(std::move(head_response)));
        }
        write(std::move(response));
    }

    void send_app_response(app::HttpResponse response, bool keep_alive, bool head) {
        auto message = std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(response.status), 11);
        add_common_headers(*message, keep_alive);
        message->set(http::field::content_type, response.content_type);
        message->set(http::field::cache_control, "no-store");
        for (const auto& [name, value] : response.headers)
            message->set(name, value);
        if (!head) message->body() = std::move(response.body);
        message->prepare_payload();
        write(std::move(message));
    }

    void send_simple(http::status status, std::string_view type, std::string_view body,
                     bool keep_alive) {
        auto message = std::make_shared<http::response<http::string_body>>(status, 11);
        add_common_headers(*message, keep_alive);
        message->set(http::field::content_type, type);
        message->body() = std::string(body);
        message->prepare_payload();
        write(std::move(message));
    }

    template <class Response> void write(std::shared_ptr<Response> response) {
        bool keep_alive = response->keep_alive();
        beast::get_lowest_layer(derived().stream()).expires_after(kHttpTimeout);
        http::async_write(derived().stream(), *response,
                          [self = derived().shared_from_this(), response,
                           keep_alive](beast::error_code ec, std::size_t) {
                              if (ec) return fail(ec, "http write");
                              if (!keep_alive) return self->do_eof();
                              self->do_read();
                          });
    }

  protected:
    Hub& hub_;
    beast::flat_buffer buffer_;
    Slot slot_; // this connection's place under the connection caps
    std::optional<http::request_parser<http::empty_body>> head_parser_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::uint64_t body_limit_ = 0;
};

class PlainHttpSession : public HttpSession<PlainHttpSession>,
                         public std::enable_shared_from_this<PlainHttpSession> {
  public:
    static constexpr std::string_view kScheme = "http";
    PlainHttpSession(Hub& hub, beast::tcp_stream&& stream, beast::flat_buffer&& buffer, Slot slot)
        : HttpSession(hub, std::move(buffer), std::move(slot))
        , stream_(std::move(stream)) {}
    void run() { do_read(); }
    beast::tcp_stream& stream() { return stream_; }
    template <class Request> void upgrade(Request&& request) {
        std::make_shared<PlainWebSocketSession>(hub_, std::move(stream_), std::move(slot_))
            ->run(std::forward<Request>(request));
    }
    void do_eof() { std::make_shared<LingeringClose>(std::move(stream_), std::move(slot_))->run(); }

  private:
    beast::tcp_stream stream_;
};

class TlsHttpSession : public HttpSession<TlsHttpSession>,
                       public std::enable_shared_from_this<TlsHttpSession> {
  public:
    static constexpr std::string_view kScheme = "https";
    TlsHttpSession(Hub& hub, beast::tcp_stream&& stream, ssl::context& context,
                   beast::flat_buffer&& buffer, Slot slot)
        : HttpSession(hub, std::move(buffer), std::move(slot))
        , stream_(std::move(stream), context) {}
    void run() {
        beast::get_lowest_layer(stream_).expires_after(kHttpTimeout);
        // The detector's bytes are handed to the handshake.
        stream_.async_handshake(
            ssl::stream_base::server, buffer_.data(),
            [self = shared_from_this()](beast::error_code ec, std::size_t used) {
                if (ec) return fail(ec, "tls handshake");
                self->buffer_.consume(used);
                self->do_read();
            });
    }
    ssl::stream<beast::tcp_stream>& stream() { return stream_; }
    template <class Request> void upgrade(Request&& request) {
        std::make_shared<TlsWebSocketSession>(hub_, std::move(stream_), std::move(slot_))
            ->run(std::forward<Request>(request));
    }
    void do_eof() {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
        stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
    }

  private:
    ssl::stream<beast::tcp_stream> stream_;
};

// Looks at the first bytes: a TLS ClientHello goes to HTTPS, anything else to HTTP.
class DetectSession : public std::enable_shared_from_this<DetectSession> {
  public:
    DetectSession(Hub& hub, tcp::socket&& socket, ssl::context* context, Slot slot)
        : hub_(hub)
        , stream_(std::move(socket))
        , context_(context)
        , slot_(std::move(slot)) {}
    void run() {
        stream_.expires_after(kHttpTimeout);
        beast::async_detect_ssl(
            stream_, buffer_,
            beast::bind_front_handler(&DetectSession::on_detect, shared_from_this()));
    }

  private:
    void on_detect(beast::error_code ec, bool is_tls) {
        if (ec) return fail(ec, "detect");
        if (is_tls) {
            if (!context_) {
                beast::error_code ignored;
                stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                return;
            }
            return std::make_shared<TlsHttpSession>(hub_, std::move(stream_), *context_,
                                                    std::move(buffer_), std::move(slot_))
                ->run();
        }
        std::make_shared<PlainHttpSession>(hub_, std::move(stream_), std::move(buffer_),
                                           std::move(slot_))
            ->run();
    }

    Hub& hub_;
    beast::tcp_stream stream_;
    ssl::context* context_;
    Slot slot_;
    beast::flat_buffer buffer_;
};

// The answer to a connection over the caps, built once: a plain HTTP 503 (a WebSocket client
// sees its upgrade declined; PROTOCOL.md §1).
const std::string& connection_refusal() {
    static const std::string text = [] {
        std::string body = R"({"code":"rate_limited","message":"the server is at its )"
                           R"(connection limit; try again shortly"})";
        return "HTTP/1.1 503 Service Unavailable\r\nServer: stagedoor/" STAGEDOOR_VERSION
               "\r\nRetry-After: 5\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    }();
    return text;
}

// Connections are counted per address; an IPv6 host commonly holds a whole /64.
std::string address_key(const asio::ip::address& address) {
    if (!address.is_v6()) return address.to_string();
    auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return display_address(address);
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return asio::ip::address_v6(bytes).to_string() + "/64";
}

// Accepts connections within the caps; answers the others 503. When accepting fails (out of
// descriptors), it gives up its descriptor reserve and pauses with back-off instead of retrying
// at once, and logs at most once a second.
class Listener : public std::enable_shared_from_this<Listener> {
  public:
    Listener(asio::io_context& ioc, Hub& hub, ssl::context* context, ConnectionLimits limits)
        : ioc_(ioc)
        , acceptor_(ioc)
        , pause_(ioc)
        , hub_(hub)
        , context_(context)
        , limits_(std::move(limits)) {}

    std::uint16_t open(const std::string& host, std::uint16_t port) {
        beast::error_code ec;
        auto address = asio::ip::make_address(host, ec);
        if (ec) throw std::runtime_error("cannot listen on '" + host + "': not an IP address");
        tcp::endpoint endpoint(address, port);
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(endpoint, ec);
        if (ec)
            throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
                                     ": " + ec.message());
        acceptor_.listen(asio::socket_base::max_listen_connections);
        return acceptor_.local_endpoint().port();
    }
    void run() {
        reserve_.acquire();
        do_accept();
    }
    void stop() {
        beast::error_code ec;
        acceptor_.close(ec);
        pause_.cancel();
    }

  private:
    void do_accept() {
        acceptor_.async_accept(ioc_,
                               beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
    }
    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
        // A peer that gave up while queued is its own business; anything else (EMFILE, ENFILE,
        // ENOBUFS) would fail again at once.
        if (ec && ec != asio::error::connection_aborted) return pause_after(ec);
        backoff_.on_success();
        if (!ec) admit(std::move(socket));
        do_accept();
    }

    void pause_after(beast::error_code ec) {
        reserve_.release();
        auto delay = backoff_.on_failure();
        if (auto failures = accept_failures_.note(std::chrono::steady_clock::now()))
            app::log::error("accept: " + ec.message() + " (" + std::to_string(failures) +
                            " times); pausing accepts, " +
                            std::to_string(limits_.open_connections()) + " connections open");
        pause_.expires_after(delay);
        pause_.async_wait([self = shared_from_this(), ec](beast::error_code wait_ec) {
            if (wait_ec || !self->acceptor_.is_open()) return;
            if (!self->reserve_.acquire()) return self->pause_after(ec); // still none free
            self->do_accept();
        });
    }

    void admit(tcp::socket socket) {
        beast::error_code ec;
        auto peer = socket.remote_endpoint(ec);
        if (ec) return; // gone already
        auto slot = limits_.admit(address_key(peer.address()));
        if (!slot) return refuse(std::move(socket), peer.address().to_string());
        // Small frames must not wait for Nagle plus delayed ACK (40-200 ms stalls).
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<DetectSession>(hub_, std::move(socket), context_, std::move(*slot))->run();
    }

    void refuse(tcp::socket socket, const std::string& address) {
        if (auto refusals = refusals_.note(std::chrono::steady_clock::now()))
            app::log::info("refused " + std::to_string(refusals) +
                           " connection(s) over the caps (" + std::to_string(limits_.max_total()) +
                           " in total, " + std::to_string(limits_.max_per_address()) +
                           " per address), e.g. from " + address);
        // Beyond a few answers in flight, the connection is closed without one.
        auto slot = limits_.admit_refusal();
        if (!slot) return;
        std::make_shared<LingeringClose>(beast::tcp_stream(std::move(socket)), std::move(*slot))
            ->answer_then_close(connection_refusal());
    }

    asio::io_context& ioc_;
    tcp::acceptor acceptor_;
    asio::steady_timer pause_;
    Hub& hub_;
    ssl::context* context_;
    ConnectionLimits limits_;
    AcceptBackoff backoff_;
    DescriptorReserve reserve_;
    LogThrottle accept_failures_;
    LogThrottle refusals_;
};

// The caps from the options, or from the descriptor limit (raised to the hard limit first).
ConnectionLimits connection_limits(const ServerOptions& options) {
    auto descriptors = raise_descriptor_limit();
    std::size_t room = connections_for_descriptors(descriptors.now);
    std::size_t total = options.max_connections ? options.max_connections : room;
    std::string raised = descriptors.now > descriptors.before
                             ? " (raised from " + std::to_string(descriptors.before) + ")"
                             : "";
    app::log::info("file descriptors: " + std::to_string(descriptors.now) + raised + "; at most " +
                   std::to_string(total) + " connections, " +
                   std::to_string(options.max_per_address) + " per address");
    if (total > room)
        app::log::info("more connections allowed than descriptors leave room for (" +
                       std::to_string(room) + "): accepting pauses when they run out");
    return ConnectionLimits(total, options.max_per_address);
}

} // namespace

struct Server::Impl {
    Impl(ServerOptions options_in, storage::DataDir dir, ModuleFactory factory)
        : options(std::move(options_in))
        , data_dir(std::move(dir))
        , hub(ioc, options)
        , make_modules(std::move(factory)) {}

    // The io_context goes first: the handlers it still holds own sessions, and a session
    // unregisters from the hub when it is destroyed, so everything they refer to (hub,
    // dispatcher, modules, writer) must outlive them. See tear_down().
    ~Impl() { tear_down(); }

    ServerOptions options;
    storage::DataDir data_dir;
    std::optional<asio::io_context> io_storage{std::in_place, 1};
    asio::io_context& ioc = *io_storage;
    Hub hub;
    ModuleFactory make_modules;
    std::optional<ssl::context> tls;
    std::optional<storage::DataDirLock> lock;
    std::unique_ptr<storage::Writer> writer;
    std::unique_ptr<app::Dispatcher> dispatcher;
    std::optional<app::ModuleContext> context;
    std::vector<std::unique_ptr<app::Module>> modules;
    std::shared_ptr<Listener> listener;
    std::optional<asio::steady_timer> shutdown_timer;
    std::chrono::steady_clock::time_point shutdown_deadline;
    bool shutting_down = false;
    bool writes_answered = false;

    // The graceful shutdown, in this order: stop accepting and stop handling frames; let the
    // writer commit what is queued and deliver every completion (answers, broadcasts); let the
    // clients' write queues drain; only then close with 1001. Every step has a deadline.
    void begin_shutdown() {
        if (shutting_down) return;
        shutting_down = true;
        app::log::info("shutting down: answering what is in flight, then closing connections");
        listener->stop();
        hub.stop_reading();
        dispatcher->stop_modules();
        hub.cancel_all_timers();
        shutdown_deadline = std::chrono::steady_clock::now() + kFlushDeadline;
        shutdown_timer.emplace(ioc);
        // A barrier: completions run in submission order, so when this one runs, every write
        // accepted before it has been committed (or failed) and answered.
        writer->submit({}, [this](bool) { writes_answered = true; });
        wait_until_flushed();
    }

    void wait_until_flushed() {
        if (!(writes_answered && hub.all_flushed()) &&
            std::chrono::steady_clock::now() < shutdown_deadline)
            return retry_in_a_moment(&Impl::wait_until_flushed);
        if (!writes_answered) app::log::error("shutting down before every write was answered");
        hub.close_all(1001, "server shutting down");
        shutdown_deadline = std::chrono::steady_clock::now() + kCloseDeadline;
        wait_for_sessions();
    }

    // Stops the loop once every WebSocket session has closed, or at the deadline.
    void wait_for_sessions() {
        if (hub.live_sessions() == 0 || std::chrono::steady_clock::now() >= shutdown_deadline) {
            ioc.stop();
            return;
        }
        retry_in_a_moment(&Impl::wait_for_sessions);
    }

    void retry_in_a_moment(void (Impl::*step)()) {
        shutdown_timer->expires_after(std::chrono::milliseconds(10));
        shutdown_timer->async_wait([this, step](beast::error_code ec) {
            if (!ec) (this->*step)();
        });
    }

    // After the loop: commit whatever is left, then destroy the io_context (and with it the
    // sessions its handlers hold) while the hub, dispatcher and modules still exist. Idempotent.
    void tear_down() {
        if (writer) writer->stop();
        listener.reset();
        shutdown_timer.reset();
        hub.cancel_all_timers();
        io_storage.reset();
    }
};

Server::Server(ServerOptions options, storage::DataDir data_dir, ModuleFactory make_modules)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(data_dir),
                                   std::move(make_modules))) {}

Server::~Server() = default;

std::uint16_t Server::listen() {
    auto& impl = *impl_;
    impl.data_dir.require_initialised();
    // Taken before anything is loaded: a second server on the folder stops here, before it
    // reads a ledger that the first one is still writing.
    impl.lock = storage::DataDirLock::try_acquire(impl.data_dir.root());
    if (!impl.lock)
        throw std::runtime_error("another stagedoor process (serve or agenda import) is using " +
                                 impl.data_dir.root().string() + "; stop it first");
    if (impl.options.tls) {
        impl.tls.emplace(ssl::context::tls_server);
        impl.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                              ssl::context::no_tlsv1_1);
        beast::error_code ec;
        impl.tls->use_certificate_chain_file(impl.options.tls->certificate.string(), ec);
        if (ec)
            throw std::runtime_error("cannot load TLS certificate " +
                                     impl.options.tls->certificate.string() + ": " + ec.message());
        impl.tls->use_private_key_file(impl.options.tls->private_key.string(), ssl::context::pem,
                                       ec);
        if (ec)
            throw std::runtime_error("cannot load TLS key " +
                                     impl.options.tls->private_key.string() + ": " + ec.message());
    }
    auto event = impl.data_dir.event();
    impl.writer = std::make_unique<storage::Writer>(
        impl.data_dir.database_path(),
        [&hub = impl.hub](std::function<void()> task) { hub.post(std::move(task)); },
        storage::Writer::Limits{.max_db_bytes = impl.options.max_db_bytes});
    impl.dispatcher = std::make_unique<app::Dispatcher>(event, app::RoleKeys::load(impl.data_dir),
                                                        impl.hub, impl.hub, app::system_clock_ms);
    impl.hub.set_dispatcher(impl.dispatcher.get());
    // The context lives as long as the server, so modules may keep a reference to it.
    impl.context.emplace(app::ModuleContext{impl.data_dir, event, impl.hub, impl.hub, *impl.writer,
                                            app::system_clock_ms, impl.dispatcher.get()});
    if (impl.make_modules) impl.modules = impl.make_modules(*impl.context);
    for (auto& module : impl.modules)
        impl.dispatcher->add_module(module.get());
    impl.listener = std::make_shared<Listener>(impl.ioc, impl.hub, impl.tls ? &*impl.tls : nullptr,
                                               connection_limits(impl.options));
    return impl.listener->open(impl.options.host, impl.options.port);
}

int Server::run() {
    auto& impl = *impl_;
    int exit_code = 0;
    {
        // Scoped: the signal set must go before tear_down() destroys the io_context.
        asio::signal_set signals(impl.ioc, SIGINT, SIGTERM);
        signals.async_wait([&impl](beast::error_code ec, int) {
            if (!ec) impl.begin_shutdown();
        });
        // Modules start on the event loop before the first connection is accepted.
        asio::post(impl.ioc, [&impl, &exit_code] {
            try {
                impl.dispatcher->start_modules();
            } catch (const std::exception& error) {
                app::log::error(std::string("cannot start: ") + error.what());
                exit_code = 1;
                impl.ioc.stop();
                return;
            }
            impl.listener->run();
        });
        impl.ioc.run();
    }
    // Normally nothing is left to commit: the shutdown sequence waited for the writer's queue.
    impl.tear_down();
    app::log::info("stopped");
    return exit_code;
}

} // namespace stagedoor::net
