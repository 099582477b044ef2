// Text helpers shared by every layer: ASCII trimming and lower-casing, and strict UTF-8
// (RFC 3629) validation, decoding and cutting. One copy, so that a name, a column title or a
// scanned payload is judged the same way in the protocol, the domain and the command line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stagedoor::protocol {

// The text without leading and trailing ASCII space, tab, CR and LF (a view into text).
std::string_view trim(std::string_view text);

// ASCII letters lower-cased, everything else (UTF-8 included) kept: for e-mail addresses,
// column titles, enum names and file extensions.
std::string ascii_lower(std::string_view text);

// How many bytes a sequence with this lead byte has (1 for ASCII), or 0 for a byte that cannot
// lead one (a continuation byte, C0, C1, F5..FF); the bytes after it are not looked at.
inline std::size_t utf8_announced_length(unsigned char lead) {
    return lead < 0x80   ? 1
           : lead < 0xC2 ? 0
           : lead < 0xE0 ? 2
           : lead < 0xF0 ? 3
           : lead < 0xF5 ? 4
                         : 0;
}

// Length of the valid UTF-8 sequence at text[i] (1 for ASCII), or 0 when the bytes there are
// not RFC 3629 UTF-8: a stray continuation byte, an overlong form, a surrogate, a code point
// above U+10FFFF or a sequence cut short. Requires i < text.size(). Inline because JSON
// string escaping calls it for every non-ASCII character on the check-in hot path.
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char lead = byte(i);
    std::size_t length = utf8_announced_length(lead);
    if (length <= 1) return length;
    if (i + length > text.size()) return 0;
    for (std::size_t k = 1; k < length; ++k)
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    unsigned char second = byte(i + 1);
    if (lead == 0xE0 && second < 0xA0) return 0; // overlong
    if (lead == 0xED && second > 0x9F) return 0; // surrogate
    if (lead == 0xF0 && second < 0x90) return 0; // overlong
    if (lead == 0xF4 && second > 0x8F) return 0; // above U+10FFFF
    return length;
}

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF, nothing cut short.
bool is_valid_utf8(std::string_view text);

// The code point at text[i]; advances i past it. Requires i < text.size(). A byte that does
// not start a valid sequence comes back as its own value (U+0080..U+00FF, as Latin-1 would
// read it) and advances i by one, so decoding never stops and never skips text.
char32_t next_utf8(std::string_view text, std::size_t& i);

// Appends the UTF-8 form of code point c (at most U+10FFFF).
void append_utf8(std::string& out, char32_t c);

// At most max_chars characters of text, cut on a character boundary. A byte that does not
// start a valid sequence counts as one character; a sequence cut short at the very end of the
// text is dropped rather than half-copied.
std::string utf8_prefix(std::string_view text, std::size_t max_chars);

} // namespace stagedoor::protocol
