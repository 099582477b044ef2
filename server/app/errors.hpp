// The one place where a domain Failure becomes a protocol error code (both modules use it).
#pragma once

#include "domain/failure.hpp"
#include "stagedoor/protocol/codec.hpp"

namespace stagedoor::app {

// invalid -> bad_message, not_found -> not_found, conflict -> conflict, forbidden -> forbidden.
constexpr protocol::ErrorCode error_code(const domain::Failure& failure) {
    switch (failure.kind) {
    case domain::Failure::Kind::invalid:
        return protocol::ErrorCode::bad_message;
    case domain::Failure::Kind::not_found:
        return protocol::ErrorCode::not_found;
    case domain::Failure::Kind::conflict:
        return protocol::ErrorCode::conflict;
    case domain::Failure::Kind::forbidden:
        return protocol::ErrorCode::forbidden;
    }
    return protocol::ErrorCode::internal;
}

} // namespace stagedoor::app
