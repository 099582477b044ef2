// stagedoor import: the roster from a spreadsheet's CSV export, as one transaction.
#include "cli/command.hpp"
#include "domain/roster_csv.hpp"
#include "domain/roster_import.hpp"
#include "storage/attendance_store.hpp"
#include "storage/data_dir.hpp"

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace stagedoor::cli {

namespace {

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string read_input(const std::string& path) {
    if (path == "-") {
        std::stringstream buffer;
        buffer << std::cin.rdbuf();
        return buffer.str();
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) throw std::runtime_error("cannot read " + path);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

// Lines for a terminal: what the import did, or why it did nothing.
std::string describe(const domain::RosterPlan& plan, bool applied) {
    if (plan.refused) return "cannot import: " + plan.refused->message + "\n";
    std::string out;
    for (const auto& warning : plan.warnings)
        out += "warning: " + warning + "\n";
    for (const auto& problem : plan.errors)
        out += "line " + std::to_string(problem.line) + ": " + problem.reason + "\n";
    for (const auto& problem : plan.skipped)
        out += "skipped line " + std::to_string(problem.line) + ": " + problem.reason + "\n";
    if (!applied)
        return out + std::to_string(plan.errors.size()) +
               " bad row(s); nothing was imported. Fix them, or pass --skip-bad to import the "
               "good rows only.\n";
    return out + "imported: " + std::to_string(plan.added.size()) + " added, " +
           std::to_string(plan.updated.size()) + " updated, " + std::to_string(plan.unchanged) +
           " unchanged, " + std::to_string(plan.skipped.size()) + " skipped\n";
}

int run_import(const Args& args) {
    auto parsed = parse_args(args, {"--data"}, {"--skip-bad"});
    auto data = parsed.get("--data");
    if (!data) throw UsageError("--data is required");
    if (parsed.positional.size() != 1)
        throw UsageError("give exactly one roster file (or - for standard input)");

    storage::DataDir dir(*data);
    dir.require_initialised();
    std::string text = read_input(parsed.positional.front());

    storage::Database db(dir.database_path());
    storage::migrate_attendance(db);
    auto state = storage::load_attendance(db);
    auto event_id = protocol::badge::event_id_from_hex(dir.event().id);
    if (!event_id)
        throw std::runtime_error("the event id in " + dir.root().string() + " is broken");
    storage::BadgeIssuer issuer(dir.signing_key(), *event_id);

    auto roster = domain::parse_roster_csv(text);
    std::int64_t now = now_ms();
    auto plan = domain::plan_roster_import(
        state, roster, {parsed.flag("--skip-bad"), now, storage::max_attendee_id(db) + 1});
    if (!plan.writable()) {
        std::cerr << describe(plan, false);
        return 1;
    }
    storage::commit_roster_plan(db, plan, issuer, now);
    domain::apply_roster_plan(state, plan);
    std::cout << describe(plan, true);
    std::cout << state.attendee_count() << " attendees in '" << dir.event().name << "'.\n"
              << "Next: stagedoor badges --data " << dir.root().string() << " --out "
              << dir.badges_dir().string() << "\n";
    return 0;
}

const bool registered = register_command({
    "import",
    "import or update the roster from a CSV file",
    "usage: stagedoor import --data DIR [--skip-bad] ROSTER.csv\n\n"
    "Reads a CSV with a header row (RFC 4180 quoting; ',' ';' or tab as the delimiter, as German\n"
    "spreadsheets export) in UTF-8 (a BOM is fine), UTF-16 with a BOM (Excel's Unicode text) or\n"
    "Windows-1252 (a warning says so: check the names). Columns by name, in any order and case:\n"
    "  name (required), organisation, email, sector, category, vip, external_id, notes, blocked\n"
    "category: member (default), guest, new_member, speaker, staff, press\n"
    "vip, blocked: yes/no (also ja/nein, true/false, 1/0; empty = no)\n\n"
    "Importing again updates the people it finds by external_id, else by email, and never\n"
    "duplicates them. New people get a signed badge. A bad row is reported with its line number\n"
    "and nothing is imported, unless --skip-bad imports the good rows. Unknown columns are\n"
    "ignored with a warning. Use - to read standard input.\n\n"
    "While the server runs, prefer the organiser upload (POST /api/roster), which updates the\n"
    "running server at once.\n\n"
    "Exit status: 0 imported, 1 nothing imported (bad rows, unreadable file), 2 usage.\n",
    run_import,
});

} // namespace

} // namespace stagedoor::cli
