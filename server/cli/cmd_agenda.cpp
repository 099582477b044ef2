// stagedoor agenda import: loads the evening's agenda from CSV or JSON into the data folder.
#include "app/module.hpp"
#include "cli/command.hpp"
#include "domain/agenda_import.hpp"
#include "stagedoor/protocol/text.hpp"
#include "storage/data_dir.hpp"
#include "storage/stage_store.hpp"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace stagedoor::cli {

namespace {

namespace d = domain;

std::string read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string lower_extension(const std::string& path) {
    auto dot = path.rfind('.');
    if (dot == std::string::npos) return {};
    return protocol::ascii_lower(std::string_view(path).substr(dot + 1));
}

void explain_server_owns_agenda(const storage::DataDir& dir, const std::string& file) {
    std::cerr << "stagedoor agenda: 'stagedoor serve' is running on " << dir.root().string()
              << " and owns the agenda.\n"
              << "Import through it (refused while the timer runs):\n"
              << "  curl --data-binary @" << file << " -H 'Authorization: Bearer ORGANISER_KEY' "
              << "http://HOST:PORT/api/agenda/import\n"
              << "or stop the server and run this command again.\n";
}

// True (and says why) when an item is in progress, so the agenda must not be replaced.
bool refuse_while_timer_runs(const d::StageState& state) {
    if (!d::item_in_progress(state.timer)) return false;
    const auto* item = state.timer.item_id ? state.agenda.find(*state.timer.item_id) : nullptr;
    std::cerr << "stagedoor agenda: the timer is " << d::to_string(state.timer.phase) << " on '"
              << (item ? item->title : std::string("?"))
              << "'; stop it in the moderator view before replacing the agenda\n";
    return true;
}

// Parses text as JSON or CSV by file's extension, or by its content when it has neither.
d::ImportResult import_text(const std::string& file, const std::string& text,
                            const storage::DataDir& dir,
                            const std::vector<d::AttendeeRecord>& attendees) {
    d::ImportOptions options;
    options.event_date = dir.event().date;
    std::string extension = lower_extension(file);
    return extension == "json"  ? d::import_agenda_json(text, attendees, options)
           : extension == "csv" ? d::import_agenda_csv(text, attendees, options)
                                : d::import_agenda(text, attendees, options);
}

// Saves the new stage state and logs the import in the control log, in one transaction.
void save_import(storage::Database& db, const d::StageState& state, const std::string& file,
                 std::size_t count) {
    std::int64_t now = app::system_clock_ms();
    db.exec("BEGIN IMMEDIATE");
    try {
        storage::save_stage(db, state, now);
        storage::append_control(db, {now, "command line", "organiser", "agenda_import",
                                     nlohmann::json{{"file", file}, {"items", count}}.dump(), "ok",
                                     static_cast<std::int64_t>(state.seq)});
        db.exec("COMMIT");
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
}

// Lists the imported items by block with their speakers, the planned total and the block
// targets.
void print_agenda(const d::Agenda& agenda, const std::vector<d::AttendeeRecord>& attendees) {
    std::map<std::int64_t, std::string> names;
    for (const auto& attendee : attendees)
        names[attendee.id] = attendee.name;
    std::string block;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < agenda.items.size(); ++i) {
        const auto& item = agenda.items[i];
        if (item.block != block) {
            block = item.block;
            if (!block.empty()) std::cout << "  [" << block << "]\n";
        }
        total += item.duration_ms;
        std::string speaker = item.speaker_id ? " - " + names[*item.speaker_id] : "";
        std::printf("  %3zu %8s  %-6s %s%s\n", i + 1, d::format_clock(item.duration_ms).c_str(),
                    std::string(d::to_string(item.kind)).c_str(), item.title.c_str(),
                    speaker.c_str());
    }
    std::cout << "Planned total " << d::format_clock(total) << ".\n";
    for (const auto& [name, target] : agenda.block_targets) {
        std::time_t seconds = static_cast<std::time_t>(target / 1000);
        std::tm local{};
        localtime_r(&seconds, &local);
        char text_time[32];
        std::strftime(text_time, sizeof text_time, "%Y-%m-%d %H:%M", &local);
        std::cout << "Block '" << name << "' should end by " << text_time << ".\n";
    }
}

int run_import(const ParsedArgs& parsed) {
    auto data = parsed.get("--data");
    if (!data) throw UsageError("--data is required");
    if (parsed.positional.size() != 2)
        throw UsageError("give exactly one file: agenda.csv or agenda.json");
    const std::string& file = parsed.positional[1];

    storage::DataDir dir(*data);
    dir.require_initialised();
    auto lock = storage::DataDirLock::try_acquire(dir.root());
    if (!lock) {
        explain_server_owns_agenda(dir, file);
        return 1;
    }

    storage::Database db(dir.database_path());
    db.migrate(storage::stage_migrations());
    auto stored = storage::load_stage(db);
    if (refuse_while_timer_runs(stored.state)) return 1;

    std::string text = read_whole_file(file);
    auto attendees = storage::load_attendee_records(db);
    auto result = import_text(file, text, dir, attendees);
    for (const auto& warning : result.warnings)
        (result.ok() ? std::cout : std::cerr) << "warning: " << warning << "\n";
    if (!result.ok()) {
        std::cerr << "stagedoor agenda: " << file << " was not imported:\n"
                  << result.describe() << "\n";
        return 1;
    }

    d::StageState state = stored.state;
    std::size_t count = result.agenda.items.size();
    if (auto failure = d::replace_agenda(state, std::move(result.agenda))) {
        std::cerr << "stagedoor agenda: " << failure->message << "\n";
        return 1;
    }
    save_import(db, state, file, count);
    std::cout << "Imported " << count << " agenda items into " << dir.root().string() << ":\n";
    print_agenda(state.agenda, attendees);
    return 0;
}

int run_agenda(const Args& args) {
    auto parsed = parse_args(args, {"--data"}, {});
    if (parsed.positional.empty()) throw UsageError("missing sub-command: import");
    if (parsed.positional.front() == "import") return run_import(parsed);
    throw UsageError("unknown sub-command '" + parsed.positional.front() + "'");
}

const bool registered = register_command({
    "agenda",
    "import the agenda (talks, pitches, breaks) from CSV or JSON",
    "usage: stagedoor agenda import --data DIR agenda.csv|agenda.json\n\n"
    "Replaces the agenda of the event in DIR. Refused while the stage timer is running or while\n"
    "'stagedoor serve' runs on DIR (then POST the file to /api/agenda/import with the organiser "
    "key).\n\n"
    "CSV columns by header name, in any order and case (',' ';' or tab separated; unknown\n"
    "columns are ignored with a warning):\n"
    "  title (required), duration (required, m:ss or seconds), kind (talk|pitch|break|other),\n"
    "  speaker (attendee external_id, else email, else exact name), organisation,\n"
    "  warn and danger (seconds before the end; default 30 and 10), at_zero (count_up|stop|next),\n"
    "  block, block_target (HH:MM local time on the event date, or ISO 8601 with offset), id.\n"
    "JSON: {\"items\":[{...same fields...}], "
    "\"blocks\":[{\"name\":...,\"target_end\":\"19:10\"}]}\n"
    "Files may be UTF-8 (a BOM is fine), UTF-16 with a BOM (Excel's Unicode text) or\n"
    "Windows-1252 (a warning says so: check the titles).\n"
    "Every problem is reported with its line (CSV) or item number (JSON); nothing is imported "
    "then.\n",
    run_agenda,
});

} // namespace

} // namespace stagedoor::cli
