// Strict reading of JSON objects for protocol v1: the Reader, its Error and the Result of a decode.
#pragma once

#include <array>
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
inline constexpr std::array<std::pair<std::string_view, ErrorCode>, 10> kErrorCodes{{
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
std::string_view to_string(ErrorCode code);

// What an error frame carries at most (ErrorReply). A decoder's error quotes what the client
// sent (field names) only up to these lengths, so the error frame itself always decodes.
inline constexpr std::size_t kMaxErrorFieldBytes = 200;
inline constexpr std::size_t kMaxErrorMessageBytes = 2000;

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
    std::int64_t integer(std::string_view key, std::int64_t min = -kMaxSafeInteger,
                         std::int64_t max = kMaxSafeInteger);
    // Integer or fraction (times such as t1/t2 may carry sub-millisecond fractions).
    double number(std::string_view key);
    bool boolean(std::string_view key);
    // The raw sub-value (object or array) for nested decoding; nullptr when absent or wrong.
    const nlohmann::json* object(std::string_view key);
    const nlohmann::json* array(std::string_view key);
    // True when the key is present (null counts as present).
    bool has(std::string_view key) const;
    // Whether the key is absent, null or has a value; marks it as read.
    enum class Presence { absent, null, value };
    Presence presence(std::string_view key);
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

    // Records a problem with a field (keeps only the first).
    void fail(std::string_view key, std::string_view what, ErrorCode code = ErrorCode::bad_message);
    // Keeps an error found by a nested reader as it is (unless there is one already).
    void adopt(const Error& error);
    // The full name of a field of this object, e.g. "items[2].speaker" for key "speaker".
    std::string path(std::string_view key) const;
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
    // The value under key when it is there and is_kind (if given) holds for it; otherwise
    // fails with "is required" or what_if_wrong and returns nullptr.
    const nlohmann::json* typed(std::string_view key,
                                bool (nlohmann::json::*is_kind)() const noexcept,
                                std::string_view what_if_wrong);

    const nlohmann::json& object_;
    std::string prefix_;
    std::set<std::string, std::less<>> read_;
    std::optional<Error> error_;
};

} // namespace stagedoor::protocol
