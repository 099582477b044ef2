#include "app/static_files.hpp"

#include <array>
#include <utility>

namespace stagedoor::app {

namespace fs = std::filesystem;

namespace {
// Third-party browser libraries, served from node_modules so no page needs a CDN.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kVendorFiles{{
    {"/vendor/jsQR.js", "jsqr/dist/jsQR.js"},
    {"/vendor/idb.js", "idb/build/index.js"},                // the offline door's IndexedDB
    {"/vendor/noble-ed25519.js", "@noble/ed25519/index.js"}, // its Ed25519 without WebCrypto
    {"/vendor/uPlot.iife.min.js", "uplot/dist/uPlot.iife.min.js"},
    {"/vendor/uPlot.min.css", "uplot/dist/uPlot.min.css"},
}};

std::optional<fs::path> inside(const fs::path& root, const fs::path& relative) {
    std::error_code ec;
    fs::path canonical_root = fs::canonical(root, ec);
    if (ec) return std::nullopt;
    fs::path candidate = fs::canonical(canonical_root / relative, ec);
    if (ec) return std::nullopt;
    // The resolved file must still lie under the root (symlinks included).
    auto [root_end, unused] = std::mismatch(canonical_root.begin(), canonical_root.end(),
                                            candidate.begin(), candidate.end());
    if (root_end != canonical_root.end()) return std::nullopt;
    if (!fs::is_regular_file(candidate, ec)) return std::nullopt;
    return candidate;
}
} // namespace

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            auto hex = [](char h) -> int {
                if (h >= '0' && h <= '9') return h - '0';
                if (h >= 'a' && h <= 'f') return h - 'a' + 10;
                if (h >= 'A' && h <= 'F') return h - 'A' + 10;
                return -1;
            };
            int high = hex(text[i + 1]), low = hex(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::optional<fs::path> resolve_static(const fs::path& web_root, const fs::path& vendor_root,
                                       std::string_view url_path) {
    for (const auto& [url, file] : kVendorFiles)
        if (url_path == url) return inside(vendor_root, file);

    auto decoded = percent_decode(url_path);
    if (!decoded || decoded->empty() || decoded->front() != '/') return std::nullopt;
    std::string path = decoded->substr(1);
    if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos)
        return std::nullopt;
    fs::path relative(path);
    for (const auto& part : relative)
        if (part == ".." || part == ".") return std::nullopt;
    if (path.empty())
        relative = "index.html";
    else if (path.back() == '/')
        relative /= "index.html";
    else if (!relative.has_extension())
        relative += ".html"; // /door -> door.html
    return inside(web_root, relative);
}

std::string_view mime_type(const fs::path& file) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes{{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".ico", "image/x-icon"},
        {".webmanifest", "application/manifest+json"},
        {".woff2", "font/woff2"},
        {".wav", "audio/wav"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json"},
    }};
    std::string extension = file.extension().string();
    for (const auto& [ext, type] : kTypes)
        if (ext == extension) return type;
    return "application/octet-stream";
}

} // namespace stagedoor::app
