// Test files as Excel saves "Unicode text": UTF-16 with a byte order mark.
#pragma once

#include <string>
#include <string_view>

namespace stagedoor::testing {

// The code units of text as bytes after a byte order mark, little endian unless big_endian.
inline std::string utf16_with_bom(std::u16string_view text, bool big_endian = false) {
    std::string out = big_endian ? "\xFE\xFF" : "\xFF\xFE";
    for (char16_t unit : text) {
        char high = static_cast<char>(unit >> 8), low = static_cast<char>(unit & 0xFF);
        out += big_endian ? high : low;
        out += big_endian ? low : high;
    }
    return out;
}

} // namespace stagedoor::testing
