#include "app/dispatcher.hpp"

#include "app/log.hpp"
#include "domain/devices.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"

#include <algorithm>
#include <openssl/crypto.h>

namespace stagedoor::app {

using nlohmann::json;
using protocol::ErrorCode;

RoleKeys RoleKeys::load(const storage::DataDir& dir) {
    RoleKeys keys;
    for (const auto& [name, role] : protocol::kRoles)
        keys.keys[static_cast<std::size_t>(role)] = dir.role_key(role);
    return keys;
}

std::optional<Role> RoleKeys::role_for(std::string_view key) const {
    std::optional<Role> match;
    for (const auto& [name, role] : protocol::kRoles) {
        const std::string& expected = keys[static_cast<std::size_t>(role)];
        if (!expected.empty() && expected.size() == key.size() &&
            CRYPTO_memcmp(expected.data(), key.data(), key.size()) == 0)
            match = role;
    }
    return match;
}

Dispatcher::Dispatcher(storage::EventConfig event, RoleKeys keys, Transport& transport,
                       Scheduler& scheduler, Clock clock)
    : event_(std::move(event))
    , keys_(std::move(keys))
    , transport_(transport)
    , scheduler_(scheduler)
    , clock_(std::move(clock))
    , reply_(transport_)
    , router_(transport_, clock_)
    , downloads_(clock_)
    , started_at_(clock_()) {
    router_.http("GET", "/healthz", Router::kPublic,
                 [this](const HttpRequest& request) { return health(request); });
    router_.http("GET", "/api/refusals", roles::organisers, [this](const HttpRequest&) {
        auto body = router_.refusal_counts().recent_json(clock_());
        return HttpResponse{200,
                            "application/json",
                            body.dump(-1, ' ', false, json::error_handler_t::replace),
                            {{"Cache-Control", "no-store"}}};
    });
    router_.http("POST", "/api/downloads", roles::everyone,
                 [this](const HttpRequest& request) { return issue_download(request); });
}

void Dispatcher::add_module(Module* module) {
    modules_.push_back(module);
    module->register_routes(router_);
}
void Dispatcher::start_modules() {
    for (Module* module : modules_)
        module->start();
}
void Dispatcher::stop_modules() {
    // One module failing to stop must not keep the others from stopping.
    for (Module* module : modules_)
        run_guarded("stopping a module", [module] { module->stop(); });
}

void Dispatcher::on_open(ConnectionId connection, std::string address) {
    ConnectionState state;
    state.info.id = connection;
    state.info.address = std::move(address);
    state.frames = kBeforeHello.frame_burst;
    state.bytes = kBeforeHello.byte_burst;
    state.refilled_at = clock_();
    state.hello_timer =
        scheduler_.schedule_at(state.refilled_at + kHelloTimeoutMs, [this, connection] {
            auto it = connections_.find(connection);
            if (it == connections_.end()) return;
            it->second.hello_timer = 0;
            if (!it->second.authenticated) transport_.close(connection, 1008, "hello timeout");
        });
    connections_.emplace(connection, std::move(state));
}

void Dispatcher::on_close(ConnectionId connection) {
    auto it = connections_.find(connection);
    if (it == connections_.end()) return;
    if (it->second.hello_timer) scheduler_.cancel(it->second.hello_timer);
    if (it->second.authenticated) {
        log::info("disconnect " + std::string(protocol::to_string(it->second.info.role)) + " '" +
                  it->second.info.device + "'");
        // Called from the network layer's session teardown: nothing may escape from here.
        for (Module* module : modules_)
            run_guarded("a module's on_disconnect",
                        [&] { module->on_disconnect(it->second.info); });
    }
    connections_.erase(it);
}

std::array<std::size_t, 4> Dispatcher::clients_by_role() const {
    std::array<std::size_t, 4> counts{};
    for (const auto& [id, state] : connections_)
        if (state.authenticated) ++counts[static_cast<std::size_t>(state.info.role)];
    return counts;
}

bool Dispatcher::charge(ConnectionState& state, double frames, std::size_t bytes) {
    std::int64_t now = clock_();
    if (now > state.refilled_at) {
        double seconds = static_cast<double>(now - state.refilled_at) / 1000.0;
        const Budget& budget = state.budget;
        state.frames =
            std::min(budget.frame_burst, state.frames + seconds * budget.frames_per_second);
        state.bytes = std::min(budget.byte_burst, state.bytes + seconds * budget.bytes_per_second);
        state.refilled_at = now;
    }
    double cost = static_cast<double>(bytes);
    if (state.frames < frames || state.bytes < cost) return false;
    state.frames -= frames;
    state.bytes -= cost;
    return true;
}

void Dispatcher::refuse_rate_limited(ConnectionState& state, std::optional<std::int64_t> re) {
    router_.refuse(state.info, re, {ErrorCode::rate_limited, "", "too many messages; slow down"});
}

void Dispatcher::on_binary(ConnectionId connection) {
    reply_.error(connection, std::nullopt, ErrorCode::bad_message,
                 "binary frames are not part of protocol v1");
}

void Dispatcher::on_text(ConnectionId connection, std::string_view text, double receive_time_ms) {
    auto it = connections_.find(connection);
    if (it == connections_.end()) return;
    ConnectionState& state = it->second;
    if (state.closing) return;

    // Charged as it is read, before anything is parsed: over the budget, a frame costs a look
    // at its first bytes for the id and a refusal, whatever its size or content.
    if (!charge(state, 1, text.size()))
        return refuse_rate_limited(state, protocol::peek_envelope(text).id);
    if (state.authenticated) {
        if (router_.dispatch_text(state.info, text)) return;
        // A type the role may not send is refused before the rest of the frame is parsed.
        auto peeked = protocol::peek_envelope(text);
        if (peeked.type && peeked.id &&
            router_.refuse_if_forbidden(state.info, *peeked.type, peeked.id))
            return;
    }

    std::optional<std::int64_t> id;
    auto envelope = protocol::parse_envelope(text, &id);
    if (!envelope) return router_.refuse(state.info, id, envelope.error());
    const std::string& type = envelope->type;
    if (type == protocol::Ping::type) return handle_ping(state, *envelope, receive_time_ms);
    if (type == protocol::Hello::type) return handle_hello(state, *envelope);
    if (!state.authenticated)
        return router_.refuse(state.info, envelope->id,
                              {ErrorCode::unauthorized, "", "send hello with a role key first"});
    if (!envelope->id)
        return router_.refuse(state.info, std::nullopt,
                              {ErrorCode::bad_message, "id", "field 'id' is required on requests"});
    // A lookup searches the roster: it costs more than the frame already charged.
    if (type == protocol::Lookup::type && !charge(state, kLookupWeight - 1, 0))
        return refuse_rate_limited(state, envelope->id);
    router_.dispatch(state.info, *envelope);
}

void Dispatcher::handle_ping(ConnectionState& state, const protocol::Envelope& envelope,
                             double receive_time_ms) {
    auto ping = protocol::decode<protocol::Ping>(envelope.object);
    if (!ping) return router_.refuse(state.info, envelope.id, ping.error(), protocol::Ping::type);
    protocol::Pong pong;
    pong.re = ping->id;
    pong.t0 = ping->t0;
    pong.t1 = receive_time_ms;
    pong.t2 = std::max(receive_time_ms, system_clock_ms_precise());
    reply_.send(state.info.id, pong);
}

void Dispatcher::handle_hello(ConnectionState& state, const protocol::Envelope& envelope) {
    ConnectionId connection = state.info.id;
    if (state.authenticated)
        return router_.refuse(state.info, envelope.id,
                              {ErrorCode::conflict, "", "this connection has already said hello"},
                              protocol::Hello::type);
    auto hello = protocol::decode<protocol::Hello>(envelope.object);
    if (!hello)
        return router_.refuse(state.info, envelope.id, hello.error(), protocol::Hello::type);
    if (hello->protocol != protocol::kProtocolVersion) {
        router_.refuse(state.info, hello->id,
                       {ErrorCode::bad_message, "protocol",
                        "protocol " + std::to_string(hello->protocol) +
                            " is not supported; this server speaks 1"},
                       protocol::Hello::type);
        transport_.close(connection, 1002, "unsupported protocol");
        return;
    }
    auto identity = identify(state, *hello);
    if (!identity) return;
    state.authenticated = true;
    state.info.role = identity->role;
    state.budget = kRoleBudgets[static_cast<std::size_t>(identity->role)];
    state.frames = state.budget.frame_burst;
    state.bytes = state.budget.byte_burst;
    state.info.device = std::move(identity->device);
    state.info.device_id = identity->device_id;
    state.info.app = hello->app.value_or("");
    if (state.hello_timer) scheduler_.cancel(state.hello_timer);
    state.hello_timer = 0;
    transport_.set_role(connection, identity->role);
    log::info("connect " + hello->role + " '" +
              domain::ledger_device(state.info.device, state.info.device_id) + "'");

    protocol::Welcome welcome;
    welcome.re = hello->id;
    welcome.role = identity->role;
    welcome.device = state.info.device;
    welcome.device_id = state.info.device_id;
    welcome.server_time = clock_();
    welcome.event = protocol::EventInfo{event_.id, event_.name, event_.date};
    reply_.send(connection, welcome);
    // A module that fails to send its snapshots must not keep the others from sending theirs.
    for (Module* module : modules_)
        run_guarded("a module's on_welcome", [&] { module->on_welcome(state.info); });
}

std::optional<Dispatcher::Identity> Dispatcher::identify(ConnectionState& state,
                                                         const protocol::Hello& hello) {
    auto refuse = [&](ErrorCode code, std::string field, std::string message) {
        log::info("rejected hello for role '" + hello.role.substr(0, 32) + "' from '" +
                  hello.device + "' with " +
                  log::credential_tag(hello.key ? *hello.key : hello.token.value_or("")));
        router_.refuse(state.info, hello.id, {code, std::move(field), std::move(message)},
                       protocol::Hello::type);
        close_policy(state, "unauthorized");
        return std::optional<Identity>();
    };
    auto claimed = protocol::role_from_string(hello.role);
    if (!claimed)
        return refuse(ErrorCode::unauthorized, "",
                      "unknown role '" + hello.role.substr(0, 32) + "'");
    if (hello.key.has_value() == hello.token.has_value())
        return refuse(ErrorCode::bad_message, "key", "send exactly one of 'key' and 'token'");
    if (hello.token) {
        std::variant<DeviceAuthority::Device, std::string> found = "unknown device token";
        if (devices_) found = devices_->device_for_token(*hello.token);
        if (auto* refused = std::get_if<std::string>(&found))
            return refuse(ErrorCode::unauthorized, "token", *refused);
        auto& device = std::get<DeviceAuthority::Device>(found);
        if (device.role != *claimed)
            return refuse(ErrorCode::unauthorized, "role",
                          "this device is paired as " +
                              std::string(protocol::to_string(device.role)));
        return Identity{device.role, device.id, std::move(device.name)};
    }
    auto granted = keys_.role_for(*hello.key);
    if (!granted || *granted != *claimed)
        return refuse(ErrorCode::unauthorized, "", "wrong key for role " + hello.role);
    // The ledger tells paired devices apart by a " #<id>" after the name (undo rights follow it).
    if (domain::looks_like_device_label(hello.device))
        return refuse(ErrorCode::bad_message, "device",
                      "device names ending in ' #<number>' are kept for paired devices");
    return Identity{*claimed, 0, hello.device};
}

void Dispatcher::close_policy(ConnectionState& state, std::string_view reason) {
    state.closing = true;
    transport_.close(state.info.id, 1008, std::string(reason));
}

void Dispatcher::replace_keys(RoleKeys keys) {
    std::array<bool, 4> changed{};
    for (std::size_t role = 0; role < changed.size(); ++role)
        changed[role] = keys.keys[role] != keys_.keys[role];
    keys_ = std::move(keys);
    for (auto& [id, state] : connections_)
        if (state.authenticated && !state.closing && state.info.device_id == 0 &&
            changed[static_cast<std::size_t>(state.info.role)])
            close_policy(state, "key rotated");
}

void Dispatcher::close_device(std::int64_t device_id, std::string_view reason) {
    for (auto& [id, state] : connections_)
        if (state.authenticated && !state.closing && state.info.device_id == device_id)
            close_policy(state, reason);
}

void Dispatcher::rename_device(std::int64_t device_id, std::string_view name) {
    for (auto& [id, state] : connections_)
        if (state.info.device_id == device_id) state.info.device = name;
}

HttpResponse Dispatcher::health(const HttpRequest& request) const {
    // Anyone may ask whether the server is up; the event and who is connected need a key.
    if (!request.role)
        return HttpResponse{
            200, "application/json", R"({"status":"ok"})", {{"Cache-Control", "no-store"}}};
    auto counts = clients_by_role();
    json clients = json::object();
    for (const auto& [name, role] : protocol::kRoles)
        clients[std::string(name)] = counts[static_cast<std::size_t>(role)];
    json body = {{"status", "ok"},
                 {"version", STAGEDOOR_VERSION},
                 {"uptime_s", (clock_() - started_at_) / 1000},
                 {"event", {{"id", event_.id}, {"name", event_.name}, {"date", event_.date}}},
                 {"clients", clients},
                 {"refused", router_.refusals_total()}};
    return HttpResponse{200, "application/json", body.dump(), {{"Cache-Control", "no-store"}}};
}

std::optional<HttpResponse> Dispatcher::authenticate(HttpRequest& request,
                                                     std::string_view authorization_header,
                                                     bool spend_download) {
    // A key in a URL stays in the browser's history, bookmarks and proxy logs: refused, even
    // a valid one, so that no link with a key keeps working.
    if (request.query.contains("key"))
        return json_error_response(401, ErrorCode::unauthorized,
                                   "send the key in the Authorization header, not in the URL");
    std::string key;
    constexpr std::string_view bearer = "Bearer ";
    if (authorization_header.substr(0, bearer.size()) == bearer)
        key = std::string(authorization_header.substr(bearer.size()));
    else if (request.query.contains(std::string(DownloadTokens::kQueryName)))
        return authenticate_download(request, spend_download);
    if (key.empty()) return std::nullopt;
    std::string refusal = "the key is not valid for this event";
    if (key.starts_with(domain::kDeviceTokenPrefix)) {
        if (devices_) {
            auto found = devices_->device_for_token(key);
            if (auto* device = std::get_if<DeviceAuthority::Device>(&found)) {
                request.role = device->role;
                request.device_id = device->id;
                request.device = device->name;
            } else {
                refusal = std::get<std::string>(found);
            }
        }
    } else if ((request.role = keys_.role_for(key))) {
        request.device_id = 0;
        request.device = "(role key)";
    }
    if (!request.role && request.path != "/healthz")
        return json_error_response(401, ErrorCode::unauthorized, refusal);
    return std::nullopt;
}

std::optional<HttpResponse> Dispatcher::authenticate_download(HttpRequest& request, bool spend) {
    // Only a GET spends the token: HEAD (a link checker, a browser's preflight look) does not.
    const std::string& token = request.query.at(std::string(DownloadTokens::kQueryName));
    DownloadTokens::Grantee who;
    request.role = downloads_.redeem(token, request.path, spend && request.method == "GET", &who);
    request.device_id = who.device_id;
    request.device = std::move(who.device);
    if (request.role) return std::nullopt;
    return json_error_response(401, ErrorCode::unauthorized,
                               "this download link was used, has expired or is for another "
                               "file; start the download again");
}

HttpResponse Dispatcher::issue_download(const HttpRequest& request) {
    json body = json::parse(request.body, nullptr, false);
    const json* target = body.is_object() ? &body["path"] : nullptr;
    if (!target || !target->is_string())
        return json_error_response(400, ErrorCode::bad_message,
                                   "send {\"path\":\"/api/...\"}: the path to download");
    const std::string& text = target->get_ref<const std::string&>();
    std::string path = text.substr(0, text.find('?'));
    if (!path.starts_with("/") || text.size() > 1024 ||
        text.find_first_of(" #\r\n\t") != std::string::npos)
        return json_error_response(400, ErrorCode::bad_message,
                                   "field 'path' must be a path on this server, such as "
                                   "/api/report.csv");
    // The token may do what its holder may: a GET of that path with the caller's role.
    HttpRequest download;
    download.method = "GET";
    download.path = path;
    download.role = request.role;
    auto admitted = router_.admit_http(download);
    if (auto* refused = std::get_if<HttpResponse>(&admitted)) return std::move(*refused);
    std::string token = downloads_.issue(path, *request.role, {request.device_id, request.device});
    json answer = {{"url", text + (text.find('?') == std::string::npos ? "?" : "&") +
                               std::string(DownloadTokens::kQueryName) + "=" + token},
                   {"expires_in_s", DownloadTokens::kLifetimeMs / 1000}};
    return HttpResponse{200, "application/json", answer.dump(), {{"Cache-Control", "no-store"}}};
}

void Dispatcher::handle_http(HttpRequest request, std::string_view authorization_header,
                             Router::HttpRespond respond) {
    if (auto refused = authenticate(request, authorization_header, true))
        return respond(std::move(*refused));
    router_.dispatch_http(std::move(request), std::move(respond));
}

std::variant<std::uint64_t, HttpResponse>
Dispatcher::admit_http(HttpRequest& request, std::string_view authorization_header) {
    if (auto refused = authenticate(request, authorization_header, false))
        return std::move(*refused);
    return router_.admit_http(request);
}

} // namespace stagedoor::app
