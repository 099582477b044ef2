#include "app/module.hpp"

#include <chrono>

namespace stagedoor::app {

std::int64_t system_clock_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

double system_clock_ms_precise() {
    using namespace std::chrono;
    return duration<double, std::milli>(system_clock::now().time_since_epoch()).count();
}

HttpResponse json_error_response(int status, protocol::ErrorCode code, std::string message) {
    nlohmann::json body = {{"code", protocol::to_string(code)}, {"message", std::move(message)}};
    // The message may quote the request (a path with Latin-1 bytes, cut at 200 bytes): dump()
    // would throw on invalid UTF-8, so it writes U+FFFD instead.
    return HttpResponse{status,
                        "application/json",
                        body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                        {}};
}

void Replier::ok(ConnectionId connection, std::int64_t re) {
    send(connection, protocol::Ok{re});
}

void Replier::error(ConnectionId connection, std::optional<std::int64_t> re,
                    protocol::ErrorCode code, std::string message, std::string field) {
    protocol::ErrorReply reply;
    reply.re = re;
    reply.code = code;
    reply.message = std::move(message);
    reply.field = std::move(field);
    send(connection, reply);
}

void Replier::error(ConnectionId connection, std::optional<std::int64_t> re,
                    const protocol::Error& error) {
    send(connection, protocol::ErrorReply::from(error, re));
}

} // namespace stagedoor::app
