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
std::string_view to_string(Role role);
std::optional<Role> role_from_string(std::string_view name);

struct EventInfo {
    std::string id;
    std::string name;
    std::string date; // YYYY-MM-DD
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

// Client -> server. Must be the first message on a connection.
struct Hello {
    static constexpr std::string_view type = "hello";
    std::int64_t id = 0;
    std::int64_t protocol = kProtocolVersion;
    std::string role; // kept as text: an unknown role is "unauthorized", not "bad_message"
    std::string device;
    std::string key;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct Welcome {
    static constexpr std::string_view type = "welcome";
    std::int64_t re = 0;
    std::int64_t protocol = kProtocolVersion;
    Role role = Role::door;
    std::string device;
    std::int64_t server_time = 0; // unix ms
    EventInfo event;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

// Clock sync; allowed before hello.
struct Ping {
    static constexpr std::string_view type = "ping";
    std::int64_t id = 0;
    double t0 = 0; // client clock, ms
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct Pong {
    static constexpr std::string_view type = "pong";
    std::int64_t re = 0;
    double t0 = 0; // echoed
    double t1 = 0; // server receive, unix ms (fraction allowed)
    double t2 = 0; // server send
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct Ok {
    static constexpr std::string_view type = "ok";
    std::int64_t re = 0;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct ErrorReply {
    static constexpr std::string_view type = "error";
    std::optional<std::int64_t> re; // null when the request id is unknown
    ErrorCode code = ErrorCode::internal;
    std::string message;
    std::string field; // optional: which field was wrong (bad_message)
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
    static ErrorReply from(const Error& error, std::optional<std::int64_t> re);
};

std::optional<ErrorCode> error_code_from_string(std::string_view name);

} // namespace stagedoor::protocol
