#include "client/device_state.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace stagedoor::client {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string system_error(const std::string& what, const fs::path& path) {
    return what + " " + path.string() + ": " + std::strerror(errno);
}

// Creates dir (0700) and its missing parents, or checks that the existing dir is private.
void ensure_private_dir(const fs::path& dir) {
    std::error_code ec;
    if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) == 0) return;
    if (errno != EEXIST) throw ClientError(system_error("cannot create the state folder", dir));
    struct stat info {};
    if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
        throw ClientError("the state folder " + dir.string() + " is not a folder");
    if ((info.st_mode & 077) != 0) {
        std::ostringstream mode;
        mode << std::oct << (info.st_mode & 0777);
        throw ClientError("the state folder " + dir.string() + " is open to other users (mode 0" +
                          mode.str() + "); use a private folder (chmod 700) for the device token");
    }
}

void write_all(int fd, const std::string& text, const fs::path& path) {
    std::size_t written = 0;
    while (written < text.size()) {
        ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw ClientError(system_error("cannot write", path));
        written += static_cast<std::size_t>(n);
    }
}

// Replaces path with text: a 0600 temporary file next to it, fsync, rename, fsync the folder.
void write_file_atomically(const fs::path& path, const std::string& text) {
    fs::path temporary = path;
    temporary += ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw ClientError(system_error("cannot create", temporary));
    try {
        ::fchmod(fd, 0600); // an older temporary file may have had another mode
        write_all(fd, text, temporary);
        if (::fsync(fd) != 0) throw ClientError(system_error("cannot sync", temporary));
    } catch (...) {
        ::close(fd);
        ::unlink(temporary.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(temporary.c_str(), path.c_str()) != 0)
        throw ClientError(system_error("cannot replace", path));
    int dir_fd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

std::optional<std::string> optional_text(const json& object, const char* field) {
    if (!object.contains(field) || object[field].is_null()) return std::nullopt;
    return object[field].get<std::string>();
}

json optional_json(const std::optional<std::string>& value) {
    return value ? json(*value) : json(nullptr);
}

} // namespace

fs::path default_state_dir() {
    if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
        return fs::path(state) / "stagedoor-kiosk";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".local" / "state" / "stagedoor-kiosk";
    throw ClientError("neither XDG_STATE_HOME nor HOME is set: name a state folder with --state");
}

fs::path device_state_path(const fs::path& dir) {
    return dir / "device.json";
}

DeviceState load_device_state(const fs::path& dir) {
    fs::path path = device_state_path(dir);
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw ClientError("this kiosk is not paired yet (no " + path.string() +
                          "): run `stagedoor-kiosk pair LINK` first");
    std::ifstream in(path);
    if (!in) throw ClientError(system_error("cannot read", path));
    std::stringstream text;
    text << in.rdbuf();
    json object = json::parse(text.str(), nullptr, false);
    if (!object.is_object())
        throw ClientError(path.string() + " is not a JSON object: pair again to replace it");
    try {
        DeviceState state{object.at("base").get<std::string>(),
                          object.at("role").get<std::string>(),
                          object.at("device_id").get<std::int64_t>(),
                          object.at("name").get<std::string>(),
                          object.at("token").get<std::string>(),
                          optional_text(object, "fingerprint"),
                          optional_text(object, "ca")};
        if (state.token.empty() || state.base.empty()) throw ClientError("empty token or base");
        return state;
    } catch (const std::exception& error) {
        throw ClientError(path.string() + " is damaged (" + error.what() +
                          "): pair again to replace it");
    }
}

void save_device_state(const fs::path& dir, const DeviceState& state) {
    ensure_private_dir(dir);
    json object = {
        {"base", state.base},           {"role", state.role},
        {"device_id", state.device_id}, {"name", state.name},
        {"token", state.token},         {"fingerprint", optional_json(state.fingerprint)},
        {"ca", optional_json(state.ca)}};
    write_file_atomically(device_state_path(dir), object.dump(2) + "\n");
}

Endpoint device_endpoint(const DeviceState& state, std::string_view path) {
    Endpoint endpoint = parse_endpoint(state.base);
    endpoint.path = std::string(path);
    if (state.fingerprint) endpoint.trust.fingerprint = *state.fingerprint;
    if (state.ca) endpoint.trust.ca_file = *state.ca;
    return endpoint;
}

std::shared_ptr<Connection> open_device_connection(ClientContext& context, const DeviceState& state,
                                                   Millis timeout) {
    auto connection = Connection::open(context, device_endpoint(state), timeout);
    auto reply = connection->hello(state.role, state.token, state.name);
    if (reply.value("type", "") != "welcome")
        throw ClientError("the server refused this kiosk's device token (" +
                          reply.value("code", std::string("no code")) + ": " +
                          reply.value("message", std::string("no message")) +
                          "); pair it again if it was removed");
    return connection;
}

} // namespace stagedoor::client
