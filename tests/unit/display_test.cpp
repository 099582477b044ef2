// The native display model against the browser's rules: the cases of
// tests/js/countdown.test.mjs (timer-model.js, format.js), plus the clock and frame handling.
#include "client/display.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using nlohmann::json;
using stagedoor::client::DisplayModel;
using stagedoor::client::DisplayPhase;
using stagedoor::client::format_countdown;
using stagedoor::client::format_seconds;
using stagedoor::client::timer_view;
using stagedoor::protocol::AtZero;
using stagedoor::protocol::ClockSample;
using stagedoor::protocol::TimerItem;
using stagedoor::protocol::TimerMessage;
using stagedoor::protocol::TimerState;

namespace {

// The `running` fixture of countdown.test.mjs.
TimerMessage running() {
    TimerMessage timer;
    timer.seq = 3;
    timer.state = TimerState::running;
    timer.item = TimerItem{"a", "Pitch", stagedoor::protocol::ItemKind::pitch, std::nullopt, ""};
    timer.duration_ms = 300000;
    timer.started_at = 1'000'000;
    timer.ends_at = 1'300'000;
    timer.warn_ms = 60000;
    timer.danger_ms = 30000;
    timer.at_zero = AtZero::count_up;
    timer.server_time = 1'000'000;
    return timer;
}

TimerMessage held(TimerState state, std::optional<std::int64_t> remaining) {
    TimerMessage timer = running();
    timer.state = state;
    timer.ends_at.reset();
    timer.remaining_ms = remaining;
    return timer;
}

} // namespace

TEST_CASE("display: remaining rounds up, so 0:01 shows until the true zero") {
    CHECK(format_countdown(300000).text == "5:00");
    CHECK(format_countdown(299001).text == "5:00");
    CHECK(format_countdown(299000).text == "4:59");
    CHECK(format_countdown(1).text == "0:01");
    CHECK(format_countdown(1000).text == "0:01");
    CHECK(format_countdown(0).text == "0:00");
    CHECK_FALSE(format_countdown(0).over);
    CHECK(format_countdown(0.4).text == "0:01");
}

TEST_CASE("display: overtime rounds down with a plus sign") {
    CHECK(format_countdown(-1).text == "+0:00");
    CHECK(format_countdown(-1).over);
    CHECK(format_countdown(-999).text == "+0:00");
    CHECK(format_countdown(-1000).text == "+0:01");
    CHECK(format_countdown(-61500).text == "+1:01");
}

TEST_CASE("display: hours appear only past one hour") {
    CHECK(format_seconds(59 * 60 + 59) == "59:59");
    CHECK(format_seconds(3600) == "1:00:00");
    CHECK(format_seconds(3 * 3600 + 5 * 60 + 7) == "3:05:07");
    CHECK(format_seconds(-5) == "0:00");
    CHECK(format_countdown(12 * 60'000 + 34'000).text == "12:34");
}

TEST_CASE("display: phases follow the remaining time against warn_ms and danger_ms") {
    const std::optional<TimerMessage> timer = running();
    CHECK(timer_view(timer, 1'000'000).phase == DisplayPhase::normal);
    CHECK(timer_view(timer, 1'000'000).text == "5:00");
    CHECK(timer_view(timer, 1'240'000).phase == DisplayPhase::warning);
    CHECK(timer_view(timer, 1'270'000).phase == DisplayPhase::danger);
    CHECK(timer_view(timer, 1'299'999).text == "0:01");
    auto over = timer_view(timer, 1'303'500);
    CHECK(over.phase == DisplayPhase::overtime);
    CHECK(over.text == "+0:03");
    CHECK(over.over);
    CHECK(over.progress == 1);
    CHECK(*over.remaining_ms == -3500);
    CHECK(timer_view(timer, 1'150'000).progress == Approx(0.5));
    CHECK(timer_view(timer, 1'000'000.25).remaining_ms == Approx(299'999.75));
}

TEST_CASE("display: paused and stopped show remaining_ms, not the clock") {
    auto paused = timer_view(held(TimerState::paused, 125400), 9'999'999);
    CHECK(paused.text == "2:06");
    CHECK(paused.phase == DisplayPhase::normal);
    CHECK(paused.state == TimerState::paused);
    auto stopped = timer_view(held(TimerState::stopped, -5000), 0);
    CHECK(stopped.text == "+0:05");
    CHECK(stopped.phase == DisplayPhase::overtime);
    auto idle = timer_view(held(TimerState::idle, std::nullopt), 0);
    CHECK(idle.text == "5:00");
    CHECK(idle.phase == DisplayPhase::idle);
    CHECK(timer_view(std::nullopt, 0).text == "–:––");
    CHECK_FALSE(timer_view(std::nullopt, 0).remaining_ms);
    TimerMessage no_item = running();
    no_item.item.reset();
    CHECK(timer_view(no_item, 0).phase == DisplayPhase::idle);
    CHECK(timer_view(no_item, 0).state == TimerState::running);
}

TEST_CASE("display: items that stop or advance at zero never show overtime") {
    for (AtZero at_zero : {AtZero::stop, AtZero::next}) {
        TimerMessage timer = running();
        timer.at_zero = at_zero;
        auto view = timer_view(timer, 1'305'000);
        CHECK(view.text == "0:00");
        CHECK_FALSE(view.over);
        CHECK(view.phase == DisplayPhase::danger);
    }
}

TEST_CASE("display: the model counts on the server's clock, estimated from pongs") {
    DisplayModel display;
    // The display's clock is 5 s behind the server's; a 20 ms round trip, symmetric.
    const double behind = 5000;
    const double t0 = 1'200'000 - behind;
    display.on_clock_sample(ClockSample{t0, t0 + behind + 10, t0 + behind + 10, t0 + 20});
    CHECK(display.server_now(t0 + 20) == Approx(t0 + 20 + behind));
    display.on_timer(running(), t0 + 20);
    // Server time 1 240 000 is local 1 235 000: 60 s left, the warning phase.
    auto view = display.view(1'240'000 - behind);
    CHECK(*view.remaining_ms == Approx(60000));
    CHECK(view.text == "1:00");
    CHECK(view.phase == DisplayPhase::warning);
}

TEST_CASE("display: frames from the server are decoded and applied") {
    DisplayModel display;
    CHECK(display.stale(0, 5000));
    json timer = stagedoor::protocol::to_json(running());
    CHECK(display.apply_frame(timer, 100));
    REQUIRE(display.timer());
    CHECK(display.timer()->seq == 3);
    CHECK(display.apply_frame(json::parse(R"({"type":"pong","re":4,"t0":90,"t1":1090,"t2":1090})"),
                              110));
    CHECK(display.clock().samples_added() == 1);
    CHECK(display.server_now(110) == Approx(110 + 990)); // ((1090 - 90) + (1090 - 110)) / 2
    CHECK(display.apply_frame(json::parse(R"({"type":"stage","message":null,"blackout":true})"),
                              120));
    CHECK(display.stage().blackout);
    CHECK(display.apply_frame(json::parse(R"({"type":"counts","whatever":1})"), 6000));
    CHECK_FALSE(display.stale(6000 + 5000, 5000));
    CHECK(display.stale(6000 + 5001, 5000));

    // Malformed frames change nothing.
    CHECK_FALSE(display.apply_frame(json::parse(R"({"type":"timer","seq":"x"})"), 7000));
    CHECK(display.timer()->seq == 3);
    CHECK_FALSE(display.apply_frame(json::parse(R"({"type":"pong","re":5})"), 7000));
    CHECK(display.clock().samples_added() == 1);
    CHECK_FALSE(display.apply_frame(json::parse(R"([1,2])"), 7000));
    CHECK_FALSE(display.apply_frame(json::parse(R"({"type":7})"), 7000));
}
