// bench-ping and bench-checkin: N door connections in a closed loop (one request outstanding
// per connection; the next goes out from the reply callback on the I/O thread). Counts the
// replies that complete inside the measuring window, after a warm-up, and their latency.
//
// Check-in: each connection owns a distinct slice of the badge tokens and walks it round and
// round. Every attendee toggles: scanned "in" when outside, "out" when inside, so any roster
// size sustains any run length and every ok reply is one durable ledger entry. --state FILE
// carries who is inside from one run to the next (scripts/bench runs several against one event).
//
// The server limits each connection's frame rate; a connection told rate_limited pauses about
// a millisecond and retries the same request, as a polite kiosk would.
#include "bench_support.hpp"
#include "command.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace stagedoor::kiosk {
namespace {

using nlohmann::json;

enum class Load { ping, checkin };

struct Worker {
    std::shared_ptr<client::Connection> connection;
    // Check-in: indexes into the token list, this connection's distinct slice.
    std::vector<std::size_t> tokens;
    std::size_t next = 0;
    std::size_t current = 0;
    const char* direction = "in";
    bool retry = false; // the last request was rate_limited: send the same attendee again
    ScanIds scan_ids;

    SteadyClock::time_point sent_at;
    std::vector<std::int64_t> latencies_ns; // ok replies in the window
    std::uint64_t ok = 0, ok_in = 0, ok_out = 0;
    std::map<std::string, std::uint64_t> failures; // "scan_result already_in", "error internal"
};

struct Run {
    Load load = Load::ping;
    std::vector<std::string> tokens;
    std::vector<char> inside; // per token: the server has this attendee as present
    std::vector<std::unique_ptr<Worker>> workers;

    std::atomic<int> phase{0}; // 0 warm-up, 1 measuring, 2 stopping
    std::atomic<int> outstanding{0};
    std::shared_ptr<std::atomic<std::uint64_t>> pushes =
        std::make_shared<std::atomic<std::uint64_t>>(0);
    std::mutex mutex;
    std::condition_variable drained;
    std::vector<Worker*> parked;    // rate-limited, waiting for drive() to resume them
    std::uint64_t rate_limited = 0; // refusals in the window (under mutex)
};

void issue(Run& run, Worker& worker);

void finish(Run& run) {
    if (run.outstanding.fetch_sub(1) == 1) {
        std::lock_guard lock(run.mutex);
        run.drained.notify_all();
    }
}

std::string string_field(const json& message, const char* key) {
    auto it = message.find(key);
    return it != message.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void on_reply(Run& run, Worker& worker, const json& reply) {
    auto now = SteadyClock::now();
    std::string type = string_field(reply, "type");
    if (type == "error" && string_field(reply, "code") == "rate_limited") {
        std::lock_guard lock(run.mutex);
        if (run.phase.load() < 2) {
            if (run.phase.load() == 1) ++run.rate_limited;
            worker.retry = true;
            run.parked.push_back(&worker);
            return;
        }
    }

    bool ok = false;
    std::string failure;
    if (run.load == Load::ping) {
        ok = type == "pong";
        if (!ok) failure = type + " " + string_field(reply, "code");
    } else if (type == "scan_result") {
        std::string result = string_field(reply, "result");
        ok = result == "ok";
        char& inside = run.inside[worker.current];
        // Out of step with the server (e.g. an earlier run without --state): follow it.
        if (ok)
            inside = worker.direction[0] == 'i';
        else if (result == "already_in")
            inside = 1;
        else if (result == "not_in")
            inside = 0;
        if (!ok) failure = "scan_result " + result;
    } else {
        failure = type + " " + string_field(reply, "code");
    }

    if (run.phase.load(std::memory_order_relaxed) == 1) {
        if (ok) {
            worker.latencies_ns.push_back(
                std::chrono::duration_cast<std::chrono::nanoseconds>(now - worker.sent_at).count());
            ++worker.ok;
            if (run.load == Load::checkin)
                ++(worker.direction[0] == 'i' ? worker.ok_in : worker.ok_out);
        } else {
            ++worker.failures[failure];
        }
    }
    if (run.phase.load(std::memory_order_relaxed) < 2) return issue(run, worker);
    finish(run);
}

void issue(Run& run, Worker& worker) {
    json message;
    if (run.load == Load::ping) {
        message = {{"type", "ping"}, {"t0", static_cast<double>(unix_ms())}};
    } else {
        if (!worker.retry) {
            worker.current = worker.tokens[worker.next];
            worker.next = (worker.next + 1) % worker.tokens.size();
        }
        worker.direction = run.inside[worker.current] ? "out" : "in";
        message = {{"type", "scan"},
                   {"scan_id", worker.scan_ids.next()},
                   {"payload", run.tokens[worker.current]},
                   {"direction", worker.direction},
                   {"at", unix_ms()}};
    }
    worker.retry = false;
    worker.sent_at = SteadyClock::now();
    worker.connection->request_async(
        std::move(message), [&run, &worker](const json& reply) { on_reply(run, worker, reply); });
}

// Waits out the given time, resuming rate-limited connections every millisecond.
void drive(Run& run, std::chrono::duration<double> duration) {
    auto deadline =
        SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(duration);
    while (SteadyClock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::vector<Worker*> resume;
        {
            std::lock_guard lock(run.mutex);
            resume.swap(run.parked);
        }
        for (Worker* worker : resume)
            issue(run, *worker);
    }
}

// Ends the load: parked connections are finished now, the others with their next reply.
void stop(Run& run) {
    std::vector<Worker*> parked;
    {
        std::lock_guard lock(run.mutex);
        run.phase = 2;
        parked.swap(run.parked);
    }
    for (std::size_t i = 0; i < parked.size(); ++i)
        finish(run);
}

void load_state(Run& run, const std::filesystem::path& file) {
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < run.tokens.size(); ++i)
        index.emplace(run.tokens[i], i);
    std::ifstream in(file);
    std::string token;
    while (std::getline(in, token)) {
        auto it = index.find(token);
        if (it != index.end()) run.inside[it->second] = 1;
    }
}

void save_state(const Run& run, const std::filesystem::path& file) {
    std::ofstream out(file, std::ios::trunc);
    for (std::size_t i = 0; i < run.tokens.size(); ++i)
        if (run.inside[i]) out << run.tokens[i] << '\n';
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

int run_closed_loop(Load load, const std::vector<std::string>& args) {
    std::set<std::string> value_options{"--url",    "--key",        "--connections", "--seconds",
                                        "--warmup", "--server-pid", "--device"};
    if (load == Load::checkin) value_options.insert({"--tokens", "--state"});
    Options options(args, value_options);
    auto endpoint = parse_ws_url(options.require("--url"));
    auto key = options.require("--key");
    auto connections = static_cast<std::size_t>(options.integer("--connections", 64, 1, 10000));
    double seconds = options.number("--seconds", 5, 0.1, 600);
    double warmup = options.number("--warmup", 1, 0, 60);
    auto server_pid = resolve_server_pid(options.get("--server-pid"), endpoint.port);
    std::string device = options.get("--device").value_or("bench door");
    raise_open_file_limit();

    // Declared before the run: the connections go first, then the I/O thread.
    client::ClientContext context;
    Run run;
    run.load = load;
    std::optional<std::filesystem::path> state_file;
    if (load == Load::checkin) {
        run.tokens = load_tokens(options.require("--tokens"));
        if (run.tokens.size() < connections)
            throw UsageError("--tokens has " + std::to_string(run.tokens.size()) +
                             " tokens; need at least one per connection");
        run.inside.assign(run.tokens.size(), 0);
        if (auto state = options.get("--state")) {
            state_file = *state;
            if (std::filesystem::exists(*state_file)) load_state(run, *state_file);
        }
    }

    for (std::size_t c = 0; c < connections; ++c) {
        auto worker = std::make_unique<Worker>();
        worker->connection = client::Connection::open(context, endpoint);
        // Pushes (counts after every check-in, timer heartbeats) carry no "re": count and drop
        // them unparsed so they neither queue up nor cost the load generator a parse.
        worker->connection->on_frame([pushes = run.pushes](std::string_view frame) {
            if (frame.find("\"re\":") != std::string_view::npos) return false;
            pushes->fetch_add(1, std::memory_order_relaxed);
            return true;
        });
        auto welcome = worker->connection->hello("door", key, device + " " + std::to_string(c + 1));
        if (welcome.value("type", "") != "welcome")
            throw std::runtime_error("hello as door was refused: " + welcome.dump());
        if (load == Load::checkin) {
            // Contiguous, distinct slices: no two connections ever scan the same attendee.
            std::size_t begin = run.tokens.size() * c / connections,
                        end = run.tokens.size() * (c + 1) / connections;
            for (std::size_t i = begin; i < end; ++i)
                worker->tokens.push_back(i);
        }
        run.workers.push_back(std::move(worker));
    }

    run.outstanding = static_cast<int>(connections);
    for (auto& worker : run.workers)
        issue(run, *worker);
    drive(run, std::chrono::duration<double>(warmup));

    auto server_cpu_before = server_pid ? cpu_seconds(*server_pid) : std::nullopt;
    double own_cpu_before = own_cpu_seconds();
    auto pushes_before = run.pushes->load();
    auto window_start = SteadyClock::now();
    run.phase = 1;
    drive(run, std::chrono::duration<double>(seconds));
    stop(run);
    auto window_end = SteadyClock::now();
    auto server_cpu_after = server_pid ? cpu_seconds(*server_pid) : std::nullopt;
    double own_cpu_after = own_cpu_seconds();
    auto pushes_after = run.pushes->load();

    {
        std::unique_lock lock(run.mutex);
        if (!run.drained.wait_for(lock, std::chrono::seconds(10),
                                  [&] { return run.outstanding.load() == 0; }))
            std::fprintf(stderr, "warning: %d requests still unanswered 10 s after the window\n",
                         run.outstanding.load());
    }

    double window = seconds_between(window_start, window_end);
    std::uint64_t ok = 0, ok_in = 0, ok_out = 0, failed = 0;
    std::map<std::string, std::uint64_t> failures;
    std::vector<std::int64_t> latencies;
    for (auto& worker : run.workers) {
        ok += worker->ok, ok_in += worker->ok_in, ok_out += worker->ok_out;
        for (auto& [reason, count] : worker->failures)
            failures[reason] += count, failed += count;
        latencies.insert(latencies.end(), worker->latencies_ns.begin(), worker->latencies_ns.end());
    }
    auto latency = summarise(latencies);
    double rate = static_cast<double>(ok) / window;
    const char* name = load == Load::ping ? "ping" : "checkin";

    std::printf("%s: %zu connections, %.2f s window after %.1f s warm-up\n", name, connections,
                window, warmup);
    std::printf("  %s/s: %.0f  (%llu ok", load == Load::ping ? "round trips" : "durable check-ins",
                rate, static_cast<unsigned long long>(ok));
    if (load == Load::checkin)
        std::printf(": %llu in, %llu out", static_cast<unsigned long long>(ok_in),
                    static_cast<unsigned long long>(ok_out));
    std::printf(", %llu not ok)\n", static_cast<unsigned long long>(failed));
    for (auto& [reason, count] : failures)
        std::printf("    not ok: %s x %llu\n", reason.c_str(),
                    static_cast<unsigned long long>(count));
    if (run.rate_limited)
        std::printf("    rate_limited (retried after ~1 ms): %llu\n",
                    static_cast<unsigned long long>(run.rate_limited));
    std::printf("  latency of ok replies, ms: p50 %.3f  p99 %.3f  max %.3f\n", latency.p50_ms,
                latency.p99_ms, latency.max_ms);
    double pushes_per_second = static_cast<double>(pushes_after - pushes_before) / window;
    std::printf("  pushes received: %.0f/s\n", pushes_per_second);

    std::vector<std::pair<std::string, std::string>> fields{
        {"connections", std::to_string(connections)},
        {"ok", std::to_string(ok)},
        {"failed", std::to_string(failed)},
        {"rate_limited", std::to_string(run.rate_limited)},
        {"window_s", fixed(window, 3)},
        {"rate", fixed(rate, 0)},
        {"p50_ms", fixed(latency.p50_ms, 3)},
        {"p99_ms", fixed(latency.p99_ms, 3)},
        {"max_ms", fixed(latency.max_ms, 3)},
        {"pushes_per_s", fixed(pushes_per_second, 0)}};
    double client_cpu = (own_cpu_after - own_cpu_before) / window;
    fields.emplace_back("client_cpu", fixed(client_cpu, 2));
    if (server_cpu_before && server_cpu_after) {
        double server_cpu = *server_cpu_after - *server_cpu_before;
        double per_op_us = ok ? server_cpu / static_cast<double>(ok) * 1e6 : 0;
        std::printf("  CPU: server %.0f%% of a core (%.1f us per ok reply), this client %.0f%%\n",
                    server_cpu / window * 100, per_op_us, client_cpu * 100);
        fields.emplace_back("server_cpu", fixed(server_cpu / window, 2));
        fields.emplace_back("server_us_per_op", fixed(per_op_us, 1));
    } else {
        std::printf(
            "  CPU: this client %.0f%% of a core (server process not found: pass --server-pid)\n",
            client_cpu * 100);
    }
    print_result_line(name, fields);

    if (state_file) save_state(run, *state_file);
    for (auto& worker : run.workers) {
        worker->connection->on_frame({});
        worker->connection->close();
    }
    return ok > 0 ? 0 : 1;
}

} // namespace

int run_bench_ping(const std::vector<std::string>& args) {
    return run_closed_loop(Load::ping, args);
}
int run_bench_checkin(const std::vector<std::string>& args) {
    return run_closed_loop(Load::checkin, args);
}

} // namespace stagedoor::kiosk
