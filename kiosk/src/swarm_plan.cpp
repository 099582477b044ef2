// The swarm's pure parts and its task loop: jitter, the arrival plan, percentiles.
#include "command.hpp"
#include "swarm.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace stagedoor::kiosk::swarm {

double Jitter::draw(std::mt19937_64& random) const {
    if (max_ms <= min_ms) return min_ms;
    return std::uniform_real_distribution<double>(min_ms, max_ms)(random);
}

namespace {

// A non-negative number of ms at the start of text; advances text past it.
std::optional<double> take_ms(std::string_view& text) {
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || !(value >= 0) || value > 10000) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return value;
}

} // namespace

Jitter parse_jitter(std::string_view text) {
    const std::string original(text);
    if (text.ends_with("ms")) text.remove_suffix(2);
    auto low = take_ms(text);
    std::optional<double> high = low;
    if (low && text.starts_with("-")) {
        text.remove_prefix(1);
        high = take_ms(text);
    }
    if (!low || !high || !text.empty() || *high < *low)
        throw UsageError("--jitter must be MIN-MAXms (0 to 10000 ms), e.g. 0-100ms, not '" +
                         original + "'");
    return Jitter{*low, *high};
}

void disconnect(client::Connection& connection) {
    connection.on_frame({});
    connection.close();
}

double wall_ms() {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count()) /
           1000.0;
}

void SwarmLoop::post_at(SteadyClock::time_point at, Task task) {
    std::lock_guard lock(mutex_);
    queue_.push(Entry{at, next_order_++, std::move(task)});
    wake_.notify_one();
}

void SwarmLoop::post_after(double delay_ms, Task task) {
    post_at(SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                     std::chrono::duration<double, std::milli>(delay_ms)),
            std::move(task));
}

void SwarmLoop::run() {
    std::unique_lock lock(mutex_);
    while (!stopped_) {
        if (queue_.empty()) {
            wake_.wait(lock);
            continue;
        }
        // A copy: a post from another thread may move the queue's storage while this waits.
        const SteadyClock::time_point next = queue_.top().at;
        if (next > SteadyClock::now()) {
            wake_.wait_until(lock, next);
            continue;
        }
        Task task = std::move(const_cast<Entry&>(queue_.top()).task);
        queue_.pop();
        lock.unlock();
        task();
        lock.lock();
    }
}

void SwarmLoop::stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    wake_.notify_all();
}

const char* to_string(ScanKind kind) {
    switch (kind) {
    case ScanKind::fresh:
        return "fresh";
    case ScanKind::duplicate:
        return "duplicate";
    case ScanKind::forged:
        return "forged";
    case ScanKind::foreign:
        return "foreign";
    }
    return "fresh";
}

std::vector<PlannedScan> plan_scans(const PlanOptions& options) {
    std::mt19937_64 random(options.seed);
    std::uniform_real_distribution<double> unit(0, 1);
    const double run_ms = options.seconds * 1000;
    std::exponential_distribution<double> peak(1 / (options.peak_mean_share * run_ms));
    std::uniform_int_distribution<std::size_t> door(0, std::max<std::size_t>(options.doors, 1) - 1);
    std::vector<PlannedScan> plan(options.scans);
    for (auto& scan : plan) {
        if (unit(random) < options.peak_share) {
            do
                scan.at_ms = peak(random);
            while (scan.at_ms >= run_ms);
        } else {
            scan.at_ms = unit(random) * run_ms;
        }
        scan.door = door(random);
        double kind = unit(random);
        if ((kind -= options.duplicates) < 0)
            scan.kind = ScanKind::duplicate;
        else if ((kind -= options.forged) < 0)
            scan.kind = ScanKind::forged;
        else if ((kind -= options.foreign) < 0)
            scan.kind = ScanKind::foreign;
    }
    std::sort(plan.begin(), plan.end(),
              [](const PlannedScan& a, const PlannedScan& b) { return a.at_ms < b.at_ms; });
    return plan;
}

Percentiles percentiles(std::vector<double>& values) {
    Percentiles result;
    result.count = values.size();
    if (values.empty()) return result;
    std::sort(values.begin(), values.end());
    auto rank = [&](double p) {
        auto index = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
        return values[std::clamp<std::size_t>(index, 1, values.size()) - 1];
    };
    result.p50 = rank(0.50);
    result.p99 = rank(0.99);
    result.max = values.back();
    return result;
}

} // namespace stagedoor::kiosk::swarm
