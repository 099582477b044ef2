// Checks shared by the message tests: a message survives encode/decode unchanged, and a frame
// is refused or accepted by the strict decoder.
#pragma once

#include "stagedoor/protocol/codec.hpp"

#include <catch2/catch.hpp>

namespace stagedoor::testing {

template <class M> M round_trip(const M& message) {
    auto text = protocol::serialize(message);
    auto envelope = protocol::parse_envelope(text);
    REQUIRE(envelope.ok());
    CHECK(envelope->type == M::type);
    auto decoded = protocol::decode<M>(envelope->object);
    INFO(text);
    REQUIRE(decoded.ok());
    // Encoding the decoded message again gives the same frame.
    CHECK(protocol::serialize(*decoded) == text);
    return *decoded;
}

// The error for a frame that parses as an envelope but not as M.
template <class M> protocol::Error refused(std::string_view text) {
    auto envelope = protocol::parse_envelope(text);
    REQUIRE(envelope.ok());
    auto decoded = protocol::decode<M>(envelope->object);
    INFO(text);
    REQUIRE_FALSE(decoded.ok());
    return decoded.error();
}

template <class M> M accepted(std::string_view text) {
    auto envelope = protocol::parse_envelope(text);
    REQUIRE(envelope.ok());
    auto decoded = protocol::decode<M>(envelope->object);
    INFO(text << ": " << (decoded.ok() ? "" : decoded.error().message));
    REQUIRE(decoded.ok());
    return *decoded;
}

} // namespace stagedoor::testing
