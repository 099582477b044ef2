#include "client/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace stagedoor::client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using nlohmann::json;
using Strand = asio::strand<asio::io_context::executor_type>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
struct ClientContext::Impl {
    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(ioc);
    std::thread thread{[this] { ioc.run(); }};
    ~Impl() {
        work.reset();
        ioc.stop();
        if (thread.joinable()) thread.join();
    }
};

ClientContext::ClientContext()
    : impl_(std::make_unique<Impl>()) {}
ClientContext::~ClientContext() = default;

// ---- URLs, fingerprints and TLS trust ----

CertificateMismatch::CertificateMismatch(std::string pinned, std::string presented)
    : ClientError("the server presented certificate " + presented + ", but this device trusts " +
                  pinned +
                  " (pinned at pairing). If the server's certificate was replaced on purpose, "
                  "compare the new fingerprint with the one `stagedoor serve` prints and pair "
                  "again; otherwise something else is answering at the server's address")
    , pinned_(std::move(pinned))
    , presented_(std::move(presented)) {}

namespace {

std::string host_and_port(const Endpoint& endpoint) {
    bool ipv6 = endpoint.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
}

std::uint16_t parse_port(std::string_view text, std::string_view url) {
    unsigned port = 0;
    bool digits = !text.empty() && text.size() <= 5;
    for (char c : text) {
        digits = digits && std::isdigit(static_cast<unsigned char>(c));
        port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (!digits || port < 1 || port > 65535)
        throw ClientError("the port in '" + std::string(url) + "' must be 1-65535");
    return static_cast<std::uint16_t>(port);
}

} // namespace

Endpoint parse_endpoint(std::string_view url) {
    struct Scheme {
        std::string_view prefix;
        bool tls;
        std::uint16_t port;
        std::string_view path;
    };
    static constexpr Scheme kSchemes[] = {{"ws://", false, 80, "/ws"},
                                          {"wss://", true, 443, "/ws"},
                                          {"http://", false, 80, "/"},
                                          {"https://", true, 443, "/"}};
    const Scheme* scheme = nullptr;
    for (const auto& candidate : kSchemes)
        if (url.starts_with(candidate.prefix)) scheme = &candidate;
    if (!scheme)
        throw ClientError("'" + std::string(url) +
                          "' must start with ws://, wss://, http:// or https://");
    std::string_view rest = url.substr(scheme->prefix.size());
    rest = rest.substr(0, rest.find('#'));
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    Endpoint endpoint;
    endpoint.tls = scheme->tls;
    endpoint.port = scheme->port;
    endpoint.path = slash == std::string_view::npos ? scheme->path : rest.substr(slash);
    std::string_view port_text;
    if (authority.starts_with('[')) {
        auto close = authority.find(']');
        if (close == std::string_view::npos)
            throw ClientError("'" + std::string(url) + "' has an unclosed [IPv6 address]");
        endpoint.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':'))
            throw ClientError("'" + std::string(url) + "' has text after the [IPv6 address]");
        if (!after.empty()) port_text = after.substr(1);
        if (after == ":") port_text = "-";
    } else {
        auto colon = authority.find(':');
        if (colon != authority.rfind(':'))
            throw ClientError("'" + std::string(url) + "': an IPv6 address goes in brackets");
        endpoint.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
        if (colon != std::string_view::npos && port_text.empty()) port_text = "-";
    }
    if (endpoint.host.empty()) throw ClientError("'" + std::string(url) + "' names no host");
    if (!port_text.empty()) endpoint.port = parse_port(port_text, url);
    return endpoint;
}

std::string normalize_fingerprint(std::string_view text) {
    std::string_view rest = text;
    constexpr std::string_view kPrefix = "sha256:";
    if (rest.size() >= kPrefix.size()) {
        bool prefixed = true;
        for (std::size_t i = 0; i < kPrefix.size(); ++i)
            prefixed = prefixed && std::tolower(static_cast<unsigned char>(rest[i])) == kPrefix[i];
        if (prefixed) rest.remove_prefix(kPrefix.size());
    }
    std::string hex;
    bool valid = true;
    for (char c : rest) {
        if (c == ':') continue;
        valid = valid && std::isxdigit(static_cast<unsigned char>(c));
        hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (!valid || hex.size() != 64)
        throw ClientError("'" + std::string(text) +
                          "' is not a SHA-256 certificate fingerprint (32 hex pairs such as "
                          "AB:CD:..., optionally after sha256:)");
    std::string out(kPrefix);
    for (std::size_t i = 0; i < hex.size(); i += 2)
        out += (i ? ":" : "") + hex.substr(i, 2);
    return out;
}

namespace {

// The "sha256:AB:..." fingerprint of the certificate the peer presented, "" when it sent none.
std::string presented_fingerprint(SSL* handle) {
    X509* certificate = SSL_get1_peer_certificate(handle);
    if (!certificate) return "";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(certificate, EVP_sha256(), digest, &length);
    X509_free(certificate);
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 15];
    }
    return normalize_fingerprint(hex);
}

// Verifies the chain (against the CA file or the system's CAs) unless only a pin or pairing's
// accept_any decides; the pin itself is checked after the handshake (check_presented).
std::unique_ptr<ssl::context> make_tls_context(const Trust& trust) {
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1);
    bool verify_chain = !trust.ca_file.empty() || (trust.fingerprint.empty() && !trust.accept_any);
    if (!verify_chain) {
        context->set_verify_mode(ssl::verify_none);
        return context;
    }
    beast::error_code ec;
    if (!trust.ca_file.empty())
        context->load_verify_file(trust.ca_file, ec);
    else
        context->set_default_verify_paths(ec);
    if (ec)
        throw ClientError("cannot load the trusted certificates from " +
                          (trust.ca_file.empty() ? "the system" : trust.ca_file) + ": " +
                          ec.message());
    context->set_verify_mode(ssl::verify_peer);
    return context;
}

// Before the handshake: the server name for SNI, and the name or address the chain must be for.
void prepare_tls(SSL* handle, const Endpoint& endpoint) {
    beast::error_code ec;
    asio::ip::make_address(endpoint.host, ec);
    X509_VERIFY_PARAM* param = SSL_get0_param(handle);
    if (ec) {
        SSL_set_tlsext_host_name(handle, endpoint.host.c_str());
        X509_VERIFY_PARAM_set1_host(param, endpoint.host.c_str(), 0);
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.host.c_str());
    }
}

// After the handshake: the presented certificate's fingerprint; throws CertificateMismatch when
// it is not the pinned one.
std::string check_presented(SSL* handle, const Trust& trust) {
    std::string presented = presented_fingerprint(handle);
    if (!trust.fingerprint.empty()) {
        std::string pinned = normalize_fingerprint(trust.fingerprint);
        if (presented != pinned) throw CertificateMismatch(pinned, presented);
    }
    return presented;
}

std::string tls_failure(beast::error_code ec, SSL* handle, const Endpoint& endpoint) {
    std::string text = "TLS handshake with " + host_and_port(endpoint) + " failed: " + ec.message();
    long verify = SSL_get_verify_result(handle);
    if (verify == X509_V_OK) return text;
    text += std::string(" (") + X509_verify_cert_error_string(verify);
    text += endpoint.trust.ca_file.empty()
                ? "; checked against the system's certificate authorities"
                : "; checked against " + endpoint.trust.ca_file;
    return text + ")";
}

std::string connect_failure(const Endpoint& endpoint, beast::error_code ec) {
    return "cannot connect to " + host_and_port(endpoint) + ": " +
           (ec == beast::error::timeout ? std::string("no answer in time") : ec.message());
}

// The addresses to try: an IP address as is, a host name through the system's resolver.
std::vector<tcp::endpoint> resolve(const Endpoint& endpoint) {
    beast::error_code ec;
    auto address = asio::ip::make_address(endpoint.host, ec);
    if (!ec) return {tcp::endpoint(address, endpoint.port)};
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec) throw ClientError("cannot find the server " + endpoint.host + ": " + ec.message());
    std::vector<tcp::endpoint> addresses;
    for (const auto& entry : results)
        addresses.push_back(entry.endpoint());
    return addresses;
}

} // namespace

// ---- WebSocket connections ----

// What every connection shares, whatever its stream; StreamImpl<NextLayer> holds the stream.
struct Connection::Impl : std::enable_shared_from_this<Connection::Impl> {
    explicit Impl(Strand strand_)
        : strand(std::move(strand_)) {}
    virtual ~Impl() = default;

    Strand strand;
    std::string peer_fingerprint; // set before open() returns
    beast::flat_buffer buffer;
    std::deque<std::pair<std::string, bool>> outbox; // text, is_text
    bool writing = false;

    std::mutex mutex;
    std::condition_variable arrived;
    std::deque<json> inbox;
    std::unordered_map<std::int64_t, std::function<void(const json&)>> callbacks;
    std::int64_t next_id = 1;
    bool open = false;
    std::optional<int> close_code;
    bool paused = false;                              // on the strand
    bool reading = false;                             // on the strand
    std::function<bool(std::string_view)> frame_hook; // only touched on the strand

    using Done = std::function<void(std::exception_ptr)>;
    // On the strand: TCP connect, TLS handshake for wss, WebSocket handshake; then done.
    virtual void start_open(const Endpoint& endpoint, std::vector<tcp::endpoint> addresses,
                            Millis timeout, Done done) = 0;
    // On the strand.
    virtual void start_reading() = 0;
    virtual void do_write() = 0;
    virtual void start_close(int code) = 0;

    void mark_closed(int code) {
        std::lock_guard lock(mutex);
        open = false;
        close_code = code;
        arrived.notify_all();
    }

    // The frame in buffer goes to the frame hook, a request_async callback or the inbox.
    void deliver_frame() {
        if (frame_hook) {
            auto bytes = buffer.cdata();
            if (frame_hook(
                    std::string_view(static_cast<const char*>(bytes.data()), bytes.size()))) {
                buffer.consume(buffer.size());
                return;
            }
        }
        json frame = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
        buffer.consume(buffer.size());
        std::function<void(const json&)> callback;
        {
            std::lock_guard lock(mutex);
            if (frame.is_object() && frame.contains("re") && frame["re"].is_number_integer()) {
                auto it = callbacks.find(frame["re"].get<std::int64_t>());
                if (it != callbacks.end()) {
                    callback = std::move(it->second);
                    callbacks.erase(it);
                }
            }
            if (!callback) {
                inbox.push_back(frame);
                arrived.notify_all();
            }
        }
        if (callback) callback(frame);
    }

    void enqueue(std::string text, bool is_text) {
        asio::post(strand, [self = shared_from_this(), text = std::move(text), is_text]() mutable {
            self->outbox.emplace_back(std::move(text), is_text);
            if (!self->writing) self->do_write();
        });
    }
};

namespace {

// A connection over ws:// (NextLayer = beast::tcp_stream) or wss:// (TlsStream).
template <class NextLayer> struct StreamImpl final : Connection::Impl {
    static constexpr bool kTls = std::is_same_v<NextLayer, TlsStream>;

    explicit StreamImpl(Strand strand_) requires(!kTls)
        : Impl(strand_)
        , ws(strand_) {}
    StreamImpl(Strand strand_, std::unique_ptr<ssl::context> context) requires kTls
        : Impl(strand_),
          tls_context(std::move(context)),
          ws(strand_, *tls_context) {}

    std::unique_ptr<ssl::context> tls_context; // outlives ws, which refers to it
    websocket::stream<NextLayer> ws;

    std::shared_ptr<StreamImpl> self() {
        return std::static_pointer_cast<StreamImpl>(shared_from_this());
    }

    void start_open(const Endpoint& endpoint, std::vector<tcp::endpoint> addresses, Millis timeout,
                    Done done) override {
        auto& stream = beast::get_lowest_layer(ws);
        stream.expires_after(timeout);
        stream.async_connect(addresses, [self = self(), endpoint, done](beast::error_code ec,
                                                                        const tcp::endpoint&) {
            if (ec)
                return done(std::make_exception_ptr(ClientError(connect_failure(endpoint, ec))));
            beast::get_lowest_layer(self->ws).socket().set_option(tcp::no_delay(true));
            if constexpr (kTls)
                self->start_tls(endpoint, done);
            else
                self->start_websocket(endpoint, done);
        });
    }

    void start_tls(const Endpoint& endpoint, Done done) {
        prepare_tls(ws.next_layer().native_handle(), endpoint);
        ws.next_layer().async_handshake(
            ssl::stream_base::client, [self = self(), endpoint, done](beast::error_code ec) {
                SSL* handle = self->ws.next_layer().native_handle();
                if (ec)
                    return done(
                        std::make_exception_ptr(ClientError(tls_failure(ec, handle, endpoint))));
                try {
                    self->peer_fingerprint = check_presented(handle, endpoint.trust);
                } catch (const ClientError&) {
                    return done(std::current_exception());
                }
                self->start_websocket(endpoint, done);
            });
    }

    void start_websocket(const Endpoint& endpoint, Done done) {
        beast::get_lowest_layer(ws).expires_never();
        ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        ws.read_message_max(16 * 1024 * 1024);
        ws.async_handshake(host_and_port(endpoint), endpoint.path,
                           [self = self(), endpoint, done](beast::error_code ec) {
                               if (ec)
                                   return done(std::make_exception_ptr(ClientError(
                                       "WebSocket handshake with " + host_and_port(endpoint) +
                                       endpoint.path + " failed: " + ec.message())));
                               {
                                   std::lock_guard lock(self->mutex);
                                   self->open = true;
                               }
                               done(nullptr);
                               self->start_reading();
                           });
    }

    void start_reading() override {
        if (paused) return;
        reading = true;
        ws.async_read(buffer, [self = self()](beast::error_code ec, std::size_t) {
            self->reading = false;
            if (ec) {
                auto code = self->ws.reason().code;
                return self->mark_closed(
                    code != websocket::close_code::none ? static_cast<int>(code) : 1006);
            }
            self->deliver_frame();
            self->start_reading();
        });
    }

    void do_write() override {
        writing = true;
        ws.text(outbox.front().second);
        ws.async_write(asio::buffer(outbox.front().first),
                       [self = self()](beast::error_code ec, std::size_t) {
                           self->writing = false;
                           if (ec) return;
                           self->outbox.pop_front();
                           if (!self->outbox.empty()) self->do_write();
                       });
    }

    void start_close(int code) override {
        ws.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)),
                       [self = self()](beast::error_code) {});
    }
};

} // namespace

std::shared_ptr<Connection> Connection::open(ClientContext& context, const Endpoint& endpoint,
                                             Millis timeout) {
    auto addresses = resolve(endpoint);
    auto strand = asio::make_strand(context.impl().ioc);
    std::shared_ptr<Impl> impl;
    if (endpoint.tls)
        impl = std::make_shared<StreamImpl<TlsStream>>(strand, make_tls_context(endpoint.trust));
    else
        impl = std::make_shared<StreamImpl<beast::tcp_stream>>(strand);
    // Shared: the handlers may outlive this call when it times out.
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    asio::post(strand, [impl, endpoint, addresses = std::move(addresses), timeout, done]() mutable {
        impl->start_open(endpoint, std::move(addresses), timeout,
                         [done](std::exception_ptr failure) {
                             if (failure)
                                 done->set_exception(failure);
                             else
                                 done->set_value();
                         });
    });
    if (future.wait_for(timeout + 1s) != std::future_status::ready)
        throw ClientError("cannot connect to " + host_and_port(endpoint) + ": no answer in time");
    future.get(); // rethrows the failure
    return std::shared_ptr<Connection>(new Connection(std::move(impl)));
}

Connection::Connection(std::shared_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

Connection::~Connection() {
    if (is_open()) close();
}

void Connection::send_text(std::string text) {
    impl_->enqueue(std::move(text), true);
}
void Connection::send_binary(std::string bytes) {
    impl_->enqueue(std::move(bytes), false);
}

std::int64_t Connection::send_request(json message) {
    std::int64_t id;
    {
        std::lock_guard lock(impl_->mutex);
        if (message.contains("id") && message["id"].is_number_integer())
            id = message["id"].get<std::int64_t>();
        else
            id = impl_->next_id++;
    }
    message["id"] = id;
    send_text(message.dump());
    return id;
}

std::optional<json> Connection::receive(Millis timeout) {
    std::unique_lock lock(impl_->mutex);
    if (!impl_->arrived.wait_for(lock, timeout,
                                 [&] { return !impl_->inbox.empty() || !impl_->open; }))
        return std::nullopt;
    if (impl_->inbox.empty()) return std::nullopt;
    json frame = std::move(impl_->inbox.front());
    impl_->inbox.pop_front();
    return frame;
}

namespace {
template <class Match>
std::optional<json> take_matching(std::unique_lock<std::mutex>& lock, Connection::Impl& impl,
                                  Millis timeout, Match match) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        for (auto it = impl.inbox.begin(); it != impl.inbox.end(); ++it) {
            if (match(*it)) {
                json frame = std::move(*it);
                impl.inbox.erase(it);
                return frame;
            }
        }
        if (!impl.open) return std::nullopt;
        if (impl.arrived.wait_until(lock, deadline) == std::cv_status::timeout) {
            for (auto it = impl.inbox.begin(); it != impl.inbox.end(); ++it)
                if (match(*it)) {
                    json frame = std::move(*it);
                    impl.inbox.erase(it);
                    return frame;
                }
            return std::nullopt;
        }
    }
}
} // namespace

json Connection::request(json message, Millis timeout) {
    std::int64_t id = send_request(std::move(message));
    std::unique_lock lock(impl_->mutex);
    auto reply = take_matching(lock, *impl_, timeout, [id](const json& frame) {
        return frame.is_object() && frame.contains("re") && frame["re"].is_number_integer() &&
               frame["re"].get<std::int64_t>() == id;
    });
    if (!reply)
        throw ClientError("no reply to request " + std::to_string(id) +
                          (impl_->open ? " (timeout)" : " (closed)"));
    return *reply;
}

std::optional<json> Connection::wait_for(std::string_view type, Millis timeout) {
    std::unique_lock lock(impl_->mutex);
    return take_matching(lock, *impl_, timeout, [type](const json& frame) {
        return frame.is_object() && frame.contains("type") && frame["type"].is_string() &&
               frame["type"].get_ref<const std::string&>() == type;
    });
}

json Connection::hello(std::string_view role, std::string_view key, std::string_view device) {
    bool token = key.starts_with("sdd_");
    return request({{"type", "hello"},
                    {"protocol", 1},
                    {"role", role},
                    {"device", device},
                    {token ? "token" : "key", key}});
}

void Connection::request_async(json message, std::function<void(const json&)> on_reply) {
    std::int64_t id;
    {
        std::lock_guard lock(impl_->mutex);
        id = impl_->next_id++;
        impl_->callbacks.emplace(id, std::move(on_reply));
    }
    message["id"] = id;
    send_text(message.dump());
}

void Connection::on_frame(std::function<bool(std::string_view)> hook) {
    // Posted to the strand like every send, so it is in place before the reply to any request
    // sent after this call.
    asio::post(impl_->strand, [impl = impl_, hook = std::move(hook)]() mutable {
        impl->frame_hook = std::move(hook);
    });
}

std::optional<int> Connection::wait_closed(Millis timeout) {
    std::unique_lock lock(impl_->mutex);
    impl_->arrived.wait_for(lock, timeout, [&] { return !impl_->open; });
    return impl_->close_code;
}

void Connection::pause_reading() {
    std::promise<void> done;
    asio::post(impl_->strand, [impl = impl_, &done] {
        impl->paused = true;
        done.set_value();
    });
    done.get_future().wait();
}

void Connection::resume_reading() {
    asio::post(impl_->strand, [impl = impl_] {
        impl->paused = false;
        if (!impl->reading) impl->start_reading();
    });
}

bool Connection::is_open() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->open;
}

void Connection::close(int code) {
    asio::post(impl_->strand, [impl = impl_, code] { impl->start_close(code); });
    wait_closed(2s);
}

const std::string& Connection::peer_fingerprint() const {
    return impl_->peer_fingerprint;
}

// ---- HTTP requests ----

namespace {

// Runs one asynchronous operation to completion on a private io_context, so that the stream's
// deadline (tcp_stream::expires_after) bounds it; returns its error.
template <class Start> beast::error_code run_one(asio::io_context& ioc, Start start) {
    beast::error_code result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
}

template <class Stream>
HttpResult exchange(asio::io_context& ioc, Stream& stream, const Endpoint& endpoint,
                    std::string_view method, std::string_view target, std::string_view body,
                    std::string_view bearer_key) {
    http::request<http::string_body> request{http::string_to_verb(method), std::string(target), 11};
    request.set(http::field::host, host_and_port(endpoint));
    if (!bearer_key.empty())
        request.set(http::field::authorization, "Bearer " + std::string(bearer_key));
    request.body() = std::string(body);
    request.prepare_payload();
    auto what = [&](beast::error_code ec) {
        return ec == beast::error::timeout ? std::string("no answer in time") : ec.message();
    };
    if (auto ec = run_one(ioc, [&](auto done) { http::async_write(stream, request, done); }))
        throw ClientError("cannot send to " + host_and_port(endpoint) + ": " + what(ec));
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(request.method() == http::verb::head); // its Content-Length has no body after it
    if (auto ec = run_one(ioc, [&](auto done) { http::async_read(stream, buffer, parser, done); }))
        throw ClientError("no answer from " + host_and_port(endpoint) + ": " + what(ec));
    auto& response = parser.get();
    return HttpResult{static_cast<int>(response.result_int()), response.body(),
                      std::string(response[http::field::content_type]), ""};
}

void connect(asio::io_context& ioc, beast::tcp_stream& stream, const Endpoint& endpoint) {
    auto addresses = resolve(endpoint);
    if (auto ec = run_one(ioc, [&](auto done) { stream.async_connect(addresses, done); }))
        throw ClientError(connect_failure(endpoint, ec));
}

} // namespace

HttpResult http_request(const Endpoint& endpoint, std::string_view method, std::string_view target,
                        std::string_view body, std::string_view bearer_key, Millis timeout) {
    asio::io_context ioc;
    if (!endpoint.tls) {
        beast::tcp_stream stream(ioc);
        stream.expires_after(timeout);
        connect(ioc, stream, endpoint);
        return exchange(ioc, stream, endpoint, method, target, body, bearer_key);
    }
    auto context = make_tls_context(endpoint.trust);
    TlsStream stream(ioc, *context);
    beast::get_lowest_layer(stream).expires_after(timeout);
    connect(ioc, beast::get_lowest_layer(stream), endpoint);
    prepare_tls(stream.native_handle(), endpoint);
    if (auto ec = run_one(
            ioc, [&](auto done) { stream.async_handshake(ssl::stream_base::client, done); }))
        throw ClientError(tls_failure(ec, stream.native_handle(), endpoint));
    std::string fingerprint = check_presented(stream.native_handle(), endpoint.trust);
    auto result = exchange(ioc, stream, endpoint, method, target, body, bearer_key);
    result.fingerprint = std::move(fingerprint);
    return result;
}

} // namespace stagedoor::client
