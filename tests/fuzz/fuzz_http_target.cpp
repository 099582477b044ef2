// Fuzz target: the target of an HTTP request line, as the network layer splits it (path before
// '?'). The router must answer every path with a response whose body is valid UTF-8 (routes
// with "{id}" parse digits out of it), and the static-file resolver must never leave its roots:
// a file it returns lies under the web or vendor root, is a regular file, and is never the
// secret beside the web root (reachable only by "..", "%2e%2e" or a symlink out).
#include "app/router.hpp"
#include "app/static_files.hpp"
#include "fuzz_check.hpp"

#include <cstdlib>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using namespace stagedoor::app;
using stagedoor::fuzz::check;

struct NoTransport final : Transport {
    void set_role(ConnectionId, Role) override {}
    void send(ConnectionId, Outgoing) override {}
    void broadcast(RoleSet, Outgoing) override {}
    void post(std::function<void()>) override {}
    void close(ConnectionId, int, std::string) override {}
};

void write_file(const fs::path& file, std::string_view text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

// <tmp>/web (index.html, door.html, css/app.css, docs/index.html, a symlink out to the
// secret), <tmp>/vendor (jsqr/dist/jsQR.js) and <tmp>/secret.txt; removed at exit.
struct Roots {
    fs::path base, web, vendor, secret;
    Roots() {
        std::string pattern = (fs::temp_directory_path() / "stagedoor-fuzz-XXXXXX").string();
        base = mkdtemp(pattern.data());
        web = fs::canonical(base) / "web";
        vendor = fs::canonical(base) / "vendor";
        secret = fs::canonical(base) / "secret.txt";
        for (auto name : {"index.html", "door.html", "css/app.css", "docs/index.html"})
            write_file(web / name, "page");
        write_file(vendor / "jsqr/dist/jsQR.js", "vendor");
        write_file(secret, "secret");
        fs::create_symlink(secret, web / "escape.html");
        fs::create_directory_symlink(base, web / "up");
        std::atexit([] { fs::remove_all(roots().base); });
    }
    static const Roots& roots() {
        static const Roots instance;
        return instance;
    }
};

void register_routes(Router& router) {
    auto answer = [](const HttpRequest& request) {
        return HttpResponse{200, "text/plain", std::to_string(request.path_id.value_or(-1)), {}};
    };
    router.http("GET", "/healthz", Router::kPublic, answer);
    router.http("GET", "/api/report.csv", roles::editors, answer);
    router.http("GET", "/api/badges/{id}.svg", roles::organisers, answer);
    router.http("POST", "/api/attendees/{id}", roles::organisers, answer);
}

Router& router() {
    static NoTransport transport;
    static Router instance(transport);
    static const bool registered = (register_routes(instance), true);
    (void)registered;
    return instance;
}

bool under(const fs::path& root, const fs::path& file) {
    auto [root_end, unused] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
    return root_end == root.end();
}

void check_static(std::string_view path) {
    const Roots& roots = Roots::roots();
    std::optional<fs::path> file = resolve_static(roots.web, roots.vendor, path);
    if (!file) return;
    check(under(roots.web, *file) || under(roots.vendor, *file), "a static file outside the roots");
    check(*file != roots.secret, "the static-file resolver served the secret");
    check(fs::is_regular_file(*file), "the static-file resolver returned a non-file");
}

void check_route(std::string_view path, const char* method, std::optional<Role> role) {
    HttpRequest request;
    request.method = method;
    request.path = std::string(path);
    request.role = role;
    int answers = 0;
    router().dispatch_http(request, [&](HttpResponse response) {
        ++answers;
        check(stagedoor::protocol::is_valid_utf8(response.body), "an HTTP body is not UTF-8");
        if (response.status == 200)
            check(response.body == "-1" || std::stoll(response.body) <= 9'999'999'999,
                  "a path id out of range");
    });
    check(answers == 1, "dispatch_http did not answer exactly once");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view target = stagedoor::fuzz::as_text(data, size);
    std::string_view path = target.substr(0, target.find('?'));
    check_static(path);
    for (const char* method : {"GET", "HEAD", "POST"})
        for (std::optional<Role> role :
             {std::optional<Role>{}, std::optional<Role>{Role::organiser}})
            check_route(path, method, role);
    return 0;
}
