// `stagedoor-kiosk stage` on a real terminal (tmux) against the real server: what a speaker
// sees while a moderator starts, pauses and overruns items, and while the server is gone.
#include "harness.hpp"
#include "src/terminal.hpp"
#include "tmux.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <sys/wait.h>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::Connection;
using stagedoor::kiosk::term::read_big_digits;
namespace fs = std::filesystem;

namespace {

// The countdown as seconds: "1:05" → 65, "+0:03" → -3; nullopt when no digits are shown.
std::optional<int> shown_seconds(const TmuxSession& pane) {
    std::string text = read_big_digits(pane.capture());
    if (text.empty()) return std::nullopt;
    bool over = text.front() == '+';
    if (over) text.erase(0, 1);
    int seconds = 0, part = 0;
    for (char c : text) {
        if (c == ':') {
            seconds = seconds * 60 + part;
            part = 0;
        } else {
            part = part * 10 + (c - '0');
        }
    }
    seconds = seconds * 60 + part;
    return over ? -seconds : seconds;
}

bool shows(const TmuxSession& pane, std::string_view text) {
    return pane.capture_text().find(text) != std::string::npos;
}

// Waits until the countdown satisfies the condition; returns the value seen then.
template <class Condition>
std::optional<int> wait_for_seconds(const TmuxSession& pane, Condition condition,
                                    std::chrono::milliseconds timeout = 10s) {
    std::optional<int> seen;
    eventually(
        [&] {
            seen = shown_seconds(pane);
            return seen && condition(*seen);
        },
        timeout);
    return seen && condition(*seen) ? seen : std::nullopt;
}

// CHECK that also shows the screen and the kiosk's stderr, as they are after a failed check.
#define CHECK_SCREEN(pane, ...)                                                                    \
    do {                                                                                           \
        bool ok_ = static_cast<bool>(__VA_ARGS__);                                                 \
        if (!ok_)                                                                                  \
            UNSCOPED_INFO(#__VA_ARGS__ << "\nscreen:\n"                                            \
                                       << (pane).capture_text() << "kiosk stderr:\n"               \
                                       << (pane).stderr_text());                                   \
        CHECK(ok_);                                                                                \
    } while (false)

#define REQUIRE_SCREEN(pane, ...)                                                                  \
    do {                                                                                           \
        CHECK_SCREEN(pane, __VA_ARGS__);                                                           \
        REQUIRE(__VA_ARGS__);                                                                      \
    } while (false)

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The terminal settings of a tty, as `stty -a` prints them.
std::string stty_of(const std::string& tty) {
    fs::path out = fs::temp_directory_path() / ("stty-" + std::to_string(::getpid()));
    std::string command = "stty -a -F " + tty + " > " + out.string() + " 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
    std::string text = read_file(out);
    fs::remove(out);
    return text;
}

// The pid of the pane shell's one child process (the kiosk), 0 while there is none.
int child_of(int parent) {
    std::istringstream children(read_file("/proc/" + std::to_string(parent) + "/task/" +
                                          std::to_string(parent) + "/children"));
    int child = 0;
    children >> child;
    return child;
}

// Runs stagedoor-kiosk to completion (outside tmux); returns its exit status and output.
CliResult run_kiosk(const std::vector<std::string>& args, const fs::path& folder) {
    std::string command = std::string("'") + STAGEDOOR_KIOSK_BIN + "'";
    for (const auto& arg : args)
        command += " '" + arg + "'";
    fs::path out = folder / "kiosk-output.txt";
    int status = std::system((command + " > '" + out.string() + "' 2>&1").c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out)};
}

// Pairs a state folder through `stagedoor device pair` and `stagedoor-kiosk pair`.
void pair_kiosk(const TestEvent& event, const ServerProcess& server, const std::string& role,
                const std::string& name, const fs::path& state) {
    auto code =
        run_cli({"device", "pair", "--data", event.data.string(), "--role", role, "--name", name,
                 "--no-qr", "--base", "http://127.0.0.1:" + std::to_string(server.port())});
    std::smatch link;
    INFO(code.output);
    REQUIRE(std::regex_search(code.output, link, std::regex(R"((http://\S+#pair=\S+))")));
    auto paired = run_kiosk({"pair", link[1].str(), "--state", state.string()}, event.temp.path);
    INFO(paired.output);
    REQUIRE(paired.exit_code == 0);
}

// True once a `displays` push lists this display with a clock estimate (its sync_report).
bool display_reported(Connection& moderator, const std::string& device) {
    bool reported = false;
    eventually(
        [&] {
            auto displays = moderator.wait_for("displays", 100ms);
            if (displays)
                for (const auto& display : (*displays)["displays"])
                    reported = reported ||
                               (display["device"] == device && display["offset_ms"].is_number() &&
                                display["delay_ms"].get<double>() < 1000);
            return reported;
        },
        15s);
    return reported;
}

void import_agenda(const TestEvent& event, const std::string& csv) {
    fs::path agenda = event.temp.path / "agenda.csv";
    std::ofstream(agenda) << csv;
    REQUIRE(
        run_cli({"agenda", "import", "--data", event.data.string(), agenda.string()}).exit_code ==
        0);
}

json control(Connection& moderator, std::string action, json extra = json::object()) {
    json frame = {{"type", "timer_control"}, {"action", std::move(action)}};
    frame.update(extra);
    return moderator.request(frame);
}

} // namespace

TEST_CASE("kiosk stage: block digits count down, hold on pause, run into +m:ss overtime, and "
          "keep counting with the server killed") {
    TestEvent event;
    import_agenda(event, "id,title,kind,duration,warn,danger,at_zero,block,block_target\n"
                         "key,Keynote on cities,talk,1:00,30,10,count_up,,\n"
                         "short,Lightning talk,talk,0:02,1,1,count_up,,\n");
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto moderator = connect_as(context, server, event, "moderator");

    TmuxSession pane(event.temp.path, {STAGEDOOR_KIOSK_BIN, "stage", "--url",
                                       "ws://127.0.0.1:" + std::to_string(server.port()) + "/ws",
                                       "--key", event.key("stage"), "--device", "Stage TV"});

    // The waiting item: its full duration, its title, what comes next.
    REQUIRE_SCREEN(pane, wait_for_seconds(
                             pane, [](int s) { return s == 60; }, 20s));
    CHECK_SCREEN(pane, shows(pane, "Keynote on cities"));
    CHECK_SCREEN(pane, shows(pane, "Next: Lightning talk"));
    CHECK_SCREEN(pane, shows(pane, "Ready"));
    // After its ping burst the kiosk reports its clock sync, which moderators see.
    CHECK(display_reported(*moderator, "Stage TV"));

    // Started: the digits count down.
    CHECK(control(*moderator, "start")["type"] == "ok");
    auto first = wait_for_seconds(pane, [](int s) { return s < 60; });
    CHECK_SCREEN(pane, first);
    REQUIRE(first);
    CHECK_SCREEN(pane, wait_for_seconds(pane, [&](int s) { return s < *first; }));
    CHECK_SCREEN(pane, shows(pane, "Running"));

    // Paused: the digits show what the server froze, and stay there.
    CHECK(control(*moderator, "pause")["type"] == "ok");
    auto paused = wait_for_seconds(pane, [&](int) { return shows(pane, "Paused"); });
    CHECK_SCREEN(pane, paused);
    REQUIRE(paused);
    bool held = true;
    eventually([&] { return !(held = held && shown_seconds(pane) == paused); }, 2500ms);
    CHECK_SCREEN(pane, held);

    // A 2 s item runs into overtime, counted up as +m:ss in red.
    CHECK(control(*moderator, "start", {{"item", "short"}})["type"] == "ok");
    CHECK_SCREEN(pane, wait_for_seconds(pane, [](int s) { return s <= -2; }));
    CHECK_SCREEN(pane, shows(pane, "Over time"));
    CHECK_SCREEN(pane,
                 pane.capture_text(true).find("91m") != std::string::npos); // bright red digits

    // A message for the speaker, then blackout (nothing on screen), then back.
    CHECK(moderator->request({{"type", "stage_message"},
                              {"text", "Please wrap up now"},
                              {"tone", "stop"},
                              {"flash", false}})["type"] == "ok");
    CHECK_SCREEN(pane, eventually([&] { return shows(pane, "Please wrap up now"); }));
    CHECK(moderator->request({{"type", "blackout"}, {"on", true}})["type"] == "ok");
    CHECK_SCREEN(pane, eventually([&] {
                     auto text = pane.capture_text();
                     return text.find_first_not_of(" \n") == std::string::npos;
                 }));
    CHECK(moderator->request({{"type", "blackout"}, {"on", false}})["type"] == "ok");
    CHECK(moderator->request({{"type", "stage_clear"}})["type"] == "ok");
    CHECK_SCREEN(pane,
                 eventually([&] { return shown_seconds(pane) && !shows(pane, "Please wrap up"); }));

    // A smaller terminal: the digits shrink to fit and still read.
    pane.resize(50, 16);
    CHECK_SCREEN(pane, eventually([&] {
                     auto lines = pane.capture();
                     return lines.size() == 16 && lines.front().size() <= 60 &&
                            shown_seconds(pane) && *shown_seconds(pane) <= -2;
                 }));
    pane.resize(100, 30);

    // The server dies: the display keeps counting from its anchors, marks itself stale after
    // 5 s, and keeps counting after that too.
    server.kill_hard();
    auto at_kill = wait_for_seconds(pane, [](int) { return true; });
    CHECK_SCREEN(pane, at_kill);
    REQUIRE(at_kill);
    CHECK_SCREEN(pane, wait_for_seconds(pane, [&](int s) { return s < *at_kill; }));
    CHECK_SCREEN(pane, eventually([&] { return shows(pane, "still counting"); }, 10s));
    auto when_stale = wait_for_seconds(pane, [](int) { return true; });
    CHECK_SCREEN(pane, when_stale);
    REQUIRE(when_stale);
    CHECK_SCREEN(pane, *when_stale < *at_kill); // counted on while nothing came
    CHECK_SCREEN(pane, wait_for_seconds(pane, [&](int s) { return s < *when_stale; }));
    CHECK_SCREEN(pane, pane.running());

    // The server comes back on the same port: the display reconnects and the marker goes.
    ServerProcess again(event.data);
    again.start(server.port());
    CHECK_SCREEN(pane, eventually([&] { return !shows(pane, "still counting"); }, 20s));
    CHECK_SCREEN(pane, wait_for_seconds(pane, [](int s) { return s <= -5; }));

    // q quits and gives the terminal back.
    pane.send_keys("q");
    CHECK_SCREEN(pane, eventually([&] { return !pane.running(); }, 10s));
}

TEST_CASE("kiosk stage: SIGTERM and SIGINT give the terminal back as it was") {
    TempDir temp;
    for (int signal_number : {SIGTERM, SIGINT}) {
        INFO("signal " << signal_number);
        fs::path folder = temp.path / std::to_string(signal_number);
        fs::create_directories(folder);
        // Nothing listens on port 1: the kiosk shows why it cannot connect, and keeps trying.
        std::string script = "stty -a > before.txt; '" + std::string(STAGEDOOR_KIOSK_BIN) +
                             "' stage --url ws://127.0.0.1:1/ws --key nokey; stty -a > after.txt; "
                             "exec sleep 60";
        TmuxSession pane(folder, {"sh", "-c", "cd '" + folder.string() + "' && " + script});
        std::string tty = pane.format("#{pane_tty}");
        int kiosk = 0;
        CHECK_SCREEN(pane, eventually(
                               [&] {
                                   kiosk = child_of(std::stoi(pane.format("#{pane_pid}")));
                                   return kiosk > 0 && pane.format("#{alternate_on}") == "1" &&
                                          shows(pane, "refused");
                               },
                               20s));
        REQUIRE(kiosk > 0);
        std::string raw = stty_of(tty);
        CHECK_THAT(raw, Catch::Contains("-icanon") && Catch::Contains("-echo "));
        CHECK(pane.format("#{cursor_flag}") == "0"); // hidden

        ::kill(kiosk, signal_number);
        CHECK_SCREEN(pane, eventually([&] { return fs::exists(folder / "after.txt"); }, 10s));
        CHECK(eventually([&] { return !read_file(folder / "after.txt").empty(); }));
        CHECK(read_file(folder / "after.txt") == read_file(folder / "before.txt"));
        CHECK(pane.format("#{alternate_on}") == "0");
        CHECK(pane.format("#{cursor_flag}") == "1");
    }
}

TEST_CASE("kiosk stage: a kiosk paired as a stage display connects with its state folder") {
    TestEvent event;
    import_agenda(event, "title,duration\nOpening,2:00\n");
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto moderator = connect_as(context, server, event, "moderator");

    // A folder paired as a door is refused with a reason, before any screen is drawn.
    fs::path door_state = event.temp.path / "door-state";
    pair_kiosk(event, server, "door", "Door 1", door_state);
    auto refused = run_kiosk({"stage", "--state", door_state.string()}, event.temp.path);
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.output, Catch::Contains("is paired as a door"));
    auto unpaired =
        run_kiosk({"stage", "--state", (event.temp.path / "none").string()}, event.temp.path);
    CHECK(unpaired.exit_code == 2);
    CHECK_THAT(unpaired.output, Catch::Contains("stagedoor-kiosk pair"));

    fs::path stage_state = event.temp.path / "stage-state";
    pair_kiosk(event, server, "stage", "Stage left", stage_state);
    TmuxSession pane(event.temp.path, {STAGEDOOR_KIOSK_BIN, "stage", "--state",
                                       stage_state.string(), "--lang", "de"});
    CHECK_SCREEN(pane, wait_for_seconds(
                           pane, [](int s) { return s == 120; }, 20s));
    CHECK_SCREEN(pane, shows(pane, "Bereit"));
    CHECK(display_reported(*moderator, "Stage left"));

    // A wrong role key: the screen says the server refused it (and the kiosk keeps trying).
    fs::path wrong_key = event.temp.path / "wrong-key";
    fs::create_directories(wrong_key);
    TmuxSession refused_pane(wrong_key, {STAGEDOOR_KIOSK_BIN, "stage", "--url",
                                         "ws://127.0.0.1:" + std::to_string(server.port()) + "/ws",
                                         "--key", "not-the-key"});
    CHECK_SCREEN(
        refused_pane,
        eventually([&] { return shows(refused_pane, "hello refused: unauthorized"); }, 20s));
    CHECK(refused_pane.running());
}
