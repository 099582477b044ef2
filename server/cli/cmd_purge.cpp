// stagedoor purge: removes or anonymises the personal data of an event after it (storage/purge).
#include "cli/command.hpp"
#include "storage/data_dir.hpp"
#include "storage/purge.hpp"

#include <chrono>
#include <iostream>
#include <string>
#include <unistd.h>

namespace stagedoor::cli {

namespace {

using storage::PurgeCounts;
using storage::PurgeMode;

// One line per kind of data, skipping what is not there.
std::string describe(const PurgeCounts& counts) {
    std::string out;
    auto line = [&out](std::int64_t number, std::string_view what) {
        if (number > 0) out += "  " + std::to_string(number) + " " + std::string(what) + "\n";
    };
    line(counts.attendees_deleted, "attendee(s) deleted (names, organisations, e-mails)");
    line(counts.attendees_anonymised, "attendee(s) anonymised (names, organisations, e-mails)");
    line(counts.badges_deleted, "issued badge(s) deleted (their tokens)");
    line(counts.ledger_deleted, "check-in record(s) deleted");
    line(counts.ledger_anonymised, "check-in record(s) anonymised (device names, scanned text)");
    line(counts.control_log_deleted, "stage control log entries deleted");
    line(counts.speaker_links_removed, "agenda item(s) unlinked from their speaker");
    line(counts.badge_files_deleted, "badge file(s) deleted");
    line(counts.audit_log_deleted, "audit log entries deleted (device names, addresses, actions)");
    return out.empty() ? "  nothing: no personal data is left\n" : out;
}

// On a terminal: the person must type the event's name. Elsewhere only --yes confirms.
bool confirmed(const storage::DataDir& dir, PurgeMode mode, const std::string& event_name) {
    if (!::isatty(STDIN_FILENO)) {
        std::cerr << "stagedoor purge: refusing without confirmation: run it in a terminal, or "
                     "pass --yes in a script. Nothing was changed.\n";
        return false;
    }
    std::cout << "This removes, for good, from " << dir.root().string() << ":\n"
              << describe(storage::preview_purge(dir, mode)) << "Type the event name ("
              << event_name << ") to confirm: " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    while (!answer.empty() && (answer.back() == '\r' || answer.back() == ' '))
        answer.pop_back();
    if (answer == event_name) return true;
    std::cerr << "stagedoor purge: the name did not match. Nothing was changed.\n";
    return false;
}

int run_purge(const Args& args) {
    auto parsed = parse_args(args, {"--data"}, {"--keep-stats", "--yes"});
    auto data = parsed.get("--data");
    if (!data) throw UsageError("--data is required");
    if (!parsed.positional.empty())
        throw UsageError("unexpected argument '" + parsed.positional.front() + "'");
    PurgeMode mode = parsed.flag("--keep-stats") ? PurgeMode::keep_stats : PurgeMode::delete_all;

    storage::DataDir dir(*data);
    dir.require_initialised();
    auto lock = storage::DataDirLock::try_acquire(dir.root());
    if (!lock) {
        std::cerr << "stagedoor purge: " << dir.root().string()
                  << " is in use: `stagedoor serve` (or an import) is running on it. Stop it "
                     "first, then purge. Nothing was changed.\n";
        return 1;
    }
    std::string event_name = dir.event().name;
    if (!parsed.flag("--yes") && !confirmed(dir, mode, event_name)) return 1;

    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto counts = storage::purge_data_dir(dir, mode, now);
    std::cout << "Purged '" << event_name << "' ("
              << (mode == PurgeMode::keep_stats ? "anonymous counts kept" : "personal data deleted")
              << "):\n"
              << describe(counts)
              << "The purge is recorded in the database (purge_log). Copies made elsewhere "
                 "(downloads, badge folders outside "
              << dir.root().string() << ", backups) are yours to delete.\n";
    return 0;
}

const bool registered = register_command({
    "purge",
    "remove or anonymise the personal data of an event after it",
    "usage: stagedoor purge --data DIR [--keep-stats] [--yes]\n\n"
    "Deletes the roster (names, organisations, e-mails, external ids, notes, walk-ins), the\n"
    "badge tokens, the check-in records, the stage control log and DIR/badges, then compacts\n"
    "the database so that the deleted text is gone from the file. The event, its agenda and\n"
    "the pitch report's times stay; speaker names (taken from the roster) go.\n\n"
    "  --keep-stats  keep anonymous counts instead: every person stays as a row without name,\n"
    "                contact or id (category, sector and flags only), every check-in without\n"
    "                device name or scanned text, so `serve` still shows arrivals per category\n"
    "                and per quarter hour and the totals\n"
    "  --yes         do not ask (for scripts); without it, purge asks you to type the event\n"
    "                name, and refuses when not run in a terminal\n\n"
    "Refuses while `stagedoor serve` runs on DIR. Every purge is recorded (time, what was\n"
    "removed, how many) in the database's purge_log. Purging again is harmless.\n\n"
    "Exit status: 0 purged, 1 refused (nothing changed) or failed (see the message), 2 usage.\n",
    run_purge,
});

} // namespace

} // namespace stagedoor::cli
