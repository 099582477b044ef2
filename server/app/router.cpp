#include "app/router.hpp"

#include "app/log.hpp"

#include <algorithm>
#include <stdexcept>

namespace stagedoor::app {

using protocol::ErrorCode;

namespace {

std::string allowed_methods(const std::vector<std::string>& methods) {
    std::string out;
    for (const auto& method : methods) {
        if (!out.empty()) out += ", ";
        out += method;
    }
    return out;
}

} // namespace

std::string RoleSet::describe() const {
    std::vector<std::string_view> names;
    for (const auto& [name, role] : protocol::kRoles)
        if (contains(role)) names.push_back(name);
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += names[i];
    }
    return out;
}

void Router::refuse(const Connection& who, std::optional<std::int64_t> re,
                    const protocol::Error& error, std::string_view type) {
    refusals_.count(clock_(), who.device, type, error.code);
    reply_.error(who.id, re, error);
}

bool Router::permitted(const Connection& who, RoleSet allowed, std::optional<std::int64_t> re,
                       std::string_view type) {
    if (allowed.contains(who.role)) return true;
    refuse(who, re,
           {ErrorCode::forbidden, "",
            "the " + std::string(protocol::to_string(who.role)) + " role may not send '" +
                std::string(type) + "' (" + allowed.describe() + " only)"},
           type);
    return false;
}

bool Router::refuse_if_forbidden(const Connection& who, std::string_view type,
                                 std::optional<std::int64_t> re) {
    auto it = routes_.find(type);
    return it != routes_.end() && !permitted(who, it->second.allowed, re, it->first);
}

bool Router::dispatch_text(const Connection& who, std::string_view text) {
    for (const FastRoute& route : fast_routes_) {
        std::optional<std::int64_t> id;
        bool handled = false;
        guarded(who, id, route.type, [&] { handled = route.call(who, text, id); });
        if (handled || id) return true; // an exception after the id was read was answered
    }
    return false;
}

void Router::dispatch(const Connection& who, const protocol::Envelope& envelope) {
    auto it = routes_.find(envelope.type);
    if (it == routes_.end()) {
        refuse(who, envelope.id,
               {ErrorCode::unknown_type, "type",
                "unknown message type '" + envelope.type.substr(0, 64) + "'"},
               "(unknown)");
        return;
    }
    const MessageRoute& route = it->second;
    std::string_view type = it->first;
    if (!permitted(who, route.allowed, envelope.id, type)) return;
    guarded(who, envelope.id, type, [&] { route.call(who, envelope); });
}

void Router::http(std::string_view method, std::string pattern, RoleSet allowed,
                  HttpHandler handler, std::uint64_t body_limit) {
    http_async(
        method, std::move(pattern), allowed,
        [handler = std::move(handler)](const HttpRequest& request, HttpRespond respond) {
            respond(handler(request));
        },
        body_limit);
}

void Router::http_async(std::string_view method, std::string pattern, RoleSet allowed,
                        AsyncHttpHandler handler, std::uint64_t body_limit) {
    if (method != "GET" && method != "POST")
        throw std::logic_error("router: unsupported method " + std::string(method));
    HttpRoute route{std::string(method), std::move(pattern), {}, false, allowed,
                    std::move(handler),  body_limit};
    if (auto at = route.prefix.find("{id}"); at != std::string::npos) {
        route.suffix = route.prefix.substr(at + 4);
        route.prefix.resize(at);
        route.has_id = true;
    }
    http_routes_.push_back(std::move(route));
}

bool Router::matches(const HttpRoute& route, std::string_view path,
                     std::optional<std::int64_t>& id) {
    if (!route.has_id) return path == route.prefix;
    if (path.size() <= route.prefix.size() + route.suffix.size() ||
        !path.starts_with(route.prefix) || !path.ends_with(route.suffix))
        return false;
    std::string_view digits =
        path.substr(route.prefix.size(), path.size() - route.prefix.size() - route.suffix.size());
    if (digits.size() > 10 || digits.find_first_not_of("0123456789") != std::string_view::npos)
        return false;
    id = std::stoll(std::string(digits));
    return true;
}

std::variant<const Router::HttpRoute*, HttpResponse>
Router::route_http(HttpRequest& request) const {
    // HEAD is GET without the body (the network layer drops it).
    std::string_view method = request.method == "HEAD" ? "GET" : std::string_view(request.method);
    const HttpRoute* found = nullptr;
    std::vector<std::string> allowed;
    for (const HttpRoute& route : http_routes_) {
        std::optional<std::int64_t> id;
        if (!matches(route, request.path, id)) continue;
        allowed.push_back(route.method);
        if (route.method == "GET") allowed.push_back("HEAD");
        if (route.method == method && !found) {
            found = &route;
            request.path_id = id;
        }
    }
    if (allowed.empty())
        return json_error_response(404, ErrorCode::not_found,
                                   "no such endpoint: " + request.path.substr(0, 200));
    if (!found) {
        auto response = json_error_response(405, ErrorCode::bad_message,
                                            "use " + allowed_methods(allowed) + " for " +
                                                request.path.substr(0, 200));
        response.headers["Allow"] = allowed_methods(allowed);
        return response;
    }
    if (!found->allowed.empty()) {
        if (!request.role)
            return json_error_response(401, ErrorCode::unauthorized,
                                       "send the " + found->allowed.describe() +
                                           " key as 'Authorization: Bearer KEY'");
        if (!found->allowed.contains(*request.role))
            return json_error_response(403, ErrorCode::forbidden,
                                       "only " + found->allowed.describe() + " may do this");
    }
    return found;
}

std::variant<std::uint64_t, HttpResponse> Router::admit_http(HttpRequest& request) const {
    auto routed = route_http(request);
    if (auto* refused = std::get_if<HttpResponse>(&routed)) return std::move(*refused);
    return std::get<const HttpRoute*>(routed)->body_limit;
}

void Router::dispatch_http(HttpRequest request, HttpRespond respond) {
    auto routed = route_http(request);
    if (auto* refused = std::get_if<HttpResponse>(&routed)) return respond(std::move(*refused));
    const HttpRoute& route = *std::get<const HttpRoute*>(routed);
    // The handler may answer now or later; an exception before it answered is answered 500.
    auto answered = std::make_shared<bool>(false);
    auto once = [answered, respond](HttpResponse response) {
        if (*answered) return;
        *answered = true;
        respond(std::move(response));
    };
    auto what = [&request] {
        return "handling '" + request.method + " " + request.path.substr(0, 200) + "'";
    };
    if (!run_guarded(what, [&] { route.handler(request, once); }))
        once(json_error_response(500, ErrorCode::internal,
                                 "the server could not handle this request"));
}

std::vector<std::string> Router::message_types() const {
    std::vector<std::string> types;
    for (const auto& [type, route] : routes_)
        types.push_back(type);
    std::sort(types.begin(), types.end());
    return types;
}

} // namespace stagedoor::app
