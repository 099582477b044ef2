#include "client/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace stagedoor::client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

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

struct Connection::Impl : std::enable_shared_from_this<Connection::Impl> {
    explicit Impl(asio::io_context& ioc)
        : ws(asio::make_strand(ioc)) {}

    websocket::stream<beast::tcp_stream> ws;
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

    void start_reading() {
        if (paused) return;
        reading = true;
        ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_read(ec);
        });
    }

    void on_read(beast::error_code ec) {
        reading = false;
        if (ec) {
            std::lock_guard lock(mutex);
            open = false;
            close_code = ws.reason().code != websocket::close_code::none
                             ? static_cast<int>(ws.reason().code)
                             : 1006;
            arrived.notify_all();
            return;
        }
        if (frame_hook) {
            auto bytes = buffer.cdata();
            if (frame_hook(
                    std::string_view(static_cast<const char*>(bytes.data()), bytes.size()))) {
                buffer.consume(buffer.size());
                return start_reading();
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
        start_reading();
    }

    void enqueue(std::string text, bool is_text) {
        asio::post(ws.get_executor(),
                   [self = shared_from_this(), text = std::move(text), is_text]() mutable {
                       self->outbox.emplace_back(std::move(text), is_text);
                       if (!self->writing) self->do_write();
                   });
    }

    void do_write() {
        writing = true;
        ws.text(outbox.front().second);
        ws.async_write(asio::buffer(outbox.front().first),
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                           self->writing = false;
                           if (ec) return;
                           self->outbox.pop_front();
                           if (!self->outbox.empty()) self->do_write();
                       });
    }
};

std::shared_ptr<Connection> Connection::open(ClientContext& context, const Endpoint& endpoint,
                                             Millis timeout) {
    auto impl = std::make_shared<Impl>(context.impl().ioc);
    // Shared: the handlers may outlive this call when it times out.
    auto done_ptr = std::make_shared<std::promise<beast::error_code>>();
    auto future = done_ptr->get_future();
    asio::post(impl->ws.get_executor(), [impl, endpoint, timeout, done_ptr] {
        auto& done = *done_ptr;
        beast::error_code ec;
        auto address = asio::ip::make_address(endpoint.host, ec);
        if (ec) return done.set_value(ec);
        auto& stream = beast::get_lowest_layer(impl->ws);
        stream.expires_after(timeout);
        stream.async_connect(
            tcp::endpoint(address, endpoint.port),
            [impl, endpoint, done_ptr](beast::error_code connect_ec) {
                if (connect_ec) return done_ptr->set_value(connect_ec);
                beast::get_lowest_layer(impl->ws).socket().set_option(tcp::no_delay(true));
                beast::get_lowest_layer(impl->ws).expires_never();
                impl->ws.set_option(
                    websocket::stream_base::timeout::suggested(beast::role_type::client));
                impl->ws.read_message_max(16 * 1024 * 1024);
                std::string host = endpoint.host + ":" + std::to_string(endpoint.port);
                impl->ws.async_handshake(host, endpoint.path,
                                         [impl, done_ptr](beast::error_code handshake_ec) {
                                             if (!handshake_ec) {
                                                 std::lock_guard lock(impl->mutex);
                                                 impl->open = true;
                                             }
                                             done_ptr->set_value(handshake_ec);
                                             if (!handshake_ec) impl->start_reading();
                                         });
            });
    });
    if (future.wait_for(timeout + 1s) != std::future_status::ready)
        throw ClientError("connect timed out");
    auto ec = future.get();
    if (ec)
        throw ClientError("cannot connect to " + endpoint.host + ":" +
                          std::to_string(endpoint.port) + ": " + ec.message());
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
    asio::post(impl_->ws.get_executor(), [impl = impl_, hook = std::move(hook)]() mutable {
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
    asio::post(impl_->ws.get_executor(), [impl = impl_, &done] {
        impl->paused = true;
        done.set_value();
    });
    done.get_future().wait();
}

void Connection::resume_reading() {
    asio::post(impl_->ws.get_executor(), [impl = impl_] {
        impl->paused = false;
        if (!impl->reading) impl->start_reading();
    });
}

bool Connection::is_open() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->open;
}

void Connection::close(int code) {
    asio::post(impl_->ws.get_executor(), [impl = impl_, code] {
        impl->ws.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)),
                             [impl](beast::error_code) {});
    });
    wait_closed(2s);
}

HttpResult http_request(const Endpoint& endpoint, std::string_view method, std::string_view target,
                        std::string_view body, std::string_view bearer_key, Millis timeout) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    beast::error_code ec;
    auto address = asio::ip::make_address(endpoint.host, ec);
    if (ec) throw ClientError("bad host " + endpoint.host);
    stream.connect(tcp::endpoint(address, endpoint.port), ec);
    if (ec) throw ClientError("cannot connect: " + ec.message());
    http::request<http::string_body> request{http::string_to_verb(method), std::string(target), 11};
    request.set(http::field::host, endpoint.host);
    if (!bearer_key.empty())
        request.set(http::field::authorization, "Bearer " + std::string(bearer_key));
    request.body() = std::string(body);
    request.prepare_payload();
    http::write(stream, request, ec);
    if (ec) throw ClientError("http write: " + ec.message());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser, ec);
    if (ec) throw ClientError("http read: " + ec.message());
    auto& response = parser.get();
    return HttpResult{static_cast<int>(response.result_int()), response.body(),
                      std::string(response[http::field::content_type])};
}

} // namespace stagedoor::client
