// `stagedoor purge` through the real binary, after a real event: no name, e-mail, id or token
// left in any byte of the data folder (database and WAL included); the counts kept by
// --keep-stats as serve shows them; refusals that change nothing; the append-only triggers
// still closed to anyone but the purge.
#include "harness.hpp"
#include "storage/attendance_store.hpp"
#include "storage/database.hpp"
#include "storage/purge.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <pty.h>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::http_request;
namespace fs = std::filesystem;

namespace {

const char* kRoster =
    "name,organisation,email,category,vip,external_id,notes\n"
    "Jana Köhler,TU Lindenau,jana.koehler@example.org,member,no,M-1001,Rollstuhlplatz\n"
    "Eva Groß,Rathaus Lindenau,eva.gross@example.org,guest,yes,M-1002,\n"
    "Ada Lovelace,Engines Ltd,ada.lovelace@example.org,speaker,no,M-1003,\n"
    "Jörg Müller,Stadtwerke Lindenau,joerg.mueller@example.org,member,no,M-1004,\n";

const char* kAgenda = "id,title,kind,speaker,duration,block\n"
                      "p1,Engines for everyone,pitch,M-1003,3:00,Pitches\n";

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// The needles found in the raw bytes of any file in the folder, at any depth.
std::set<std::string> found_in_folder(const fs::path& root,
                                      const std::vector<std::string>& needles) {
    std::set<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) continue;
        std::string bytes = read_bytes(entry.path());
        for (const auto& needle : needles)
            if (bytes.find(needle) != std::string::npos)
                found.insert(needle + " (" + entry.path().filename().string() + ")");
    }
    return found;
}

std::set<std::string> missing_from_folder(const fs::path& root,
                                          const std::vector<std::string>& needles) {
    std::set<std::string> missing;
    for (const auto& needle : needles)
        if (found_in_folder(root, {needle}).empty()) missing.insert(needle);
    return missing;
}

// An event that has happened: a roster with badges printed into the folder, a pitch linked to
// its speaker, check-ins at a door named after its owner, an exit, a refused scan of someone's
// e-mail, a walk-in, and a moderator's message that names the speaker.
struct PastEvent {
    TestEvent event{"Sommerfest Lindenau"};
    std::vector<std::string> personal; // every text that names or identifies someone
    json attendance;                   // /api/attendance when the doors closed

    PastEvent() {
        std::ofstream(event.temp.path / "roster.csv") << kRoster;
        std::ofstream(event.temp.path / "agenda.csv") << kAgenda;
        std::string data = event.data.string();
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"import", "--data", data, (event.temp.path / "roster.csv").string()},
                 {"agenda", "import", "--data", data, (event.temp.path / "agenda.csv").string()},
                 {"badges", "--data", data, "--out", (event.data / "badges").string()}}) {
            auto result = run_cli(args);
            INFO(result.output);
            REQUIRE(result.exit_code == 0);
        }
        personal = {"Jana Köhler",
                    "jana.koehler@example.org",
                    "TU Lindenau",
                    "M-1001",
                    "Rollstuhlplatz",
                    "Eva Groß",
                    "eva.gross@example.org",
                    "Rathaus Lindenau",
                    "M-1002",
                    "Ada Lovelace",
                    "ada.lovelace@example.org",
                    "M-1003",
                    "Jörg Müller",
                    "joerg.mueller@example.org",
                    "Stadtwerke",
                    "M-1004",
                    "Zoë Walker",
                    "zoe.walker@example.org",
                    "Gaststadt GmbH",
                    "Anna Schmidts Handy",
                    "Moderator Max"};
        stagedoor::storage::Database db(event.data / "stagedoor.db");
        auto state = stagedoor::storage::load_attendance(db);
        for (const auto* person : state.attendees())
            personal.push_back(person->token);
    }

    std::string token(const std::string& external_id) const {
        stagedoor::storage::Database db(event.data / "stagedoor.db");
        auto state = stagedoor::storage::load_attendance(db);
        for (const auto* person : state.attendees())
            if (person->external_id == external_id) return person->token;
        FAIL("no attendee " << external_id);
        return {};
    }

    void run_the_doors(ServerProcess& server) {
        ClientContext context;
        auto door = connect_as(context, server, event, "door", "Anna Schmidts Handy");
        auto scan = [&](const std::string& id, const std::string& payload,
                        const std::string& direction) {
            return door->request({{"type", "scan"},
                                  {"scan_id", id},
                                  {"payload", payload},
                                  {"direction", direction},
                                  {"at", now_ms()}})["result"];
        };
        CHECK(scan("s-1", token("M-1001"), "in") == "ok");
        CHECK(scan("s-2", token("M-1002"), "in") == "ok");
        CHECK(scan("s-3", "mailto:joerg.mueller@example.org", "in") == "malformed");
        CHECK(scan("s-4", token("M-1002"), "out") == "ok");
        auto walk_in = door->request({{"type", "walk_in"},
                                      {"name", "Zoë Walker"},
                                      {"organisation", "Gaststadt GmbH"},
                                      {"email", "zoe.walker@example.org"},
                                      {"scan_id", "w-1"}});
        REQUIRE(walk_in["result"] == "ok");
        CHECK(door->request({{"type", "lookup"}, {"query", "ada"}})["attendees"].size() == 1);
        auto moderator = connect_as(context, server, event, "moderator", "Moderator Max");
        auto message = moderator->request({{"type", "stage_message"},
                                           {"text", "Ada Lovelace, one minute"},
                                           {"tone", "wrap_up"},
                                           {"flash", false}});
        INFO(message.dump());
        REQUIRE(message["type"] == "ok");
        attendance = organiser_get(server, "/api/attendance");
        REQUIRE(attendance["arrived"] == 3); // Jana, Eva (who left) and the walk-in
    }

    // Serves the event through the doors above, then stops the server.
    void hold_the_event() {
        ServerProcess server(event.data);
        server.start();
        run_the_doors(server);
        REQUIRE(server.stop() == 0);
    }

    json organiser_get(const ServerProcess& server, const std::string& target) const {
        auto response = http_request(server.endpoint(), "GET", target, "", event.key("organiser"));
        REQUIRE(response.status == 200);
        return json::parse(response.body);
    }
};

void check_counts_equal(const json& before, const json& after) {
    for (const char* field : {"expected", "arrived", "present", "walk_ins", "by_category",
                              "by_sector", "arrivals", "rejected"}) {
        INFO(field);
        CHECK(after[field] == before[field]);
    }
    CHECK(after["devices"].size() == before["devices"].size());
}

// Runs `stagedoor ARGS...` on a pseudo-terminal, as a person at a terminal would, and types
// `typed` once the confirmation prompt is shown. Output is everything the terminal showed.
CliResult run_on_terminal(std::vector<std::string> args, const std::string& typed) {
    args.insert(args.begin(), STAGEDOOR_BIN);
    std::vector<char*> argv;
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    int terminal = -1;
    pid_t pid = ::forkpty(&terminal, nullptr, nullptr, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::execv(STAGEDOOR_BIN, argv.data());
        ::_exit(127);
    }
    CliResult result;
    bool answered = false;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd ready{terminal, POLLIN, 0};
        if (::poll(&ready, 1, 100) <= 0) continue;
        char buffer[4096];
        ssize_t n = ::read(terminal, buffer, sizeof buffer);
        if (n <= 0) break; // EIO: the command closed the terminal
        result.output.append(buffer, static_cast<std::size_t>(n));
        if (!answered && result.output.find("to confirm: ") != std::string::npos) {
            REQUIRE(::write(terminal, typed.data(), typed.size()) ==
                    static_cast<ssize_t>(typed.size()));
            answered = true;
        }
    }
    ::close(terminal);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return result;
}

std::size_t attendee_count(const fs::path& data) {
    stagedoor::storage::Database db(data / "stagedoor.db");
    return stagedoor::storage::load_attendance(db).attendees().size();
}

bool refuses(stagedoor::storage::Database& db, const char* sql) {
    try {
        db.exec(sql);
    } catch (const stagedoor::storage::DatabaseError&) {
        return true;
    }
    return false;
}

} // namespace

TEST_CASE("privacy: purge --yes leaves no name, e-mail, id or token in the data folder") {
    PastEvent past;
    past.hold_the_event();
    // The search finds them before, so that it can fail after.
    CHECK(missing_from_folder(past.event.data, past.personal).empty());

    auto purged = run_cli({"purge", "--data", past.event.data.string(), "--yes"});
    INFO(purged.output);
    REQUIRE(purged.exit_code == 0);
    CHECK_THAT(purged.output, Catch::Contains("5 attendee(s) deleted"));
    CHECK_THAT(purged.output, Catch::Contains("badge file(s) deleted"));
    CHECK(found_in_folder(past.event.data, past.personal) == std::set<std::string>{});
    CHECK_FALSE(fs::exists(past.event.data / "badges"));
    auto wal = past.event.data / "stagedoor.db-wal";
    CHECK((!fs::exists(wal) || fs::file_size(wal) == 0));

    // serve still starts: nobody left, the pitch report keeps its items, not the speaker.
    ServerProcess server(past.event.data);
    server.start();
    auto attendance = past.organiser_get(server, "/api/attendance");
    CHECK(attendance["expected"] == 0);
    CHECK(attendance["arrived"] == 0);
    auto report = past.organiser_get(server, "/api/report.json");
    REQUIRE(report["items"].size() == 1);
    CHECK(report["items"][0]["title"] == "Engines for everyone");
    CHECK(report.dump().find("Ada") == std::string::npos);
}

TEST_CASE("privacy: purge --keep-stats keeps the counts serve shows, and no name") {
    PastEvent past;
    past.hold_the_event();
    auto purged = run_cli({"purge", "--data", past.event.data.string(), "--keep-stats", "--yes"});
    INFO(purged.output);
    REQUIRE(purged.exit_code == 0);
    CHECK_THAT(purged.output, Catch::Contains("5 attendee(s) anonymised"));
    CHECK(found_in_folder(past.event.data, past.personal) == std::set<std::string>{});

    ServerProcess server(past.event.data);
    server.start();
    auto after = past.organiser_get(server, "/api/attendance");
    INFO(after.dump());
    check_counts_equal(past.attendance, after);
    CHECK(after["arrived"] == 3);
    CHECK(after["walk_ins"] == 1);
    for (const auto& text : past.personal)
        CHECK(after.dump().find(text) == std::string::npos);
    auto report = past.organiser_get(server, "/api/report.json");
    REQUIRE(report["items"].size() == 1);
    CHECK(report["items"][0]["title"] == "Engines for everyone");
    REQUIRE(server.stop() == 0);

    // The purge is on record, and the ledger is append-only again for everyone else.
    stagedoor::storage::Database db(past.event.data / "stagedoor.db");
    auto log = stagedoor::storage::load_purge_log(db);
    REQUIRE(log.size() == 1);
    CHECK(log[0].mode == stagedoor::storage::PurgeMode::keep_stats);
    CHECK(log[0].counts.attendees_anonymised == 5);
    CHECK(refuses(db, "UPDATE ledger SET device = 'x'"));
    CHECK(refuses(db, "DELETE FROM ledger"));
    CHECK(refuses(db, "DELETE FROM purge_log"));

    auto again = run_cli({"purge", "--data", past.event.data.string(), "--keep-stats", "--yes"});
    CHECK(again.exit_code == 0);
    server.start();
    check_counts_equal(past.attendance, past.organiser_get(server, "/api/attendance"));
}

TEST_CASE("privacy: purge refuses while serve runs, and off a terminal without --yes") {
    PastEvent past;
    ServerProcess server(past.event.data);
    server.start();
    past.run_the_doors(server);
    auto busy = run_cli({"purge", "--data", past.event.data.string(), "--yes"});
    CHECK(busy.exit_code == 1);
    CHECK_THAT(busy.output, Catch::Contains("is in use"));
    REQUIRE(server.stop() == 0);

    // Standard input is a pipe here, as in a script or cron job.
    auto unconfirmed =
        run_cli({"purge", "--data", past.event.data.string()}, "Sommerfest Lindenau\n");
    CHECK(unconfirmed.exit_code == 1);
    CHECK_THAT(unconfirmed.output, Catch::Contains("--yes"));
    CHECK_THAT(unconfirmed.output, Catch::Contains("Nothing was changed"));

    // Nothing changed: every person, check-in and badge file is still there.
    CHECK(fs::exists(past.event.data / "badges" / "badges.csv"));
    stagedoor::storage::Database db(past.event.data / "stagedoor.db");
    auto state = stagedoor::storage::load_attendance(db);
    CHECK(state.attendees().size() == 5);
    CHECK(state.ledger().size() == 5);
    CHECK(stagedoor::storage::load_purge_log(db).empty());
    // Outside a purge the triggers refuse a direct change.
    CHECK(refuses(db, "DELETE FROM badges"));
    CHECK(refuses(db, "UPDATE ledger SET payload = ''"));
}

TEST_CASE("privacy: on a terminal, purge runs only once the event name is typed") {
    PastEvent past;
    std::vector<std::string> purge{"purge", "--data", past.event.data.string()};
    auto mistyped = run_on_terminal(purge, "Sommerfest\n");
    INFO(mistyped.output);
    CHECK(mistyped.exit_code == 1);
    CHECK_THAT(mistyped.output, Catch::Contains("4 attendee(s) deleted")); // what it would do
    CHECK_THAT(mistyped.output, Catch::Contains("Type the event name (Sommerfest Lindenau)"));
    CHECK_THAT(mistyped.output, Catch::Contains("Nothing was changed"));
    CHECK(attendee_count(past.event.data) == 4);
    CHECK(fs::exists(past.event.data / "badges" / "badges.csv"));

    auto typed = run_on_terminal(purge, "Sommerfest Lindenau\n");
    INFO(typed.output);
    CHECK(typed.exit_code == 0);
    CHECK_THAT(typed.output, Catch::Contains("Purged 'Sommerfest Lindenau'"));
    CHECK(attendee_count(past.event.data) == 0);
    CHECK_FALSE(fs::exists(past.event.data / "badges"));
}
