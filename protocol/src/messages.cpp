#include "stagedoor/protocol/messages.hpp"

namespace stagedoor::protocol {

using nlohmann::json;

namespace {
constexpr std::array<std::pair<std::string_view, ErrorCode>, 10> kErrorCodes{{
    {"bad_json", ErrorCode::bad_json},
    {"bad_message", ErrorCode::bad_message},
    {"unknown_type", ErrorCode::unknown_type},
    {"unauthorized", ErrorCode::unauthorized},
    {"forbidden", ErrorCode::forbidden},
    {"too_large", ErrorCode::too_large},
    {"rate_limited", ErrorCode::rate_limited},
    {"not_found", ErrorCode::not_found},
    {"conflict", ErrorCode::conflict},
    {"internal", ErrorCode::internal},
}};
} // namespace

std::string_view to_string(Role role) {
    for (const auto& [name, value] : kRoles)
        if (value == role) return name;
    return "door";
}

std::optional<Role> role_from_string(std::string_view name) {
    for (const auto& [text, value] : kRoles)
        if (text == name) return value;
    return std::nullopt;
}

std::optional<ErrorCode> error_code_from_string(std::string_view name) {
    for (const auto& [text, value] : kErrorCodes)
        if (text == name) return value;
    return std::nullopt;
}

void EventInfo::read(Reader& reader) {
    id = reader.string("id", 64);
    name = reader.string("name", 200);
    date = reader.string("date", 10);
}
void EventInfo::write(json& out) const {
    out["id"] = id;
    out["name"] = name;
    out["date"] = date;
}

void Hello::read(Reader& reader) {
    id = reader.integer("id", 0);
    protocol = reader.integer("protocol", 0, 1000);
    role = reader.string("role", 32);
    device = reader.string("device", 64);
    key = reader.string("key", 256);
}
void Hello::write(json& out) const {
    out["id"] = id;
    out["protocol"] = protocol;
    out["role"] = role;
    out["device"] = device;
    out["key"] = key;
}

void Welcome::read(Reader& reader) {
    re = reader.integer("re", 0);
    protocol = reader.integer("protocol", 0, 1000);
    role = reader.one_of<Role>("role", kRoles);
    device = reader.string("device", 64);
    server_time = reader.integer("server_time", 0);
    if (const json* event_object = reader.object("event")) {
        Reader nested(*event_object, "event");
        event.read(nested);
        nested.finish();
        if (!nested.ok()) reader.fail("event", nested.error().message);
    }
}
void Welcome::write(json& out) const {
    out["re"] = re;
    out["protocol"] = protocol;
    out["role"] = to_string(role);
    out["device"] = device;
    out["server_time"] = server_time;
    json event_object = json::object();
    event.write(event_object);
    out["event"] = std::move(event_object);
}

void Ping::read(Reader& reader) {
    id = reader.integer("id", 0);
    t0 = reader.number("t0");
}
void Ping::write(json& out) const {
    out["id"] = id;
    out["t0"] = t0;
}

void Pong::read(Reader& reader) {
    re = reader.integer("re", 0);
    t0 = reader.number("t0");
    t1 = reader.number("t1");
    t2 = reader.number("t2");
}
void Pong::write(json& out) const {
    out["re"] = re;
    out["t0"] = t0;
    out["t1"] = t1;
    out["t2"] = t2;
}

void Ok::read(Reader& reader) {
    re = reader.integer("re", 0);
}
void Ok::write(json& out) const {
    out["re"] = re;
}

void ErrorReply::read(Reader& reader) {
    re = reader.optional_integer("re", 0);
    code = reader.one_of<ErrorCode>("code", kErrorCodes);
    message = reader.string("message", 2000);
    field = reader.optional_string("field", 200).value_or("");
}
void ErrorReply::write(json& out) const {
    out["re"] = re ? json(*re) : json(nullptr);
    out["code"] = to_string(code);
    out["message"] = message;
    if (!field.empty()) out["field"] = field;
}

ErrorReply ErrorReply::from(const Error& error, std::optional<std::int64_t> re) {
    ErrorReply reply;
    reply.re = re;
    reply.code = error.code;
    reply.message = error.message;
    reply.field = error.field;
    return reply;
}

} // namespace stagedoor::protocol
