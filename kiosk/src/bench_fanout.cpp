// bench-fanout: N stage displays and one moderator. Each round the moderator sends
// timer_control add_time; the round's figure is the time from just before that send until the
// LAST display has received the resulting `timer` push, recognised by its seq. Displays time
// the raw frame on the client's I/O thread without parsing it. Also reads the server's VmRSS
// before and after the displays connect: memory per idle display connection.
#include "bench_support.hpp"
#include "command.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace stagedoor::kiosk {
namespace {

using nlohmann::json;

// The seq of a raw `timer` frame, or -1 for any other frame.
std::int64_t timer_seq(std::string_view frame) {
    if (frame.find("\"type\":\"timer\"") == std::string_view::npos) return -1;
    auto at = frame.find("\"seq\":");
    if (at == std::string_view::npos) return -1;
    std::int64_t seq = -1;
    const char* begin = frame.data() + at + 6;
    std::from_chars(begin, frame.data() + frame.size(), seq);
    return seq;
}

struct Display {
    std::shared_ptr<client::Connection> connection;
    // The first timer frame of this round with a seq above the round's baseline.
    std::atomic<std::int64_t> round_seq{-1};
    std::atomic<std::int64_t> round_arrival_ns{0};
    std::atomic<std::int64_t> latest_seq{-1};
    SteadyClock::time_point last_ping = SteadyClock::now();
};

// The server closes a connection after 60 s without a frame from it; real displays ping every
// 10 s for clock sync, and so do these (connecting thousands can take longer than a minute).
constexpr auto kPingEvery = std::chrono::seconds(10);

void ping(client::Connection& connection) {
    connection.send_request({{"type", "ping"}, {"t0", static_cast<double>(unix_ms())}});
}

void keep_alive(std::vector<std::unique_ptr<Display>>& displays) {
    auto now = SteadyClock::now();
    for (auto& display : displays) {
        if (now - display->last_ping < kPingEvery) continue;
        ping(*display->connection);
        display->last_ping = now;
    }
}

struct Fanout {
    std::atomic<std::int64_t> baseline{std::numeric_limits<std::int64_t>::max()};
    std::atomic<std::size_t> arrived{0};    // displays with a frame above baseline this round
    std::atomic<std::size_t> have_timer{0}; // displays that got their first timer after hello
    std::mutex mutex;
    std::condition_variable changed;
};

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               SteadyClock::now().time_since_epoch())
        .count();
}

void on_display_frame(Fanout& fanout, Display& display, std::int64_t seq) {
    auto now = steady_ns();
    if (display.latest_seq.load(std::memory_order_relaxed) < 0) fanout.have_timer.fetch_add(1);
    display.latest_seq.store(std::max(seq, display.latest_seq.load(std::memory_order_relaxed)),
                             std::memory_order_relaxed);
    if (seq > fanout.baseline.load(std::memory_order_acquire) &&
        display.round_seq.load(std::memory_order_relaxed) < 0) {
        display.round_arrival_ns.store(now, std::memory_order_relaxed);
        display.round_seq.store(seq, std::memory_order_release);
        fanout.arrived.fetch_add(1, std::memory_order_acq_rel);
    }
}

// Drops what the moderator has queued and returns the newest timer seq seen (or -1).
std::int64_t drain_moderator(client::Connection& moderator, std::int64_t newest) {
    while (auto frame = moderator.receive(std::chrono::milliseconds(0))) {
        if (frame->value("type", "") == "timer")
            newest = std::max(newest, frame->value("seq", std::int64_t{-1}));
    }
    return newest;
}

json timer_after(client::Connection& moderator, std::int64_t seq,
                 std::chrono::milliseconds timeout) {
    auto deadline = SteadyClock::now() + timeout;
    while (SteadyClock::now() < deadline) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        auto frame = moderator.wait_for("timer", std::max(left, std::chrono::milliseconds(1)));
        if (!frame) break;
        if (frame->value("seq", std::int64_t{-1}) > seq) return *frame;
    }
    throw std::runtime_error("the moderator saw no timer push with seq above " +
                             std::to_string(seq));
}

// A request from the moderator; a close by the server is reported with its code.
json moderator_request(client::Connection& moderator, json message,
                       std::chrono::milliseconds timeout, const char* when) {
    try {
        return moderator.request(std::move(message), timeout);
    } catch (const client::ClientError& error) {
        auto code = moderator.wait_closed(std::chrono::seconds(1));
        if (!code) throw;
        throw std::runtime_error(std::string("the server closed the moderator's connection ") +
                                 when + " (close code " + std::to_string(*code) + ")");
    }
}

} // namespace

int run_bench_fanout(const std::vector<std::string>& args) {
    Options options(args, {"--url", "--stage-key", "--moderator-key", "--displays", "--rounds",
                           "--add-ms", "--gap-ms", "--server-pid", "--timeout-ms"});
    auto endpoint = parse_ws_url(options.require("--url"));
    auto stage_key = options.require("--stage-key");
    auto moderator_key = options.require("--moderator-key");
    auto displays_wanted = static_cast<std::size_t>(options.integer("--displays", 1000, 1, 100000));
    auto rounds = static_cast<int>(options.integer("--rounds", 20, 1, 1000));
    auto add_ms = options.integer("--add-ms", 1000, 1, 3600000);
    auto gap = std::chrono::milliseconds(options.integer("--gap-ms", 200, 0, 60000));
    auto timeout = std::chrono::milliseconds(options.integer("--timeout-ms", 10000, 100, 600000));
    auto server_pid = resolve_server_pid(options.get("--server-pid"), endpoint.port);

    auto file_limit = raise_open_file_limit();
    if (file_limit < displays_wanted + 64)
        throw std::runtime_error("open file limit is " + std::to_string(file_limit) + "; " +
                                 std::to_string(displays_wanted) +
                                 " displays need more (raise the hard limit: ulimit -Hn)");

    client::ClientContext context;
    // The display list the server pushes to moderators grows with every display; it is counted
    // and dropped unparsed so the moderator's queue holds only what the rounds need.
    auto display_lists = std::make_shared<std::atomic<std::uint64_t>>(0);
    auto connect_moderator = [&](const char* when) {
        auto connection = client::Connection::open(context, endpoint, timeout);
        connection->on_frame([display_lists](std::string_view frame) {
            if (frame.find("\"type\":\"displays\"") == std::string_view::npos) return false;
            display_lists->fetch_add(1, std::memory_order_relaxed);
            return true;
        });
        nlohmann::json welcome;
        try {
            welcome = connection->request({{"type", "hello"},
                                           {"protocol", 1},
                                           {"role", "moderator"},
                                           {"device", "bench moderator"},
                                           {"key", moderator_key}},
                                          timeout);
        } catch (const client::ClientError&) {
            auto code = connection->wait_closed(std::chrono::seconds(1));
            throw std::runtime_error(std::string("the server closed the moderator's connection ") +
                                     when + " (close code " +
                                     (code ? std::to_string(*code) : "none") +
                                     ") before it answered hello");
        }
        if (welcome.value("type", "") != "welcome")
            throw std::runtime_error("hello as moderator was refused: " + welcome.dump());
        return connection;
    };
    // The moderator stays connected from the start, as at a real event. (One that connects
    // while hundreds of displays are connected is closed by the server: see benchmarks/README.)
    auto moderator = connect_moderator("at the start");
    auto timer = moderator->wait_for("timer", timeout);
    if (!timer) throw std::runtime_error("no timer push after hello: is the stage module running?");
    std::string state = timer->value("state", "");
    if (state != "running" && state != "overtime" && state != "paused") {
        // add_time needs a current item: start the agenda's first item.
        auto reply = moderator->request({{"type", "timer_control"}, {"action", "start"}}, timeout);
        if (reply.value("type", "") == "error")
            throw std::runtime_error("timer_control start failed (import an agenda first): " +
                                     reply.dump());
        timer = timer_after(*moderator, timer->value("seq", std::int64_t{-1}), timeout);
        state = timer->value("state", "");
    }
    std::printf("fanout: timer is %s on '%s'\n", state.c_str(),
                timer->contains("item") && (*timer)["item"].is_object()
                    ? (*timer)["item"].value("title", "").c_str()
                    : "");

    auto moderator_pinged = SteadyClock::now();

    // Let the server settle before the memory baseline.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::int64_t rss_before = server_pid ? resident_kib(*server_pid).value_or(-1) : -1;

    Fanout fanout;
    std::vector<std::unique_ptr<Display>> displays;
    displays.reserve(displays_wanted);
    auto open_start = SteadyClock::now();
    for (std::size_t d = 0; d < displays_wanted; ++d) {
        auto display = std::make_unique<Display>();
        display->connection = client::Connection::open(context, endpoint, timeout);
        // Pushes are consumed raw: timer frames are timed, the rest (agenda, stage, displays)
        // dropped. Replies ("re") take the normal path.
        display->connection->on_frame([&fanout, raw = display.get()](std::string_view frame) {
            // Replies stay on the normal path except the keep-alive pongs.
            if (frame.find("\"re\":") != std::string_view::npos)
                return frame.find("\"type\":\"pong\"") != std::string_view::npos;
            auto seq = timer_seq(frame);
            if (seq >= 0) on_display_frame(fanout, *raw, seq);
            return true;
        });
        auto display_welcome =
            display->connection->request({{"type", "hello"},
                                          {"protocol", 1},
                                          {"role", "stage"},
                                          {"device", "bench display " + std::to_string(d + 1)},
                                          {"key", stage_key}},
                                         timeout);
        if (display_welcome.value("type", "") != "welcome")
            throw std::runtime_error("hello as stage display was refused: " +
                                     display_welcome.dump());
        displays.push_back(std::move(display));
        if (displays.size() % 100 == 0) keep_alive(displays);
        if (SteadyClock::now() - moderator_pinged > kPingEvery) {
            // The moderator must send something within the server's idle timeout. Its ping goes
            // out once the display lists have stopped coming (none for 20 ms, no display
            // connecting), so the pong never queues behind a list in flight: lists outgrow
            // the server's per-client queue bound.
            auto quiet_deadline = SteadyClock::now() + timeout;
            for (auto seen = display_lists->load(); SteadyClock::now() < quiet_deadline;) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                auto now_seen = display_lists->load();
                if (now_seen == seen) break;
                seen = now_seen;
            }
            moderator_request(*moderator,
                              {{"type", "ping"}, {"t0", static_cast<double>(unix_ms())}}, timeout,
                              "while the displays connected");
            moderator_pinged = SteadyClock::now();
        }
        if (displays.size() % 1000 == 0)
            std::fprintf(stderr, "  %zu displays connected after %.1f s\n", displays.size(),
                         seconds_between(open_start, SteadyClock::now()));
    }
    double open_seconds = seconds_between(open_start, SteadyClock::now());
    auto all_have_timer = [&] { return fanout.have_timer.load() >= displays.size(); };
    auto wait_deadline = SteadyClock::now() + timeout;
    while (!all_have_timer() && SteadyClock::now() < wait_deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!all_have_timer())
        throw std::runtime_error(std::to_string(displays.size() - fanout.have_timer.load()) +
                                 " displays got no timer push after hello");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::int64_t rss_after = server_pid ? resident_kib(*server_pid).value_or(-1) : -1;
    std::printf("fanout: %zu displays connected and greeted in %.2f s (%.0f/s)\n", displays.size(),
                open_seconds, static_cast<double>(displays.size()) / open_seconds);

    std::int64_t newest = drain_moderator(*moderator, timer->value("seq", std::int64_t{-1}));
    std::vector<std::int64_t> last_ns, median_ns, first_ns;
    std::size_t mismatched = 0;
    for (int round = 0; round < rounds; ++round) {
        for (auto& display : displays) {
            newest = std::max(newest, display->latest_seq.load());
            display->round_seq.store(-1, std::memory_order_relaxed);
        }
        newest = drain_moderator(*moderator, newest);
        fanout.arrived = 0;
        fanout.baseline.store(newest, std::memory_order_release);

        auto sent_ns = steady_ns();
        auto reply = moderator_request(
            *moderator, {{"type", "timer_control"}, {"action", "add_time"}, {"ms", add_ms}},
            timeout, "during the rounds");
        if (reply.value("type", "") == "error")
            throw std::runtime_error("timer_control add_time failed: " + reply.dump());
        auto changed = timer_after(*moderator, newest, timeout);
        auto seq = changed.value("seq", std::int64_t{-1});

        auto deadline = SteadyClock::now() + timeout;
        while (fanout.arrived.load() < displays.size() && SteadyClock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        if (fanout.arrived.load() < displays.size())
            throw std::runtime_error("round " + std::to_string(round + 1) + ": " +
                                     std::to_string(displays.size() - fanout.arrived.load()) +
                                     " displays did not get timer seq " + std::to_string(seq) +
                                     " within the timeout");
        std::vector<std::int64_t> arrivals;
        arrivals.reserve(displays.size());
        for (auto& display : displays) {
            if (display->round_seq.load(std::memory_order_acquire) != seq) ++mismatched;
            arrivals.push_back(display->round_arrival_ns.load(std::memory_order_relaxed) - sent_ns);
        }
        std::sort(arrivals.begin(), arrivals.end());
        first_ns.push_back(arrivals.front());
        median_ns.push_back(arrivals[arrivals.size() / 2]);
        last_ns.push_back(arrivals.back());
        newest = std::max(newest, seq);
        keep_alive(displays);
        moderator_request(*moderator, {{"type", "ping"}, {"t0", static_cast<double>(unix_ms())}},
                          timeout, "during the rounds");
        std::this_thread::sleep_for(gap);
    }

    std::string each_round;
    for (auto ns : last_ns) {
        each_round += ' ';
        each_round += fixed(static_cast<double>(ns) / 1e6, 1);
    }
    auto last = summarise(last_ns);
    auto median = summarise(median_ns);
    auto first = summarise(first_ns);
    std::printf("fanout: %zu displays, %d rounds of add_time %lld ms\n", displays.size(), rounds,
                static_cast<long long>(add_ms));
    std::printf("  last display   ms: p50 %.2f  max %.2f\n", last.p50_ms, last.max_ms);
    std::printf("  median display ms: p50 %.2f  max %.2f\n", median.p50_ms, median.max_ms);
    std::printf("  first display  ms: p50 %.2f  max %.2f\n", first.p50_ms, first.max_ms);
    std::printf("  last display per round, ms:%s\n", each_round.c_str());
    std::printf("  display lists pushed to the moderator: %llu\n",
                static_cast<unsigned long long>(display_lists->load()));
    if (mismatched)
        std::printf("  note: %zu display-rounds saw another seq first (timed that frame)\n",
                    mismatched);

    std::vector<std::pair<std::string, std::string>> fields{
        {"displays", std::to_string(displays.size())},
        {"rounds", std::to_string(rounds)},
        {"last_p50_ms", fixed(last.p50_ms, 2)},
        {"last_max_ms", fixed(last.max_ms, 2)},
        {"median_p50_ms", fixed(median.p50_ms, 2)},
        {"first_p50_ms", fixed(first.p50_ms, 2)},
        {"connect_per_s", fixed(static_cast<double>(displays.size()) / open_seconds, 0)}};
    if (rss_before >= 0 && rss_after >= 0) {
        double per_display_kb = static_cast<double>(rss_after - rss_before) * 1024.0 / 1000.0 /
                                static_cast<double>(displays.size());
        std::printf("  server VmRSS: %lld KiB before, %lld KiB with the displays: %.1f KB per idle "
                    "display\n",
                    static_cast<long long>(rss_before), static_cast<long long>(rss_after),
                    per_display_kb);
        fields.emplace_back("rss_before_kib", std::to_string(rss_before));
        fields.emplace_back("rss_after_kib", std::to_string(rss_after));
        fields.emplace_back("kb_per_display", fixed(per_display_kb, 1));
    } else {
        std::printf("  server memory not read (server process not found: pass --server-pid)\n");
    }
    print_result_line("fanout", fields);

    // Closing thousands of displays one handshake at a time measures nothing and can take long
    // (the server does work per disconnect): the process exits and the kernel closes them.
    std::fflush(nullptr);
    std::_Exit(0);
}

} // namespace stagedoor::kiosk
