// Writes JSON straight into a string: every outgoing protocol frame goes through it (see
// serialize() in codec.hpp). Building an nlohmann::json tree cost a map node and a string per
// field, about a tenth of the server's time per check-in, and its dump() throws on invalid
// UTF-8; this writer replaces invalid UTF-8 with U+FFFD and never throws (except bad_alloc).
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
    void begin_array();
    void end_array();
    // The key of the next value in the current object.
    JsonWriter& key(std::string_view name);
    // key() for a name that needs no escaping (plain ASCII without quotes, backslashes or
    // control characters), such as the field names of the messages: copied as it is.
    JsonWriter& plain_key(std::string_view name) {
        separate();
        out_ += '"';
        out_ += name;
        out_ += "\":";
        first_ = true; // the value that follows needs no comma
        return *this;
    }

    void value(std::string_view text);
    void value(const char* text) { value(std::string_view(text)); }
    void value(std::int64_t number);
    void value(bool flag);
    // Shortest text that reads back as the same double ("2.0" for integral values, as
    // nlohmann writes them); null for NaN and infinities.
    void number(double value);
    void null();

  private:
    void separate() {
        if (!first_) out_ += ',';
        first_ = false;
    }
    std::string& out_;
    bool first_ = true;
};

// Appends text as a JSON string literal: quotes, backslashes and control characters escaped,
// UTF-8 kept as it is; invalid UTF-8 sequences become U+FFFD (as nlohmann's replace handler).
void append_json_string(std::string& out, std::string_view text);

} // namespace stagedoor::protocol
