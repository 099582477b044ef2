// The one place where requests meet the modules. Modules register a typed handler per message
// type and per HTTP route, each with the set of roles allowed to use it; the router decodes
// (answering bad_message with the field), checks the role (forbidden), calls the handler inside
// an exception boundary (internal, logged once) and counts every refusal. Runs on the event-loop
// thread only.
#pragma once

#include "app/guard.hpp"
#include "app/module.hpp"
#include "app/refusals.hpp"
#include "app/roles.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

namespace stagedoor::app {

class Router {
  public:
    template <class M> using Handler = std::function<void(const Connection&, const M&)>;
    using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
    // Answers an HTTP request; called exactly once, now or later (after a commit).
    using HttpRespond = std::function<void(HttpResponse)>;
    using AsyncHttpHandler = std::function<void(const HttpRequest&, HttpRespond)>;
    // For HTTP routes anyone may call (no key needed).
    static constexpr RoleSet kPublic{};

    // clock (unix ms) dates the refusals it counts.
    explicit Router(Transport& transport, Clock clock = &system_clock_ms)
        : reply_(transport)
        , clock_(std::move(clock)) {}

    // Registers the handler of message type M (one handler per type) for the roles in allowed.
    // The handler gets the decoded message and answers message.id itself, now or after a
    // commit. fast, when given, decodes the frame's text without a JSON tree (the hot path):
    // it returns nullopt for anything it does not handle, which then takes the general path.
    template <class M>
    void on(RoleSet allowed, Handler<M> handler,
            std::optional<M> (*fast)(std::string_view) = nullptr);
    // The same for a member function: router.on<Scan>(roles::door_staff, this, &X::on_scan).
    template <class M, class Owner>
    void on(RoleSet allowed, Owner* owner, void (Owner::*method)(const Connection&, const M&),
            std::optional<M> (*fast)(std::string_view) = nullptr) {
        on<M>(
            allowed,
            [owner, method](const Connection& who, const M& m) { (owner->*method)(who, m); }, fast);
    }

    // Registers an HTTP route. method is "GET" (HEAD is then allowed too) or "POST"; pattern is
    // a path such as "/api/report.csv", or one with a single "{id}" standing for 1-10 digits
    // ("/api/badges/{id}.svg"), passed on in HttpRequest::path_id. allowed = kPublic needs no
    // key; otherwise a request without a valid key gets 401 and one of another role 403.
    // body_limit: the largest request body the route reads (larger ones get 413 unread).
    void http(std::string_view method, std::string pattern, RoleSet allowed, HttpHandler handler,
              std::uint64_t body_limit = kDefaultBodyLimit);
    // The same for a handler that answers later, e.g. after its write is durable.
    void http_async(std::string_view method, std::string pattern, RoleSet allowed,
                    AsyncHttpHandler handler, std::uint64_t body_limit = kDefaultBodyLimit);
    static constexpr std::uint64_t kDefaultBodyLimit = 64 * 1024;

    // Tries the fast decoders on a frame's text. Returns true when one recognised the frame and
    // it was answered (or refused) as dispatch() would have.
    bool dispatch_text(const Connection& who, std::string_view text);
    // Answers one request from an authenticated connection: the handler of its type, or
    // unknown_type / forbidden / bad_message / internal.
    void dispatch(const Connection& who, const protocol::Envelope& envelope);
    // Answers one HTTP request through respond, exactly once: the route's response, or
    // 404 / 405 / 401 / 403 / 500.
    void dispatch_http(HttpRequest request, HttpRespond respond);
    // Decides on a request from its head alone (method, path, role), before its body is read:
    // the route's body limit, or the response that refuses it (404 / 405 / 401 / 403).
    std::variant<std::uint64_t, HttpResponse> admit_http(HttpRequest& request) const;

    // When type is a registered message type that who's role may not send: refuses it
    // (forbidden, counted) and returns true. Lets a frame be refused before it is parsed.
    bool refuse_if_forbidden(const Connection& who, std::string_view type,
                             std::optional<std::int64_t> re);
    // Answers a refused request with error and counts the refusal.
    void refuse(const Connection& who, std::optional<std::int64_t> re, const protocol::Error& error,
                std::string_view type = {});

    // Refusals counted since start, by device, message type and code (bounded, see
    // RefusalCounts), and per minute for the last hour.
    using RefusalKey = RefusalCounts::Key;
    const RefusalCounts::Table& refusals() const { return refusals_.since_start(); }
    std::uint64_t refusals_total() const { return refusals_.total(); }
    const RefusalCounts& refusal_counts() const { return refusals_; }
    // The registered message types and HTTP routes, for tests and the docs.
    std::vector<std::string> message_types() const;

  private:
    inline static const protocol::Error kInternalError{protocol::ErrorCode::internal, "",
                                                       "the server could not handle this request"};

    struct MessageRoute {
        RoleSet allowed;
        std::function<void(const Connection&, const protocol::Envelope&)> call;
    };
    struct FastRoute {
        std::string_view type;
        RoleSet allowed;
        // Returns false when the text is not such a frame; sets id as soon as it is known.
        std::function<bool(const Connection&, std::string_view, std::optional<std::int64_t>&)> call;
    };
    struct HttpRoute {
        std::string method;
        std::string prefix; // before "{id}", or the whole path
        std::string suffix; // after "{id}"
        bool has_id = false;
        RoleSet allowed;
        AsyncHttpHandler handler;
        std::uint64_t body_limit = kDefaultBodyLimit;
    };
    // The route for request (path_id set), or the error response that answers it.
    std::variant<const HttpRoute*, HttpResponse> route_http(HttpRequest& request) const;
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const {
            return std::hash<std::string_view>{}(text);
        }
    };

    // Runs call inside the exception boundary; on an exception answers internal to re (read
    // after the call: a fast decoder sets it as it goes).
    template <class F>
    void guarded(const Connection& who, const std::optional<std::int64_t>& re,
                 std::string_view type, F&& call);
    bool permitted(const Connection& who, RoleSet allowed, std::optional<std::int64_t> re,
                   std::string_view type);
    static bool matches(const HttpRoute& route, std::string_view path,
                        std::optional<std::int64_t>& id);

    Replier reply_;
    std::unordered_map<std::string, MessageRoute, StringHash, std::equal_to<>> routes_;
    std::vector<FastRoute> fast_routes_;
    std::vector<HttpRoute> http_routes_;
    Clock clock_;
    RefusalCounts refusals_;
};

// ---- templates ----

template <class F>
void Router::guarded(const Connection& who, const std::optional<std::int64_t>& re,
                     std::string_view type, F&& call) {
    auto what = [type] { return "handling '" + std::string(type) + "'"; };
    if (!run_guarded(what, std::forward<F>(call))) refuse(who, re, kInternalError, type);
}

template <class M>
void Router::on(RoleSet allowed, Handler<M> handler, std::optional<M> (*fast)(std::string_view)) {
    std::string_view type = M::type;
    routes_[std::string(type)] = MessageRoute{
        allowed, [this, handler, type](const Connection& who, const protocol::Envelope& envelope) {
            auto message = protocol::decode<M>(envelope.object);
            if (!message) return refuse(who, envelope.id, message.error(), type);
            handler(who, *message);
        }};
    if (!fast) return;
    fast_routes_.push_back(
        FastRoute{type, allowed,
                  [this, handler, fast, allowed, type](const Connection& who, std::string_view text,
                                                       std::optional<std::int64_t>& id) {
                      auto message = fast(text);
                      if (!message) return false;
                      id = message->id;
                      if (permitted(who, allowed, id, type)) handler(who, *message);
                      return true;
                  }});
}

} // namespace stagedoor::app
