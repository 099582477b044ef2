// The swarm's doors: planned arrivals, one scan at a time per door, verdicts shown after the
// injected delay, every verdict counted by kind.
#include "command.hpp"
#include "swarm.hpp"

#include <algorithm>
#include <deque>

namespace stagedoor::kiosk::swarm {

using nlohmann::json;

struct Doors::Door {
    std::size_t index = 0;
    std::shared_ptr<client::Connection> connection;
    std::deque<PlannedScan> waiting;
    bool busy = false;
    std::mt19937_64 random;    // the loop's
    std::mt19937_64 io_random; // the I/O thread's (reply delays)
    ScanIds scan_ids;
};

namespace {

// The verdict a scan of this kind must get.
std::string_view expected_result(ScanKind kind) {
    switch (kind) {
    case ScanKind::fresh:
        return "ok";
    case ScanKind::duplicate:
        return "already_in";
    case ScanKind::forged:
        return "bad_signature";
    case ScanKind::foreign:
        return "wrong_event";
    }
    return "ok";
}

// The token with one signature character changed: well-formed, signed by nobody.
std::string forge(std::string token) {
    const auto dot = token.rfind('.');
    if (dot != std::string::npos && dot + 1 < token.size()) {
        char& c = token[dot + 1];
        c = c == 'A' ? 'B' : 'A';
    }
    return token;
}

} // namespace

Doors::Doors(client::ClientContext& context, SwarmLoop& loop, Setup setup)
    : loop_(loop)
    , setup_(std::move(setup)) {
    if (setup_.tokens.empty()) throw UsageError("--tokens holds no badge tokens");
    for (std::size_t d = 0; d < setup_.count; ++d) {
        auto door = std::make_unique<Door>();
        door->index = d;
        door->random.seed(setup_.seed * 1000 + d);
        door->io_random.seed(setup_.seed * 2000 + d);
        door->connection = client::Connection::open(context, setup_.endpoint);
        // Pushes (counts after every check-in) are dropped unparsed; replies take their callback.
        door->connection->on_frame(
            [](std::string_view frame) { return frame.find("\"re\":") == std::string_view::npos; });
        auto welcome =
            door->connection->hello("door", setup_.key, "swarm door " + std::to_string(d + 1));
        if (welcome.value("type", "") != "welcome")
            throw std::runtime_error("hello as door was refused: " + welcome.dump());
        doors_.push_back(std::move(door));
    }
}

Doors::~Doors() {
    for (auto& door : doors_) {
        disconnect(*door->connection);
    }
}

void Doors::start(std::vector<PlannedScan> plan, SteadyClock::time_point doors_open,
                  std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    report_.planned = plan.size();
    if (plan.empty()) return loop_.post_at(doors_open, on_done_);
    for (const PlannedScan& scan : plan) {
        auto at = doors_open + std::chrono::duration_cast<SteadyClock::duration>(
                                   std::chrono::duration<double, std::milli>(scan.at_ms));
        Door& door = *doors_[scan.door % doors_.size()];
        loop_.post_at(at, [this, &door, scan] { arrive(door, scan); });
    }
}

void Doors::arrive(Door& door, PlannedScan scan) {
    door.waiting.push_back(scan);
    if (!door.busy) send_next(door);
}

std::string Doors::payload_for(Door& door, PlannedScan& scan) {
    auto any = [&](std::size_t size) {
        return std::uniform_int_distribution<std::size_t>(0, size - 1)(door.random);
    };
    if (scan.kind == ScanKind::duplicate && admitted_.empty()) scan.kind = ScanKind::fresh;
    if (scan.kind == ScanKind::foreign && setup_.foreign.empty()) scan.kind = ScanKind::forged;
    switch (scan.kind) {
    case ScanKind::duplicate:
        scan.token = admitted_[any(admitted_.size())];
        return setup_.tokens[scan.token];
    case ScanKind::forged:
        return forge(setup_.tokens[any(setup_.tokens.size())]);
    case ScanKind::foreign:
        return setup_.foreign[any(setup_.foreign.size())];
    case ScanKind::fresh:
        break;
    }
    if (next_token_ >= setup_.tokens.size()) {
        // Out of fresh badges: someone already inside scans again.
        scan.kind = ScanKind::duplicate;
        scan.token = next_token_++ % setup_.tokens.size();
    } else {
        scan.token = next_token_++;
    }
    return setup_.tokens[scan.token];
}

void Doors::send_next(Door& door) {
    if (door.waiting.empty()) {
        door.busy = false;
        return;
    }
    door.busy = true;
    PlannedScan scan = door.waiting.front();
    door.waiting.pop_front();
    std::string payload = payload_for(door, scan);
    ++report_.sent;
    ++report_.sent_by_kind[scan.kind];
    if (report_.first_send_ms == 0) report_.first_send_ms = wall_ms();
    send(door, scan, payload);
}

void Doors::send(Door& door, const PlannedScan& scan, const std::string& payload) {
    const double sent_ms = wall_ms();
    json message{{"type", "scan"},
                 {"scan_id", door.scan_ids.next()},
                 {"payload", payload},
                 {"direction", "in"},
                 {"at", unix_ms()}};
    door.connection->request_async(
        std::move(message), [this, &door, scan, payload, sent_ms](const json& reply) {
            // On the I/O thread: only the delay is drawn here, the verdict shows on the loop.
            double delay = setup_.jitter.draw(door.io_random);
            loop_.post_after(delay, [this, &door, scan, payload, sent_ms, reply] {
                on_verdict(door, scan, payload, sent_ms, reply);
            });
        });
}

void Doors::on_verdict(Door& door, const PlannedScan& scan, const std::string& payload,
                       double sent_ms, const json& reply) {
    const std::string type = reply.value("type", "");
    if (type == "error" && reply.value("code", "") == "rate_limited") {
        // A polite kiosk waits a little and sends the same scan again (a new scan id is fine:
        // the refused one was never processed).
        ++report_.rate_limited;
        loop_.post_after(1, [this, &door, scan, payload] { send(door, scan, payload); });
        return;
    }
    const double now = wall_ms();
    std::string verdict =
        type == "scan_result" ? reply.value("result", "?") : "error:" + reply.value("code", type);
    ++report_.answered;
    ++report_.verdicts[verdict];
    report_.latencies_ms.push_back(now - sent_ms);
    report_.last_verdict_ms = now;
    auto second = static_cast<std::size_t>((now - report_.first_send_ms) / 1000);
    if (per_second_.size() <= second) per_second_.resize(second + 1, 0);
    report_.peak_per_s = std::max(report_.peak_per_s, static_cast<double>(++per_second_[second]));
    if (verdict != expected_result(scan.kind)) ++report_.unexpected;
    if (verdict == "ok" && scan.kind == ScanKind::fresh) admitted_.push_back(scan.token);
    send_next(door);
    if (report_.answered == report_.planned && on_done_) on_done_();
}

} // namespace stagedoor::kiosk::swarm
