// What the fuzz targets share: a property check that stops the run with a message (libFuzzer
// then keeps the input as crash-*), and the LLVMFuzzerTestOneInput signature.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace stagedoor::fuzz {

// Aborts with what when condition is false: a broken property is a finding like a crash.
inline void check(bool condition, const char* what) {
    if (condition) return;
    std::fprintf(stderr, "fuzz property broken: %s\n", what);
    std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

} // namespace stagedoor::fuzz
