// `stagedoor-kiosk stage`: the speaker's countdown on a terminal (a TV behind the stage driven
// by a small PC). A network thread keeps one connection to the server (hello as a stage
// display, a ping burst on every connect and a ping every second into a 64-sample clock window,
// sync reports, reconnects with back-off); every frame is fed to the display model on the client's
// I/O thread the moment it arrives (so a pong's receive time is exact). The main thread draws the
// model twenty times a second through a frame buffer that writes only what changed, so the
// countdown keeps counting from its anchors and clock offset whether or not the server answers.
#include "client/device_state.hpp"
#include "command.hpp"
#include "stage_view.hpp"
#include "terminal.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <thread>
#include <unistd.h>

namespace stagedoor::kiosk {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr double kStaleAfterMs = 5000; // as the browser's stage
constexpr int kBurstPings = 8;         // PROTOCOL 4.2
constexpr auto kBurstPingWait = 2s;
// A ping a second into a 64-sample window: after a minute the estimate rests on the fastest of
// 64 round trips, so displays behind a jittery network agree within a few ms (the swarm
// measures it: with 0-100 ms jitter, 16 samples leave 14-18 ms between displays, 64 about 6).
constexpr auto kPingEvery = 1s;
constexpr std::size_t kClockWindow = 64;
constexpr auto kSyncReportEvery = 15s; // PROTOCOL 7.5: every 10-30 s
constexpr auto kFirstBackoff = 250ms;
constexpr std::chrono::milliseconds kMaxBackoff = 5s;
constexpr auto kRedrawEvery = 50ms;

protocol::ClockEstimator::Options clock_options() {
    protocol::ClockEstimator::Options options;
    options.window = kClockWindow;
    return options;
}

// The display's own clock: unix ms with a fraction, as the browser's Date.now() (pings carry it).
double local_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(system_clock::now().time_since_epoch()).count();
}

// A string field of a server frame, "" when absent or not a string (a frame never throws here).
std::string text_field(const json& frame, const char* name) {
    if (!frame.is_object()) return "";
    auto it = frame.find(name);
    return it != frame.end() && it->is_string() ? it->get<std::string>() : "";
}

struct StageOptions {
    client::Endpoint endpoint;
    std::string credential_field; // "key" (a role key) or "token" (a paired device's)
    std::string credential;
    std::string device;
    StageLanguage language = StageLanguage::en;
};

// The display model and the connection state, shared by the I/O thread (frames), the network
// thread (connects, pings) and the drawing thread.
class StageLink {
  public:
    explicit StageLink(StageOptions options)
        : options_(std::move(options)) {}

    // Connects, and reconnects with back-off, until stop() is called.
    void run();
    void stop() {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        changed_.notify_all();
    }
    StageSnapshot snapshot(double now);

  private:
    void session(client::Connection& connection);
    bool on_frame(std::string_view bytes);
    // Waits until `done` holds (under the lock), stop() or the timeout; true unless stopping.
    template <class Done> bool wait(std::chrono::milliseconds timeout, Done done);
    void send_ping(client::Connection& connection);
    void send_sync_report(client::Connection& connection);

    StageOptions options_;
    std::mutex mutex_;
    std::condition_variable changed_;
    client::DisplayModel model_{clock_options()};
    bool stopping_ = false;
    bool connected_ = false; // welcomed on the current connection
    bool ever_connected_ = false;
    std::string problem_;
    std::uint64_t pongs_ = 0;
    std::optional<double> last_frame_ms_; // local time of the last frame of any kind
    std::int64_t next_id_ = 1;
    // Last member: destroyed first, so no frame callback outlives the state it writes to.
    client::ClientContext context_;
};

template <class Done> bool StageLink::wait(std::chrono::milliseconds timeout, Done done) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return stopping_ || done(); });
    return !stopping_;
}

bool StageLink::on_frame(std::string_view bytes) {
    double now = local_ms();
    json frame = json::parse(bytes, nullptr, false);
    std::lock_guard lock(mutex_);
    model_.apply_frame(frame, now);
    last_frame_ms_ = now;
    std::string type = text_field(frame, "type");
    if (type == "welcome") {
        connected_ = ever_connected_ = true;
        problem_.clear();
    } else if (type == "error" && frame.value("re", json()) == json(1)) {
        problem_ =
            "hello refused: " + text_field(frame, "code") + " " + text_field(frame, "message");
    } else if (type == "pong") {
        ++pongs_;
    }
    changed_.notify_all();
    return true; // handled here: nothing is queued on the connection
}

void StageLink::send_ping(client::Connection& connection) {
    std::lock_guard lock(mutex_);
    connection.send_text(json{{"type", "ping"}, {"id", ++next_id_}, {"t0", local_ms()}}.dump());
}

void StageLink::send_sync_report(client::Connection& connection) {
    std::lock_guard lock(mutex_);
    auto best = model_.clock().best();
    if (!best) return;
    double now = local_ms();
    connection.send_text(json{{"type", "sync_report"},
                              {"id", ++next_id_},
                              {"offset_ms", model_.clock().offset(now)},
                              {"delay_ms", std::max(0.0, best->delay())},
                              {"sample_age_ms", std::max(0.0, now - best->t3)}}
                             .dump());
}

void StageLink::session(client::Connection& connection) {
    connection.on_frame([this](std::string_view bytes) { return on_frame(bytes); });
    connection.send_text(json{{"type", "hello"},
                              {"id", 1},
                              {"protocol", 1},
                              {"role", "stage"},
                              {"device", options_.device},
                              {options_.credential_field, options_.credential},
                              {"app", "stagedoor-kiosk stage"}}
                             .dump());
    // The burst: the next ping when the previous pong is back, or after 2 s without one.
    for (int i = 0; i < kBurstPings && connection.is_open(); ++i) {
        std::uint64_t before;
        {
            std::lock_guard lock(mutex_);
            before = pongs_;
        }
        send_ping(connection);
        if (!wait(kBurstPingWait, [&] { return pongs_ > before || !connection.is_open(); })) return;
    }
    send_sync_report(connection);
    auto next_ping = std::chrono::steady_clock::now() + kPingEvery;
    auto next_report = std::chrono::steady_clock::now() + kSyncReportEvery;
    while (connection.is_open()) {
        if (!wait(100ms, [] { return false; })) return;
        auto now = std::chrono::steady_clock::now();
        if (now >= next_ping) {
            send_ping(connection);
            next_ping = now + kPingEvery;
        }
        if (now >= next_report) {
            send_sync_report(connection);
            next_report = now + kSyncReportEvery;
        }
    }
}

void StageLink::run() {
    std::chrono::milliseconds backoff = kFirstBackoff;
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        try {
            auto connection = client::Connection::open(context_, options_.endpoint, 3s);
            session(*connection);
            connection->close();
        } catch (const client::ClientError& error) {
            std::lock_guard lock(mutex_);
            problem_ = error.what();
        }
        bool was_connected;
        {
            std::lock_guard lock(mutex_);
            was_connected = connected_;
            connected_ = false;
        }
        backoff = was_connected ? kFirstBackoff : std::min(backoff * 2, kMaxBackoff);
        if (!wait(backoff, [] { return false; })) return;
    }
}

StageSnapshot StageLink::snapshot(double now) {
    std::lock_guard lock(mutex_);
    StageSnapshot snapshot;
    snapshot.view = model_.view(now);
    snapshot.timer = model_.timer();
    snapshot.stage = model_.stage();
    snapshot.connected = connected_;
    snapshot.ever_connected = ever_connected_;
    snapshot.stale = model_.stale(now, kStaleAfterMs);
    snapshot.seconds_since_frame = last_frame_ms_ ? (now - *last_frame_ms_) / 1000 : 0;
    snapshot.problem = problem_;
    snapshot.server_now_ms = model_.server_now(now);
    snapshot.local_ms = now;
    snapshot.language = options_.language;
    return snapshot;
}

// A paired stage display: the server, token and name from the state folder. Throws
// ClientError when the folder holds no pairing.
void use_device_state(StageOptions& stage, const std::filesystem::path& dir) {
    client::DeviceState state = client::load_device_state(dir);
    if (state.role != "stage")
        throw UsageError(dir.string() + " is paired as a " + state.role +
                         "; pair this kiosk with a stage display's link");
    stage.endpoint = client::device_endpoint(state);
    stage.credential_field = "token";
    stage.credential = state.token;
    stage.device = state.name;
}

StageOptions parse_stage_options(const std::vector<std::string>& args) {
    Options options(args, {"--state", "--url", "--key", "--device", "--lang"});
    StageOptions stage;
    if (auto url = options.get("--url")) {
        if (options.get("--state")) throw UsageError("--state and --url exclude each other");
        stage.endpoint = parse_ws_url(*url);
        stage.credential_field = "key";
        stage.credential = options.require("--key");
        stage.device = options.get("--device").value_or("Stage terminal");
    } else {
        if (options.get("--key") || options.get("--device"))
            throw UsageError("--key and --device go with --url; a paired kiosk uses --state");
        auto dir = options.get("--state");
        try {
            use_device_state(stage,
                             dir ? std::filesystem::path(*dir) : client::default_state_dir());
        } catch (const client::ClientError& error) {
            throw UsageError(error.what());
        }
    }
    std::string language = options.get("--lang").value_or("en");
    if (language != "en" && language != "de") throw UsageError("--lang must be en or de");
    stage.language = language == "de" ? StageLanguage::de : StageLanguage::en;
    return stage;
}

// Draws until q, SIGINT or SIGTERM; input that is not a terminal (or closed) is ignored.
void draw_loop(StageLink& link) {
    term::RawMode raw_mode(STDIN_FILENO, STDOUT_FILENO);
    term::Screen screen(STDOUT_FILENO);
    bool input_open = true;
    while (!term::RawMode::stop_requested()) {
        if (term::RawMode::take_resized()) screen.invalidate();
        double now = local_ms();
        screen.show(render_stage(link.snapshot(now), term::terminal_size(STDOUT_FILENO)));
        int wait_ms = static_cast<int>(kRedrawEvery.count());
        if (!input_open) {
            ::poll(nullptr, 0, wait_ms);
            continue;
        }
        bool eof = false;
        std::string input = term::read_available(STDIN_FILENO, wait_ms, eof);
        if (eof) input_open = false;
        if (input.find_first_of("qQ") != std::string::npos) return;
    }
}

} // namespace

int run_stage(const std::vector<std::string>& args) {
    StageLink link(parse_stage_options(args));
    std::thread network([&] { link.run(); });
    try {
        draw_loop(link);
    } catch (...) {
        link.stop();
        network.join();
        throw;
    }
    link.stop();
    network.join();
    return 0;
}

} // namespace stagedoor::kiosk
