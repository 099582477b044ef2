// stagedoor badges: every attendee's badge as SVG and PNG, a printable sheet and a mail-merge CSV.
#include "badges/badges.hpp"
#include "cli/command.hpp"
#include "storage/attendance_store.hpp"
#include "storage/data_dir.hpp"

#include <iostream>

namespace stagedoor::cli {

namespace {

int run_badges(const Args& args) {
    auto parsed = parse_args(args, {"--data", "--out", "--lang"}, {"--csv-only"});
    auto data = parsed.get("--data");
    auto out = parsed.get("--out");
    if (!data || !out) throw UsageError("--data and --out are required");
    auto language = badges::parse_language(parsed.get("--lang").value_or("en"));
    if (!language) throw UsageError("--lang must be de or en");
    if (!parsed.positional.empty())
        throw UsageError("unexpected argument '" + parsed.positional.front() + "'");

    storage::DataDir dir(*data);
    dir.require_initialised();
    storage::Database db(dir.database_path());
    storage::migrate_attendance(db);
    auto state = storage::load_attendance(db);

    std::vector<badges::BadgeCard> cards;
    std::size_t blocked = 0;
    for (const domain::Attendee* person : state.attendees()) {
        if (person->blocked) {
            ++blocked;
            continue;
        }
        if (person->serial == 0) continue;
        cards.push_back({person->id, person->name, person->organisation,
                         std::string(protocol::to_string(person->category)), person->email,
                         person->token, person->vip});
    }
    if (cards.empty()) {
        std::cerr << "no attendees yet: import a roster first (stagedoor import --data "
                  << dir.root().string() << " roster.csv)\n";
        return 1;
    }
    bool csv_only = parsed.flag("--csv-only");
    std::size_t written =
        badges::write_badge_set(*out, dir.event().name, cards, csv_only, *language);
    if (csv_only)
        std::cout << "wrote the tokens of " << written << " badges to " << *out << "/badges.csv\n";
    else
        std::cout
            << "wrote " << written << " badges to " << *out
            << " (badge-<id>.svg and .png, badges.html to print, badges.csv for mail merge)\n";
    if (blocked) std::cout << blocked << " blocked attendee(s) left out\n";
    return 0;
}

const bool registered = register_command({
    "badges",
    "write every attendee's badge (SVG, PNG), a print sheet and badges.csv",
    "usage: stagedoor badges --data DIR --out OUTDIR [--lang de|en] [--csv-only]\n\n"
    "Writes into OUTDIR, per attendee, badge-<id>.svg and badge-<id>.png with name, organisation\n"
    "and the signed QR code, plus badges.html (four badges per A4 page inside printer-safe\n"
    "margins, with crop marks) and badges.csv (name,email,file,token) for a mail merge.\n"
    "Blocked attendees are left out. --lang is the event's language for the category bands\n"
    "and the sheet (default en). Titles (\"Prof. Dr.\") print on a line above the name; VIPs\n"
    "get a gold mark on the band.\n"
    "--csv-only writes just badges.csv (quick for tens of thousands of attendees).\n\n"
    "Exit status: 0 written, 1 failure (e.g. no attendees), 2 usage.\n",
    run_badges,
});

} // namespace

} // namespace stagedoor::cli
