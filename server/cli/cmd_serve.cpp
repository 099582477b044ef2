#include "app/log.hpp"
#include "app/modules.hpp"
#include "badges/badges.hpp"
#include "cli/command.hpp"
#include "net/certificate.hpp"
#include "net/server.hpp"
#include "storage/device_store.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <ifaddrs.h>
#include <iostream>
#include <netdb.h>

namespace stagedoor::cli {

namespace fs = std::filesystem;

namespace {

struct ListenAddress {
    std::string host;
    std::uint16_t port = 8080;
};

ListenAddress parse_listen(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
        throw UsageError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
    ListenAddress address;
    address.host = text.substr(0, colon);
    if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']')
        address.host = address.host.substr(1, address.host.size() - 2);
    try {
        int port = std::stoi(text.substr(colon + 1));
        if (port < 0 || port > 65535) throw std::out_of_range("port");
        address.port = static_cast<std::uint16_t>(port);
    } catch (const std::exception&) {
        throw UsageError("--listen port must be 0-65535");
    }
    return address;
}

std::uint64_t parse_megabytes(const std::string& text) {
    std::size_t used = 0;
    unsigned long long megabytes = 0;
    try {
        megabytes = std::stoull(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || text.front() == '-' || megabytes == 0 ||
        megabytes > 1024 * 1024)
        throw UsageError("--max-db-size must be a number of megabytes, 1 to 1048576");
    return megabytes * 1024 * 1024;
}

// The machine's first non-loopback IPv4 address, for links that tablets on the venue network
// can open when the server listens on all interfaces.
std::string venue_address() {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return "127.0.0.1";
    std::string found;
    for (ifaddrs* entry = list; entry && found.empty(); entry = entry->ifa_next) {
        if (!entry->ifa_addr || entry->ifa_addr->sa_family != AF_INET) continue;
        char host[NI_MAXHOST];
        if (getnameinfo(entry->ifa_addr, sizeof(sockaddr_in), host, sizeof host, nullptr, 0,
                        NI_NUMERICHOST) != 0)
            continue;
        if (std::string_view(host).starts_with("127.")) continue;
        found = host;
    }
    freeifaddrs(list);
    return found.empty() ? "127.0.0.1" : found;
}

// A connection cap from the command line: a whole number from 1 to 10,000,000.
std::size_t parse_cap(const ParsedArgs& parsed, const char* option, std::size_t fallback) {
    auto text = parsed.get(option);
    if (!text) return fallback;
    std::size_t used = 0;
    unsigned long long value = 0;
    try {
        value = std::stoull(*text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text->size() || value < 1 || value > 10'000'000)
        throw UsageError(std::string(option) + " must be a whole number from 1 to 10000000");
    return static_cast<std::size_t>(value);
}

// --offline-names on|off (default on): whether door devices keep names in their offline roster.
bool parse_offline_names(const ParsedArgs& parsed) {
    auto text = parsed.get("--offline-names").value_or("on");
    if (text != "on" && text != "off") throw UsageError("--offline-names must be on or off");
    return text == "on";
}

fs::path default_web_root(const fs::path& executable_dir) {
    // Installed layout first (PREFIX/share/stagedoor/web), then the source tree.
    for (const fs::path& candidate :
         {executable_dir / "../share/stagedoor/web", fs::path(STAGEDOOR_WEB_DIR)})
        if (fs::exists(candidate / "index.html") || fs::exists(candidate)) return candidate;
    return STAGEDOOR_WEB_DIR;
}

// Every role's link with its key, as before pairing existed (--show-keys).
void print_role_links(const storage::DataDir& dir, const std::string& base, bool qr) {
    std::cout << "\nOpen these links (each carries its role key; keep them private):\n";
    for (const auto& [name, role] : protocol::kRoles)
        std::printf("  %-10s %s/%s#key=%s\n", std::string(name).c_str(), base.c_str(),
                    std::string(domain::view_for_role(role)).c_str(), dir.role_key(role).c_str());
    std::cout << "  health     " << base << "/healthz\n";
    if (!qr) return;
    if (auto matrix = badges::encode_qr(base + "/door#key=" + dir.role_key(protocol::Role::door)))
        std::cout << "\nScan to open the door view:\n" << badges::qr_terminal(*matrix) << "\n";
}

// A single-use organiser pairing link and a single-use door pairing QR, valid for an hour: no
// role key reaches the terminal (or the service log behind it).
void print_pairing_links(const storage::DataDir& dir, const std::string& base, bool qr) {
    constexpr std::int64_t kLifetimeMs = 60 * 60 * 1000;
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    storage::Database db(dir.database_path());
    storage::DeviceStore store(db);
    auto organiser = store.create_pairing(protocol::Role::organiser, "Organiser", 1,
                                          now + kLifetimeMs, "(serve)", now);
    auto door =
        store.create_pairing(protocol::Role::door, "Door", 1, now + kLifetimeMs, "(serve)", now);
    std::string door_link = domain::pairing_link(base, protocol::Role::door, door.code);
    std::cout << "\nOpen the dashboard (pairs one browser as the organiser; single use, 1 h):\n  "
              << domain::pairing_link(base, protocol::Role::organiser, organiser.code) << "\n"
              << "Add a door tablet (single use, 1 h): " << door_link << "\n"
              << "More devices: the dashboard, or stagedoor device pair --data "
              << dir.root().string() << " --role door --name \"Door 2\"\n"
              << "Role-key links: serve --show-keys. Health: " << base << "/healthz\n";
    if (!qr) return;
    if (auto matrix = badges::encode_qr(door_link))
        std::cout << "\nScan to pair a door tablet:\n" << badges::qr_terminal(*matrix) << "\n";
}

// DIR/run/base-url: where devices reach this server, for `stagedoor device pair` links.
void write_base_url(const storage::DataDir& dir, const std::string& base) {
    fs::create_directories(dir.root() / "run");
    std::ofstream out(dir.root() / "run" / "base-url", std::ios::trunc);
    out << base << "\n";
    if (!out) throw std::runtime_error("cannot write " + (dir.root() / "run/base-url").string());
}

int run_serve(const Args& args) {
    auto parsed = parse_args(args,
                             {"--data", "--listen", "--web", "--vendor", "--tls-cert", "--tls-key",
                              "--public-host", "--max-db-size", "--max-connections",
                              "--max-per-address", "--offline-names"},
                             {"--tls", "--quiet", "--no-qr", "--show-keys"});
    auto data = parsed.get("--data");
    if (!data) throw UsageError("--data is required");
    if (!parsed.positional.empty())
        throw UsageError("unexpected argument '" + parsed.positional.front() + "'");
    app::log::set_quiet(parsed.flag("--quiet"));

    storage::DataDir dir(*data);
    dir.require_initialised();
    auto listen = parse_listen(parsed.get("--listen").value_or("127.0.0.1:8080"));
    app::ModuleOptions module_options{parse_offline_names(parsed)};

    net::ServerOptions options;
    if (auto megabytes = parsed.get("--max-db-size"))
        options.max_db_bytes = parse_megabytes(*megabytes);
    options.host = listen.host;
    options.port = listen.port;
    options.max_connections = parse_cap(parsed, "--max-connections", 0);
    options.max_per_address = parse_cap(parsed, "--max-per-address", options.max_per_address);
    fs::path self = fs::read_symlink("/proc/self/exe").parent_path();
    options.web_root = parsed.get("--web").value_or(default_web_root(self).string());
    options.vendor_root =
        parsed.get("--vendor")
            .value_or(
                (fs::path(STAGEDOOR_WEB_DIR) / "../../node_modules").lexically_normal().string());

    bool all_interfaces = listen.host == "0.0.0.0" || listen.host == "::";
    std::string link_host =
        parsed.get("--public-host").value_or(all_interfaces ? venue_address() : listen.host);
    std::string fingerprint;
    if (parsed.get("--tls-cert") || parsed.get("--tls-key")) {
        if (!parsed.get("--tls-cert") || !parsed.get("--tls-key"))
            throw UsageError("--tls-cert and --tls-key go together");
        options.tls = net::TlsFiles{*parsed.get("--tls-cert"), *parsed.get("--tls-key")};
        fingerprint = net::certificate_fingerprint(options.tls->certificate);
    } else if (parsed.flag("--tls")) {
        auto certificate =
            net::ensure_self_signed_certificate(dir.tls_dir(), {link_host, listen.host});
        options.tls = certificate.files;
        fingerprint = certificate.sha256_fingerprint;
        if (certificate.created)
            std::cout << "Created a self-signed certificate in " << dir.tls_dir().string() << "\n";
    }

    net::Server server(options, dir, [module_options](app::ModuleContext& context) {
        return app::make_modules(context, module_options);
    });
    std::uint16_t port = server.listen();
    std::string scheme = options.tls ? "https" : "http";
    std::string host_in_url =
        link_host.find(':') != std::string::npos ? "[" + link_host + "]" : link_host;
    std::string base = scheme + "://" + host_in_url + ":" + std::to_string(port);
    auto event = dir.event();
    write_base_url(dir, base);

    // Scripts and tests wait for this exact line.
    std::cout << "listening on " << scheme << "://"
              << (listen.host.find(':') != std::string::npos ? "[" + listen.host + "]"
                                                             : listen.host)
              << ":" << port << std::endl;
    std::cout << "\nstagedoor " STAGEDOOR_VERSION " serving '" << event.name << "' (" << event.date
              << ")\n";
    if (options.tls) std::cout << "TLS certificate SHA-256 fingerprint:\n  " << fingerprint << "\n";
    std::cout << (module_options.offline_names
                      ? "Offline doors: names on (door devices keep names and organisations; "
                        "--offline-names off keeps them off)\n"
                      : "Offline doors: names off (door devices keep categories only)\n");
    if (parsed.flag("--show-keys"))
        print_role_links(dir, base, !parsed.flag("--no-qr"));
    else
        print_pairing_links(dir, base, !parsed.flag("--no-qr"));
    std::cout << std::flush;
    return server.run();
}

const bool registered = register_command({
    "serve",
    "serve the event: HTTP, WebSocket and the browser views on one port",
    "usage: stagedoor serve --data DIR [--listen HOST:PORT] [--tls | --tls-cert FILE --tls-key "
    "FILE]\n"
    "                       [--public-host HOST] [--web DIR] [--max-db-size MB] [--quiet] "
    "[--no-qr]\n"
    "                       [--max-connections N] [--max-per-address N] [--show-keys]\n"
    "                       [--offline-names on|off]\n\n"
    "  --listen HOST:PORT  default 127.0.0.1:8080; 0.0.0.0:8080 for the venue network; port 0 "
    "picks one\n"
    "  --tls               HTTPS/WSS with a self-signed certificate made in DIR/tls on first use\n"
    "  --tls-cert/--tls-key  a real certificate (PEM)\n"
    "  --public-host HOST  host name or address to print in the links (default: this machine's "
    "address)\n"
    "  --web DIR           folder of the browser views (default: the installed or source "
    "kiosk/web)\n"
    "  --max-db-size MB    cap the database file (default: none); beyond it check-ins answer "
    "'internal'\n"
    "                      until space is freed, everything else keeps working\n"
    "  --quiet             log errors only\n"
    "  --max-connections N  open connections at once (default: what the descriptor limit, "
    "raised to\n"
    "                      its hard limit, leaves room for); more are answered 503\n"
    "  --max-per-address N  open connections from one address (default 256; doors behind one "
    "NAT\n"
    "                      share one)\n"
    "  --offline-names on|off  names and organisations in the doors' offline roster (default "
    "on);\n"
    "                      off: offline verdicts show the category and \"name hidden\"\n\n"
    "  --show-keys         print every role's link with its key (otherwise: a single-use\n"
    "                      dashboard pairing link and a door pairing QR, valid 1 h)\n\n"
    "Writes DIR/run/base-url (for `stagedoor device pair`). SIGINT/SIGTERM shut down "
    "gracefully.\n",
    run_serve,
});
} // namespace

} // namespace stagedoor::cli
