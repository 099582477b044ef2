#include "stagedoor/protocol/messages.hpp"

namespace stagedoor::protocol {

std::string_view to_string(Role role) {
    return name_in(kRoles, role);
}
std::optional<Role> role_from_string(std::string_view name) {
    return value_in<Role>(kRoles, name);
}
std::optional<ErrorCode> error_code_from_string(std::string_view name) {
    return value_in<ErrorCode>(kErrorCodes, name);
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
