// stagedoor device pair|list|revoke|rename: paired devices from the command line. Works while
// `serve` runs (a running server notices the change within about a second).
#include "badges/badges.hpp"
#include "cli/command.hpp"
#include "domain/attendance.hpp"
#include "storage/audit_store.hpp"
#include "storage/data_dir.hpp"
#include "storage/device_store.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace stagedoor::cli {

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t parse_device_id(const std::string& text) {
    try {
        std::size_t used = 0;
        long long id = std::stoll(text, &used);
        if (used == text.size() && id > 0) return id;
    } catch (const std::exception&) {
    }
    throw UsageError("'" + text + "' is not a device id (see stagedoor device list)");
}

std::string base_url(const storage::DataDir& dir, const ParsedArgs& parsed) {
    if (auto base = parsed.get("--base")) return *base;
    std::error_code ec;
    auto path = dir.root() / "run" / "base-url";
    if (std::filesystem::exists(path, ec)) {
        std::string text = storage::read_file(path);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
            text.pop_back();
        if (!text.empty()) return text;
    }
    std::cerr << "note: no running server wrote " << path.string()
              << "; the link assumes http://127.0.0.1:8080 (use --base URL)\n";
    return "http://127.0.0.1:8080";
}

int pair(storage::DataDir& dir, storage::Database& db, storage::DeviceStore& store,
         const ParsedArgs& parsed) {
    auto role_text = parsed.get("--role");
    auto role = role_text ? protocol::role_from_string(*role_text) : std::nullopt;
    if (!role) throw UsageError("--role must be door, stage, moderator or organiser");
    auto name = parsed.get("--name");
    if (!name || name->empty() || name->size() > protocol::kMaxDeviceBytes)
        throw UsageError("--name must be 1 to 64 bytes, e.g. --name \"Door 1\"");
    std::int64_t uses = 1;
    if (auto text = parsed.get("--uses")) {
        try {
            uses = std::stoll(*text);
        } catch (const std::exception&) {
            uses = 0;
        }
        if (uses < 1 || uses > domain::kMaxPairingUses)
            throw UsageError("--uses must be a whole number from 1 to 1000");
    }
    std::int64_t lifetime = domain::kDefaultPairingLifetimeMs;
    if (auto text = parsed.get("--expires")) {
        auto parsed_lifetime = domain::parse_duration_ms(*text);
        if (!parsed_lifetime) throw UsageError("--expires must be e.g. 30m, 2h, 1d (at most 7d)");
        lifetime = *parsed_lifetime;
    }
    std::int64_t now = now_ms();
    auto pairing = store.create_pairing(*role, *name, uses, now + lifetime, "(command line)", now);
    // Never the code: whoever reads the audit log could pair with it.
    storage::append_command_line_audit(
        db, now, "device.pair_code", *name,
        nlohmann::json{{"role", protocol::to_string(*role)}, {"uses", uses}}.dump());
    std::string link = domain::pairing_link(base_url(dir, parsed), *role, pairing.code);
    std::cout << "Pairing code for " << protocol::to_string(*role) << " '" << *name
              << "': " << domain::group_pairing_code(pairing.code) << " (" << uses
              << (uses == 1 ? " use" : " uses") << ", valid " << lifetime / 60'000 << " min)\n"
              << "Open on the device: " << link << "\n";
    if (!parsed.flag("--no-qr"))
        if (auto qr = badges::encode_qr(link)) std::cout << "\n" << badges::qr_terminal(*qr);
    return 0;
}

std::string time_text(std::optional<std::int64_t> unix_ms) {
    return unix_ms ? domain::iso_local_time(*unix_ms).substr(0, 19) : "-";
}

int list(storage::DeviceStore& store) {
    auto devices = store.list();
    if (devices.empty()) {
        std::cout << "No paired devices.\n";
        return 0;
    }
    std::printf("%-5s %-24s %-10s %-20s %-16s %s\n", "id", "name", "role", "last seen", "address",
                "status");
    for (const auto& device : devices)
        std::printf("%-5lld %-24s %-10s %-20s %-16s %s\n", static_cast<long long>(device.id),
                    device.name.c_str(), std::string(protocol::to_string(device.role)).c_str(),
                    time_text(device.last_seen).c_str(), device.address.c_str(),
                    device.revoked_at ? ("revoked " + time_text(device.revoked_at)).c_str()
                                      : "active");
    return 0;
}

int run_device(const Args& args) {
    auto parsed = parse_args(args, {"--data", "--role", "--name", "--uses", "--expires", "--base"},
                             {"--no-qr"});
    auto data = parsed.get("--data");
    if (!data) throw UsageError("--data is required");
    if (parsed.positional.empty()) throw UsageError("name an action: pair, list, revoke, rename");
    const std::string& action = parsed.positional.front();
    std::size_t operands = parsed.positional.size() - 1;

    storage::DataDir dir(*data);
    dir.require_initialised();
    storage::Database db(dir.database_path());
    storage::DeviceStore store(db);
    if (action == "pair" && operands == 0) return pair(dir, db, store, parsed);
    if (action == "list" && operands == 0) return list(store);
    if (action == "revoke" && operands == 1) {
        std::int64_t id = parse_device_id(parsed.positional[1]);
        if (!store.revoke(id, now_ms())) {
            std::cerr << "stagedoor device: no device " << id << "\n";
            return 1;
        }
        storage::append_command_line_audit(db, now_ms(), "device.revoke", std::to_string(id));
        std::cout << "Revoked device " << id << "; a running server disconnects it.\n";
        return 0;
    }
    if (action == "rename" && operands == 2) {
        std::int64_t id = parse_device_id(parsed.positional[1]);
        const std::string& name = parsed.positional[2];
        if (name.empty() || name.size() > protocol::kMaxDeviceBytes)
            throw UsageError("the name must be 1 to 64 bytes");
        if (!store.rename(id, name)) {
            std::cerr << "stagedoor device: no device " << id << "\n";
            return 1;
        }
        storage::append_command_line_audit(db, now_ms(), "device.rename", std::to_string(id),
                                           nlohmann::json{{"name", name}}.dump());
        std::cout << "Renamed device " << id << " to '" << name << "'.\n";
        return 0;
    }
    throw UsageError("unknown action or wrong operands: '" + action + "'");
}

const bool registered = register_command({
    "device",
    "paired devices: pair (code + QR), list, revoke, rename",
    "usage: stagedoor device pair --data DIR --role ROLE --name NAME [--uses N] [--expires 30m]\n"
    "                             [--base URL] [--no-qr]\n"
    "       stagedoor device list --data DIR\n"
    "       stagedoor device revoke ID --data DIR\n"
    "       stagedoor device rename ID NAME --data DIR\n\n"
    "pair prints a pairing link and its QR code; the device that opens it gets its own token.\n"
    "  --uses N      how many devices may pair with the code (default 1)\n"
    "  --expires T   how long the code is valid: 45s, 30m, 2h, 1d (default 30m, at most 7d)\n"
    "  --base URL    the server as devices reach it (default: what the running server wrote to\n"
    "                DIR/run/base-url)\n"
    "revoke disconnects the device at once (within a second when `serve` runs) and its token\n"
    "no longer works. Exit status: 0 done, 1 unknown device or failure, 2 usage.\n",
    run_device,
});

} // namespace

} // namespace stagedoor::cli
