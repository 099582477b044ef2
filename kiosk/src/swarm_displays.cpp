// The swarm's stage displays: own clocks, delayed frames, and the agreement samples.
#include "swarm.hpp"

#include <algorithm>
#include <cmath>

namespace stagedoor::kiosk::swarm {

using nlohmann::json;

struct Displays::Display {
    std::shared_ptr<client::Connection> connection;
    client::DisplayModel model;
    double skew_ms = 0; // this display's clock = wall clock + skew
    std::size_t pings_sent = 0;
    // The I/O thread's: the delay of each received frame, and when the last one is delivered
    // (frames stay in order, as on a TCP connection).
    std::mt19937_64 io_random;
    SteadyClock::time_point last_delivery{};

    double local_ms(double wall) const { return wall + skew_ms; }
};

namespace {

bool frame_is(std::string_view frame, std::string_view type) {
    return frame.find("\"type\":\"" + std::string(type) + "\"") != std::string_view::npos;
}

} // namespace

Displays::Displays(client::ClientContext& context, SwarmLoop& loop, Setup setup)
    : loop_(loop)
    , setup_(std::move(setup)) {
    std::mt19937_64 random(setup_.seed);
    std::uniform_real_distribution<double> skew(-setup_.skew_ms, setup_.skew_ms);
    for (std::size_t d = 0; d < setup_.count; ++d) {
        auto display = std::make_unique<Display>();
        protocol::ClockEstimator::Options clock;
        clock.window = setup_.clock_window;
        display->model = client::DisplayModel(clock);
        display->skew_ms = skew(random);
        display->io_random.seed(setup_.seed * 3000 + d);
        display->connection = client::Connection::open(context, setup_.endpoint);
        // Timer, stage and pong frames go to the display after the delay; other pushes are
        // dropped; the welcome takes the normal path to hello().
        display->connection->on_frame([this, raw = display.get()](std::string_view frame) {
            bool wanted =
                frame_is(frame, "timer") || frame_is(frame, "stage") || frame_is(frame, "pong");
            if (!wanted) return frame.find("\"re\":") == std::string_view::npos;
            // Stamped here, on arrival, not when the loop gets to it: a real display has a CPU
            // of its own, so the swarm's one loop thread must not add its queueing to the
            // display's clock samples.
            auto delay = std::chrono::duration_cast<SteadyClock::duration>(
                std::chrono::duration<double, std::milli>(setup_.jitter.draw(raw->io_random)));
            auto at = std::max(SteadyClock::now() + delay, raw->last_delivery);
            double received_ms =
                wall_ms() +
                std::chrono::duration<double, std::milli>(at - SteadyClock::now()).count();
            raw->last_delivery = at;
            loop_.post_at(at, [this, raw, received_ms, text = std::string(frame)] {
                deliver(*raw, text, received_ms);
            });
            return true;
        });
        auto welcome = display->connection->hello("stage", setup_.key,
                                                  "swarm display " + std::to_string(d + 1));
        if (welcome.value("type", "") != "welcome")
            throw std::runtime_error("hello as stage display was refused: " + welcome.dump());
        displays_.push_back(std::move(display));
    }
}

Displays::~Displays() {
    for (auto& display : displays_) {
        disconnect(*display->connection);
    }
}

void Displays::deliver(Display& display, const std::string& frame, double received_ms) {
    json message = json::parse(frame, nullptr, false);
    const double local = display.local_ms(received_ms);
    display.model.apply_frame(message, local);
    if (message.is_object() && message.value("type", "") == "pong") {
        ++report_.samples_added;
        if (auto best = display.model.clock().best())
            report_.best_delay_max_ms = std::max(report_.best_delay_max_ms, best->delay());
        // The connect burst: the next ping as soon as this one is answered.
        if (display.pings_sent < setup_.burst) ping(display);
    }
}

void Displays::ping(Display& display) {
    ++display.pings_sent;
    display.connection->send_request({{"type", "ping"}, {"t0", display.local_ms(wall_ms())}});
}

void Displays::start_clock_sync() {
    // Displays are switched on one after another, not all in the same millisecond: the bursts
    // start spread over one ping interval.
    const double stagger_ms = setup_.ping_every_ms / static_cast<double>(displays_.size());
    for (std::size_t d = 0; d < displays_.size(); ++d) {
        Display& display = *displays_[d];
        loop_.post_after(stagger_ms * static_cast<double>(d), [this, &display] {
            ping(display);
            schedule_ping(display);
        });
    }
}

void Displays::schedule_ping(Display& display) {
    // The burst paces itself on its pongs (deliver); the periodic pings start after it.
    loop_.post_after(setup_.ping_every_ms, [this, &display] {
        if (display.pings_sent >= setup_.burst) ping(display);
        schedule_ping(display);
    });
}

bool Displays::synced() const {
    return std::all_of(displays_.begin(), displays_.end(), [&](const auto& display) {
        return display->model.clock().samples_added() >= setup_.burst;
    });
}

void Displays::sample() {
    const auto& first = displays_.front()->model.timer();
    const bool counting = first && first->ends_at &&
                          (first->state == protocol::TimerState::running ||
                           first->state == protocol::TimerState::overtime);
    const bool same =
        counting && std::all_of(displays_.begin(), displays_.end(), [&](const auto& d) {
            return d->model.timer() && d->model.timer()->seq == first->seq;
        });
    if (!same || !synced()) {
        ++report_.skipped;
        return;
    }
    // One wall-clock instant, read on every display's own clock.
    const double wall = wall_ms();
    const double truth = static_cast<double>(*first->ends_at) - wall;
    double low = INFINITY, high = -INFINITY;
    for (auto& display : displays_) {
        double remaining = display->model.view(display->local_ms(wall)).remaining_ms.value_or(0);
        low = std::min(low, remaining);
        high = std::max(high, remaining);
        report_.errors_ms.push_back(std::abs(remaining - truth));
    }
    report_.spreads_ms.push_back(high - low);
}

DisplayReport Displays::report() const {
    return report_;
}

} // namespace stagedoor::kiosk::swarm
