#include "stagedoor/protocol/messages.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor::protocol;

TEST_CASE("codec: hello round-trips") {
    Hello hello{1, 1, "door", "Door 1", "secret"};
    auto text = serialize(hello);
    auto envelope = parse_envelope(text);
    REQUIRE(envelope.ok());
    auto decoded = decode<Hello>(envelope->object);
    REQUIRE(decoded.ok());
    CHECK(decoded->device == "Door 1");
}
