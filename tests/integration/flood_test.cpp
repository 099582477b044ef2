// Bounded work per low-trust client, through the real binary: a door key flooding forbidden
// controls with 60 KB of junk and a moderator flooding controls the stage refuses neither grow
// the database nor delay the other doors' check-ins, and everyone keeps being answered.
#include "harness.hpp"
#include "storage/attendance_store.hpp"
#include "storage/stage_store.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::Connection;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPeoplePerDoor = 50;

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// An event with 2 x kPeoplePerDoor attendees; their badge tokens in roster order.
std::vector<std::string> import_roster(const TestEvent& event) {
    std::string roster = "name,email,external_id\n";
    for (int i = 0; i < 2 * kPeoplePerDoor; ++i)
        roster += "Person " + std::to_string(i) + ",p" + std::to_string(i) + "@example.org,X-" +
                  std::to_string(1000 + i) + "\n";
    fs::path file = event.temp.path / "roster.csv";
    std::ofstream(file, std::ios::binary) << roster;
    auto result = run_cli({"import", "--data", event.data.string(), file.string()});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    stagedoor::storage::Database db(event.data / "stagedoor.db");
    auto state = stagedoor::storage::load_attendance(db);
    std::vector<std::pair<std::string, std::string>> by_external_id;
    for (const auto* person : state.attendees())
        by_external_id.emplace_back(person->external_id, person->token);
    std::sort(by_external_id.begin(), by_external_id.end());
    std::vector<std::string> tokens;
    for (auto& [external_id, token] : by_external_id)
        tokens.push_back(std::move(token));
    return tokens;
}

std::uintmax_t database_bytes(const TestEvent& event) {
    std::uintmax_t total = 0;
    for (const char* name : {"stagedoor.db", "stagedoor.db-wal"}) {
        std::error_code error;
        auto size = fs::file_size(event.data / name, error);
        if (!error) total += size;
    }
    return total;
}

std::size_t control_log_size(const TestEvent& event) {
    stagedoor::storage::Database db(event.data / "stagedoor.db");
    return stagedoor::storage::load_control_log(db, 1'000'000).size();
}

// A door that checks its people in and out, one scan at a time, timing each answer.
struct TimedDoor {
    std::shared_ptr<Connection> connection;
    std::vector<std::string> tokens; // this door's people
    std::string name;
    int scans = 0;
    std::vector<double> latencies_ms;
    // Answers that were not a fresh ok. Collected, not asserted: scan_many runs on a second
    // thread too, and Catch2's assertions are for the test's own thread only.
    std::vector<std::string> wrong_answers;

    // Scans count times; stops at the first answer that is not ok.
    void scan_many(int count) {
        for (int i = 0; i < count; ++i, ++scans) {
            const std::string& token = tokens[static_cast<std::size_t>(scans) % tokens.size()];
            bool in = (scans / static_cast<int>(tokens.size())) % 2 == 0;
            auto start = Clock::now();
            auto reply = connection->request({{"type", "scan"},
                                              {"scan_id", name + "-" + std::to_string(scans)},
                                              {"payload", token},
                                              {"direction", in ? "in" : "out"},
                                              {"at", unix_ms()}});
            latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(Clock::now() - start).count());
            if (reply.value("type", "") != "scan_result" || reply.value("result", "") != "ok") {
                wrong_answers.push_back(name + ": " + reply.dump());
                return;
            }
        }
    }
};

double p99(std::vector<double> samples) {
    REQUIRE_FALSE(samples.empty());
    std::sort(samples.begin(), samples.end());
    return samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
}

// Both doors scan count times at once; returns their latencies together.
std::vector<double> scan_at_both_doors(TimedDoor& a, TimedDoor& b, int count) {
    a.latencies_ms.clear();
    b.latencies_ms.clear();
    std::thread other([&] { b.scan_many(count); });
    a.scan_many(count);
    other.join();
    for (const auto* door : {&a, &b})
        for (const auto& answer : door->wrong_answers)
            FAIL_CHECK("a scan was not admitted: " << answer);
    REQUIRE(a.wrong_answers.empty());
    REQUIRE(b.wrong_answers.empty());
    std::vector<double> all = a.latencies_ms;
    all.insert(all.end(), b.latencies_ms.begin(), b.latencies_ms.end());
    return all;
}

// Sends frame (whose id is flood_id) as fast as the server answers it, with at most kWindow
// unanswered, until stopped, and counts its answers by error code.
class Flooder {
  public:
    struct Counts {
        std::atomic<std::uint64_t> sent{0}, answered{0}, rate_limited{0}, forbidden{0},
            not_found{0};
        std::mutex mutex;
        std::condition_variable answer_came;
    };

    Flooder(std::shared_ptr<Connection> connection, std::string frame, std::int64_t flood_id)
        : connection_(std::move(connection))
        , frame_(std::move(frame)) {
        // The hook keeps the counts alive: answers may still come after the flooder is gone.
        connection_->on_frame([counts = counts_, prefix = R"({"type":"error","re":)" +
                                                          std::to_string(flood_id) +
                                                          ","](std::string_view text) {
            if (!text.starts_with(prefix)) return false;
            if (text.find(R"("code":"rate_limited")") != std::string_view::npos)
                ++counts->rate_limited;
            if (text.find(R"("code":"forbidden")") != std::string_view::npos) ++counts->forbidden;
            if (text.find(R"("code":"not_found")") != std::string_view::npos) ++counts->not_found;
            std::lock_guard lock(counts->mutex);
            ++counts->answered;
            counts->answer_came.notify_one();
            return true;
        });
        thread_ = std::thread([this] { run(); });
    }
    ~Flooder() { stop(); }
    void stop() {
        stopping_ = true;
        counts_->answer_came.notify_one();
        if (thread_.joinable()) thread_.join();
    }
    const Counts& counts() const { return *counts_; }

  private:
    static constexpr std::uint64_t kWindow = 32;
    void run() {
        Counts& counts = *counts_;
        while (!stopping_ && connection_->is_open()) {
            {
                // Waits without spinning: the flooder must not take the CPU the server needs.
                std::unique_lock lock(counts.mutex);
                if (!counts.answer_came.wait_for(lock, 100ms, [&] {
                        return stopping_ || counts.sent - counts.answered < kWindow;
                    }))
                    continue;
            }
            if (stopping_) break;
            ++counts.sent;
            connection_->send_text(frame_);
        }
    }
    std::shared_ptr<Connection> connection_;
    std::string frame_;
    std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace

TEST_CASE("flood: refused controls are counted, not stored, and do not delay other doors") {
    TestEvent event;
    auto tokens = import_roster(event);
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    TimedDoor door_a{connect_as(context, server, event, "door", "Door A"),
                     {tokens.begin(), tokens.begin() + kPeoplePerDoor},
                     "door-a",
                     0,
                     {},
                     {}};
    TimedDoor door_b{connect_as(context, server, event, "door", "Door B"),
                     {tokens.begin() + kPeoplePerDoor, tokens.end()},
                     "door-b",
                     0,
                     {},
                     {}};
    // The flooders are other devices: their own I/O thread, so that the doors' replies are not
    // queued behind the flood's frames inside this test process.
    ClientContext flood_context;
    auto flooding_door = connect_as(flood_context, server, event, "door", "Flooding door");
    auto flooding_moderator =
        connect_as(flood_context, server, event, "moderator", "Flooding phone");

    // Without a flood: the doors' own latency on this machine, now.
    constexpr int kScans = 200;
    scan_at_both_doors(door_a, door_b, 20); // warm-up
    auto bytes_quiet = database_bytes(event);
    double quiet_p99 = p99(scan_at_both_doors(door_a, door_b, kScans));
    auto bytes_before = database_bytes(event);
    // What these scans alone add to the database (ledger rows, and the WAL until it wraps).
    auto scans_growth = bytes_before - bytes_quiet;
    auto control_log_before = control_log_size(event);

    // The flood: a door key sends forbidden blackouts with 60 KB of junk, a moderator controls
    // the stage refuses (an item that does not exist), both as fast as they are answered.
    auto started = Clock::now();
    Flooder junk_flooder(flooding_door,
                         R"({"type":"blackout","id":900000001,"on":true,"junk":")" +
                             std::string(60'000, 'j') + R"("})",
                         900000001);
    Flooder refused_flooder(
        flooding_moderator,
        R"({"type":"timer_control","id":900000002,"action":"goto","item":"no-such-item"})",
        900000002);
    const auto& junk = junk_flooder.counts();
    const auto& refused = refused_flooder.counts();
    // First the flood alone (nothing else writes), then with the doors scanning; ~5 s in all.
    REQUIRE(eventually([&] { return Clock::now() - started > 2s; }, 5s));
    auto bytes_flood_alone = database_bytes(event);
    auto flood_samples = scan_at_both_doors(door_a, door_b, kScans);
    REQUIRE(eventually([&] { return Clock::now() - started > 5s; }, 10s));
    junk_flooder.stop();
    refused_flooder.stop();
    double flood_p99 = p99(flood_samples);
    auto flood_seconds = std::chrono::duration<double>(Clock::now() - started).count();

    INFO("quiet p99 " << quiet_p99 << " ms, flood p99 " << flood_p99 << " ms; door flood sent "
                      << junk.sent << " frames in " << flood_seconds << " s (" << junk.forbidden
                      << " forbidden, " << junk.rate_limited << " rate_limited); moderator sent "
                      << refused.sent << " (" << refused.not_found << " not_found, "
                      << refused.rate_limited << " rate_limited); database " << bytes_before
                      << " -> " << bytes_flood_alone << " (flood alone) -> "
                      << database_bytes(event) << " bytes");
    // Both flooders were answered, refused as they should be, and limited.
    CHECK(junk.answered > 0);
    CHECK(junk.forbidden > 0);
    CHECK(junk.rate_limited > 0);
    CHECK(refused.not_found > 0);
    CHECK(refused.rate_limited > 0);
    // Nothing refused was stored: the flood alone left the database (file + WAL) as it was,
    // and the whole flood grew it by less than 1 MB beyond what the same scans cost without it.
    CHECK(bytes_flood_alone - bytes_before < 64 * 1024);
    CHECK(database_bytes(event) - bytes_before < scans_growth + 1024 * 1024);
    CHECK(control_log_size(event) == control_log_before);
    // The other doors keep being served. 10 ms is the target on a quiet machine. Where the
    // doors' own p99 is far above it (ASan at -O0, two cores shared with other builds: 20-220
    // ms measured without a flood), scheduling noise swings p99 by 5-10x between runs, so the
    // bound is a loose multiple of the p99 measured just before: it catches a backlog (seconds,
    // as when every refused frame was parsed and fsynced), not a few milliseconds. Refused
    // frames cost the app a budget check and a look at 128 bytes; what is left is the network
    // layer reading 60 KB frames (README, design limits).
    CHECK(flood_p99 < std::max(10.0, 15.0 * quiet_p99));

    // Everyone is still served: the flooders too, once they slow down.
    for (auto* connection : {flooding_door.get(), flooding_moderator.get()})
        CHECK(eventually(
            [&] {
                auto reply = connection->request({{"type", "ping"}, {"t0", 1}});
                return reply["type"] == "pong";
            },
            5s));
    door_a.scan_many(1);
    CHECK(door_a.wrong_answers.empty());
    server.stop();
}
