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

// seq and server_time of a raw `timer` frame, read without parsing the JSON.
struct TimerStamp {
    std::int64_t seq = -1;
    std::int64_t server_time = -1;
};

std::int64_t integer_after(std::string_view frame, std::string_view key) {
    auto at = frame.find(key);
    if (at == std::string_view::npos) return -1;
    std::int64_t value = -1;
    std::from_chars(frame.data() + at + key.size(), frame.data() + frame.size(), value);
    return value;
}

std::optional<TimerStamp> timer_stamp(std::string_view frame) {
    if (frame.find("\"type\":\"timer\"") == std::string_view::npos) return std::nullopt;
    return TimerStamp{integer_after(frame, "\"seq\":"), integer_after(frame, "\"server_time\":")};
}

std::int64_t unix_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Display {
    std::shared_ptr<client::Connection> connection;
    // The first timer frame of this round above the round's baseline (seq, or server_time
    // when timing heartbeats), and when it arrived.
    std::atomic<std::int64_t> round_seq{-1};
    std::atomic<std::int64_t> round_server_time{-1};
    std::atomic<std::int64_t> round_arrival_ns{0};
    std::atomic<std::int64_t> round_arrival_unix_us{0};
    std::atomic<std::int64_t> latest_seq{-1};
    SteadyClock::time_point last_ping = SteadyClock::now();
};

// The server closes a connection after 60 s without a frame from it; real displays ping every
// 10 s for clock sync, and so do these (connecting thousands can take longer than a minute).
constexpr auto kPingEvery = std::chrono::seconds(10);
constexpr auto kHeartbeatEvery = std::chrono::seconds(5);
constexpr int kMaxHeartbeatRounds = 10;

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
    std::atomic<bool> by_server_time{false}; // heartbeat rounds: frames are told apart by time
    std::atomic<std::int64_t> latest_server_time{-1};
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

void on_display_frame(Fanout& fanout, Display& display, TimerStamp stamp) {
    auto now = steady_ns();
    auto now_unix_us = unix_us();
    if (display.latest_seq.load(std::memory_order_relaxed) < 0) fanout.have_timer.fetch_add(1);
    display.latest_seq.store(
        std::max(stamp.seq, display.latest_seq.load(std::memory_order_relaxed)),
        std::memory_order_relaxed);
    if (stamp.server_time > fanout.latest_server_time.load(std::memory_order_relaxed))
        fanout.latest_server_time.store(stamp.server_time, std::memory_order_relaxed);
    std::int64_t key =
        fanout.by_server_time.load(std::memory_order_relaxed) ? stamp.server_time : stamp.seq;
    if (key > fanout.baseline.load(std::memory_order_acquire) &&
        display.round_seq.load(std::memory_order_relaxed) < 0) {
        display.round_arrival_ns.store(now, std::memory_order_relaxed);
        display.round_arrival_unix_us.store(now_unix_us, std::memory_order_relaxed);
        display.round_server_time.store(stamp.server_time, std::memory_order_relaxed);
        display.round_seq.store(stamp.seq, std::memory_order_release);
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

struct ModeratorClosed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A request from the moderator; a close by the server is reported with its code.
json moderator_request(client::Connection& moderator, json message,
                       std::chrono::milliseconds timeout, const char* when) {
    try {
        return moderator.request(std::move(message), timeout);
    } catch (const client::ClientError& error) {
        auto code = moderator.wait_closed(std::chrono::seconds(1));
        if (!code) throw;
        throw ModeratorClosed(std::string("the server closed the moderator's connection ") + when +
                              " (close code " + std::to_string(*code) + ")");
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
    std::optional<std::string> moderator_lost;

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
            if (auto stamp = timer_stamp(frame)) on_display_frame(fanout, *raw, *stamp);
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
        if (!moderator_lost && SteadyClock::now() - moderator_pinged > kPingEvery) {
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
            try {
                moderator_request(*moderator,
                                  {{"type", "ping"}, {"t0", static_cast<double>(unix_ms())}},
                                  timeout, "while the displays connected");
            } catch (const ModeratorClosed& closed) {
                moderator_lost = closed.what();
            }
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

    std::int64_t newest = timer->value("seq", std::int64_t{-1});
    std::vector<std::int64_t> last_ns, median_ns, first_ns;
    std::size_t mismatched = 0;
    auto reset_round = [&](std::int64_t baseline) {
        for (auto& display : displays) {
            newest = std::max(newest, display->latest_seq.load());
            display->round_seq.store(-1, std::memory_order_relaxed);
        }
        fanout.arrived = 0;
        fanout.baseline.store(baseline, std::memory_order_release);
    };
    auto wait_for_all = [&](std::chrono::milliseconds limit, const std::string& what) {
        auto deadline = SteadyClock::now() + limit;
        while (fanout.arrived.load() < displays.size() && SteadyClock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            keep_alive(displays);
        }
        if (fanout.arrived.load() < displays.size())
            throw std::runtime_error(std::to_string(displays.size() - fanout.arrived.load()) +
                                     " displays did not get " + what + " in time");
    };
    auto record = [&](std::vector<std::int64_t>& arrivals) {
        std::sort(arrivals.begin(), arrivals.end());
        first_ns.push_back(arrivals.front());
        median_ns.push_back(arrivals[arrivals.size() / 2]);
        last_ns.push_back(arrivals.back());
    };

    // Rounds driven by the moderator: add_time, timed from just before the send.
    int moderator_rounds = 0;
    while (!moderator_lost && moderator_rounds < rounds) {
        try {
            newest = drain_moderator(*moderator, newest);
            reset_round(newest);
            auto sent_ns = steady_ns();
            auto reply = moderator_request(
                *moderator, {{"type", "timer_control"}, {"action", "add_time"}, {"ms", add_ms}},
                timeout, "during the rounds");
            if (reply.value("type", "") == "error")
                throw std::runtime_error("timer_control add_time failed: " + reply.dump());
            auto seq = timer_after(*moderator, newest, timeout).value("seq", std::int64_t{-1});
            wait_for_all(timeout, "timer seq " + std::to_string(seq));
            std::vector<std::int64_t> arrivals;
            arrivals.reserve(displays.size());
            for (auto& display : displays) {
                if (display->round_seq.load(std::memory_order_acquire) != seq) ++mismatched;
                arrivals.push_back(display->round_arrival_ns.load(std::memory_order_relaxed) -
                                   sent_ns);
            }
            record(arrivals);
            newest = std::max(newest, seq);
            ++moderator_rounds;
            keep_alive(displays);
            moderator_request(*moderator,
                              {{"type", "ping"}, {"t0", static_cast<double>(unix_ms())}}, timeout,
                              "during the rounds");
        } catch (const ModeratorClosed& closed) {
            moderator_lost = closed.what();
            break;
        }
        std::this_thread::sleep_for(gap);
    }

    // Without a moderator the server's own timer heartbeat (every 5 s, to every display) is
    // timed instead: from the server_time it carries (the same machine clock) to arrival.
    // It goes through the same broadcast, without the durable write a control makes first.
    int heartbeat_rounds = 0;
    if (moderator_lost) {
        std::printf("fanout: %s; timing the timer heartbeat instead\n", moderator_lost->c_str());
        last_ns.clear(), median_ns.clear(), first_ns.clear();
        fanout.by_server_time = true;
        int wanted = std::min(rounds, kMaxHeartbeatRounds);
        for (; heartbeat_rounds < wanted; ++heartbeat_rounds) {
            reset_round(fanout.latest_server_time.load());
            wait_for_all(kHeartbeatEvery * 2 + timeout, "a timer heartbeat");
            std::int64_t server_time = std::numeric_limits<std::int64_t>::max();
            for (auto& display : displays)
                server_time = std::min(server_time, display->round_server_time.load());
            std::vector<std::int64_t> arrivals;
            arrivals.reserve(displays.size());
            for (auto& display : displays) {
                if (display->round_server_time.load() != server_time) ++mismatched;
                arrivals.push_back((display->round_arrival_unix_us.load(std::memory_order_relaxed) -
                                    server_time * 1000) *
                                   1000);
            }
            record(arrivals);
        }
    }

    std::string each_round;
    for (auto ns : last_ns) {
        each_round += ' ';
        each_round += fixed(static_cast<double>(ns) / 1e6, 1);
    }
    auto last = summarise(last_ns);
    auto median = summarise(median_ns);
    auto first = summarise(first_ns);
    const char* mode = moderator_lost ? "heartbeat" : "add_time";
    int rounds_done = moderator_lost ? heartbeat_rounds : moderator_rounds;
    if (moderator_lost)
        std::printf("fanout: %zu displays, %d timer heartbeats (server_time to arrival)\n",
                    displays.size(), rounds_done);
    else
        std::printf("fanout: %zu displays, %d rounds of add_time %lld ms\n", displays.size(),
                    rounds_done, static_cast<long long>(add_ms));
    std::printf("  last display   ms: p50 %.2f  max %.2f\n", last.p50_ms, last.max_ms);
    std::printf("  median display ms: p50 %.2f  max %.2f\n", median.p50_ms, median.max_ms);
    std::printf("  first display  ms: p50 %.2f  max %.2f\n", first.p50_ms, first.max_ms);
    std::printf("  last display per round, ms:%s\n", each_round.c_str());
    std::printf("  display lists pushed to the moderator: %llu\n",
                static_cast<unsigned long long>(display_lists->load()));
    if (mismatched)
        std::printf("  note: %zu display-rounds saw another timer frame first (timed that one)\n",
                    mismatched);

    std::vector<std::pair<std::string, std::string>> fields{
        {"displays", std::to_string(displays.size())},
        {"rounds", std::to_string(rounds_done)},
        {"mode", mode},
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
