#include "stagedoor/protocol/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace stagedoor::protocol {

void append_json_string(std::string& out, std::string_view text) {
    static constexpr std::array<char, 16> kHex{'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    out += '"';
    std::size_t plain_from = 0;
    auto flush = [&](std::size_t until) {
        out.append(text.data() + plain_from, until - plain_from);
    };
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0x80) {
            if (std::size_t length = utf8_sequence_length(text, i)) {
                i += length;
                continue;
            }
            flush(i);
            out += "\xEF\xBF\xBD";
            plain_from = ++i;
            continue;
        }
        flush(i);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
        plain_from = ++i;
    }
    flush(text.size());
    out += '"';
}

void JsonWriter::begin_object() {
    separate();
    out_ += '{';
    first_ = true;
}

void JsonWriter::end_object() {
    out_ += '}';
    first_ = false;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    separate();
    append_json_string(out_, name);
    out_ += ':';
    first_ = true; // the value that follows needs no comma
    return *this;
}

void JsonWriter::value(std::string_view text) {
    separate();
    append_json_string(out_, text);
}

void JsonWriter::value(std::int64_t number) {
    separate();
    char buffer[24];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number);
    (void)error;
    out_.append(buffer, end);
}

void JsonWriter::value(bool flag) {
    separate();
    out_ += flag ? "true" : "false";
}

void JsonWriter::begin_array() {
    separate();
    out_ += '[';
    first_ = true;
}

void JsonWriter::end_array() {
    out_ += ']';
    first_ = false;
}

void JsonWriter::number(double value) {
    if (!std::isfinite(value)) {
        null();
        return;
    }
    separate();
    char buffer[32];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    (void)error;
    std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
    out_ += text;
    if (text.find_first_of(".e") == std::string_view::npos) out_ += ".0";
}

void JsonWriter::null() {
    separate();
    out_ += "null";
}

} // namespace stagedoor::protocol
