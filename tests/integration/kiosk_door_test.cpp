// `stagedoor-kiosk door` under tmux against the real server: badge tokens typed into its input
// as a keyboard-wedge scanner would, the screen read back with `tmux capture-pane -e` and
// checked for what a person at the door sees (name, verdict colour, counts, online/offline);
// the server SIGKILLed, scans decided offline, the kiosk SIGKILLed and restarted, the server
// restarted, and the ledger checked to hold every shown scan exactly once.
#include "harness.hpp"
#include "tmux.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <optional>
#include <set>
#include <sstream>

using namespace stagedoor::testing;
using stagedoor::client::http_request;
namespace fs = std::filesystem;

namespace {

// The banner colours as tmux re-emits them in capture-pane -e (SGR background codes).
constexpr const char* kGreen = "42m";
constexpr const char* kOrange = "48;5;208m";
constexpr const char* kRed = "41m";
constexpr const char* kGrey = "100m";
constexpr const char* kBlue = "44m";

// Runs a shell command; returns its standard output and error.
std::string run(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen(("(" + command + ") 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
        output.append(buffer, n);
    ::pclose(pipe);
    return output;
}

// The door in a 120x40 tmux pane, restartable (a new tmux server on the same socket).
class DoorPane {
  public:
    DoorPane(const fs::path& folder, std::vector<std::string> command)
        : folder_(folder)
        , command_(std::move(command)) {
        start();
    }
    void start() {
        session_.reset();
        session_.emplace(folder_, command_, 120, 40);
    }
    void type_line(const std::string& text) {
        session_->send_keys(text, true);
        session_->send_keys("Enter");
    }
    void key(const std::string& key) { session_->send_keys(key); }
    std::string screen() { return session_->capture_text(true); }
    int pid() { return std::atoi(session_->format("#{pane_pid}").c_str()); }
    bool running() { return session_->running(); }
    std::string errors() { return session_->stderr_text(); }

  private:
    fs::path folder_;
    std::vector<std::string> command_;
    std::optional<TmuxSession> session_;
};

// A roster of n people ("Person 1", ...) and their badge tokens, in id order.
struct KioskEvent {
    TestEvent event;
    std::vector<std::string> tokens;
    explicit KioskEvent(int people) {
        std::string roster = "name,organisation,external_id\n";
        for (int i = 1; i <= people; ++i)
            roster += "Person " + std::to_string(i) + ",Kiosk GmbH,K-" + std::to_string(i) + "\n";
        tokens = event.import_roster(roster);
        REQUIRE(tokens.size() == static_cast<std::size_t>(people));
    }
};

std::vector<std::string> door_command(const fs::path& state, const ServerProcess& server,
                                      const TestEvent& event, const std::string& lang) {
    return {STAGEDOOR_KIOSK_BIN,
            "door",
            "--state",
            state.string(),
            "--url",
            "ws://127.0.0.1:" + std::to_string(server.port()) + "/ws",
            "--key",
            event.key("door"),
            "--device",
            "Door T",
            "--hold-seconds",
            "0",
            "--lang",
            lang};
}

// Waits until the screen shows every one of the texts; fails with the screen otherwise.
void expect_screen(DoorPane& tmux, const std::vector<std::string>& texts,
                   std::chrono::milliseconds timeout = 20s) {
    std::string screen;
    bool shown = eventually(
        [&] {
            screen = tmux.screen();
            for (const auto& text : texts)
                if (screen.find(text) == std::string::npos) return false;
            return true;
        },
        timeout);
    INFO(screen);
    for (const auto& text : texts) {
        INFO("expected on screen: " << text);
        CHECK(screen.find(text) != std::string::npos);
    }
    REQUIRE(shown);
}

// The ledger's rows written by one device: scan_id -> result.
std::multimap<std::string, std::string>
ledger_rows(const ServerProcess& server, const TestEvent& event, const std::string& device) {
    auto response =
        http_request(server.endpoint(), "GET", "/api/ledger.csv", "", event.key("organiser"));
    REQUIRE(response.status == 200);
    std::istringstream lines(response.body);
    auto cells_of = [](const std::string& line) {
        std::vector<std::string> cells;
        std::stringstream row(line);
        for (std::string cell; std::getline(row, cell, ',');)
            cells.push_back(cell);
        return cells;
    };
    std::string line;
    std::getline(lines, line);
    auto header = cells_of(line);
    auto column = [&](const std::string& name) {
        auto it = std::find(header.begin(), header.end(), name);
        REQUIRE(it != header.end());
        return static_cast<std::size_t>(it - header.begin());
    };
    const std::size_t scan_id = column("scan_id"), device_column = column("device"),
                      result = column("result");
    std::multimap<std::string, std::string> rows;
    while (std::getline(lines, line)) {
        auto cells = cells_of(line);
        if (cells.size() == header.size() && cells[device_column] == device)
            rows.emplace(cells[scan_id], cells[result]);
    }
    return rows;
}

std::string forged(std::string token) {
    token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
    return token;
}

} // namespace

TEST_CASE("kiosk door: verdicts on screen, offline while the server is down, nothing lost "
          "across SIGKILLs",
          "[kiosk][door]") {
    KioskEvent kiosk(4);
    ServerProcess server(kiosk.event.data);
    server.start();
    const std::uint16_t port = server.port();
    TempDir state, terminal;
    DoorPane tmux(terminal.path, door_command(state.path, server, kiosk.event, "en"));
    expect_screen(tmux, {"Online", "Arrived 0 / 4"});

    // Online: the server's verdicts.
    tmux.type_line(kiosk.tokens[0]);
    expect_screen(tmux, {"Welcome", "Person 1", "Kiosk GmbH", kGreen, "Arrived 1 / 4"});
    tmux.type_line(kiosk.tokens[0]);
    expect_screen(tmux, {"Already checked in", "Person 1", kOrange, "Door T"});
    tmux.type_line("https://example.org/not-a-badge");
    expect_screen(tmux, {"Not a badge", kGrey});

    // The server dies: the door decides alone, queues, and says so.
    server.kill_hard();
    tmux.type_line(kiosk.tokens[1]);
    expect_screen(tmux, {"Welcome", "Person 2", kGreen, "offline: decided at this door",
                         "Offline · 1 queued"});
    tmux.type_line(forged(kiosk.tokens[2]));
    expect_screen(tmux, {"Invalid badge", kRed, "Offline · 2 queued"});
    tmux.type_line(kiosk.tokens[1]);
    expect_screen(tmux, {"Already checked in", "Person 2", kOrange, "Offline · 3 queued"});

    // SIGKILL the kiosk: the three offline scans it showed are in its queue.
    int pid = tmux.pid();
    REQUIRE(pid > 0);
    ::kill(pid, SIGKILL);
    REQUIRE(eventually([&] { return !tmux.running(); }, 10s));
    tmux.start();
    expect_screen(tmux, {"Offline · 3 queued"});

    // The server is back on the same port: the door syncs and goes online.
    server.start(port);
    expect_screen(tmux, {"Online", "Arrived 2 / 4"}, 30s);
    REQUIRE(eventually([&] { return tmux.screen().find("queued") == std::string::npos; }, 20s));

    auto rows = ledger_rows(server, kiosk.event, "Door T");
    std::set<std::string> scan_ids;
    for (const auto& [scan_id, result] : rows)
        scan_ids.insert(scan_id);
    INFO("ledger rows of Door T: " << rows.size());
    CHECK(rows.size() == 6);     // every scan shown, online and offline
    CHECK(scan_ids.size() == 6); // ... exactly once
    std::multiset<std::string> results;
    for (const auto& [scan_id, result] : rows)
        results.insert(result);
    CHECK(results.count("ok") == 2);
    CHECK(results.count("already_in") == 2);
    CHECK(results.count("malformed") == 1);
    CHECK(results.count("bad_signature") == 1);
}

TEST_CASE("kiosk door: exit, name search with manual check-in, undo, German, keys inside a "
          "scan line",
          "[kiosk][door]") {
    KioskEvent kiosk(3);
    ServerProcess server(kiosk.event.data);
    server.start();
    TempDir state, terminal;
    // tmux does not always reap a pane's process (its status can stay unknown), so a shell
    // around the door writes the door's exit status to a file.
    fs::path status_file = terminal.path / "exit-status";
    std::vector<std::string> command = {
        "sh", "-c", "\"$0\" \"$@\"; echo \"$?\" > " + shell_quote(status_file.string())};
    for (auto& arg : door_command(state.path, server, kiosk.event, "de"))
        command.push_back(std::move(arg));
    DoorPane tmux(terminal.path, command);
    expect_screen(tmux, {"Online", "Angekommen 0 / 3", "EINGANG"});

    // Search by name, check in the first match by hand.
    tmux.key("/");
    expect_screen(tmux, {"Name suchen:"});
    tmux.type_line("Person 3");
    expect_screen(tmux, {"1  Person 3"});
    tmux.key("1");
    expect_screen(tmux, {"Willkommen", "Person 3", kGreen, "Angekommen 1 / 3"});

    // Undo it: the count goes back.
    tmux.key("u");
    expect_screen(tmux, {"Letzter Scan rückgängig gemacht", "Angekommen 0 / 3"});

    // A scan line that starts with a key letter is a scan, not the key.
    tmux.type_line("xq-not-a-badge");
    expect_screen(tmux, {"Kein Ausweis", kGrey, "EINGANG"});

    // Exit: blue for someone inside.
    tmux.type_line(kiosk.tokens[0]);
    expect_screen(tmux, {"Willkommen", "Person 1"});
    tmux.key("x");
    expect_screen(tmux, {"AUSGANG"});
    tmux.type_line(kiosk.tokens[0]);
    expect_screen(tmux, {"Auf Wiedersehen", "Person 1", kBlue});

    tmux.key("q");
    std::string status;
    bool exited = eventually(
        [&] {
            status = read_text_file(status_file);
            return !status.empty();
        },
        10s);
    INFO(tmux.errors());
    REQUIRE(exited);
    CHECK(status == "0\n");
}

TEST_CASE("kiosk door: a camera that cannot be opened is a clear error before the screen is "
          "taken",
          "[kiosk][door]") {
    TempDir state;
    auto output = run(std::string(STAGEDOOR_KIOSK_BIN) + " door --state " + state.path.string() +
                      " --url ws://127.0.0.1:9/ws --key k --camera /dev/null/no-camera"
                      " </dev/null; echo exit=$?");
    INFO(output);
    CHECK(output.find("camera /dev/null/no-camera") != std::string::npos);
    CHECK(output.find("exit=1") != std::string::npos);
}
