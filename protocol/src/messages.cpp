#include "stagedoor/protocol/messages.hpp"

namespace stagedoor::protocol {

ErrorReply ErrorReply::from(const Error& error, std::optional<std::int64_t> re) {
    ErrorReply reply;
    reply.re = re;
    reply.code = error.code;
    reply.message = error.message;
    reply.field = error.field;
    return reply;
}

} // namespace stagedoor::protocol
