// stagedoor-kiosk swarm: doors and stage displays against one server (see swarm.hpp), with the
// report scripts/bench and the integration test read: throughput, verdict latency and kinds,
// and display agreement.
#include "swarm.hpp"

#include "command.hpp"

#include <atomic>
#include <cstdio>

namespace stagedoor::kiosk {
namespace {

using nlohmann::json;
using namespace swarm;
using namespace std::chrono_literals;

struct SwarmOptions {
    client::Endpoint endpoint;
    std::string door_key, stage_key, moderator_key;
    PlanOptions plan;
    Doors::Setup doors;
    Displays::Setup displays;
    double sample_every_ms = 20;
    double settle_s = 5; // the displays sync this long before the item starts
    std::chrono::milliseconds sync_timeout{10000};
};

SwarmOptions parse_options(const std::vector<std::string>& args) {
    Options options(args, {"--url",           "--key",         "--stage-key",
                           "--moderator-key", "--tokens",      "--foreign-tokens",
                           "--doors",         "--displays",    "--scans",
                           "--seconds",       "--jitter",      "--duplicates",
                           "--forged",        "--foreign",     "--peak-share",
                           "--skew-ms",       "--ping-ms",     "--sample-ms",
                           "--settle",        "--skip-tokens", "--clock-window",
                           "--seed"});
    SwarmOptions o;
    o.endpoint = parse_ws_url(options.require("--url"));
    o.door_key = options.require("--key");
    o.stage_key = options.require("--stage-key");
    o.moderator_key = options.require("--moderator-key");
    auto& plan = o.plan;
    plan.doors = static_cast<std::size_t>(options.integer("--doors", 2, 1, 1000));
    plan.scans = static_cast<std::size_t>(options.integer("--scans", 1000, 0, 10'000'000));
    plan.seconds = options.number("--seconds", 10, 0.5, 3600);
    plan.duplicates = options.number("--duplicates", 0.05, 0, 1);
    plan.forged = options.number("--forged", 0.02, 0, 1);
    plan.foreign = options.number("--foreign", options.get("--foreign-tokens") ? 0.02 : 0, 0, 1);
    plan.peak_share = options.number("--peak-share", 0.7, 0, 1);
    plan.seed = static_cast<std::uint64_t>(options.integer("--seed", 1, 0, INT64_MAX));
    if (plan.duplicates + plan.forged + plan.foreign > 1)
        throw UsageError("--duplicates, --forged and --foreign add up to more than 1");
    Jitter jitter = parse_jitter(options.get("--jitter").value_or("0"));
    o.doors = {o.endpoint, o.door_key, plan.doors, load_tokens(options.require("--tokens")),
               {},         jitter,     plan.seed};
    // Runs against one event use disjoint slices of its badges: nobody is inside yet.
    auto skip = static_cast<std::size_t>(options.integer("--skip-tokens", 0, 0, INT64_MAX));
    auto& tokens = o.doors.tokens;
    tokens.erase(tokens.begin(),
                 tokens.begin() + static_cast<std::ptrdiff_t>(std::min(skip, tokens.size())));
    if (auto foreign = options.get("--foreign-tokens")) o.doors.foreign = load_tokens(*foreign);
    if (o.doors.foreign.empty() && plan.foreign > 0)
        throw UsageError("--foreign needs --foreign-tokens (badges of another event)");
    o.displays.endpoint = o.endpoint;
    o.displays.key = o.stage_key;
    o.displays.count = static_cast<std::size_t>(options.integer("--displays", 5, 1, 100000));
    o.displays.jitter = jitter;
    o.displays.skew_ms = options.number("--skew-ms", 5000, 0, 86'400'000);
    o.displays.ping_every_ms = options.number("--ping-ms", 1000, 100, 60000);
    o.displays.seed = plan.seed;
    o.displays.clock_window =
        static_cast<std::size_t>(options.integer("--clock-window", 16, 1, 1024));
    o.sample_every_ms = options.number("--sample-ms", 20, 1, 10000);
    o.settle_s = options.number("--settle", 5, 0, 3600);
    return o;
}

// A moderator with an agenda item to start; returns the item's id.
std::string prepare_moderator(client::Connection& moderator, const std::string& key) {
    auto welcome = moderator.hello("moderator", key, "swarm moderator");
    if (welcome.value("type", "") != "welcome")
        throw std::runtime_error("hello as moderator was refused: " + welcome.dump());
    auto first_item = [](const std::optional<json>& agenda) -> std::string {
        if (!agenda || !agenda->contains("items") || (*agenda)["items"].empty()) return "";
        return (*agenda)["items"][0].value("id", "");
    };
    std::string item = first_item(moderator.wait_for("agenda"));
    if (!item.empty()) return item;
    auto reply = moderator.request(
        {{"type", "agenda_add"}, {"item", {{"title", "Swarm pitch"}, {"duration_ms", 3'600'000}}}});
    if (reply.value("type", "") != "ok")
        throw std::runtime_error("agenda_add was refused: " + reply.dump());
    for (auto deadline = SteadyClock::now() + 5s; SteadyClock::now() < deadline;) {
        item = first_item(moderator.wait_for("agenda", 1s));
        if (!item.empty()) return item;
    }
    throw std::runtime_error("no agenda push with the added item");
}

struct Outcome {
    bool complete = false; // every planned scan has its verdict
};

// Runs the swarm on the loop until every verdict is in and the run time is over (or, at the
// latest, 60 s after the run time would have ended).
Outcome run_loop(const SwarmOptions& o, SwarmLoop& loop, client::Connection& moderator,
                 const std::string& item, Doors& doors, Displays& displays) {
    Outcome outcome;
    const auto settled = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                                  std::chrono::duration<double>(o.settle_s));
    const auto sync_deadline = settled + o.sync_timeout;
    auto run_time = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(o.plan.seconds));
    bool doors_done = false, time_over = false;
    auto finish_when_both = [&] {
        if (doors_done && time_over) loop.stop();
    };
    std::function<void()> sample_tick = [&] {
        displays.sample();
        if (!time_over) loop.post_after(o.sample_every_ms, sample_tick);
    };
    auto open_doors = [&] {
        auto now = SteadyClock::now();
        doors.start(plan_scans(o.plan), now, [&] {
            doors_done = true;
            finish_when_both();
        });
        loop.post_at(now + run_time, [&] {
            time_over = true;
            finish_when_both();
        });
        loop.post_after(0, sample_tick);
    };
    // The moderator's reply arrives on the I/O thread; only this flag crosses over (it may
    // outlive this function, the references here may not).
    auto started = std::make_shared<std::atomic<bool>>(false);
    std::function<void()> wait_for_start = [&] {
        if (!started->load()) return loop.post_after(1, wait_for_start);
        open_doors();
    };
    std::function<void()> wait_for_sync = [&] {
        if (SteadyClock::now() < settled ||
            (!displays.synced() && SteadyClock::now() < sync_deadline))
            return loop.post_after(10, wait_for_sync);
        if (!displays.synced()) std::fprintf(stderr, "swarm: not every display has its burst\n");
        moderator.request_async({{"type", "timer_control"}, {"action", "start"}, {"item", item}},
                                [started](const json& reply) {
                                    if (reply.value("type", "") != "ok")
                                        std::fprintf(stderr, "swarm: start refused: %s\n",
                                                     reply.dump().c_str());
                                    started->store(true);
                                });
        loop.post_after(1, wait_for_start);
    };
    displays.start_clock_sync();
    loop.post_after(10, wait_for_sync);
    loop.post_at(sync_deadline + run_time + 60s, [&] { loop.stop(); });
    loop.run();
    outcome.complete = doors_done;
    return outcome;
}

void report(const SwarmOptions& o, const Outcome& outcome, DoorReport doors,
            DisplayReport displays) {
    auto latency = percentiles(doors.latencies_ms);
    auto spread = percentiles(displays.spreads_ms);
    auto error = percentiles(displays.errors_ms);
    double window_s = std::max(1e-3, (doors.last_verdict_ms - doors.first_send_ms) / 1000);
    double rate = static_cast<double>(doors.answered) / window_s;
    std::printf("swarm: %zu doors, %zu displays, jitter %s-%s ms per received message\n",
                o.plan.doors, o.displays.count, fixed(o.doors.jitter.min_ms, 0).c_str(),
                fixed(o.doors.jitter.max_ms, 0).c_str());
    std::printf("  scans: %zu sent, %zu answered in %.2f s: %.0f/s (peak second %.0f)%s\n",
                doors.sent, doors.answered, window_s, rate, doors.peak_per_s,
                outcome.complete ? "" : "  INCOMPLETE");
    std::printf("  sent:");
    for (auto& [kind, count] : doors.sent_by_kind)
        std::printf(" %s %zu", to_string(kind), count);
    std::printf("\n  verdicts:");
    for (auto& [verdict, count] : doors.verdicts)
        std::printf(" %s %zu", verdict.c_str(), count);
    std::printf("  (unexpected %zu, rate_limited retries %zu)\n", doors.unexpected,
                doors.rate_limited);
    std::printf("  verdict latency ms (send -> shown): p50 %.3f  p99 %.3f  max %.3f\n", latency.p50,
                latency.p99, latency.max);
    std::printf("  display agreement ms (max - min remaining, %zu instants, %zu skipped): "
                "p50 %.3f  p99 %.3f  max %.3f\n",
                spread.count, displays.skipped, spread.p50, spread.p99, spread.max);
    std::printf("  display error ms (|shown - true remaining|): p50 %.3f  p99 %.3f  max %.3f;"
                " largest best-sample delay %.3f\n",
                error.p50, error.p99, error.max, displays.best_delay_max_ms);

    std::vector<std::pair<std::string, std::string>> fields{
        {"doors", std::to_string(o.plan.doors)},
        {"displays", std::to_string(o.displays.count)},
        {"jitter_min_ms", fixed(o.doors.jitter.min_ms, 1)},
        {"jitter_max_ms", fixed(o.doors.jitter.max_ms, 1)},
        {"complete", outcome.complete ? "1" : "0"},
        {"planned", std::to_string(doors.planned)},
        {"sent", std::to_string(doors.sent)},
        {"answered", std::to_string(doors.answered)},
        {"unexpected", std::to_string(doors.unexpected)},
        {"rate_limited", std::to_string(doors.rate_limited)},
        {"rate", fixed(rate, 0)},
        {"peak_rate", fixed(doors.peak_per_s, 0)},
        {"p50_ms", fixed(latency.p50, 3)},
        {"p99_ms", fixed(latency.p99, 3)},
        {"max_ms", fixed(latency.max, 3)}};
    for (ScanKind kind :
         {ScanKind::fresh, ScanKind::duplicate, ScanKind::forged, ScanKind::foreign})
        fields.emplace_back(std::string("sent_") + to_string(kind),
                            std::to_string(doors.sent_by_kind[kind]));
    for (auto& [verdict, count] : doors.verdicts)
        fields.emplace_back("v_" + verdict, std::to_string(count));
    fields.insert(fields.end(), {{"agree_samples", std::to_string(spread.count)},
                                 {"agree_skipped", std::to_string(displays.skipped)},
                                 {"agree_p50_ms", fixed(spread.p50, 3)},
                                 {"agree_p99_ms", fixed(spread.p99, 3)},
                                 {"agree_max_ms", fixed(spread.max, 3)},
                                 {"error_p50_ms", fixed(error.p50, 3)},
                                 {"error_p99_ms", fixed(error.p99, 3)},
                                 {"error_max_ms", fixed(error.max, 3)},
                                 {"best_delay_max_ms", fixed(displays.best_delay_max_ms, 3)},
                                 {"clock_samples", std::to_string(displays.samples_added)}});
    print_result_line("swarm", fields);
}

} // namespace

int run_swarm(const std::vector<std::string>& args) {
    SwarmOptions o = parse_options(args);
    raise_open_file_limit();
    // The loop outlives the connections (their hooks post to it until they are closed).
    SwarmLoop loop;
    client::ClientContext context;
    auto moderator = client::Connection::open(context, o.endpoint);
    std::string item = prepare_moderator(*moderator, o.moderator_key);
    // From here on the moderator's pushes are dropped unparsed; its replies take callbacks.
    moderator->on_frame(
        [](std::string_view frame) { return frame.find("\"re\":") == std::string_view::npos; });
    Displays displays(context, loop, o.displays);
    Doors doors(context, loop, o.doors);
    Outcome outcome = run_loop(o, loop, *moderator, item, doors, displays);
    report(o, outcome, doors.report(), displays.report());
    return outcome.complete && doors.report().answered > 0 ? 0 : 1;
}

} // namespace stagedoor::kiosk
