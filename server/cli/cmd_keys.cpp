// stagedoor keys rotate: replaces one role key. A running server re-reads the keys within about
// a second and disconnects the clients that used the old one.
#include "cli/command.hpp"
#include "storage/audit_store.hpp"
#include "storage/data_dir.hpp"
#include "storage/device_store.hpp"

#include <chrono>
#include <iostream>

namespace stagedoor::cli {

namespace {

int run_keys(const Args& args) {
    auto parsed = parse_args(args, {"--data", "--role"}, {});
    auto data = parsed.get("--data");
    if (!data) throw UsageError("--data is required");
    if (parsed.positional.size() != 1 || parsed.positional.front() != "rotate")
        throw UsageError("the only keys action is 'rotate'");
    auto role_text = parsed.get("--role");
    auto role = role_text ? protocol::role_from_string(*role_text) : std::nullopt;
    if (!role) throw UsageError("--role must be door, stage, moderator or organiser");

    storage::DataDir dir(*data);
    dir.require_initialised();
    storage::rotate_role_key(dir, *role);
    storage::Database db(dir.database_path());
    storage::note_keys_rotated(db);
    storage::append_command_line_audit(db,
                                       std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count(),
                                       "keys.rotate", std::string(protocol::to_string(*role)));
    std::cout << "Rotated the " << protocol::to_string(*role) << " key ("
              << dir.role_key_path(*role).string()
              << "); a running server disconnects the clients that used the old one.\n";
    return 0;
}

const bool registered = register_command({
    "keys",
    "role keys: rotate one (clients using the old key are disconnected)",
    "usage: stagedoor keys rotate --data DIR --role ROLE\n\n"
    "Writes a new random key for ROLE to DIR/keys/ROLE.key (0600). The key is not printed;\n"
    "`serve --show-keys` prints the role links. Paired devices keep working: they use their\n"
    "own tokens. Exit status: 0 rotated, 1 failure, 2 usage.\n",
    run_keys,
});

} // namespace

} // namespace stagedoor::cli
