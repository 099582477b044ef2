# Include discipline for the server's layers. Sources write "domain/x.hpp", "storage/x.hpp",
# "app/x.hpp" relative to server/, but server/ itself is on no include path: each layer gets
# its own include root, a folder in the build tree holding one symlink, <root>/<layer> ->
# server/<layer>. A library publishes its root (PUBLIC), so a target sees its own layer and the
# layers it links, never the ones above it: an upward #include does not compile.

# stagedoor_layer_headers(<target> <layer>)
# Makes "<layer>/x.hpp" (server/<layer>/x.hpp) visible to <target> and to what links it.
function(stagedoor_layer_headers target layer)
    set(root "${CMAKE_BINARY_DIR}/layers/${layer}")
    file(MAKE_DIRECTORY "${root}")
    file(CREATE_LINK "${PROJECT_SOURCE_DIR}/server/${layer}" "${root}/${layer}" SYMBOLIC)
    target_include_directories(${target} PUBLIC "${root}")
endfunction()
