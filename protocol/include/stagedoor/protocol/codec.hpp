// Strict JSON codec for protocol v1: decoding never throws and names the offending field;
// encoding never throws either (invalid UTF-8 in a string becomes U+FFFD).
//
// Messages are declared once: each struct lists its fields, in wire order, in
//     static void fields(auto& m, auto& v)
// as v(key, member, rule) calls (see fields.hpp for the rules). decode() reads with that list,
// serialize() and to_json() write with it. Why a static member template rather than a
// constexpr table of member pointers: the same function serves the const message (writing)
// and the mutable one (reading) without const_cast; the few checks that are not a plain rule
// (v.check) stand right after the field they follow, so the first problem found is the same
// as the old hand-written readers found; and the visitors are plain templates that inline,
// with no std::function or per-field allocation on the hot path.
#pragma once

#include "stagedoor/protocol/fields.hpp"
#include "stagedoor/protocol/json_writer.hpp"
#include "stagedoor/protocol/reader.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace stagedoor::protocol {

// Decodes message type M from an object that has already passed parse_envelope.
// M provides: static constexpr std::string_view type; static void fields(auto& m, auto& v).
template <class M> Result<M> decode(const nlohmann::json& object) {
    Reader reader(object);
    reader.skip("type");
    M message{};
    read_fields(reader, message);
    reader.finish();
    if (!reader.ok()) return reader.error();
    return message;
}

// Encodes a message as a JSON tree with its "type" (the same value serialize() writes as text).
template <class M> nlohmann::json to_json(const M& message) {
    nlohmann::json object;
    JsonTreeWriter writer(object);
    write_message(writer, message);
    return object;
}

// Encodes a message as the text of one frame. Never throws on bad UTF-8 (see JsonWriter).
template <class M> std::string serialize(const M& message) {
    std::string text;
    text.reserve(256);
    JsonWriter writer(text);
    write_message(writer, message);
    return text;
}

// What every frame has in common: a JSON object with a string "type" and, on requests,
// an integer "id".
struct Envelope {
    std::string type;
    std::optional<std::int64_t> id;
    nlohmann::json object;
};

// Parses one text frame. Errors: too_large, bad_json (not JSON, invalid UTF-8, not an
// object), bad_message (type missing or not a string, id not an integer). When the id could
// be read, it is returned in id_out so the error can carry "re".
Result<Envelope> parse_envelope(std::string_view text,
                                std::optional<std::int64_t>* id_out = nullptr);

// What a look at a frame's first kPeekBytes finds without parsing it: its top-level "type" (a
// string without escapes; a view into text, not checked to be UTF-8 or a known type) and "id"
// (up to 15 digits), when they come before any key whose value is not a plain string or
// scalar. Lets a frame over its sender's budget, or of a type its role may not send, be refused
// unparsed with its "re". Costs at most kPeekBytes steps; never reads past them.
struct EnvelopePeek {
    static constexpr std::size_t kPeekBytes = 128;
    std::optional<std::string_view> type;
    std::optional<std::int64_t> id;
};
EnvelopePeek peek_envelope(std::string_view text);

} // namespace stagedoor::protocol
