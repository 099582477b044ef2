#include "cli/command.hpp"
#include "storage/data_dir.hpp"

#include <iostream>
#include <regex>

namespace stagedoor::cli {

namespace {
bool valid_date(const std::string& date) {
    static const std::regex pattern(R"(^(\d{4})-(\d{2})-(\d{2})$)");
    std::smatch match;
    if (!std::regex_match(date, match, pattern)) return false;
    int month = std::stoi(match[2]), day = std::stoi(match[3]);
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

int run_init(const Args& args) {
    auto parsed = parse_args(args, {"--data", "--name", "--date"}, {});
    auto data = parsed.get("--data");
    auto name = parsed.get("--name");
    auto date = parsed.get("--date");
    if (!data || !name || !date) throw UsageError("--data, --name and --date are required");
    if (!parsed.positional.empty())
        throw UsageError("unexpected argument '" + parsed.positional.front() + "'");
    if (name->empty() || name->size() > 200) throw UsageError("--name must be 1 to 200 bytes");
    if (!valid_date(*date)) throw UsageError("--date must be YYYY-MM-DD, e.g. 2026-11-26");

    auto dir = storage::DataDir::init(*data, *name, *date);
    auto event = dir.event();
    std::cout << "Created event '" << event.name << "' on " << event.date << " (id " << event.id
              << ") in " << dir.root().string() << "\n"
              << "  database      " << dir.database_path().string() << "\n"
              << "  role keys     " << dir.keys_dir().string()
              << "/{organiser,moderator,door,stage}.key (0600)\n"
              << "  badge keys    " << dir.badge_private_key_path().string() << " (0600), "
              << dir.badge_public_key_path().filename().string() << "\n"
              << "Next: stagedoor import --data " << dir.root().string() << " roster.csv\n"
              << "      stagedoor serve --data " << dir.root().string() << "\n";
    return 0;
}

const bool registered = register_command({
    "init",
    "create a new event in a data folder",
    "usage: stagedoor init --data DIR --name \"Event name\" --date YYYY-MM-DD\n\n"
    "Creates DIR with the event database, one secret key per role (organiser, moderator, door,\n"
    "stage) and the Ed25519 badge-signing key pair, all readable only by you. Refuses to touch a\n"
    "folder that already holds an event.\n",
    run_init,
});
} // namespace

} // namespace stagedoor::cli
