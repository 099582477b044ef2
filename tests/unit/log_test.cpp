// Log lines: what a client sends cannot forge a line or drive the operator's terminal.
#include "app/log.hpp"

#include <catch2/catch.hpp>

using stagedoor::app::log::printable;

TEST_CASE("log: control characters are escaped and invalid UTF-8 replaced") {
    CHECK(printable("connect door 'Door 2'") == "connect door 'Door 2'");
    // A device name with a newline would start a forged line of its own.
    CHECK(printable("connect door 'x'\n10:00:00.000 info  connect organiser 'y'") ==
          "connect door 'x'\\n10:00:00.000 info  connect organiser 'y'");
    // Terminal escapes (clear screen, colours), CR, tab, DEL and NUL.
    CHECK(printable(std::string("a\x1b[2Jb\rc\td\x7f") + '\0' + "e") ==
          "a\\x1b[2Jb\\x0dc\\td\\x7f\\x00e");
    // UTF-8 stays; broken sequences become U+FFFD.
    CHECK(printable("Begr\xC3\xBC\xC3\x9F"
                    "ung") == "Begr\xC3\xBC\xC3\x9Fung");
    CHECK(printable("Begr\xFC\xDF"
                    "ung") == "Begr\xEF\xBF\xBD\xEF\xBF\xBDung");
    CHECK(printable("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // a surrogate
}
