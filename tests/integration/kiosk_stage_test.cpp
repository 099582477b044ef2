// `stagedoor-kiosk stage` on a real terminal (tmux) against the real server: what a speaker
// sees while a moderator starts, pauses and overruns items, and while the server is gone.
#include "harness.hpp"
#include "src/terminal.hpp"
#include "tmux.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <optional>

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

json control(Connection& moderator, std::string action, json extra = json::object()) {
    json frame = {{"type", "timer_control"}, {"action", std::move(action)}};
    frame.update(extra);
    return moderator.request(frame);
}

} // namespace

TEST_CASE("kiosk stage: block digits count down, hold on pause, run into +m:ss overtime, and "
          "keep counting with the server killed") {
    TestEvent event;
    fs::path agenda = event.temp.path / "agenda.csv";
    std::ofstream(agenda) << "id,title,kind,duration,warn,danger,at_zero,block,block_target\n"
                             "key,Keynote on cities,talk,1:00,30,10,count_up,,\n"
                             "short,Lightning talk,talk,0:02,1,1,count_up,,\n";
    REQUIRE(
        run_cli({"agenda", "import", "--data", event.data.string(), agenda.string()}).exit_code ==
        0);
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto moderator = connect_as(context, server, event, "moderator");

    TmuxSession pane(event.temp.path, {STAGEDOOR_KIOSK_BIN, "stage", "--url",
                                       "ws://127.0.0.1:" + std::to_string(server.port()) + "/ws",
                                       "--key", event.key("stage"), "--device", "Stage TV"});
    INFO("screen:\n" << pane.capture_text() << "\nkiosk stderr:\n" << pane.stderr_text());

    // The waiting item: its full duration, its title, what comes next.
    REQUIRE(wait_for_seconds(
        pane, [](int s) { return s == 60; }, 20s));
    CHECK(shows(pane, "Keynote on cities"));
    CHECK(shows(pane, "Next: Lightning talk"));
    CHECK(shows(pane, "Ready"));

    // Started: the digits count down.
    CHECK(control(*moderator, "start")["type"] == "ok");
    auto first = wait_for_seconds(pane, [](int s) { return s < 60; });
    REQUIRE(first);
    CHECK(wait_for_seconds(pane, [&](int s) { return s < *first; }));
    CHECK(shows(pane, "Running"));

    // Paused: the digits show what the server froze, and stay there.
    CHECK(control(*moderator, "pause")["type"] == "ok");
    auto paused = wait_for_seconds(pane, [&](int) { return shows(pane, "Paused"); });
    REQUIRE(paused);
    bool held = true;
    eventually([&] { return !(held = held && shown_seconds(pane) == paused); }, 2500ms);
    CHECK(held);

    // A 2 s item runs into overtime, counted up as +m:ss in red.
    CHECK(control(*moderator, "start", {{"item", "short"}})["type"] == "ok");
    CHECK(wait_for_seconds(pane, [](int s) { return s <= -2; }));
    CHECK(shows(pane, "Over time"));
    CHECK(pane.capture_text(true).find("91m") != std::string::npos); // bright red digits

    // The server dies: the display keeps counting from its anchors, marks itself stale after
    // 5 s, and keeps counting after that too.
    server.kill_hard();
    auto at_kill = shown_seconds(pane);
    REQUIRE(at_kill);
    CHECK(wait_for_seconds(pane, [&](int s) { return s < *at_kill; }));
    CHECK(eventually([&] { return shows(pane, "still counting"); }, 10s));
    auto when_stale = shown_seconds(pane);
    REQUIRE(when_stale);
    CHECK(*when_stale <= *at_kill - 5);
    CHECK(wait_for_seconds(pane, [&](int s) { return s < *when_stale; }));
    CHECK(pane.running());

    // The server comes back on the same port: the display reconnects and the marker goes.
    ServerProcess again(event.data);
    again.start(server.port());
    CHECK(eventually([&] { return !shows(pane, "still counting"); }, 20s));
    CHECK(wait_for_seconds(pane, [](int s) { return s <= -5; }));

    // q quits and gives the terminal back.
    pane.send_keys("q");
    CHECK(eventually([&] { return !pane.running(); }, 10s));
}
