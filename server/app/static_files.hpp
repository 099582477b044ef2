// Maps URL paths to files under the web root without ever leaving it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace stagedoor::app {

// "/" -> index.html, "/door" -> door.html, "/vendor/jsQR.js" -> vendor file (also idb.js,
// noble-ed25519.js, uPlot), "/sw.js" -> the door's service worker; std::nullopt for
// anything that is not a regular file inside the roots (.., %2e%2e, NUL, backslashes, symlinks
// out of the root).
std::optional<std::filesystem::path> resolve_static(const std::filesystem::path& web_root,
                                                    const std::filesystem::path& vendor_root,
                                                    std::string_view url_path);
std::string_view mime_type(const std::filesystem::path& file);
// Percent-decoding; std::nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

} // namespace stagedoor::app
