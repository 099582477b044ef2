// The round-trip property of the protocol codec, shared by the frame fuzz targets: what
// decodes serializes without throwing into valid UTF-8 JSON that decodes to the same message.
#pragma once

#include "fuzz_check.hpp"
#include "stagedoor/protocol/codec.hpp"
#include "stagedoor/protocol/messages.hpp"

#include <optional>

namespace stagedoor::fuzz {

// Serializes message, checks the text is valid UTF-8 that parse_envelope accepts with M's
// type, that it decodes back to message and that to_json() writes the same tree.
template <class M> void check_round_trip(const M& message) {
    std::string text = protocol::serialize(message);
    check(protocol::is_valid_utf8(text), "serialize wrote invalid UTF-8");
    auto envelope = protocol::parse_envelope(text);
    check(envelope.ok(), "parse_envelope refuses what serialize wrote");
    check(envelope->type == M::type, "serialize wrote another type");
    auto again = protocol::decode<M>(envelope->object);
    check(again.ok(), "decode refuses what serialize wrote");
    check(*again == message, "the message changed on its way through serialize and decode");
    check(envelope->object == protocol::to_json(message), "to_json and serialize disagree");
}

// A refusal as the server answers it must itself be a valid error frame.
inline void check_refusal(const protocol::Error& error, std::optional<std::int64_t> re) {
    check_round_trip(protocol::ErrorReply::from(error, re));
}

} // namespace stagedoor::fuzz
