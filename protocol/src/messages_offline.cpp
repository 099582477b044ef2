#include "stagedoor/protocol/messages_offline.hpp"

#include "stagedoor/protocol/badge_token.hpp"

namespace stagedoor::protocol {

std::string_view verify_key_problem(std::string_view text) {
    auto raw = badge::base64url_decode(text);
    if (!raw || raw->size() != 32) return "must be a 32-byte key in base64url (43 characters)";
    return {};
}

} // namespace stagedoor::protocol
