// Crash and fault tests through the real binary: random SIGKILLs under a multi-door load, a full
// database (capped with --max-db-size), SIGTERM under load, and a client that never reads while
// the server shuts down.
#include "harness.hpp"
#include "storage/database.hpp"

#include <catch2/catch.hpp>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <set>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::Connection;
using stagedoor::client::http_request;
using stagedoor::storage::Database;
namespace fs = std::filesystem;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// An event with a generated roster imported by the command line, and its badge tokens.
struct RosterEvent {
    TestEvent event;
    std::vector<std::string> tokens;

    explicit RosterEvent(int people) {
        std::string roster = "name,organisation,external_id\n";
        for (int i = 1; i <= people; ++i)
            roster +=
                "Person " + std::to_string(i) + ",Crash Test GmbH,C-" + std::to_string(i) + "\n";
        fs::path file = event.temp.path / "roster.csv";
        std::ofstream(file, std::ios::binary) << roster;
        auto result = run_cli({"import", "--data", event.data.string(), file.string()});
        INFO(result.output);
        REQUIRE(result.exit_code == 0);
        Database db(database());
        auto query = db.prepare("SELECT token FROM badges ORDER BY attendee_id");
        while (query.step())
            tokens.push_back(query.text(0));
        REQUIRE(tokens.size() == static_cast<std::size_t>(people));
    }
    fs::path database() const { return event.data / "stagedoor.db"; }
};

json scan_frame(const std::string& scan_id, const std::string& payload) {
    return {{"type", "scan"},
            {"scan_id", scan_id},
            {"payload", payload},
            {"direction", "in"},
            {"at", now_ms()}};
}

// One door scanning as fast as it can: it keeps `window` scans in flight and sends the next
// one from each reply. A scan is acknowledged by its scan_result; anything else (no answer
// before a crash, an error) leaves it to be retried with the same scan_id.
class Door {
  public:
    Door(std::string name, const std::vector<std::string>& tokens, std::size_t first_token,
         std::size_t window)
        : name_(std::move(name))
        , tokens_(tokens)
        , next_token_(first_token)
        , window_(window) {}

    // Starts scanning on a new connection (which the caller keeps): first the unacknowledged
    // scans, then (if new_scans) new ones.
    void run(const std::shared_ptr<Connection>& connection, bool new_scans) {
        std::vector<std::string> to_send;
        {
            std::lock_guard lock(mutex_);
            connection_ = connection;
            new_scans_ = new_scans;
            stopped_ = false;
            for (const auto& scan_id : in_flight_)
                retry_.push_back(scan_id);
            in_flight_.clear();
            for (std::size_t i = 0; i < window_; ++i)
                if (auto scan_id = next_locked()) to_send.push_back(*scan_id);
        }
        for (const auto& scan_id : to_send)
            send(scan_id);
    }
    // Sends nothing more; replies still arriving are recorded.
    void stop() {
        std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    std::map<std::string, json> acknowledged() const {
        std::lock_guard lock(mutex_);
        return acknowledged_;
    }
    std::size_t acknowledged_count() const {
        std::lock_guard lock(mutex_);
        return acknowledged_.size();
    }
    // Every scan it ever sent has been acknowledged.
    bool all_acknowledged() const {
        std::lock_guard lock(mutex_);
        return in_flight_.empty() && retry_.empty();
    }
    const std::string& payload(const std::string& scan_id) const { return payloads_.at(scan_id); }
    std::set<std::string> sent() const {
        std::lock_guard lock(mutex_);
        std::set<std::string> out;
        for (const auto& [scan_id, payload] : payloads_)
            out.insert(scan_id);
        return out;
    }

  private:
    std::optional<std::string> next_locked() {
        if (stopped_) return std::nullopt;
        std::string scan_id;
        if (!retry_.empty()) {
            scan_id = retry_.front();
            retry_.pop_front();
        } else if (new_scans_) {
            scan_id = name_ + "-" + std::to_string(++last_scan_);
            payloads_[scan_id] = tokens_[next_token_++ % tokens_.size()];
        } else {
            return std::nullopt;
        }
        in_flight_.insert(scan_id);
        return scan_id;
    }

    void send(const std::string& scan_id) {
        std::shared_ptr<Connection> connection;
        std::string payload;
        {
            std::lock_guard lock(mutex_);
            connection = connection_.lock();
            payload = payloads_.at(scan_id);
        }
        if (!connection) return;
        Connection* sender = connection.get();
        connection->request_async(
            scan_frame(scan_id, payload), [this, sender, scan_id](const json& reply) {
                std::optional<std::string> next;
                {
                    std::lock_guard lock(mutex_);
                    if (sender != connection_.lock().get() || !in_flight_.erase(scan_id)) return;
                    if (reply.value("type", "") == "scan_result")
                        acknowledged_[scan_id] = reply;
                    else
                        retry_.push_back(scan_id);
                    next = next_locked();
                }
                if (next) send(*next);
            });
    }

    std::string name_;
    const std::vector<std::string>& tokens_;
    std::size_t next_token_;
    std::size_t window_;
    mutable std::mutex mutex_;
    std::weak_ptr<Connection> connection_;
    bool new_scans_ = true;
    bool stopped_ = false;
    int last_scan_ = 0;
    std::map<std::string, std::string> payloads_; // every scan_id sent, with its badge
    std::set<std::string> in_flight_;
    std::deque<std::string> retry_;
    std::map<std::string, json> acknowledged_;
};

std::vector<std::unique_ptr<Door>> make_doors(const RosterEvent& roster, int count,
                                              std::size_t window) {
    std::vector<std::unique_ptr<Door>> doors;
    for (int i = 0; i < count; ++i)
        doors.push_back(std::make_unique<Door>("door" + std::to_string(i + 1), roster.tokens,
                                               roster.tokens.size() * i / count, window));
    return doors;
}

// Connects every door and starts it; the caller keeps the connections.
std::vector<std::shared_ptr<Connection>>
connect_doors(ClientContext& context, const ServerProcess& server, const TestEvent& event,
              std::vector<std::unique_ptr<Door>>& doors, bool new_scans) {
    std::vector<std::shared_ptr<Connection>> connections;
    for (std::size_t i = 0; i < doors.size(); ++i)
        connections.push_back(
            connect_as(context, server, event, "door", "Door " + std::to_string(i + 1)));
    for (std::size_t i = 0; i < doors.size(); ++i)
        doors[i]->run(connections[i], new_scans);
    return connections;
}

std::size_t acknowledged_total(const std::vector<std::unique_ptr<Door>>& doors) {
    std::size_t total = 0;
    for (const auto& door : doors)
        total += door->acknowledged_count();
    return total;
}

// The ledger as stored: per scan_id, how often it occurs and its first row's result and time.
struct StoredScan {
    int rows = 0;
    std::string result;
    std::int64_t server_time = 0;
};
std::map<std::string, StoredScan> stored_scans(const fs::path& database) {
    Database db(database);
    auto query = db.prepare(
        "SELECT scan_id, COUNT(*), MIN(result), MIN(server_time) FROM ledger GROUP BY scan_id");
    std::map<std::string, StoredScan> out;
    while (query.step())
        out[query.text(0)] = {static_cast<int>(query.int64(1)), query.text(2), query.int64(3)};
    return out;
}

std::string integrity(const fs::path& database) {
    Database db(database);
    auto query = db.prepare("PRAGMA integrity_check");
    REQUIRE(query.step());
    return query.text(0);
}

// Every scan a door saw acknowledged is stored exactly once, as it was answered, and nothing
// is stored that its door did not see acknowledged.
void check_ledger_matches(const std::vector<std::unique_ptr<Door>>& doors,
                          const fs::path& database) {
    auto stored = stored_scans(database);
    std::set<std::string> acknowledged;
    for (const auto& door : doors) {
        for (const auto& [scan_id, reply] : door->acknowledged()) {
            INFO(scan_id << " " << reply.dump());
            acknowledged.insert(scan_id);
            auto it = stored.find(scan_id);
            REQUIRE(it != stored.end());
            CHECK(it->second.rows == 1);
            CHECK(it->second.result == reply["result"].get<std::string>());
            CHECK(it->second.server_time == reply["server_time"].get<std::int64_t>());
        }
    }
    std::vector<std::string> unacknowledged;
    for (const auto& [scan_id, scan] : stored)
        if (!acknowledged.contains(scan_id)) unacknowledged.push_back(scan_id);
    INFO("stored but never acknowledged: " << unacknowledged.size()
                                           << (unacknowledged.empty() ? "" : ", e.g. ")
                                           << (unacknowledged.empty() ? "" : unacknowledged[0]));
    CHECK(unacknowledged.empty());
}

// Re-sends every acknowledged scan (pipelined) and checks it replays the same answer.
void check_replays(ClientContext& context, const ServerProcess& server, const TestEvent& event,
                   const std::vector<std::unique_ptr<Door>>& doors) {
    auto connection = connect_as(context, server, event, "door", "Replay door");
    std::mutex mutex;
    std::map<std::string, json> replies;
    std::map<std::string, json> expected;
    for (const auto& door : doors) {
        for (const auto& [scan_id, reply] : door->acknowledged()) {
            expected[scan_id] = reply;
            connection->request_async(scan_frame(scan_id, door->payload(scan_id)),
                                      [&, scan_id](const json& again) {
                                          std::lock_guard lock(mutex);
                                          replies[scan_id] = again;
                                      });
        }
    }
    REQUIRE(eventually(
        [&] {
            std::lock_guard lock(mutex);
            return replies.size() == expected.size();
        },
        20s));
    std::lock_guard lock(mutex);
    for (const auto& [scan_id, reply] : expected) {
        const json& again = replies[scan_id];
        INFO(scan_id << ": " << again.dump());
        CHECK(again["replayed"] == true);
        CHECK(again["result"] == reply["result"]);
        CHECK(again["server_time"] == reply["server_time"]);
    }
}

// /api/attendance agrees with what the ledger implies (doors only scan in).
void check_counts(const ServerProcess& server, const RosterEvent& roster) {
    auto attendance = json::parse(
        http_request(server.endpoint(), "GET", "/api/attendance", "", roster.event.key("organiser"))
            .body);
    Database db(roster.database());
    auto query = db.prepare("SELECT COUNT(DISTINCT attendee_id) FROM ledger "
                            "WHERE result = 'ok' AND direction = 'in'");
    REQUIRE(query.step());
    std::int64_t admitted = query.int64(0);
    INFO(attendance.dump().substr(0, 400));
    CHECK(attendance["present"].get<std::int64_t>() == admitted);
    CHECK(attendance["arrived"].get<std::int64_t>() == admitted);
}

std::size_t count_of(const std::string& text, std::string_view needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

} // namespace

TEST_CASE("crash: random SIGKILLs under a multi-door load lose and duplicate no acknowledged "
          "scan") {
    RosterEvent roster(2000);
    auto doors = make_doors(roster, 6, 8);
    ServerProcess server(roster.event.data);
    std::mt19937 random(std::random_device{}());
    int kills = std::uniform_int_distribution<int>(3, 5)(random);
    INFO("kills: " << kills);
    for (int round = 0; round < kills; ++round) {
        server.start();
        ClientContext context;
        auto connections = connect_doors(context, server, roster.event, doors, true);
        // A random moment: after between 50 and 600 more acknowledgements.
        std::size_t target =
            acknowledged_total(doors) + std::uniform_int_distribution<std::size_t>(50, 600)(random);
        REQUIRE(eventually([&] { return acknowledged_total(doors) >= target; }, 20s));
        server.kill_hard();
        for (auto& door : doors)
            door->stop();
    }
    // The doors come back and retry everything they did not see acknowledged.
    server.start();
    ClientContext context;
    auto connections = connect_doors(context, server, roster.event, doors, false);
    REQUIRE(eventually(
        [&] {
            for (const auto& door : doors)
                if (!door->all_acknowledged()) return false;
            return true;
        },
        20s));
    INFO("acknowledged in all: " << acknowledged_total(doors));
    check_replays(context, server, roster.event, doors);
    check_counts(server, roster);
    CHECK(server.stop() == 0);
    check_ledger_matches(doors, roster.database());
    CHECK(integrity(roster.database()) == "ok");
}

TEST_CASE("crash: SIGTERM under load answers every stored scan and stores no unanswered one") {
    RosterEvent roster(2000);
    auto doors = make_doors(roster, 6, 16);
    ServerProcess server(roster.event.data);
    server.start();
    ClientContext context;
    auto connections = connect_doors(context, server, roster.event, doors, true);
    REQUIRE(eventually([&] { return acknowledged_total(doors) >= 300; }, 20s));

    auto signalled = std::chrono::steady_clock::now();
    int exit_code = server.stop(15, 8s);
    auto took = std::chrono::steady_clock::now() - signalled;
    CHECK(exit_code == 0);
    CHECK(took < 5s);
    // Every answer was sent before the close, so a door has seen all of them once closed.
    for (auto& connection : connections) {
        CHECK(connection->wait_closed(5s) == 1001);
    }
    for (auto& door : doors)
        door->stop();
    INFO("acknowledged: " << acknowledged_total(doors) << "\nserver log:\n" << server.log());
    check_ledger_matches(doors, roster.database());
    CHECK(server.log().find("before every write was answered") == std::string::npos);
}

TEST_CASE("crash: a client that never reads does not hold up the shutdown") {
    RosterEvent roster(300);
    ServerProcess server(roster.event.data);
    server.start();
    ClientContext context;
    auto reader = connect_as(context, server, roster.event, "door", "Reading door");
    auto stuck = connect_as(context, server, roster.event, "door", "Stuck door");
    stuck->pause_reading();
    // Replies it never reads: the socket buffers fill up and the rest waits in the server's
    // write queue for this client (below the limit that drops a slow client).
    json lookup = {{"type", "lookup"}, {"query", "Person"}};
    for (int i = 0; i < 3000; ++i)
        stuck->send_request(lookup);
    // The server is busy answering them while the other door is served.
    CHECK(reader->request({{"type", "lookup"}, {"query", "Person 1"}}, 30s)["type"] ==
          "lookup_result");

    auto signalled = std::chrono::steady_clock::now();
    int exit_code = server.stop(15, 10s);
    auto took = std::chrono::steady_clock::now() - signalled;
    INFO("server log:\n" << server.log());
    CHECK(exit_code == 0);
    CHECK(took < 5s);
    CHECK(reader->wait_closed(5s) == 1001);
}

TEST_CASE("crash: a full database answers internal, keeps serving, and recovers by itself") {
    RosterEvent roster(600);
    fs::path agenda = roster.event.temp.path / "agenda.csv";
    std::ofstream(agenda) << "title,duration\nWelcome,5:00\nKeynote,20:00\n";
    auto imported =
        run_cli({"agenda", "import", "--data", roster.event.data.string(), agenda.string()});
    INFO(imported.output);
    REQUIRE(imported.exit_code == 0);

    // The test's own connection, capped like the server's: ballast takes every free page up to
    // the cap. (Rows still fit into the free room of pages in use, so the first writes may
    // succeed; once a table needs a new page, they fail.)
    constexpr int kCapMegabytes = 2;
    Database own(roster.database());
    own.limit_size(kCapMegabytes * 1024 * 1024);
    own.exec("CREATE TABLE ballast (filler BLOB)");
    auto fill = [&] {
        for (int size : {65536, 4096, 256, 16}) {
            try {
                for (;;)
                    own.exec("INSERT INTO ballast VALUES (zeroblob(" + std::to_string(size) + "))");
            } catch (const stagedoor::storage::DatabaseError& error) {
                REQUIRE(std::string(error.what()).find("full") != std::string::npos);
            }
        }
    };
    fill();

    for (std::string wrong : {"0", "-5", "2x", "lots"}) {
        auto refused =
            run_cli({"serve", "--data", roster.event.data.string(), "--max-db-size", wrong});
        INFO(wrong << ": " << refused.output);
        CHECK(refused.exit_code != 0);
        CHECK_THAT(refused.output, Catch::Contains("--max-db-size must be a number of megabytes"));
    }
    ServerProcess server(roster.event.data, {"--max-db-size", std::to_string(kCapMegabytes)});
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, roster.event, "door", "Door 1");
    std::map<std::string, json> acknowledged;
    auto scan = [&](const std::string& scan_id, std::size_t person) {
        auto reply = door->request(scan_frame(scan_id, roster.tokens.at(person)));
        if (reply["type"] == "scan_result") acknowledged[scan_id] = reply;
        return reply;
    };
    std::size_t person = 0;
    while (person < 500 && scan("fill-" + std::to_string(person), person)["type"] == "scan_result")
        ++person;
    REQUIRE(person < 500);
    // Full: no scan is acknowledged, each answers internal and is taken back.
    for (int i = 0; i < 20; ++i) {
        auto reply = scan("full-" + std::to_string(i), person + 1 + i);
        INFO(reply.dump());
        CHECK(reply["type"] == "error");
        CHECK(reply["code"] == "internal");
    }
    // Everything else keeps working: lookups, a new connection, the organiser's API.
    CHECK(door->request({{"type", "lookup"}, {"query", "Person 7"}})["type"] == "lookup_result");
    auto moderator = connect_as(context, server, roster.event, "moderator", "Desk");
    CHECK(
        http_request(server.endpoint(), "GET", "/api/attendance", "", roster.event.key("organiser"))
            .status == 200);
    {
        std::string log = server.log();
        INFO(log);
        // Logged once, not per scan.
        CHECK(count_of(log, "the database is full") == 1);
        CHECK(count_of(log, "full-") == 0);
    }

    // Space comes back: the same scans now succeed, as first answers, without a restart.
    own.exec("DELETE FROM ballast");
    for (int i = 0; i < 20; ++i) {
        auto reply = scan("full-" + std::to_string(i), person + 1 + i);
        INFO(reply.dump());
        CHECK(reply["result"] == "ok");
        CHECK(reply["replayed"] == false);
    }
    CHECK(server.log().find("has space again") != std::string::npos);

    // The stage: add_time until a write fails; the failed one is rolled back in memory, so the
    // retry once space is back is applied exactly once.
    REQUIRE(moderator->request({{"type", "timer_control"}, {"action", "start"}})["type"] == "ok");
    fill();
    json add_time = {{"type", "timer_control"}, {"action", "add_time"}, {"ms", 1000}};
    int added = 0;
    while (added < 500 && moderator->request(add_time)["type"] == "ok")
        ++added;
    REQUIRE(added < 500);
    own.exec("DELETE FROM ballast");
    REQUIRE(moderator->request(add_time)["type"] == "ok");
    auto desk = connect_as(context, server, roster.event, "moderator", "Second desk");
    auto timer = desk->wait_for("timer", 5s);
    REQUIRE(timer);
    CHECK((*timer)["state"] == "running");
    CHECK((*timer)["added_ms"] == (added + 1) * 1000);

    CHECK(server.stop() == 0);
    auto stored = stored_scans(roster.database());
    CHECK(stored.size() == acknowledged.size());
    for (const auto& [scan_id, reply] : acknowledged) {
        INFO(scan_id);
        CHECK(stored[scan_id].rows == 1);
        CHECK(stored[scan_id].server_time == reply["server_time"].get<std::int64_t>());
    }
    CHECK(integrity(roster.database()) == "ok");
}
