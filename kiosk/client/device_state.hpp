// A paired kiosk's state folder (DESIGN12 C): DIR/device.json holds what `stagedoor-kiosk pair`
// got from the server (the device token, role, name) and how to trust it (a pinned certificate
// fingerprint or a CA file). The folder is 0700 and the file 0600: the token is a credential.
// Other kiosk files (the door's SQLite queue) live in the same folder. No Beast here.
#pragma once

#include "client/client.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace stagedoor::client {

struct DeviceState {
    std::string base; // where the server is: "https://10.0.0.5:8443" (scheme, host, port)
    std::string role; // "door", "stage", "moderator" or "organiser", as paired
    std::int64_t device_id = 0;
    std::string name;  // the name the organiser gave ("Door 1")
    std::string token; // "sdd_<id>_...": the device's credential for hello and Bearer
    std::optional<std::string> fingerprint; // "sha256:AB:...", pinned at pairing over https
    std::optional<std::string> ca;          // a CA file to verify the server's chain instead
};

// $XDG_STATE_HOME/stagedoor-kiosk, else $HOME/.local/state/stagedoor-kiosk (XDG's default).
// Throws ClientError when neither variable is set.
std::filesystem::path default_state_dir();

// DIR/device.json.
std::filesystem::path device_state_path(const std::filesystem::path& dir);

// Reads DIR/device.json. Throws ClientError saying what is wrong: not paired yet (no file; the
// message says to run `stagedoor-kiosk pair`), unreadable, not JSON, a missing or mistyped field.
DeviceState load_device_state(const std::filesystem::path& dir);

// Writes DIR/device.json atomically (a 0600 temporary file, fsync, rename, fsync of the folder),
// so a crash leaves the old file or the new one. Creates DIR (and its parents) with mode 0700.
// Refuses (ClientError) an existing DIR that others can read or enter, rather than putting a
// token there or changing the mode of a folder it did not make.
void save_device_state(const std::filesystem::path& dir, const DeviceState& state);

// The server's endpoint for path ("/ws" for the WebSocket), trusted as the state says.
Endpoint device_endpoint(const DeviceState& state, std::string_view path = "/ws");

// Opens a connection to the state's server and says hello with the device token in the state's
// role. Throws ClientError when the server cannot be reached or refuses the token (the message
// carries the server's error, e.g. a revoked device), CertificateMismatch when the server's
// certificate is not the pinned one.
std::shared_ptr<Connection> open_device_connection(ClientContext& context, const DeviceState& state,
                                                   Millis timeout = 5s);

} // namespace stagedoor::client
