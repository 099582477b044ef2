// Writes one JSON object straight into a string, for the few replies on the check-in hot path.
// Building an nlohmann::json tree for them cost a map node and a string per field, about a
// tenth of the server's time per check-in; the text written here parses to the same value
// as the tree would (unit-tested field for field).
#pragma once

#include "stagedoor/protocol/text.hpp" // is_valid_utf8, which users of this header call

#include <cstdint>
#include <string>
#include <string_view>

namespace stagedoor::protocol {

class JsonWriter {
  public:
    explicit JsonWriter(std::string& out)
        : out_(out) {}

    void begin_object();
    void end_object();
    // The key of the next value in the current object (keys are ASCII literals).
    JsonWriter& key(std::string_view name);

    void value(std::string_view text);
    void value(const char* text) { value(std::string_view(text)); }
    void value(std::int64_t number);
    void value(bool flag);
    void null();

  private:
    void separate();
    std::string& out_;
    bool first_ = true;
};

// Appends text as a JSON string literal: quotes, backslashes and control characters escaped,
// UTF-8 kept as it is; invalid UTF-8 sequences become U+FFFD (as nlohmann's replace handler).
void append_json_string(std::string& out, std::string_view text);

} // namespace stagedoor::protocol
