#include "stagedoor/protocol/codec.hpp"
#include "stagedoor/protocol/text.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace stagedoor::protocol;

namespace {

// Every code point of the text, as next_utf8 reads them.
std::vector<char32_t> code_points(std::string_view text) {
    std::vector<char32_t> out;
    for (std::size_t i = 0; i < text.size();)
        out.push_back(next_utf8(text, i));
    return out;
}

} // namespace

TEST_CASE("text: trim takes ASCII space, tab, CR and LF off both ends") {
    CHECK(trim(" \t a b \t") == "a b");
    CHECK(trim("\r\n a\tb \r\n") == "a\tb");
    CHECK(trim(" \t\r\n").empty());
    CHECK(trim("").empty());
    CHECK(trim("x") == "x");
    CHECK(trim("\xC2\xA0x\xC2\xA0") == "\xC2\xA0x\xC2\xA0"); // no-break space is not ASCII
    std::string_view text = "  kept  ";
    CHECK(trim(text).data() == text.data() + 2); // a view into the text
}

TEST_CASE("text: ascii_lower lowers A-Z only") {
    CHECK(ascii_lower("E-Mail ABC xyz 09") == "e-mail abc xyz 09");
    CHECK(ascii_lower("ÄÖÜ Straße") == "ÄÖÜ straße"); // UTF-8 bytes kept as they are
    CHECK(ascii_lower("").empty());
}

TEST_CASE("text: is_valid_utf8 follows RFC 3629") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("plain ASCII"));
    CHECK(is_valid_utf8("Zoë Ångström, 東京, 😀"));
    CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));       // U+10FFFF, the last code point
    CHECK(is_valid_utf8("\xEF\xBF\xBF"));           // U+FFFF
    CHECK(is_valid_utf8("\xED\x9F\xBF"));           // U+D7FF, just below the surrogates
    CHECK(is_valid_utf8("\xEE\x80\x80"));           // U+E000, just above them
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));         // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xC1\xBF"));         // overlong
    CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));     // overlong three-byte
    CHECK_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF")); // overlong four-byte (U+FFFF)
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));     // U+D800, a surrogate
    CHECK_FALSE(is_valid_utf8("\xED\xBF\xBF"));     // U+DFFF
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // U+110000
    CHECK_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
    CHECK_FALSE(is_valid_utf8("\xFF"));
    CHECK_FALSE(is_valid_utf8("\x80"));      // a stray continuation byte
    CHECK_FALSE(is_valid_utf8("J\xF6rg"));   // Latin-1
    CHECK_FALSE(is_valid_utf8("ab\xC3"));    // cut short at the end
    CHECK_FALSE(is_valid_utf8("\xE2\x82"));  // cut short
    CHECK_FALSE(is_valid_utf8("\xE2\x82x")); // interrupted
    CHECK(utf8_sequence_length("a\xC3\xA9", 1) == 2);
    CHECK(utf8_sequence_length("a\xC3\xA9", 0) == 1);
    CHECK(utf8_sequence_length("\xC3", 0) == 0);
}

TEST_CASE("text: next_utf8 decodes code points and passes invalid bytes through") {
    CHECK(code_points("aé€😀") == std::vector<char32_t>{U'a', 0xE9, 0x20AC, 0x1F600});
    CHECK(code_points("\xF4\x8F\xBF\xBF") == std::vector<char32_t>{0x10FFFF});
    // Invalid bytes come back one by one as their own value (a Latin-1 reading).
    CHECK(code_points("J\xF6rg") == std::vector<char32_t>{U'J', 0xF6, U'r', U'g'});
    CHECK(code_points("\xC0\xAF") == std::vector<char32_t>{0xC0, 0xAF});
    CHECK(code_points("\xED\xA0\x80") == std::vector<char32_t>{0xED, 0xA0, 0x80});
    CHECK(code_points("\xF4\x90\x80\x80") == std::vector<char32_t>{0xF4, 0x90, 0x80, 0x80});
    CHECK(code_points("x\xE2\x82") == std::vector<char32_t>{U'x', 0xE2, 0x82});
}

TEST_CASE("text: append_utf8 writes what next_utf8 reads") {
    for (char32_t c : {char32_t{0x41}, char32_t{0x7F}, char32_t{0x80}, char32_t{0x7FF},
                       char32_t{0x800}, char32_t{0xFFFF}, char32_t{0x10000}, char32_t{0x10FFFF}}) {
        std::string out;
        append_utf8(out, c);
        INFO(static_cast<unsigned>(c));
        CHECK(is_valid_utf8(out));
        CHECK(code_points(out) == std::vector<char32_t>{c});
    }
}

TEST_CASE("text: utf8_prefix cuts on character boundaries") {
    CHECK(utf8_prefix("abc", 0).empty());
    CHECK(utf8_prefix("abc", 3) == "abc");
    CHECK(utf8_prefix("abc", 4) == "abc");
    CHECK(utf8_prefix("äöü", 1) == "ä");
    CHECK(utf8_prefix("a€😀b", 2) == "a€");
    CHECK(utf8_prefix("a€😀b", 3) == "a€😀");
    CHECK(utf8_prefix("😀", 1) == "😀");
    // A sequence cut short by the end of the text is dropped, however many bytes are left.
    CHECK(utf8_prefix("ab\xC3", 10) == "ab");
    CHECK(utf8_prefix("ab\xF0\x9F\x98", 10) == "ab");
    // An invalid byte inside the text counts as one character and is kept.
    CHECK(utf8_prefix("a\xFF"
                      "b",
                      2) == "a\xFF");
    CHECK(utf8_prefix("\xF0"
                      "ab",
                      10) == "\xF0"
                             "ab");
    CHECK(utf8_prefix("\xED\xA0\x80", 2) == "\xED\xA0");
}

TEST_CASE("text: frames are held to the same UTF-8 rule as is_valid_utf8") {
    // hello's device name (and every other string of a frame) is checked by the JSON parser:
    // it must accept exactly what is_valid_utf8 accepts, or a file could hold a name that a
    // frame could not carry. Every pair of bytes from 0x80 up; longer sequences with second
    // bytes at the edges of the ranges that tell overlongs, surrogates and U+10FFFF apart.
    std::vector<std::string> cases, disagree;
    for (int lead = 0x80; lead <= 0xFF; ++lead) {
        for (int second = 0x80; second <= 0xFF; ++second)
            cases.push_back({static_cast<char>(lead), static_cast<char>(second)});
        for (int second : {0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0})
            for (char rest : {'\x80', '\xBF'})
                for (std::size_t more : {1, 2})
                    cases.push_back(
                        std::string{static_cast<char>(lead), static_cast<char>(second)} +
                        std::string(more, rest));
    }
    std::size_t valid = 0;
    for (const auto& bytes : cases) {
        bool frame_ok = parse_envelope(R"({"type":"hello","device":"x)" + bytes + R"("})").ok();
        if (frame_ok != is_valid_utf8(bytes)) disagree.push_back(bytes);
        valid += frame_ok;
    }
    CHECK(disagree.empty());
    CHECK(valid > 1000);
}
