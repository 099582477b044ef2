#include "stagedoor/protocol/clock_sync.hpp"

#include <cmath>

namespace stagedoor::protocol {

ClockEstimator::ClockEstimator(Options options)
    : options_(options) {
    // A window of zero would leave nothing to estimate from.
    if (options_.window == 0) options_.window = 1;
}

std::optional<ClockSample> ClockEstimator::best() const {
    if (window_.empty()) return std::nullopt;
    // "<=" so that the newest of equally fast samples wins.
    const ClockSample* winner = &window_.front();
    for (const ClockSample& sample : window_) {
        if (sample.delay() <= winner->delay()) winner = &sample;
    }
    return *winner;
}

double ClockEstimator::target_offset() const {
    auto winner = best();
    return winner ? winner->offset() : 0.0;
}

double ClockEstimator::offset(double now_ms) {
    if (!current_) return 0.0;
    double target = target_offset();
    double elapsed = now_ms - last_update_ms_;
    if (elapsed < 0) elapsed = 0;
    double max_step = options_.slew_ms_per_s * elapsed / 1000.0;
    double remaining = target - *current_;
    if (std::abs(remaining) <= max_step) {
        current_ = target;
    } else if (remaining > 0) {
        current_ = *current_ + max_step;
    } else {
        current_ = *current_ - max_step;
    }
    last_update_ms_ = now_ms;
    return *current_;
}

void ClockEstimator::add(const ClockSample& sample) {
    // Bring the eased value up to the moment of this sample before the target changes.
    offset(sample.t3);
    window_.push_back(sample);
    while (window_.size() > options_.window)
        window_.pop_front();
    ++added_;
    double target = target_offset();
    if (!current_ || added_ <= options_.warmup_samples) {
        current_ = target;
        last_update_ms_ = sample.t3;
    } else if (std::abs(target - *current_) > options_.jump_threshold_ms) {
        current_ = target;
    }
}

} // namespace stagedoor::protocol
