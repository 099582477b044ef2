# ctest "layers: includes": the includes that per-layer include roots (cmake/Layers.cmake)
# cannot stop. Third-party headers live in /usr/include, visible to every target, and a
# relative "../storage/x.hpp" bypasses include roots. Each folder lists what it must not include.
# usage: cmake -DSOURCE_DIR=<repo> -P CheckLayerIncludes.cmake

set(up_from_domain "\"(storage|badges|app|net|cli)/")
set(io_libraries "<(sqlite3|qrencode|png)\\.h>|<boost/")
set(rules
    "protocol/include|<openssl/|${io_libraries}|\"(domain|storage|badges|app|net|cli)/"
    "protocol/src|${io_libraries}|\"(domain|storage|badges|app|net|cli)/"
    "server/domain|<openssl/|${io_libraries}|${up_from_domain}"
    "server/badges|<openssl/|<sqlite3\\.h>|<boost/|\"(storage|app|net|cli)/"
    "server/storage|<(qrencode|png)\\.h>|<boost/|\"(badges|app|net|cli)/"
    "server/app|${io_libraries}|\"(net|cli)/"
    "server/net|<(sqlite3|qrencode|png)\\.h>|\"cli/"
    "server/cli|<(sqlite3|qrencode|png)\\.h>|<boost/"
    # The fuzz targets build with their own instrumentation: no Beast, Asio or network layer.
    "tests/fuzz|<boost/|\"(net|cli)/"
)

set(violations "")
foreach(rule IN LISTS rules)
    string(FIND "${rule}" "|" split)
    string(SUBSTRING "${rule}" 0 ${split} folder)
    math(EXPR split "${split} + 1")
    string(SUBSTRING "${rule}" ${split} -1 forbidden)
    file(GLOB_RECURSE files "${SOURCE_DIR}/${folder}/*.cpp" "${SOURCE_DIR}/${folder}/*.hpp")
    foreach(file IN LISTS files)
        file(STRINGS "${file}" includes REGEX "^[ \t]*#[ \t]*include")
        foreach(line IN LISTS includes)
            if(line MATCHES "${forbidden}" OR line MATCHES "\\.\\./")
                file(RELATIVE_PATH shown "${SOURCE_DIR}" "${file}")
                string(APPEND violations "\n  ${shown}: ${line}")
            endif()
        endforeach()
    endforeach()
endforeach()

if(violations)
    message(FATAL_ERROR "includes that break the layering (see server/CMakeLists.txt):${violations}")
endif()
message(STATUS "layering: no forbidden includes")
