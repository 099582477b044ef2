# One interface target carries the project's compiler flags, so every target opts in the same way.
add_library(stagedoor_flags INTERFACE)
target_compile_options(stagedoor_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
# GCC 12 reports false -Wrestrict positives inside std::string at -O2 (GCC bug 105329).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(stagedoor_flags INTERFACE -Wno-restrict)
endif()
if(STAGEDOOR_WERROR)
    target_compile_options(stagedoor_flags INTERFACE -Werror)
endif()
if(STAGEDOOR_SANITIZE)
    target_compile_options(stagedoor_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                     -fno-sanitize-recover=undefined)
    target_link_options(stagedoor_flags INTERFACE -fsanitize=address,undefined)
endif()
# Boost.Asio without its deprecated interfaces, and one definition set for every Beast translation unit.
add_library(stagedoor_asio INTERFACE)
target_link_libraries(stagedoor_asio INTERFACE Boost::headers Threads::Threads OpenSSL::SSL OpenSSL::Crypto)
target_compile_definitions(stagedoor_asio INTERFACE BOOST_ASIO_NO_DEPRECATED)
