// `stagedoor-kiosk swarm`: D doors scanning an arrival curve and N stage displays, each with its
// own clock, against one server, with an optional random delay on every message a door or
// display receives. Internal to the swarm's .cpp files.
//
// Threads: the client library's I/O thread only stamps incoming frames and hands them over;
// everything else (doors, displays, samples) runs as timed tasks on one SwarmLoop, so the
// simulated kiosks need no locks. A "delay" is a task scheduled that much later.
#pragma once

#include "bench_support.hpp"
#include "client/client.hpp"
#include "client/display.hpp"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace stagedoor::kiosk::swarm {

// A random delay, uniform in [min_ms, max_ms].
struct Jitter {
    double min_ms = 0;
    double max_ms = 0;
    double draw(std::mt19937_64& random) const;
    bool none() const { return max_ms <= 0; }
};
// "0-100ms", "20ms", "5-20" (ms), or "0"; throws UsageError otherwise (at most 10 s).
Jitter parse_jitter(std::string_view text);

// Stops a connection's frame hook and closes it (waits for the close): after this no hook of
// it runs, so what the hook captured may go.
void disconnect(client::Connection& connection);

// The swarm's wall clock, unix ms with a fraction (the server's pong times use the same clock).
double wall_ms();

// Timed tasks run in time order on the thread that calls run(); post_at may be called from
// any thread.
class SwarmLoop {
  public:
    using Task = std::function<void()>;
    void post_at(SteadyClock::time_point at, Task task);
    void post_after(double delay_ms, Task task);
    // Runs tasks until stop() (from a task or another thread).
    void run();
    void stop();

  private:
    struct Entry {
        SteadyClock::time_point at;
        std::uint64_t order;
        Task task;
        bool operator>(const Entry& other) const {
            return at != other.at ? at > other.at : order > other.order;
        }
    };
    std::mutex mutex_;
    std::condition_variable wake_;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
    std::uint64_t next_order_ = 0;
    bool stopped_ = false;
};

// What one scan is meant to test, and so which verdict it should get.
enum class ScanKind { fresh, duplicate, forged, foreign };
const char* to_string(ScanKind kind);

struct PlannedScan {
    double at_ms = 0; // after doors open
    std::size_t door = 0;
    ScanKind kind = ScanKind::fresh;
    std::size_t token = SIZE_MAX; // index into the event's tokens, once chosen
};

struct PlanOptions {
    std::size_t scans = 1000;
    double seconds = 10;
    std::size_t doors = 2;
    double peak_share = 0.7;      // arrivals in the doors-open peak, the rest spread evenly
    double peak_mean_share = 0.1; // mean arrival time in the peak, as a share of the run
    double duplicates = 0.05;
    double forged = 0.02;
    double foreign = 0.02; // 0 without foreign tokens
    std::uint64_t seed = 1;
};
// Arrival times in order: a peak decaying from doors-open (exponential, truncated to the run)
// and an even tail; each arrival at a random door with a random kind by the given shares.
std::vector<PlannedScan> plan_scans(const PlanOptions& options);

// Percentiles of a list of values (nearest rank); the list is sorted.
struct Percentiles {
    std::size_t count = 0;
    double p50 = 0, p99 = 0, max = 0;
};
Percentiles percentiles(std::vector<double>& values);

struct DoorReport {
    std::size_t planned = 0, sent = 0, answered = 0, rate_limited = 0, unexpected = 0;
    std::map<ScanKind, std::size_t> sent_by_kind;
    std::map<std::string, std::size_t> verdicts;   // result name, or "error:<code>"
    std::vector<double> latencies_ms;              // send -> verdict shown (after the delay)
    double first_send_ms = 0, last_verdict_ms = 0; // wall_ms
    double peak_per_s = 0;                         // most verdicts in one wall-clock second
};

struct DisplayReport {
    std::vector<double> spreads_ms; // per sampled instant: max - min remaining over displays
    std::vector<double> errors_ms;  // per display and instant: |remaining - true remaining|
    std::size_t skipped = 0;        // instants when the displays did not all hold the same push
    double best_delay_max_ms = 0;   // the largest delay of a sample any display counted from
    std::size_t samples_added = 0;  // clock samples over all displays
};

// The doors: each scans its planned arrivals one at a time (a queue forms when people arrive
// faster than the door answers), as a real door with one scanner does.
class Doors {
  public:
    struct Setup {
        client::Endpoint endpoint;
        std::string key;
        std::size_t count = 2;
        std::vector<std::string> tokens;  // valid badges, used once each, in order, by "fresh"
        std::vector<std::string> foreign; // badges signed for another event
        Jitter jitter;                    // delay before a door shows a verdict
        std::uint64_t seed = 1;
    };
    // Connects and greets every door (blocking; before the loop runs).
    Doors(client::ClientContext& context, SwarmLoop& loop, Setup setup);
    ~Doors();
    // Schedules the plan from doors_open on; on_done runs on the loop after the last verdict.
    void start(std::vector<PlannedScan> plan, SteadyClock::time_point doors_open,
               std::function<void()> on_done);
    // Call on the loop or after it stopped.
    const DoorReport& report() const { return report_; }

  private:
    struct Door;
    void arrive(Door& door, PlannedScan scan);
    void send_next(Door& door);
    void send(Door& door, const PlannedScan& scan, const std::string& payload);
    void on_verdict(Door& door, const PlannedScan& scan, const std::string& payload, double sent_ms,
                    const nlohmann::json& reply);
    // The payload for a scan of this kind; a duplicate without an earlier admission, or a fresh
    // scan after the tokens ran out, changes kind.
    std::string payload_for(Door& door, PlannedScan& scan);

    SwarmLoop& loop_;
    Setup setup_;
    std::vector<std::unique_ptr<Door>> doors_;
    std::size_t next_token_ = 0;
    std::vector<std::size_t> admitted_; // tokens shown ok
    std::vector<std::size_t> per_second_;
    std::function<void()> on_done_;
    DoorReport report_;
};

// The stage displays: each with its own clock (a random skew from the server's), its own
// ClockEstimator fed by pings, and a DisplayModel fed by the pushes, every received frame
// delayed by the jitter (in order, like TCP).
class Displays {
  public:
    struct Setup {
        client::Endpoint endpoint;
        std::string key;
        std::size_t count = 5;
        Jitter jitter;
        double skew_ms = 5000; // each display's clock is off by up to this much
        double ping_every_ms = 1000;
        std::size_t burst = 8;         // pings one after another at connect
        std::size_t clock_window = 16; // samples each ClockEstimator keeps (the protocol's 16)
        std::uint64_t seed = 1;
    };
    Displays(client::ClientContext& context, SwarmLoop& loop, Setup setup);
    ~Displays();
    // Starts every display's ping burst, then its periodic pings (on the loop).
    void start_clock_sync();
    // Every display has its burst answered.
    bool synced() const;
    // Samples what every display shows at one wall-clock instant (on the loop).
    void sample();
    DisplayReport report() const;

  private:
    struct Display;
    // Applies a frame the display received at wall time received_ms.
    void deliver(Display& display, const std::string& frame, double received_ms);
    void ping(Display& display);
    void schedule_ping(Display& display);

    SwarmLoop& loop_;
    Setup setup_;
    std::vector<std::unique_ptr<Display>> displays_;
    DisplayReport report_;
};

} // namespace stagedoor::kiosk::swarm
