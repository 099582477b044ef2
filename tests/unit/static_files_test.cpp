// Static routes of the browser views: the offline door's service worker and vendor modules
// resolve to this checkout's files, with JavaScript's MIME type (a service worker or module
// with another type is refused by the browser).
#include "app/static_files.hpp"

#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using stagedoor::app::mime_type;
using stagedoor::app::resolve_static;

namespace {
const fs::path kSource = STAGEDOOR_SOURCE_DIR;
const fs::path kWeb = kSource / "kiosk" / "web";
const fs::path kVendor = kSource / "node_modules";

fs::path resolved(std::string_view url) {
    auto file = resolve_static(kWeb, kVendor, url);
    INFO(url);
    REQUIRE(file);
    return *file;
}
} // namespace

TEST_CASE("static files: the offline door's vendor modules and service worker", "[static]") {
    CHECK(resolved("/vendor/idb.js") == fs::canonical(kVendor / "idb" / "build" / "index.js"));
    CHECK(resolved("/vendor/noble-ed25519.js") ==
          fs::canonical(kVendor / "@noble" / "ed25519" / "index.js"));
    CHECK(resolved("/sw.js") == fs::canonical(kWeb / "sw.js"));
    CHECK(resolved("/js/offline/store.js") == fs::canonical(kWeb / "js" / "offline" / "store.js"));
    for (std::string_view url : {"/vendor/idb.js", "/vendor/noble-ed25519.js", "/sw.js"})
        CHECK(mime_type(resolved(url)) == "text/javascript; charset=utf-8");
    // Only the listed vendor files: nothing else of node_modules is reachable.
    CHECK_FALSE(resolve_static(kWeb, kVendor, "/vendor/idb/build/index.cjs"));
    CHECK_FALSE(resolve_static(kWeb, kVendor, "/vendor/@noble/ed25519/index.ts"));
    CHECK_FALSE(resolve_static(kWeb, kVendor, "/node_modules/idb/build/index.js"));
}
