#include "client/display.hpp"

#include "stagedoor/protocol/codec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace stagedoor::client {

using protocol::TimerState;

const char* to_string(DisplayPhase phase) {
    switch (phase) {
    case DisplayPhase::idle:
        return "idle";
    case DisplayPhase::normal:
        return "normal";
    case DisplayPhase::warning:
        return "warning";
    case DisplayPhase::danger:
        return "danger";
    case DisplayPhase::overtime:
        return "overtime";
    }
    return "idle";
}

std::string format_seconds(std::int64_t total_seconds) {
    const std::int64_t s = std::max<std::int64_t>(0, total_seconds);
    const long long hours = s / 3600, minutes = (s % 3600) / 60, seconds = s % 60;
    char text[32];
    if (hours > 0)
        std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", hours, minutes, seconds);
    else
        std::snprintf(text, sizeof text, "%lld:%02lld", minutes, seconds);
    return text;
}

CountdownText format_countdown(double remaining_ms) {
    if (remaining_ms >= 0)
        return {format_seconds(static_cast<std::int64_t>(std::ceil(remaining_ms / 1000))), false};
    return {"+" + format_seconds(static_cast<std::int64_t>(std::floor(-remaining_ms / 1000))),
            true};
}

namespace {

// The remaining time the display counts with (timer-model.js's first half).
double remaining_of(const protocol::TimerMessage& timer, double server_now_ms) {
    const bool counting = timer.state == TimerState::running || timer.state == TimerState::overtime;
    if (counting && timer.ends_at) {
        double remaining = static_cast<double>(*timer.ends_at) - server_now_ms;
        // Items that stop or advance at zero never show overtime; the server's next push follows.
        if (remaining < 0 && timer.at_zero != protocol::AtZero::count_up) remaining = 0;
        return remaining;
    }
    if (timer.remaining_ms) return static_cast<double>(*timer.remaining_ms);
    return static_cast<double>(timer.duration_ms);
}

} // namespace

TimerView timer_view(const std::optional<protocol::TimerMessage>& timer, double server_now_ms) {
    TimerView view;
    if (!timer || !timer->item) {
        view.state = timer ? timer->state : TimerState::idle;
        view.text = "–:––";
        return view;
    }
    view.state = timer->state;
    const double remaining = remaining_of(*timer, server_now_ms);
    CountdownText countdown = format_countdown(remaining);
    view.remaining_ms = remaining;
    view.text = std::move(countdown.text);
    view.over = countdown.over;
    if (view.over)
        view.phase = DisplayPhase::overtime;
    else if (timer->state == TimerState::idle)
        view.phase = DisplayPhase::idle;
    else if (remaining <= static_cast<double>(timer->danger_ms))
        view.phase = DisplayPhase::danger;
    else if (remaining <= static_cast<double>(timer->warn_ms))
        view.phase = DisplayPhase::warning;
    else
        view.phase = DisplayPhase::normal;
    const double total = static_cast<double>(timer->duration_ms + timer->added_ms);
    view.progress = total > 0 ? std::clamp(1 - remaining / total, 0.0, 1.0) : 0.0;
    return view;
}

DisplayModel::DisplayModel(protocol::ClockEstimator::Options clock_options)
    : clock_(clock_options) {}

void DisplayModel::on_timer(protocol::TimerMessage timer, double local_ms) {
    timer_ = std::move(timer);
    on_other_frame(local_ms);
}

void DisplayModel::on_stage(protocol::StageScreen stage, double local_ms) {
    stage_ = std::move(stage);
    on_other_frame(local_ms);
}

void DisplayModel::on_clock_sample(const protocol::ClockSample& sample) {
    clock_.add(sample);
    on_other_frame(sample.t3);
}

void DisplayModel::on_other_frame(double local_ms) {
    if (!last_frame_local_ms_ || local_ms > *last_frame_local_ms_) last_frame_local_ms_ = local_ms;
}

bool DisplayModel::apply_frame(const nlohmann::json& frame, double local_ms) {
    if (!frame.is_object() || !frame.contains("type") || !frame["type"].is_string()) return false;
    const std::string& type = frame["type"].get_ref<const std::string&>();
    if (type == protocol::TimerMessage::type) {
        auto timer = protocol::decode<protocol::TimerMessage>(frame);
        if (!timer) return false;
        on_timer(std::move(*timer), local_ms);
    } else if (type == protocol::StageScreen::type) {
        auto stage = protocol::decode<protocol::StageScreen>(frame);
        if (!stage) return false;
        on_stage(std::move(*stage), local_ms);
    } else if (type == protocol::Pong::type) {
        auto pong = protocol::decode<protocol::Pong>(frame);
        if (!pong) return false;
        on_clock_sample({pong->t0, pong->t1, pong->t2, local_ms});
    } else {
        on_other_frame(local_ms);
    }
    return true;
}

double DisplayModel::server_now(double local_ms) {
    return local_ms + clock_.offset(local_ms);
}

TimerView DisplayModel::view(double local_ms) {
    return timer_view(timer_, server_now(local_ms));
}

bool DisplayModel::stale(double local_ms, double stale_after_ms) const {
    return !last_frame_local_ms_ || local_ms - *last_frame_local_ms_ > stale_after_ms;
}

} // namespace stagedoor::client
