#include "stage_view.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <string_view>
#include <vector>

namespace stagedoor::kiosk {

namespace {

using term::Style;
namespace colour = term::colour;

// The browser's stage words (kiosk/web/js/i18n.js, stage.*).
struct StageWords {
    std::string_view running, paused, stopped, ready, warning, danger, time_up, overtime, next,
        offline, stale_prefix, stale_suffix, connecting;
};
constexpr StageWords kEnglish{"Running",        "Paused",
                              "Stopped",        "Ready",
                              "Nearly time",    "Please wrap up",
                              "Time is up",     "Over time",
                              "Next",           "Offline – still counting",
                              "No update for ", " s – still counting",
                              "Connecting…"};
constexpr StageWords kGerman{"Läuft",        "Pausiert",
                             "Gestoppt",     "Bereit",
                             "Bald Schluss", "Bitte zum Schluss kommen",
                             "Zeit ist um",  "Überzogen",
                             "Als Nächstes", "Offline – zählt weiter",
                             "Seit ",        " s kein Update – zählt weiter",
                             "Verbinde…"};

const StageWords& words(StageLanguage language) {
    return language == StageLanguage::de ? kGerman : kEnglish;
}

std::string wall_clock(double server_now_ms) {
    auto seconds = static_cast<std::time_t>(std::floor(server_now_ms / 1000));
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M:%S", &local);
    return text;
}

Style message_style(const protocol::StageText& message, double local_ms) {
    Style style{colour::kBrightWhite, colour::kBlue, true};
    if (message.tone == protocol::Tone::wrap_up) style = {colour::kBlack, colour::kOrange, true};
    if (message.tone == protocol::Tone::stop) style = {colour::kBrightWhite, colour::kRed, true};
    // Flashing swaps the colours twice a second.
    if (message.flash && static_cast<std::int64_t>(std::floor(local_ms / 500)) % 2 == 1)
        std::swap(style.fg, style.bg);
    return style;
}

// Speaker (or title) and the line under it, as the browser's stage shows them.
void draw_heading(term::Frame& frame, const protocol::TimerMessage& timer) {
    const auto& item = *timer.item;
    std::string name = item.speaker ? item.speaker->name : item.title;
    std::string meta;
    if (item.speaker) {
        meta = item.speaker->organisation.empty() ? item.organisation : item.speaker->organisation;
        if (!item.title.empty()) meta += (meta.empty() ? "" : " · ") + ("“" + item.title + "”");
    } else {
        meta = item.organisation;
    }
    frame.put_centred(2, name, Style{colour::kBrightWhite, colour::kDefault, true});
    frame.put_centred(3, meta, Style{colour::kWhite});
}

std::string next_line(const protocol::TimerMessage& timer, StageLanguage language) {
    if (!timer.next) return "";
    const auto& next = *timer.next;
    std::string line = std::string(words(language).next) + ": " +
                       (next.speaker_name ? *next.speaker_name : next.title);
    if (next.speaker_name && !next.title.empty()) line += " · " + next.title;
    return line;
}

// The message's wrapped lines, at most three, ending on `bottom`; returns the top row used.
int draw_message(term::Frame& frame, const StageSnapshot& snapshot, int bottom) {
    if (!snapshot.stage.message) return bottom + 1;
    const auto& message = *snapshot.stage.message;
    int width = frame.size().cols - 4;
    auto lines = term::wrap_text(message.text, width);
    if (lines.size() > 3) lines.resize(3);
    Style style = message_style(message, snapshot.local_ms);
    int top = bottom - static_cast<int>(lines.size()) + 1;
    for (int row = top - 1; row <= bottom + 1; ++row)
        frame.fill_row(row, style);
    for (std::size_t i = 0; i < lines.size(); ++i)
        frame.put_centred(top + static_cast<int>(i), lines[i], style);
    return top - 1;
}

// The countdown in the largest block digits that fit rows [top, bottom]; plain text when even
// the smallest do not fit.
void draw_countdown(term::Frame& frame, const StageSnapshot& snapshot, int top, int bottom) {
    int rows = bottom - top + 1;
    Style style = stage_digit_style(snapshot);
    if (rows < 1) { // a tiny terminal: the free row under the status bar
        frame.put_centred(1, snapshot.view.text, style);
        return;
    }
    auto digits = term::big_digits(snapshot.view.text, rows, frame.size().cols - 4);
    if (digits.empty()) {
        frame.put_centred(top + rows / 2, snapshot.view.text, style);
        return;
    }
    int first = top + (rows - static_cast<int>(digits.size())) / 2;
    for (std::size_t i = 0; i < digits.size(); ++i)
        frame.put_centred(first + static_cast<int>(i), digits[i], style);
}

} // namespace

std::string stage_phase_label(const StageSnapshot& snapshot) {
    const StageWords& w = words(snapshot.language);
    if (!snapshot.timer || !snapshot.timer->item) return "";
    using protocol::TimerState;
    const auto& view = snapshot.view;
    if (view.state == TimerState::paused) return "‖ " + std::string(w.paused);
    if (view.state == TimerState::stopped) return "■ " + std::string(w.stopped);
    if (view.phase == client::DisplayPhase::idle) return "○ " + std::string(w.ready);
    if (view.phase == client::DisplayPhase::overtime) return "⚠ " + std::string(w.overtime);
    if (view.remaining_ms && *view.remaining_ms <= 0) return "■ " + std::string(w.time_up);
    if (view.phase == client::DisplayPhase::danger) return "⚠ " + std::string(w.danger);
    if (view.phase == client::DisplayPhase::warning) return "⚠ " + std::string(w.warning);
    return "▶ " + std::string(w.running);
}

std::string stage_stale_text(const StageSnapshot& snapshot) {
    const StageWords& w = words(snapshot.language);
    if (!snapshot.ever_connected && !snapshot.timer) return "";
    if (!snapshot.stale) return "";
    auto seconds = std::to_string(std::lround(snapshot.seconds_since_frame));
    if (!snapshot.connected)
        return "⚠ " + std::string(w.offline) + " · " + std::string(w.stale_prefix) + seconds + " s";
    return "⚠ " + std::string(w.stale_prefix) + seconds + std::string(w.stale_suffix);
}

term::Style stage_digit_style(const StageSnapshot& snapshot) {
    // A clock that may be wrong dims, so nobody on stage trusts it to the second.
    if (snapshot.stale) return {colour::kGrey, colour::kDefault, false};
    switch (snapshot.view.phase) {
    case client::DisplayPhase::warning:
        return {colour::kOrange, colour::kDefault, true};
    case client::DisplayPhase::danger:
    case client::DisplayPhase::overtime:
        return {colour::kBrightRed, colour::kDefault, true};
    case client::DisplayPhase::idle:
        return {colour::kWhite, colour::kDefault, false};
    case client::DisplayPhase::normal:
        break;
    }
    return {colour::kBrightWhite, colour::kDefault, true};
}

term::Frame render_stage(const StageSnapshot& snapshot, term::Size size) {
    term::Frame frame(size);
    if (snapshot.stage.blackout) { // black whatever the terminal's own background is
        frame.fill(Style{colour::kBlack, colour::kBlack});
        return frame;
    }
    const Style bar{colour::kWhite, colour::kDarkGrey};
    frame.fill_row(0, bar);
    frame.put(0, 1, stage_phase_label(snapshot), bar);
    std::string clock = wall_clock(snapshot.server_now_ms);
    frame.put(0, size.cols - term::text_width(clock) - 1, clock, bar);
    std::string status = stage_stale_text(snapshot);
    if (status.empty() && !snapshot.connected)
        status = snapshot.problem.empty() ? std::string(words(snapshot.language).connecting)
                                          : snapshot.problem;
    if (!status.empty())
        frame.put_centred(
            0, " " + status + " ",
            Style{colour::kBlack, snapshot.stale ? colour::kYellow : colour::kGrey, true});

    if (snapshot.timer && snapshot.timer->item) draw_heading(frame, *snapshot.timer);
    int bottom = size.rows - 1;
    if (snapshot.timer) {
        frame.put_centred(bottom, next_line(*snapshot.timer, snapshot.language),
                          Style{colour::kGrey});
        bottom -= 2;
    }
    int message_top = draw_message(frame, snapshot, bottom);
    draw_countdown(frame, snapshot, 5, message_top - 2);
    return frame;
}

} // namespace stagedoor::kiosk
