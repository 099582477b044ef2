// The stage kiosk's screen as a pure function of what the display knows: the countdown in big
// block digits filling the terminal, coloured by phase, the speaker, title and next item, the
// stage message, blackout, and the marker that says the clock may be stale. stage.cpp feeds it
// from the display model at least ten times a second; tests call it directly.
#pragma once

#include "client/display.hpp"
#include "terminal.hpp"

#include <optional>
#include <string>

namespace stagedoor::kiosk {

enum class StageLanguage { en, de };

// Everything one screen shows, taken from the display model at one instant.
struct StageSnapshot {
    client::TimerView view;
    std::optional<protocol::TimerMessage> timer;
    protocol::StageScreen stage;
    bool connected = false;
    // Nothing arrived for more than five seconds (the browser's rule); then the marker says
    // how long ago the last frame came and the digits dim.
    bool stale = false;
    double seconds_since_frame = 0; // meaningful when stale
    bool ever_connected = false;
    std::string problem;      // e.g. a refused hello, shown in the status line
    double server_now_ms = 0; // for the wall clock
    double local_ms = 0;      // for flashing messages
    StageLanguage language = StageLanguage::en;
};

// The label next to the phase, as the browser's stage shows it ("▶ Running", "‖ Paused", ...).
std::string stage_phase_label(const StageSnapshot& snapshot);
// The stale marker's text, "" when the display is fresh.
std::string stage_stale_text(const StageSnapshot& snapshot);
// The colour of the countdown digits.
term::Style stage_digit_style(const StageSnapshot& snapshot);

term::Frame render_stage(const StageSnapshot& snapshot, term::Size size);

} // namespace stagedoor::kiosk
