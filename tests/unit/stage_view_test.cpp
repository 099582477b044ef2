#include "src/stage_view.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace stagedoor;
using namespace stagedoor::kiosk;
namespace colour = kiosk::term::colour;

namespace {

constexpr double kNow = 1764181380000;

protocol::TimerMessage running_timer(std::int64_t remaining_ms) {
    protocol::TimerMessage timer;
    timer.seq = 3;
    timer.state = protocol::TimerState::running;
    timer.item = protocol::TimerItem{"p1", "Solar roofs", protocol::ItemKind::pitch,
                                     protocol::SpeakerRef{6, "Mehmet Öztürk", "Grünwerk eG"}, ""};
    timer.duration_ms = 180000;
    timer.ends_at = static_cast<std::int64_t>(kNow) + remaining_ms;
    timer.warn_ms = 30000;
    timer.danger_ms = 10000;
    timer.next = protocol::TimerNext{"c1", "Changeover", std::nullopt};
    return timer;
}

StageSnapshot snapshot_of(protocol::TimerMessage timer) {
    StageSnapshot snapshot;
    snapshot.view = client::timer_view(timer, kNow);
    snapshot.timer = std::move(timer);
    snapshot.connected = snapshot.ever_connected = true;
    snapshot.server_now_ms = kNow;
    snapshot.local_ms = kNow;
    return snapshot;
}

std::vector<std::string> lines_of(const term::Frame& frame) {
    std::vector<std::string> lines;
    for (int row = 0; row < frame.size().rows; ++row)
        lines.push_back(frame.row_text(row));
    return lines;
}

std::string text_of(const term::Frame& frame) {
    std::string text;
    for (const auto& line : lines_of(frame))
        text += line + "\n";
    return text;
}

} // namespace

TEST_CASE("the stage screen shows the countdown in block digits, speaker, title and next",
          "[stage_view]") {
    auto frame = render_stage(snapshot_of(running_timer(95400)), {30, 100});
    CHECK(term::read_big_digits(lines_of(frame)) == "1:36"); // rounded up, as the browser
    auto text = text_of(frame);
    CHECK_THAT(text, Catch::Contains("Mehmet Öztürk"));
    CHECK_THAT(text, Catch::Contains("Grünwerk eG · “Solar roofs”"));
    CHECK_THAT(text, Catch::Contains("Next: Changeover"));
    CHECK_THAT(text, Catch::Contains("▶ Running"));
    CHECK_THAT(text, !Catch::Contains("still counting"));
}

TEST_CASE("the digits take the phase colour: warning, danger, overtime with +m:ss",
          "[stage_view]") {
    auto warning = snapshot_of(running_timer(25000));
    CHECK(stage_digit_style(warning).fg == colour::kOrange);
    CHECK(stage_phase_label(warning) == "⚠ Nearly time");
    auto danger = snapshot_of(running_timer(5000));
    CHECK(stage_digit_style(danger).fg == colour::kBrightRed);
    auto over = snapshot_of(running_timer(-5200));
    CHECK(stage_digit_style(over).fg == colour::kBrightRed);
    auto frame = render_stage(over, {24, 80});
    CHECK(term::read_big_digits(lines_of(frame)) == "+0:05");
    CHECK_THAT(text_of(frame), Catch::Contains("⚠ Over time"));
}

TEST_CASE("a stale display says so, dims its digits and names the last update's age",
          "[stage_view]") {
    auto snapshot = snapshot_of(running_timer(60000));
    snapshot.stale = true;
    snapshot.seconds_since_frame = 7.2;
    CHECK(stage_stale_text(snapshot) == "⚠ No update for 7 s – still counting");
    CHECK(stage_digit_style(snapshot).fg == colour::kGrey);
    snapshot.connected = false;
    CHECK(stage_stale_text(snapshot) == "⚠ Offline – still counting · No update for 7 s");
    CHECK_THAT(text_of(render_stage(snapshot, {24, 80})), Catch::Contains("still counting"));
    // Not yet 5 s without a frame: no marker, even while reconnecting.
    snapshot.stale = false;
    CHECK(stage_stale_text(snapshot).empty());
    snapshot.language = StageLanguage::de;
    snapshot.stale = true;
    snapshot.connected = true;
    CHECK(stage_stale_text(snapshot) == "⚠ Seit 7 s kein Update – zählt weiter");
}

TEST_CASE("stage messages show in their tone's colours, wrapped, above the next line",
          "[stage_view]") {
    auto snapshot = snapshot_of(running_timer(60000));
    snapshot.stage.message =
        protocol::StageText{"One minute left — please wrap up and take questions in the break",
                            protocol::Tone::wrap_up, false, 0};
    auto frame = render_stage(snapshot, {24, 40});
    auto text = text_of(frame);
    CHECK_THAT(text, Catch::Contains("One minute left — please wrap"));
    CHECK_THAT(text, Catch::Contains("questions in the break"));
    CHECK(term::read_big_digits(lines_of(frame)) == "1:00"); // still there, smaller
    int message_row = 0;
    for (int row = 0; row < 24; ++row)
        if (frame.row_text(row).find("One minute") != std::string::npos) message_row = row;
    CHECK(frame.style(message_row, 0).bg == colour::kOrange);

    // A flashing message swaps its colours every half second.
    snapshot.stage.message->flash = true;
    snapshot.local_ms = 1000;
    auto on = render_stage(snapshot, {24, 40});
    snapshot.local_ms = 1500;
    auto off = render_stage(snapshot, {24, 40});
    CHECK(on.style(message_row, 0).bg == colour::kOrange);
    CHECK(off.style(message_row, 0).fg == colour::kOrange);
}

TEST_CASE("blackout paints the whole screen black and nothing else", "[stage_view]") {
    auto snapshot = snapshot_of(running_timer(60000));
    snapshot.stage.blackout = true;
    snapshot.stale = true; // even the marker stays off the stage
    auto frame = render_stage(snapshot, {10, 20});
    for (int row = 0; row < 10; ++row) {
        CHECK(frame.row_text(row) == std::string(20, ' '));
        CHECK(frame.style(row, 7).bg == colour::kBlack);
    }
}

TEST_CASE("paused, idle and a terminal too small for block digits", "[stage_view]") {
    auto timer = running_timer(0);
    timer.state = protocol::TimerState::paused;
    timer.ends_at.reset();
    timer.remaining_ms = 42000;
    auto paused = snapshot_of(timer);
    CHECK(stage_phase_label(paused) == "‖ Paused");
    auto tiny = render_stage(paused, {8, 30});
    CHECK_THAT(text_of(tiny), Catch::Contains("0:42")); // plain text when digits do not fit

    StageSnapshot nothing; // before the first connection: no digits, "Connecting…"
    CHECK_THAT(text_of(render_stage(nothing, {24, 80})), Catch::Contains("Connecting…"));
}
