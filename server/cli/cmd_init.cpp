#include "cli/command.hpp"
#include "stagedoor/protocol/text.hpp"
#include "storage/data_dir.hpp"

#include <iostream>
#include <optional>
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

constexpr std::size_t kMaxEventNameBytes = 200;

// Why the event name cannot be shown on every display and in every log line, or nullopt. It
// reaches the wire in every welcome, so it must be valid UTF-8 without control characters
// (C0, DEL, C1: a newline or a terminal escape would forge log lines).
std::optional<std::string> event_name_problem(const std::string& name) {
    if (protocol::trim(name).empty() || name.size() > kMaxEventNameBytes)
        return "--name must be 1 to " + std::to_string(kMaxEventNameBytes) + " bytes of text";
    if (!protocol::is_valid_utf8(name))
        return "--name is not UTF-8 text (check the terminal's encoding)";
    for (std::size_t i = 0; i < name.size();) {
        char32_t c = protocol::next_utf8(name, i);
        if (c < 0x20 || (c >= 0x7F && c < 0xA0))
            return "--name must not contain control characters (tabs, line breaks, escapes)";
    }
    return std::nullopt;
}

int run_init(const Args& args) {
    auto parsed = parse_args(args, {"--data", "--name", "--date"}, {});
    auto data = parsed.get("--data");
    auto name = parsed.get("--name");
    auto date = parsed.get("--date");
    if (!data || !name || !date) throw UsageError("--data, --name and --date are required");
    if (!parsed.positional.empty())
        throw UsageError("unexpected argument '" + parsed.positional.front() + "'");
    if (auto problem = event_name_problem(*name)) throw UsageError(*problem);
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
    "folder that already holds an event. The name (shown on every display) is 1 to 200 bytes of\n"
    "UTF-8 text without control characters.\n",
    run_init,
});
} // namespace

} // namespace stagedoor::cli
