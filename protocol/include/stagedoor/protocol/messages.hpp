// Protocol v1 core messages: session set-up, clock pings and the generic replies.
// Domain messages live in messages_attendance.hpp and messages_stage.hpp.
#pragma once

#include "stagedoor/protocol/codec.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace stagedoor::protocol {

enum class Role { door, stage, moderator, organiser };
inline constexpr std::array<std::pair<std::string_view, Role>, 4> kRoles{{
    {"door", Role::door},
    {"stage", Role::stage},
    {"moderator", Role::moderator},
    {"organiser", Role::organiser},
}};
constexpr const auto& names_of(Role) {
    return kRoles;
}
inline std::optional<Role> role_from_string(std::string_view name) {
    return from_string<Role>(name);
}

constexpr const auto& names_of(ErrorCode) {
    return kErrorCodes;
}
inline std::optional<ErrorCode> error_code_from_string(std::string_view name) {
    return from_string<ErrorCode>(name);
}

// Request ids and the "re" of replies.
inline constexpr Integer kRequestId{0};

struct EventInfo {
    std::string id;
    std::string name;
    std::string date; // YYYY-MM-DD
    static void fields(auto& m, auto& v) {
        v("id", m.id, Text{64});
        v("name", m.name, Text{200});
        v("date", m.date, Text{10});
    }
    bool operator==(const EventInfo&) const = default;
};

// Client -> server. Must be the first message on a connection.
struct Hello {
    static constexpr std::string_view type = "hello";
    std::int64_t id = 0;
    std::int64_t protocol = kProtocolVersion;
    std::string role; // kept as text: an unknown role is "unauthorized", not "bad_message"
    std::string device;
    // Exactly one of key (a role key) and token (a paired device's token) is sent.
    std::optional<std::string> key{};
    std::optional<std::string> token{};
    std::optional<std::string> app{}; // the client's version text, e.g. "web 0.2 Chrome/126"
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("protocol", m.protocol, Integer{0, 1000});
        v("role", m.role, Text{32});
        v("device", m.device, Text{kMaxDeviceBytes});
        v("key", m.key, Optional{PresentText{Text{256}}});
        v("token", m.token, Optional{PresentText{Text{256}}});
        v("app", m.app, Optional{PresentText{Text{128}}});
    }
    bool operator==(const Hello&) const = default;
};

struct Welcome {
    static constexpr std::string_view type = "welcome";
    std::int64_t re = 0;
    std::int64_t protocol = kProtocolVersion;
    Role role = Role::door;
    std::string device;
    std::int64_t server_time = 0; // unix ms
    EventInfo event;
    std::int64_t device_id = 0; // the paired device; 0 for a role key
    static void fields(auto& m, auto& v) {
        v("re", m.re, kRequestId);
        v("protocol", m.protocol, Integer{0, 1000});
        v("role", m.role, OneOf{kRoles});
        v("device", m.device, Text{kMaxDeviceBytes});
        v("server_time", m.server_time, Integer{0});
        v("event", m.event, Object{NestedErrors::on_outer_field_bare});
        v("device_id", m.device_id, Integer{0});
    }
    bool operator==(const Welcome&) const = default;
};

// Clock sync; allowed before hello.
struct Ping {
    static constexpr std::string_view type = "ping";
    std::int64_t id = 0;
    double t0 = 0; // client clock, ms
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("t0", m.t0, Number{});
    }
    bool operator==(const Ping&) const = default;
};

struct Pong {
    static constexpr std::string_view type = "pong";
    std::int64_t re = 0;
    double t0 = 0; // echoed
    double t1 = 0; // server receive, unix ms (fraction allowed)
    double t2 = 0; // server send
    static void fields(auto& m, auto& v) {
        v("re", m.re, kRequestId);
        v("t0", m.t0, Number{});
        v("t1", m.t1, Number{});
        v("t2", m.t2, Number{});
    }
    bool operator==(const Pong&) const = default;
};

struct Ok {
    static constexpr std::string_view type = "ok";
    std::int64_t re = 0;
    static void fields(auto& m, auto& v) { v("re", m.re, kRequestId); }
    bool operator==(const Ok&) const = default;
};

struct ErrorReply {
    static constexpr std::string_view type = "error";
    std::optional<std::int64_t> re; // null when the request id is unknown
    ErrorCode code = ErrorCode::internal;
    std::string message;
    std::string field; // optional: which field was wrong (bad_message)
    static void fields(auto& m, auto& v) {
        v("re", m.re, Nullable{kRequestId});
        v("code", m.code, OneOf{kErrorCodes});
        v("message", m.message, Text{kMaxErrorMessageBytes});
        v("field", m.field, NullAsEmpty{Text{kMaxErrorFieldBytes, true}, true});
    }
    bool operator==(const ErrorReply&) const = default;
    static ErrorReply from(const Error& error, std::optional<std::int64_t> re);
};

} // namespace stagedoor::protocol
