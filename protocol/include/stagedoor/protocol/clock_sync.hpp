// NTP-style clock-offset estimation from ping/pong samples (see PROTOCOL.md, "Clock sync").
// The browser port (kiosk/web) must match this bit for bit on protocol/clock_vectors.json.
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
        std::size_t window = 16;        // samples kept (the newest ones)
        double jump_threshold_ms = 100; // larger corrections are applied at once
        double slew_ms_per_s = 20;      // smaller ones are eased in at most this fast
        // The first samples (the burst a client sends on connect) set the offset at once:
        // nothing has been shown yet, so a better sample need not be eased in over seconds.
        std::size_t warmup_samples = 8;
    };
    ClockEstimator()
        : ClockEstimator(Options{}) {}
    explicit ClockEstimator(Options options);

    // Adds a sample received at local time t3 (= sample.t3).
    void add(const ClockSample& sample);
    // Offset (server - client, ms) to apply at local time now_ms; eases towards the target.
    // 0 before the first sample.
    double offset(double now_ms);
    // Best (lowest-delay, newest on ties) sample in the window.
    std::optional<ClockSample> best() const;
    // Offset of best(); 0 before the first sample.
    double target_offset() const;
    bool has_estimate() const { return current_.has_value(); }
    std::size_t samples() const { return window_.size(); }
    // Samples added since construction (the window keeps at most options().window of them).
    std::size_t samples_added() const { return added_; }
    const Options& options() const { return options_; }

  private:
    Options options_;
    std::deque<ClockSample> window_;
    std::optional<double> current_;
    double last_update_ms_ = 0;
    std::size_t added_ = 0;
};

} // namespace stagedoor::protocol
