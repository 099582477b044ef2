// What a stage display shows, derived from the server's `timer` and `stage` pushes and the
// display's clock-sync samples. Pure (no sockets, no clock reads: every instant is passed in),
// so the native stage kiosk draws with it and the swarm measures display agreement with it.
//
// The rules are those of the browser's kiosk/web/js/timer-model.js and format.js (node-tested
// in tests/js/countdown.test.mjs); tests/unit/display_test.cpp checks the same cases here.
#pragma once

#include "stagedoor/protocol/clock_sync.hpp"
#include "stagedoor/protocol/messages_stage.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace stagedoor::client {

// How the countdown is coloured. As in timer-model.js, a paused or stopped timer takes the
// phase of its remaining time (state says that it is paused); idle is a timer without an
// item or in state idle.
enum class DisplayPhase { idle, normal, warning, danger, overtime };
const char* to_string(DisplayPhase phase);

// Whole seconds as m:ss, or h:mm:ss from one hour on; negative counts as 0.
std::string format_seconds(std::int64_t total_seconds);

struct CountdownText {
    std::string text; // "12:34", or "+0:05" in overtime
    bool over = false;
};
// A countdown as people read it: remaining time rounded UP to whole seconds (0:01 shows until
// the true zero), overtime as +m:ss rounded DOWN (+0:00 during the first second over).
CountdownText format_countdown(double remaining_ms);

struct TimerView {
    protocol::TimerState state = protocol::TimerState::idle;
    DisplayPhase phase = DisplayPhase::idle;
    std::optional<double> remaining_ms; // nullopt without an item
    std::string text;                   // "–:––" without an item
    bool over = false;
    double progress = 0; // elapsed fraction of the item (duration + added), 0..1
};

// The view of `timer` (nullopt: no push yet) at the estimated server time server_now_ms.
// running/overtime count from ends_at (held at 0 unless at_zero is count_up); otherwise
// remaining_ms, or the planned duration when the server sent none.
TimerView timer_view(const std::optional<protocol::TimerMessage>& timer, double server_now_ms);

// One display's state. Not thread-safe: feed and read it from one thread. Local times are the
// display's own clock in ms (any epoch, as long as it is the one its pings' t0 used).
class DisplayModel {
  public:
    DisplayModel()
        : DisplayModel(protocol::ClockEstimator::Options{}) {}
    explicit DisplayModel(protocol::ClockEstimator::Options clock_options);

    // The newest timer push replaces the previous one (as the browser does: the server sends
    // them in order on one connection).
    void on_timer(protocol::TimerMessage timer, double local_ms);
    void on_stage(protocol::StageScreen stage, double local_ms);
    // A pong's times with t3 = the local time it was received.
    void on_clock_sample(const protocol::ClockSample& sample);
    // Any other frame from the server (it proves the connection alive, for stale()).
    void on_other_frame(double local_ms);

    // Decodes a server frame and applies it: timer, stage and pong (received at local_ms) are
    // used, anything else only counts as a sign of life. Returns false for a frame that is not
    // a JSON object with a type, or a timer/stage/pong that does not decode (then nothing
    // changes).
    bool apply_frame(const nlohmann::json& frame, double local_ms);

    // The estimated server clock at local time local_ms (eases the offset, hence not const).
    double server_now(double local_ms);
    // What the display shows at local time local_ms.
    TimerView view(double local_ms);
    // True when nothing arrived for longer than stale_after_ms before local_ms (or nothing
    // ever arrived): the display should mark its clock as possibly wrong.
    bool stale(double local_ms, double stale_after_ms) const;

    const std::optional<protocol::TimerMessage>& timer() const { return timer_; }
    const protocol::StageScreen& stage() const { return stage_; }
    protocol::ClockEstimator& clock() { return clock_; }
    const protocol::ClockEstimator& clock() const { return clock_; }

  private:
    protocol::ClockEstimator clock_;
    std::optional<protocol::TimerMessage> timer_;
    protocol::StageScreen stage_;
    std::optional<double> last_frame_local_ms_;
};

} // namespace stagedoor::client
