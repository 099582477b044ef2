#include "stagedoor/protocol/text.hpp"

namespace stagedoor::protocol {

namespace {

bool is_ascii_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Whether text[i] starts a sequence that the end of the text cuts short: a lead byte that
// announces more bytes than are left, followed only by continuation bytes.
bool cut_short_at_end(std::string_view text, std::size_t i) {
    std::size_t announced = utf8_announced_length(static_cast<unsigned char>(text[i]));
    if (announced <= 1 || i + announced <= text.size()) return false;
    for (std::size_t k = i + 1; k < text.size(); ++k)
        if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) return false;
    return true;
}

} // namespace

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_ascii_blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_ascii_blank(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

char32_t next_utf8(std::string_view text, std::size_t& i) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = utf8_sequence_length(text, i);
    if (length <= 1) {
        ++i;
        return lead;
    }
    char32_t value = lead & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k)
        value = (value << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += length;
    return value;
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

std::string utf8_prefix(std::string_view text, std::size_t max_chars) {
    std::size_t i = 0;
    for (std::size_t chars = 0; i < text.size() && chars < max_chars; ++chars) {
        std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            if (cut_short_at_end(text, i)) break; // dropped, not half-copied
            length = 1;
        }
        i += length;
    }
    return std::string(text.substr(0, i));
}

} // namespace stagedoor::protocol
