// stagedoor-kiosk pair: exchanges a pairing code for this kiosk's own device token (PROTOCOL
// 9.4) and stores it with the server's certificate fingerprint in the state folder.
#include "client/device_state.hpp"
#include "command.hpp"
#include "qr_camera.hpp"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace stagedoor::kiosk {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct PairingLink {
    std::string base; // scheme://host[:port]
    std::string code;
};

// scheme://host[:port] of url: the server's WebSocket and API live at its root. Throws UsageError
// for what client::parse_endpoint refuses.
std::string server_root(const std::string& url) {
    try {
        client::parse_endpoint(url);
    } catch (const client::ClientError& error) {
        throw UsageError(error.what());
    }
    auto authority = url.find("://") + 3;
    return url.substr(0, std::min(url.find('/', authority), url.find('#', authority)));
}

// BASE/<view>#pair=CODE → BASE's root and the code.
PairingLink parse_pairing_link(const std::string& link) {
    auto fragment = link.find("#pair=");
    if (fragment == std::string::npos)
        throw UsageError("'" + link +
                         "' is not a pairing link (BASE/door#pair=CODE); with a bare code, add "
                         "--base URL");
    std::string code = link.substr(fragment + 6);
    if (code.empty()) throw UsageError("the pairing link has no code after #pair=");
    return {server_root(link.substr(0, fragment)), code};
}

// The pairing link from --qr-from DEVICE: the first QR code within the timeout that holds one.
std::string link_from_camera(const std::string& device, std::chrono::seconds timeout) {
    QrCamera camera(device);
    std::fprintf(stderr, "Hold the pairing QR code in front of %s ...\n", device.c_str());
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto text = camera.next(std::max(left, std::chrono::milliseconds(1)));
        if (text && text->find("#pair=") != std::string::npos) return *text;
        if (text) std::fprintf(stderr, "That QR code is not a pairing link; still looking.\n");
    }
    throw CameraError("no pairing QR code seen on " + device + " within " +
                      std::to_string(timeout.count()) + " s");
}

// Where the code comes from: the link argument, a bare code with --base, or the camera.
PairingLink pairing_link(const std::optional<std::string>& argument, const Options& options) {
    if (auto device = options.get("--qr-from")) {
        if (argument) throw UsageError("give a pairing link or --qr-from, not both");
        auto seconds = options.integer("--qr-timeout", 60, 1, 3600);
        return parse_pairing_link(link_from_camera(*device, std::chrono::seconds(seconds)));
    }
    if (!argument) throw UsageError("give the pairing link (or a code with --base, or --qr-from)");
    if (auto base = options.get("--base")) {
        if (argument->find("#pair=") != std::string::npos)
            throw UsageError("--base goes with a bare code, not with a link");
        return {server_root(*base), *argument};
    }
    return parse_pairing_link(*argument);
}

std::string app_description(const Options& options) {
    std::string name = options.get("--name").value_or("");
    if (name.empty()) {
        char host[256] = {};
        if (::gethostname(host, sizeof host - 1) == 0) name = host;
    }
    return "stagedoor-kiosk " STAGEDOOR_VERSION + (name.empty() ? "" : " on " + name);
}

// The server's refusal in words a person at the kiosk can act on.
std::string refusal(const client::HttpResult& answer) {
    if (answer.status == 401)
        return "the pairing code was not accepted: it is unknown, already used or expired (the "
               "server does not say which). Ask the organiser for a new code";
    if (answer.status == 429)
        return "too many failed pairing attempts from this address: wait a minute, then try "
               "again with a valid code";
    json body = json::parse(answer.body, nullptr, false);
    std::string message = body.is_object() ? body.value("message", answer.body) : answer.body;
    return "the server refused the pairing (HTTP " + std::to_string(answer.status) +
           "): " + message;
}

} // namespace

int run_pair(const std::vector<std::string>& args) {
    std::optional<std::string> argument;
    std::vector<std::string> rest = args;
    if (!rest.empty() && !rest.front().starts_with("--")) {
        argument = rest.front();
        rest.erase(rest.begin());
    }
    Options options(rest, {"--state", "--ca", "--fingerprint", "--base", "--name", "--qr-from",
                           "--qr-timeout"});
    auto state_option = options.get("--state");
    fs::path state_dir = state_option ? fs::path(*state_option) : client::default_state_dir();
    auto link = pairing_link(argument, options);

    client::Endpoint endpoint = client::parse_endpoint(link.base);
    std::optional<std::string> ca;
    if (auto file = options.get("--ca")) ca = fs::absolute(*file).string();
    if (endpoint.tls) {
        endpoint.trust.ca_file = ca.value_or("");
        if (auto pinned = options.get("--fingerprint"))
            endpoint.trust.fingerprint = client::normalize_fingerprint(*pinned);
        // Without a CA file or a given fingerprint, trust the certificate seen now and pin it.
        endpoint.trust.accept_any = !ca && endpoint.trust.fingerprint.empty();
    }
    json request = {{"code", link.code}, {"app", app_description(options)}};
    auto answer = client::http_request(endpoint, "POST", "/api/pair", request.dump());
    if (answer.status != 200) throw client::ClientError(refusal(answer));
    json body = json::parse(answer.body, nullptr, false);
    if (!body.is_object() || !body.contains("token"))
        throw client::ClientError("the server's answer has no device token: " + answer.body);

    client::DeviceState state{link.base,
                              body.value("role", ""),
                              body.value("device_id", std::int64_t{0}),
                              body.value("name", ""),
                              body["token"].get<std::string>(),
                              std::nullopt,
                              endpoint.tls ? ca : std::nullopt};
    if (endpoint.tls && !ca) state.fingerprint = answer.fingerprint;
    client::save_device_state(state_dir, state);

    std::string trust = !endpoint.tls ? "plain http: the token travels unencrypted"
                        : ca ? "certificate " + answer.fingerprint + " (trusted via " + *ca + ")"
                             : "certificate " + answer.fingerprint;
    std::printf("Paired as %s (#%lld), role %s; %s\nSaved in %s\n", state.name.c_str(),
                static_cast<long long>(state.device_id), state.role.c_str(), trust.c_str(),
                client::device_state_path(state_dir).c_str());
    if (endpoint.tls && !ca && options.get("--fingerprint") == std::nullopt)
        std::printf("Compare the certificate with the fingerprint `stagedoor serve` printed.\n");
    return 0;
}

} // namespace stagedoor::kiosk
