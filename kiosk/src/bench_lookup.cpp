// bench-lookup: can one door's searches delay another door's scans? Door A scans at a steady
// pace (one scan outstanding, the next one due every 1/--scans-per-second) through two windows
// against the same server: first alone, then while door B sends `lookup`s at a fixed rate
// from several connections. Door B is open loop (the rate is what a busy help desk or a flood
// sends, not what the server manages to answer; a connection with --max-waiting lookups
// unanswered skips its turn, counted). Queries come from the roster's names (badges.csv):
// whole names, their first one or two letters, longer name prefixes, the last word, a prefix
// of it, and the first word with a prefix of the last.
#include "bench_support.hpp"
#include "command.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace stagedoor::kiosk {
namespace {

using nlohmann::json;

// What the measurements belong to: the window current when a request went out.
enum Window : int { kWarmUp = 0, kAlone = 1, kWithLookups = 2 };

struct DoorA {
    std::shared_ptr<client::Connection> connection;
    std::vector<std::string> tokens;
    std::vector<char> inside; // per token, as the server last answered
    std::size_t next = 0;
    ScanIds scan_ids;
    std::atomic<bool> waiting{false};
    // Written on the I/O thread, read once the run has drained.
    std::array<std::vector<std::int64_t>, 3> latencies_ns;
    std::array<std::map<std::string, std::uint64_t>, 3> results; // "ok", "already_in", ...
};

struct DoorB {
    std::vector<std::shared_ptr<client::Connection>> connections;
    std::unique_ptr<std::atomic<int>[]> waiting; // per connection, unanswered lookups
    std::vector<std::string> queries;
    std::size_t next_query = 0, next_connection = 0;
    std::atomic<int> current_window{kWarmUp};
    std::atomic<std::uint64_t> answered{0}; // lookup_result replies that arrived in kWithLookups
    std::uint64_t sent = 0, skipped = 0;    // in kWithLookups (main thread)
    // Written on the I/O thread, read once the run has drained.
    std::vector<std::int64_t> latencies_ns;
    std::map<std::string, std::uint64_t> errors;
};

std::int64_t nanoseconds_since(SteadyClock::time_point start) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count();
}

std::vector<std::string> words_of(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    for (std::string word; in >> word;)
        words.push_back(word);
    return words;
}

// What a help desk types for one person, cycling through six kinds of query.
std::string query_for(const std::string& name, std::size_t kind, std::mt19937& random) {
    std::vector<std::string> words = words_of(name);
    if (words.empty()) return name.empty() ? "a" : name;
    const std::string& last = words.back();
    switch (kind % 6) {
    case 0:
        return name;
    case 1:
        return name.substr(0, 1 + random() % 2);
    case 2:
        return name.substr(0, 3 + random() % 10);
    case 3:
        return last;
    case 4:
        return last.substr(0, 3 + random() % 3);
    default:
        return words.front() + " " + last.substr(0, 4);
    }
}

std::vector<std::string> make_queries(const std::vector<std::string>& names) {
    std::mt19937 random(42);
    std::vector<std::string> queries;
    for (std::size_t i = 0; i < 4096; ++i)
        queries.push_back(query_for(names[random() % names.size()], i, random));
    return queries;
}

void send_scan(DoorA& door, Window window) {
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
            std::string type = reply.value("type", "");
            if (type == "scan_result") {
                std::string result = reply.value("result", "");
                door.latencies_ns[window].push_back(latency);
                ++door.results[window][result];
                // Follow the server: who is inside decides the next direction for this badge.
                if (result == "ok") door.inside[index] = !door.inside[index];
                if (result == "already_in") door.inside[index] = 1;
                if (result == "not_in") door.inside[index] = 0;
            } else {
                ++door.results[window][type + " " + reply.value("code", "")];
            }
            door.waiting = false;
        });
}

void send_lookup(DoorB& door, std::size_t connection, Window window) {
    const std::string& query = door.queries[door.next_query];
    door.next_query = (door.next_query + 1) % door.queries.size();
    ++door.waiting[connection];
    auto sent_at = SteadyClock::now();
    door.connections[connection]->request_async(
        {{"type", "lookup"}, {"query", query}},
        [&door, connection, window, sent_at](const json& reply) {
            std::int64_t latency = nanoseconds_since(sent_at);
            bool answered = reply.value("type", "") == "lookup_result";
            if (window == kWithLookups && answered) door.latencies_ns.push_back(latency);
            if (!answered) ++door.errors[reply.value("type", "") + " " + reply.value("code", "")];
            if (answered && door.current_window == kWithLookups) ++door.answered;
            --door.waiting[connection];
        });
}

// Door B's turn: the lookups due by now go out round robin, skipping full connections.
void send_due_lookups(DoorB& door, std::uint64_t due, std::uint64_t& issued, int max_waiting,
                      Window window) {
    for (; issued < due; ++issued) {
        std::size_t connection = door.next_connection;
        door.next_connection = (door.next_connection + 1) % door.connections.size();
        bool counted = window == kWithLookups;
        if (door.waiting[connection] >= max_waiting) {
            if (counted) ++door.skipped;
            continue;
        }
        send_lookup(door, connection, window);
        if (counted) ++door.sent;
    }
}

struct Pace {
    double scans_per_second = 200;
    double lookups_per_second = 0; // 0: door A alone
    int max_waiting = 32;
};

// One phase: door A scans on schedule and door B sends what is due, for `seconds`.
void drive(DoorA& a, DoorB& b, Window window, double seconds, const Pace& pace) {
    b.current_window = window;
    auto start = SteadyClock::now();
    auto scan_period = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(1.0 / pace.scans_per_second));
    auto next_scan = start;
    std::uint64_t issued = 0;
    for (auto now = start; seconds_between(start, now) < seconds; now = SteadyClock::now()) {
        if (!a.waiting && now >= next_scan) {
            send_scan(a, window);
            next_scan = std::max(next_scan + scan_period, now);
        }
        if (pace.lookups_per_second > 0) {
            auto due =
                static_cast<std::uint64_t>(pace.lookups_per_second * seconds_between(start, now));
            send_due_lookups(b, due, issued, pace.max_waiting, window);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

bool drained(const DoorA& a, const DoorB& b) {
    if (a.waiting) return false;
    for (std::size_t i = 0; i < b.connections.size(); ++i)
        if (b.waiting[i] > 0) return false;
    return true;
}

std::string outcomes(const std::map<std::string, std::uint64_t>& counts) {
    std::string text;
    for (const auto& [name, count] : counts)
        text += (text.empty() ? "" : ", ") + name + " " + std::to_string(count);
    return text.empty() ? "none" : text;
}

void report(DoorA& a, DoorB& b, double window_s, std::optional<double> server_cpu) {
    LatencySummary alone = summarise(a.latencies_ns[kAlone]);
    LatencySummary loaded = summarise(a.latencies_ns[kWithLookups]);
    LatencySummary lookups = summarise(b.latencies_ns);
    double lookup_rate = static_cast<double>(b.answered.load()) / window_s;
    double ratio = alone.p99_ms > 0 ? loaded.p99_ms / alone.p99_ms : 0;
    std::printf("door A alone:        %zu scans, ms p50 %.3f  p99 %.3f  max %.3f  (%s)\n",
                alone.count, alone.p50_ms, alone.p99_ms, alone.max_ms,
                outcomes(a.results[kAlone]).c_str());
    std::printf("door A with lookups: %zu scans, ms p50 %.3f  p99 %.3f  max %.3f  (%s)\n",
                loaded.count, loaded.p50_ms, loaded.p99_ms, loaded.max_ms,
                outcomes(a.results[kWithLookups]).c_str());
    std::printf("  p99 with lookups / p99 alone: %.2f\n", ratio);
    std::printf("door B: %.0f lookups/s answered (%llu sent, %llu skipped: connection full; "
                "errors: %s), lookup ms p50 %.3f  p99 %.3f  max %.3f\n",
                lookup_rate, static_cast<unsigned long long>(b.sent),
                static_cast<unsigned long long>(b.skipped), outcomes(b.errors).c_str(),
                lookups.p50_ms, lookups.p99_ms, lookups.max_ms);
    std::vector<std::pair<std::string, std::string>> fields{
        {"scans", std::to_string(loaded.count)},     {"alone_p50_ms", fixed(alone.p50_ms, 3)},
        {"alone_p99_ms", fixed(alone.p99_ms, 3)},    {"alone_max_ms", fixed(alone.max_ms, 3)},
        {"loaded_p50_ms", fixed(loaded.p50_ms, 3)},  {"loaded_p99_ms", fixed(loaded.p99_ms, 3)},
        {"loaded_max_ms", fixed(loaded.max_ms, 3)},  {"p99_ratio", fixed(ratio, 2)},
        {"lookups_per_s", fixed(lookup_rate, 0)},    {"lookup_p50_ms", fixed(lookups.p50_ms, 3)},
        {"lookup_p99_ms", fixed(lookups.p99_ms, 3)}, {"skipped", std::to_string(b.skipped)}};
    if (server_cpu) {
        std::printf("  server CPU with lookups: %.0f%% of a core\n", *server_cpu * 100);
        fields.emplace_back("server_cpu", fixed(*server_cpu, 2));
    }
    print_result_line("lookup", fields);
}

} // namespace

int run_bench_lookup(const std::vector<std::string>& args) {
    Options options(args, {"--url", "--key", "--tokens", "--scans-per-second",
                           "--lookups-per-second", "--lookup-connections", "--max-waiting",
                           "--seconds", "--warmup", "--server-pid"});
    auto endpoint = parse_ws_url(options.require("--url"));
    auto key = options.require("--key");
    Pace pace;
    pace.scans_per_second = options.number("--scans-per-second", 200, 1, 5000);
    double lookups_per_second = options.number("--lookups-per-second", 4000, 1, 100000);
    auto lookup_connections =
        static_cast<std::size_t>(options.integer("--lookup-connections", 24, 1, 1000));
    pace.max_waiting = static_cast<int>(options.integer("--max-waiting", 32, 1, 10000));
    double seconds = options.number("--seconds", 5, 0.1, 600);
    double warmup = options.number("--warmup", 1, 0, 60);
    auto server_pid = resolve_server_pid(options.get("--server-pid"), endpoint.port);
    raise_open_file_limit();

    // Declared before the doors: the connections go first, then the I/O thread.
    client::ClientContext context;
    DoorA a;
    DoorB b;
    a.tokens = load_csv_column(options.require("--tokens"), "token");
    std::vector<std::string> names = load_csv_column(options.require("--tokens"), "name");
    if (a.tokens.empty() || names.empty())
        throw UsageError("--tokens needs badges.csv with token and name columns");
    a.inside.assign(a.tokens.size(), 0);
    b.queries = make_queries(names);
    a.connection = door_connection(context, endpoint, key, "bench door A");
    b.waiting = std::make_unique<std::atomic<int>[]>(lookup_connections);
    for (std::size_t c = 0; c < lookup_connections; ++c)
        b.connections.push_back(
            door_connection(context, endpoint, key, "bench door B " + std::to_string(c + 1)));

    drive(a, b, kWarmUp, warmup, pace);
    drive(a, b, kAlone, seconds, pace);
    Pace with_lookups = pace;
    with_lookups.lookups_per_second = lookups_per_second;
    drive(a, b, kWarmUp, warmup, with_lookups);
    auto cpu_before = server_pid ? cpu_seconds(*server_pid) : std::nullopt;
    auto window_start = SteadyClock::now();
    drive(a, b, kWithLookups, seconds, with_lookups);
    double window_s = seconds_between(window_start, SteadyClock::now());
    auto cpu_after = server_pid ? cpu_seconds(*server_pid) : std::nullopt;
    b.current_window = kWarmUp;
    auto deadline = SteadyClock::now() + std::chrono::seconds(30);
    while (!drained(a, b) && SteadyClock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!drained(a, b)) throw std::runtime_error("requests still unanswered 30 s after the run");

    std::printf("lookup: door A scans %.0f/s; door B %.0f lookups/s over %zu connections; %.2f s "
                "windows after %.1f s warm-up\n",
                pace.scans_per_second, lookups_per_second, lookup_connections, window_s, warmup);
    std::optional<double> server_cpu;
    if (cpu_before && cpu_after) server_cpu = (*cpu_after - *cpu_before) / window_s;
    report(a, b, window_s, server_cpu);
    for (auto& connection : b.connections)
        connection->close();
    a.connection->close();
    return a.latencies_ns[kWithLookups].empty() ? 1 : 0;
}

} // namespace stagedoor::kiosk
