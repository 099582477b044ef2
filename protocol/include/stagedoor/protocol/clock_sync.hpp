// NTP-style clock-offset estimation from ping/pong samples (see PROTOCOL.md, "Clock sync").
#pragma once

#include <cstddef>
#include <deque>
#include <optional>

namespace stagedoor::protocol {

struct ClockSample {
    double t0 = 0; // client send (client clock, ms)
    double t1 = 0; // server receive (server clock)
    double t2 = 0; // server send (server clock)
    double t3 = 0; // client receive (client clock)
    double offset() const { return ((t1 - t0) + (t2 - t3)) / 2.0; }
    double delay() const { return (t3 - t0) - (t2 - t1); }
};

class ClockEstimator {
  public:
    struct Options {
        std::size_t window = 16;      // samples kept
        double jump_threshold_ms = 250; // larger corrections are applied at once
        double slew_per_second = 0.05; // smaller ones are eased in at this fraction of elapsed time
    };
    ClockEstimator() : ClockEstimator(Options{}) {}
    explicit ClockEstimator(Options options);

    // Adds a sample received at local time t3 (= sample.t3).
    void add(const ClockSample& sample);
    // Offset (server - client, ms) to apply at local time now_ms; eases towards the target.
    double offset(double now_ms);
    // Best (lowest-delay) sample in the window.
    std::optional<ClockSample> best() const;
    double target_offset() const;
    std::size_t samples() const { return window_.size(); }

  private:
    Options options_;
    std::deque<ClockSample> window_;
    std::optional<double> current_;
    double last_update_ms_ = 0;
};

} // namespace stagedoor::protocol
