// stagedoor badge reissue: a new badge for a lost or compromised one; the old one is revoked.
#include "cli/command.hpp"
#include "storage/attendance_store.hpp"
#include "storage/data_dir.hpp"

#include <chrono>
#include <iostream>

namespace stagedoor::cli {

namespace {

int run_badge(const Args& args) {
    auto parsed = parse_args(args, {"--data"}, {});
    auto data = parsed.get("--data");
    if (!data) throw UsageError("--data is required");
    if (parsed.positional.empty() || parsed.positional.front() != "reissue")
        throw UsageError("the only badge action is 'reissue'");
    if (parsed.positional.size() != 2)
        throw UsageError("name one attendee: id, external_id or email");
    const std::string& who = parsed.positional[1];

    storage::DataDir dir(*data);
    dir.require_initialised();
    storage::Database db(dir.database_path());
    storage::migrate_attendance(db);
    auto state = storage::load_attendance(db);
    const domain::Attendee* person = storage::find_attendee(state, who);
    if (!person) {
        std::cerr << "stagedoor badge: no attendee with id, external_id or email '" << who << "'\n";
        return 1;
    }
    auto event_id = protocol::badge::event_id_from_hex(dir.event().id);
    if (!event_id)
        throw std::runtime_error("the event id in " + dir.root().string() + " is broken");
    storage::BadgeIssuer issuer(dir.signing_key(), *event_id);
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto updated = storage::reissue_badge(db, state, person->id, issuer, now);
    std::cout << "Reissued the badge of " << updated.name << " (id " << updated.id << "): serial "
              << updated.serial << "; serial " << updated.serial - 1 << " and older are revoked.\n"
              << "token: " << updated.token << "\n"
              << "Print it with: stagedoor badges --data " << dir.root().string() << " --out "
              << dir.badges_dir().string() << "\n";
    return 0;
}

const bool registered = register_command({
    "badge",
    "badge actions: reissue a lost badge (the old one is revoked)",
    "usage: stagedoor badge reissue --data DIR ATTENDEE\n\n"
    "ATTENDEE is the attendee's id, external_id or email. The new badge gets the next serial;\n"
    "every older serial of this person is refused at the door as 'revoked'. A running server\n"
    "learns of the new badge the first time it is scanned; the organiser can also reissue from\n"
    "the server (POST /api/badges/<id>/reissue), which revokes the old badge at once.\n\n"
    "Exit status: 0 reissued, 1 unknown attendee or failure, 2 usage.\n",
    run_badge,
});

} // namespace

} // namespace stagedoor::cli
