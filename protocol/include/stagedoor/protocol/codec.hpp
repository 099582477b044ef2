// Strict JSON codec for protocol v1: decoding never throws and names the offending field.
#pragma once

#include "stagedoor/protocol/json_writer.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace stagedoor::protocol {

inline constexpr int kProtocolVersion = 1;
// A frame larger than this is refused (WebSocket close 1009).
inline constexpr std::size_t kMaxFrameBytes = 64 * 1024;
// Device names ("Door 2", "Stage left") as shown to organisers.
inline constexpr std::size_t kMaxDeviceBytes = 64;
// Largest integer a JavaScript client can represent exactly.
inline constexpr std::int64_t kMaxSafeInteger = 9007199254740991LL;

enum class ErrorCode {
    bad_json,
    bad_message,
    unknown_type,
    unauthorized,
    forbidden,
    too_large,
    rate_limited,
    not_found,
    conflict,
    internal,
};
std::string_view to_string(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::internal;
    std::string field;   // empty when the problem is not one field
    std::string message; // human text
};

// A value or the reason there is none. Small stand-in for std::expected (C++23).
template <class T> class Result {
  public:
    Result(T value)
        : state_(std::move(value)) {}
    Result(Error error)
        : state_(std::move(error)) {}
    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(state_); }
    const T& value() const { return std::get<0>(state_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    const Error& error() const { return std::get<1>(state_); }

  private:
    std::variant<T, Error> state_;
};

// Reads fields of one JSON object strictly. The first problem is kept; later reads return
// defaults, so a decoder can read every field and check ok() once at the end. finish()
// reports any field that was present but never read.
class Reader {
  public:
    explicit Reader(const nlohmann::json& object, std::string prefix = {});

    std::string string(std::string_view key, std::size_t max_bytes = 1024,
                       bool allow_empty = false);
    std::optional<std::string> optional_string(std::string_view key, std::size_t max_bytes = 1024);
    std::int64_t integer(std::string_view key, std::int64_t min = -kMaxSafeInteger,
                         std::int64_t max = kMaxSafeInteger);
    std::optional<std::int64_t> optional_integer(std::string_view key,
                                                 std::int64_t min = -kMaxSafeInteger,
                                                 std::int64_t max = kMaxSafeInteger);
    // Integer or fraction (times such as t1/t2 may carry sub-millisecond fractions).
    double number(std::string_view key);
    std::optional<double> optional_number(std::string_view key);
    bool boolean(std::string_view key);
    std::optional<bool> optional_boolean(std::string_view key);
    // The raw sub-value (object or array) for nested decoding; nullptr when absent or wrong.
    const nlohmann::json* object(std::string_view key);
    const nlohmann::json* array(std::string_view key);
    const nlohmann::json* optional_object(std::string_view key);
    const nlohmann::json* optional_array(std::string_view key);
    // True when the key is present (null counts as present).
    bool has(std::string_view key) const;
    // Marks a key as consumed without reading it (e.g. "type", or "re" when it may be null).
    void skip(std::string_view key);

    // One of a fixed set of strings, mapped to an enum.
    template <class E>
    E one_of(std::string_view key, std::span<const std::pair<std::string_view, E>> choices) {
        std::string text = string(key, 64);
        if (!ok()) return choices.front().second;
        for (const auto& [name, value] : choices)
            if (name == text) return value;
        fail(key, "must be one of " + join_names(choices));
        return choices.front().second;
    }
    template <class E>
    std::optional<E> optional_one_of(std::string_view key,
                                     std::span<const std::pair<std::string_view, E>> choices) {
        if (!has(key)) return std::nullopt;
        return one_of(key, choices);
    }

    // Records a problem with a field (keeps only the first).
    void fail(std::string_view key, std::string_view what, ErrorCode code = ErrorCode::bad_message);
    // Checks for unread fields; call once at the end.
    void finish();

    bool ok() const { return !error_.has_value(); }
    const Error& error() const { return *error_; }

  private:
    template <class E>
    static std::string join_names(std::span<const std::pair<std::string_view, E>> choices) {
        std::string out;
        for (const auto& [name, value] : choices) {
            if (!out.empty()) out += ", ";
            out += name;
        }
        return out;
    }
    const nlohmann::json* find(std::string_view key);
    std::string path(std::string_view key) const;

    const nlohmann::json& object_;
    std::string prefix_;
    std::set<std::string, std::less<>> read_;
    std::optional<Error> error_;
};

// Decodes message type M from an object that has already passed parse_envelope.
// M provides: static constexpr std::string_view type; void read(Reader&); void write(json&) const.
template <class M> Result<M> decode(const nlohmann::json& object) {
    Reader reader(object);
    reader.skip("type");
    M message{};
    message.read(reader);
    reader.finish();
    if (!reader.ok()) return reader.error();
    return message;
}

// Encodes a message as a JSON object with its "type".
template <class M> nlohmann::json to_json(const M& message) {
    nlohmann::json object = nlohmann::json::object();
    object["type"] = M::type;
    message.write(object);
    return object;
}

// Messages on the hot path also provide write_text(JsonWriter&), which writes the same fields
// as write() straight into the text.
template <class M> std::string serialize(const M& message) {
    if constexpr (requires(JsonWriter & writer) { message.write_text(writer); }) {
        std::string text;
        text.reserve(256);
        JsonWriter writer(text);
        writer.begin_object();
        writer.key("type").value(M::type);
        message.write_text(writer);
        writer.end_object();
        return text;
    } else {
        return to_json(message).dump();
    }
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

} // namespace stagedoor::protocol
