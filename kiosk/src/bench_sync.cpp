// bench-sync: how long does an offline door's queue take to sync, and does the sync slow the
// other doors down? Door B scans online in a closed loop (one scan outstanding; the next goes
// out once the answer is in, at most --online-per-second, which keeps it inside the server's
// per-connection frame budget) through two windows against the same server: first alone,
// then while door S uploads a queue of --scans offline scans (PROTOCOL.md 5.12: "offline":"ok",
// the original scan_id and "at") in order, with --window of them in flight, as the browser's
// outbox does. Door S uses the first --scans badges of the list, door B the ones after them,
// walking in and out as the server answers. A sync scan refused as rate_limited is sent again
// with the same scan_id (counted).
#include "bench_support.hpp"
#include "command.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace stagedoor::kiosk {
namespace {

using nlohmann::json;

enum Window : int { kWarmUp = 0, kAlone = 1, kDuringSync = 2 };

// Door B: online scans in a closed loop.
struct OnlineDoor {
    std::shared_ptr<client::Connection> connection;
    std::vector<std::string> tokens;
    std::vector<char> inside; // per token, as the server last answered
    std::size_t next = 0;
    ScanIds scan_ids;
    std::atomic<bool> waiting{false};
    SteadyClock::duration period{};   // at most one scan per period
    SteadyClock::time_point next_due; // (main thread)
    // Written on the I/O thread while waiting, read by the main thread after it.
    std::array<std::vector<std::int64_t>, 3> latencies_ns;
    std::array<std::map<std::string, std::uint64_t>, 3> results;
};

// Door S: the offline queue being synced.
struct SyncDoor {
    std::shared_ptr<client::Connection> connection;
    std::vector<json> queue; // the scans, in the order the door made them
    std::size_t next = 0;    // the next never sent
    std::atomic<int> in_flight{0};
    std::atomic<std::size_t> answered{0};
    std::mutex mutex;
    std::deque<std::size_t> resend;                // rate_limited, to send again (under mutex)
    std::map<std::string, std::uint64_t> results;  // (under mutex)
    std::uint64_t rate_limited = 0, conflicts = 0; // (under mutex)
    SteadyClock::time_point last_answer;           // (under mutex)
};

std::int64_t nanoseconds_since(SteadyClock::time_point start) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count();
}

void send_online_scan(OnlineDoor& door, Window window) {
    std::size_t index = door.next;
    door.next = (door.next + 1) % door.tokens.size();
    door.waiting = true;
    json message = {{"type", "scan"},
                    {"scan_id", door.scan_ids.next()},
                    {"payload", door.tokens[index]},
                    {"direction", door.inside[index] ? "out" : "in"},
                    {"at", unix_ms()}};
    auto sent_at = SteadyClock::now();
    door.connection->request_async(
        std::move(message), [&door, index, window, sent_at](const json& reply) {
            std::int64_t latency = nanoseconds_since(sent_at);
            std::string result = reply.value("result", reply.value("type", "?"));
            door.latencies_ns[window].push_back(latency);
            ++door.results[window][result];
            if (result == "ok") door.inside[index] = !door.inside[index];
            if (result == "already_in") door.inside[index] = 1;
            if (result == "not_in") door.inside[index] = 0;
            door.waiting = false;
        });
}

void send_sync_scan(SyncDoor& door, std::size_t index) {
    ++door.in_flight;
    door.connection->request_async(door.queue[index], [&door, index](const json& reply) {
        std::lock_guard lock(door.mutex);
        if (reply.value("type", "") == "error" && reply.value("code", "") == "rate_limited") {
            ++door.rate_limited;
            door.resend.push_back(index); // same scan_id: the server has not recorded it
        } else {
            ++door.results[reply.value("result", reply.value("type", "?"))];
            if (reply.contains("conflict")) ++door.conflicts;
            door.last_answer = SteadyClock::now();
            ++door.answered;
        }
        --door.in_flight;
    });
}

// Door S's turn: fill the window, resends first (the queue stays in order as far as it can).
void top_up(SyncDoor& door, int window) {
    while (door.in_flight < window) {
        std::optional<std::size_t> index;
        {
            std::lock_guard lock(door.mutex);
            if (!door.resend.empty()) {
                index = door.resend.front();
                door.resend.pop_front();
            }
        }
        if (!index && door.next < door.queue.size()) index = door.next++;
        if (!index) return;
        send_sync_scan(door, *index);
    }
}

// Door B scans for `seconds`, or (sync != nullptr) until door S's queue is answered.
void drive(OnlineDoor& b, Window window, double seconds, SyncDoor* sync = nullptr,
           int sync_window = 0) {
    auto start = SteadyClock::now();
    auto running = [&] {
        if (sync) return sync->answered < sync->queue.size();
        return seconds_between(start, SteadyClock::now()) < seconds;
    };
    while (running()) {
        auto now = SteadyClock::now();
        if (!b.waiting && now >= b.next_due) {
            send_online_scan(b, window);
            b.next_due = std::max(b.next_due + b.period, now);
        }
        if (sync) top_up(*sync, sync_window);
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    auto deadline = SteadyClock::now() + std::chrono::seconds(30);
    while (b.waiting && SteadyClock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (b.waiting) throw std::runtime_error("door B's scan is unanswered 30 s after the window");
}

std::vector<json> offline_queue(const std::vector<std::string>& tokens, std::size_t count) {
    // The door decided them over the last minutes, 10 ms apart, oldest first.
    ScanIds scan_ids;
    std::int64_t first_at = unix_ms() - static_cast<std::int64_t>(count) * 10 - 60'000;
    std::vector<json> queue;
    for (std::size_t i = 0; i < count; ++i)
        queue.push_back({{"type", "scan"},
                         {"scan_id", scan_ids.next()},
                         {"payload", tokens[i]},
                         {"direction", "in"},
                         {"at", first_at + static_cast<std::int64_t>(i) * 10},
                         {"offline", "ok"}});
    return queue;
}

std::string outcome_list(const std::map<std::string, std::uint64_t>& counts) {
    std::string text;
    for (const auto& [name, count] : counts)
        text += (text.empty() ? "" : ", ") + name + " " + std::to_string(count);
    return text.empty() ? "none" : text;
}

void report(OnlineDoor& b, SyncDoor& s, double sync_s, int window,
            std::optional<double> server_cpu) {
    LatencySummary alone = summarise(b.latencies_ns[kAlone]);
    LatencySummary during = summarise(b.latencies_ns[kDuringSync]);
    double rate = sync_s > 0 ? static_cast<double>(s.queue.size()) / sync_s : 0;
    double p50_ratio = alone.p50_ms > 0 ? during.p50_ms / alone.p50_ms : 0;
    double p99_ratio = alone.p99_ms > 0 ? during.p99_ms / alone.p99_ms : 0;
    std::printf("door S: %zu offline scans synced in %.3f s, %.0f scans/s, %d in flight (%s; "
                "conflicts %llu; rate_limited, sent again: %llu)\n",
                s.queue.size(), sync_s, rate, window, outcome_list(s.results).c_str(),
                static_cast<unsigned long long>(s.conflicts),
                static_cast<unsigned long long>(s.rate_limited));
    std::printf("door B alone:       %zu scans, ms p50 %.3f  p99 %.3f  max %.3f  (%s)\n",
                alone.count, alone.p50_ms, alone.p99_ms, alone.max_ms,
                outcome_list(b.results[kAlone]).c_str());
    std::printf("door B during sync: %zu scans, ms p50 %.3f  p99 %.3f  max %.3f  (%s)\n",
                during.count, during.p50_ms, during.p99_ms, during.max_ms,
                outcome_list(b.results[kDuringSync]).c_str());
    std::printf("  during sync / alone: p50 %.2f  p99 %.2f\n", p50_ratio, p99_ratio);
    std::vector<std::pair<std::string, std::string>> fields{
        {"scans", std::to_string(s.queue.size())},
        {"window", std::to_string(window)},
        {"sync_s", fixed(sync_s, 3)},
        {"scans_per_s", fixed(rate, 0)},
        {"rate_limited", std::to_string(s.rate_limited)},
        {"alone_scans", std::to_string(alone.count)},
        {"alone_p50_ms", fixed(alone.p50_ms, 3)},
        {"alone_p99_ms", fixed(alone.p99_ms, 3)},
        {"sync_scans", std::to_string(during.count)},
        {"sync_p50_ms", fixed(during.p50_ms, 3)},
        {"sync_p99_ms", fixed(during.p99_ms, 3)},
        {"sync_max_ms", fixed(during.max_ms, 3)},
        {"p50_ratio", fixed(p50_ratio, 2)},
        {"p99_ratio", fixed(p99_ratio, 2)}};
    if (server_cpu) {
        std::printf("  server CPU during the sync: %.0f%% of a core\n", *server_cpu * 100);
        fields.emplace_back("server_cpu", fixed(*server_cpu, 2));
    }
    print_result_line("sync", fields);
}

} // namespace

int run_bench_sync(const std::vector<std::string>& args) {
    Options options(args, {"--url", "--key", "--tokens", "--scans", "--window", "--seconds",
                           "--warmup", "--online-per-second", "--server-pid"});
    auto endpoint = parse_ws_url(options.require("--url"));
    auto key = options.require("--key");
    auto count = static_cast<std::size_t>(options.integer("--scans", 2000, 1, 1'000'000));
    int window = static_cast<int>(options.integer("--window", 64, 1, 4096));
    double seconds = options.number("--seconds", 5, 0.1, 600);
    double warmup = options.number("--warmup", 1, 0, 60);
    double online_per_second = options.number("--online-per-second", 500, 1, 100000);
    auto server_pid = resolve_server_pid(options.get("--server-pid"), endpoint.port);
    std::vector<std::string> tokens = load_tokens(options.require("--tokens"));
    if (tokens.size() < count + 16)
        throw UsageError("--tokens needs at least --scans + 16 badges (door B scans the rest)");

    // Declared before the doors: the connections go first, then the I/O thread.
    client::ClientContext context;
    OnlineDoor b;
    SyncDoor s;
    s.queue = offline_queue(tokens, count);
    b.tokens.assign(tokens.begin() + static_cast<std::ptrdiff_t>(count), tokens.end());
    b.inside.assign(b.tokens.size(), 0);
    b.period = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(1.0 / online_per_second));
    b.connection = door_connection(context, endpoint, key, "bench door B");
    s.connection = door_connection(context, endpoint, key, "bench door S");

    drive(b, kWarmUp, warmup);
    drive(b, kAlone, seconds);
    auto cpu_before = server_pid ? cpu_seconds(*server_pid) : std::nullopt;
    auto sync_start = SteadyClock::now();
    drive(b, kDuringSync, 0, &s, window);
    double sync_s = 0;
    {
        std::lock_guard lock(s.mutex);
        sync_s = seconds_between(sync_start, s.last_answer);
    }
    auto cpu_after = server_pid ? cpu_seconds(*server_pid) : std::nullopt;
    std::optional<double> server_cpu;
    if (cpu_before && cpu_after && sync_s > 0) server_cpu = (*cpu_after - *cpu_before) / sync_s;

    std::printf("sync: door S uploads %zu offline scans (%d in flight) while door B scans online "
                "in a closed loop (at most %.0f/s); door B alone for %.2f s first, after %.1f s "
                "warm-up\n",
                count, window, online_per_second, seconds, warmup);
    report(b, s, sync_s, window, server_cpu);
    s.connection->close();
    b.connection->close();
    return b.latencies_ns[kDuringSync].empty() ? 1 : 0;
}

} // namespace stagedoor::kiosk
