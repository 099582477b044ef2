#include "src/terminal.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace stagedoor::kiosk::term;

namespace {

// Applies the bytes of render_diff to a model screen (cursor moves, SGR, glyphs), so tests can
// check that a diff really turns one frame into the other.
struct ModelScreen {
    std::vector<std::vector<std::string>> cells;
    int row = 0, col = 0;

    explicit ModelScreen(Size size)
        : cells(static_cast<std::size_t>(size.rows),
                std::vector<std::string>(static_cast<std::size_t>(size.cols), " ")) {}

    void apply(const std::string& bytes) {
        for (std::size_t pos = 0; pos < bytes.size();) {
            if (bytes[pos] == '\x1b') {
                std::size_t end = bytes.find_first_of("HJm", pos);
                std::string body = bytes.substr(pos + 2, end - pos - 2);
                if (bytes[end] == 'H') {
                    row = std::stoi(body.substr(0, body.find(';'))) - 1;
                    col = std::stoi(body.substr(body.find(';') + 1)) - 1;
                } else if (bytes[end] == 'J') {
                    for (auto& line : cells)
                        for (auto& cell : line)
                            cell = " ";
                }
                pos = end + 1;
                continue;
            }
            std::size_t length = (static_cast<unsigned char>(bytes[pos]) >= 0xE0)   ? 3
                                 : (static_cast<unsigned char>(bytes[pos]) >= 0xC0) ? 2
                                                                                    : 1;
            cells[static_cast<std::size_t>(row)][static_cast<std::size_t>(col++)] =
                bytes.substr(pos, length);
            pos += length;
        }
    }
    std::string line(int index) const {
        std::string text;
        for (const auto& cell : cells[static_cast<std::size_t>(index)])
            text += cell;
        return text;
    }
};

} // namespace

TEST_CASE("big_digits draws a countdown that reads back, at the largest scale that fits",
          "[terminal]") {
    auto rows = big_digits("12:05", 20, 80);
    // 5 glyphs: 4 digits of 3 pixels, ':' of 1, 4 gaps = 17 pixels; 20 rows allow scale_y 4,
    // 80 columns allow scale_x 4 (17 * 4 = 68).
    REQUIRE(rows.size() == 20);
    CHECK(text_width(rows.front()) == 68);
    for (const auto& row : rows)
        CHECK(text_width(row) == 68);
    CHECK(read_big_digits(rows) == "12:05");

    CHECK(read_big_digits(big_digits("+0:05", 10, 200)) == "+0:05");
    CHECK(read_big_digits(big_digits("-3:59", 6, 40)) == "-3:59");
    CHECK(read_big_digits(big_digits("1234567890", 5, 39)) == "1234567890");
}

TEST_CASE("big_digits keeps pixels about twice as wide as high and gives up when nothing fits",
          "[terminal]") {
    auto wide = big_digits("0:00", 10, 400); // 13 pixels; scale_y 2 → scale_x 4
    REQUIRE(wide.size() == 10);
    CHECK(text_width(wide.front()) == 52);
    auto narrow = big_digits("0:00", 50, 26); // width limits scale_x to 2, so scale_y 2
    REQUIRE(narrow.size() == 10);
    CHECK(text_width(narrow.front()) == 26);
    CHECK(big_digits("0:00", 4, 80).empty());  // fewer than 5 rows
    CHECK(big_digits("0:00", 10, 10).empty()); // 13 pixels do not fit 10 columns
    CHECK(big_digits("abc", 10, 80).empty());  // nothing drawable
}

TEST_CASE("read_big_digits finds the digits among other screen text and rejects noise",
          "[terminal]") {
    std::vector<std::string> screen{"Keynote: the future", ""};
    for (const auto& row : big_digits_scaled("9:58", 2, 1))
        screen.push_back("   " + row + "  ");
    screen.push_back("Next: Lunch");
    CHECK(read_big_digits(screen) == "9:58");
    CHECK(read_big_digits({"no digits here"}).empty());
    CHECK(read_big_digits({"\u2588\u2588", "\u2588"}).empty());
}

TEST_CASE("render_diff writes only the changed cells and nothing for an equal frame",
          "[terminal]") {
    Size size{4, 10};
    Frame first(size);
    first.put(0, 0, "Hello");
    first.put(2, 3, "Köhler", Style{colour::kRed, colour::kDefault, true});
    ModelScreen model(size);
    std::string whole = render_diff(nullptr, first);
    CHECK(whole.find("\x1b[2J") != std::string::npos);
    model.apply(whole);
    CHECK(model.line(0) == "Hello     ");
    CHECK(model.line(2) == "   Köhler ");

    Frame second = first;
    CHECK(render_diff(&first, second).empty());
    second.put(0, 4, "a");
    std::string diff = render_diff(&first, second);
    CHECK(diff == "\x1b[1;5H" + sgr({}) + "a\x1b[0m");
    model.apply(diff);
    CHECK(model.line(0) == "Hella     ");

    // A style change alone is a change; a new size redraws everything.
    Frame recoloured = second;
    recoloured.put(2, 3, "K", Style{colour::kGreen});
    CHECK(render_diff(&second, recoloured).find(sgr(Style{colour::kGreen})) != std::string::npos);
    Frame bigger(Size{5, 10});
    CHECK(render_diff(&second, bigger).find("\x1b[2J") != std::string::npos);
}

TEST_CASE("Frame::put cuts at the edge and never lets control characters through", "[terminal]") {
    Frame frame(Size{2, 8});
    CHECK(frame.put(0, 5, "abcdef") == 8);
    CHECK(frame.row_text(0) == "     abc");
    frame.put(1, 0,
              "a\x1b[2Jb\x07\xc2\x9b"
              "c\xff");
    CHECK(frame.row_text(1) == "a?[2Jb??");
    frame.put(1, -2, "xyz");
    CHECK(frame.glyph(1, 0) == "z");
    frame.put_centred(0, "ab");
    CHECK(frame.row_text(0) == "   ababc"); // centred, over the existing row
}

TEST_CASE("wrap_text breaks at spaces and cuts words longer than a line", "[terminal]") {
    CHECK(wrap_text("Please wrap up in two minutes", 12) ==
          std::vector<std::string>{"Please wrap", "up in two", "minutes"});
    CHECK(wrap_text("abcdefghij", 4) == std::vector<std::string>{"abcd", "efgh", "ij"});
    CHECK(wrap_text("Grüße aus Köln", 5) == std::vector<std::string>{"Grüße", "aus", "Köln"});
    CHECK(wrap_text("", 5).empty());
}

TEST_CASE("sgr writes classic codes for 16 colours and 256-colour codes above", "[terminal]") {
    CHECK(sgr({}) == "\x1b[0m");
    CHECK(sgr(Style{colour::kRed, colour::kBlack, true}) == "\x1b[0;1;31;40m");
    CHECK(sgr(Style{colour::kBrightYellow}) == "\x1b[0;93m");
    CHECK(sgr(Style{colour::kOrange, colour::kDarkGrey}) == "\x1b[0;38;5;208;48;5;238m");
}
