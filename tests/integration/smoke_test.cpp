#include <catch2/catch.hpp>
TEST_CASE("integration: placeholder until the server core lands") { SUCCEED(); }
