// The door's engine: one connection to the server (reconnecting in the background), scans and
// manual check-ins answered online, or judged offline from the OfflineCache when the server
// does not answer within 2 s or the connection is down; offline attempts are committed to the
// DoorStore queue before their verdict is handed to the UI, and synced in order on reconnect
// (window 64, each removed only after its answer). No terminal code here: the UI polls it.
#pragma once

#include "client/client.hpp"
#include "door_judge.hpp"

#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace stagedoor::kiosk {

class DoorStore;

struct DoorConfig {
    client::Endpoint endpoint;
    std::string credential;  // a role key, or a paired device's token ("sdd_...")
    std::string device_name; // sent in hello (ignored by the server for a token)
    std::string scan_prefix; // scan ids are "<prefix>-<counter>"
    client::Millis answer_timeout = std::chrono::seconds(2);
    client::Millis retry_interval = std::chrono::seconds(1);
};

// What the UI gets from DoorEngine::take_events.
struct DoorEvent {
    enum class Kind { verdict, search_results, notice };
    Kind kind = Kind::notice;
    Verdict verdict;                     // verdict
    std::vector<nlohmann::json> results; // search_results: attendees (+ present)
    bool results_offline = false;        // search_results came from the cache
    std::string notice;                  // notice: a key of the UI's texts
    std::string detail;                  // notice: English detail (server message)
};

struct DoorStatus {
    bool connected = false; // welcomed by the server
    bool online = false;    // connected and answering within the timeout
    std::size_t queued = 0;
    nlohmann::json counts; // last `counts` (expected, arrived, present, walk_ins) or null
    std::string event_name;
    bool names = true;
    bool waiting = false; // an attempt awaits the server's answer
};

class DoorEngine {
  public:
    DoorEngine(DoorConfig config, DoorStore& store);
    ~DoorEngine();
    DoorEngine(const DoorEngine&) = delete;
    DoorEngine& operator=(const DoorEngine&) = delete;

    // Connects, reads frames, times out answers, syncs the queue. Call every few ms.
    void poll();
    // A scanned payload (as read, without the Enter): online it is sent and the verdict
    // follows as an event; offline it is judged, queued and its verdict is an event at once.
    void scan(const std::string& payload, const std::string& direction);
    // The help desk admits a person found by search().
    void check_in_manually(std::uint32_t attendee_id, const std::string& direction);
    // Name search: the server's lookup online, the cached roster offline (results as an event).
    void search(const std::string& query);
    // Undoes the last admission or exit this door showed (a queued one is dropped from the
    // queue; an uploaded one needs the server's undo).
    void undo_last();

    std::vector<DoorEvent> take_events();
    DoorStatus status() const;
    // Sends the current queue_report now (also sent on welcome and on queue changes).
    void report_queue();

  private:
    struct Pending {
        enum class Kind { attempt, sync, lookup, undo, roster, other };
        Kind kind = Kind::other;
        nlohmann::json frame; // attempts: the request, to judge offline on timeout
        std::chrono::steady_clock::time_point sent;
    };

    void connect_in_background();
    void on_connected(std::shared_ptr<client::Connection> connection,
                      const nlohmann::json& welcome);
    void drop_connection();
    void handle(const nlohmann::json& frame);
    void handle_reply(Pending pending, const nlohmann::json& frame);
    void expire_answers();
    void sync_queue();
    std::int64_t send(Pending::Kind kind, nlohmann::json frame);
    // Sends an attempt online, or decides it offline.
    void submit(nlohmann::json frame);
    void decide_offline(nlohmann::json frame);
    void show(Verdict verdict, const nlohmann::json& frame);
    void notice(std::string key, std::string detail = {});
    void go_offline();
    void remember_for_undo(const Verdict& verdict, const nlohmann::json& frame);
    nlohmann::json new_attempt(const char* type, const std::string& direction);
    void maybe_report_queue();

    DoorConfig config_;
    DoorStore& store_;
    OfflineCache cache_;
    client::ClientContext context_;
    std::shared_ptr<client::Connection> connection_;
    std::future<std::pair<std::shared_ptr<client::Connection>, nlohmann::json>> connecting_;
    std::chrono::steady_clock::time_point next_attempt_{};
    bool online_ = false;
    std::map<std::int64_t, Pending> pending_;
    std::set<std::string> syncing_;       // scan_ids in flight
    std::int64_t synced_through_seq_ = 0; // highest queue seq sent on this connection
    std::chrono::steady_clock::time_point sync_resume_{};
    std::optional<std::size_t> reported_queue_;
    std::chrono::steady_clock::time_point last_report_{};
    std::chrono::steady_clock::time_point last_probe_{};
    std::int64_t last_sync_ms_ = 0;
    nlohmann::json counts_;
    std::string event_name_;
    std::string last_error_;
    struct LastAdmission {
        std::string scan_id;
        std::uint32_t attendee_id = 0;
        std::string direction;
    };
    std::optional<LastAdmission> last_;
    std::vector<DoorEvent> events_;
};

// The current time in unix ms.
std::int64_t door_now_ms();

} // namespace stagedoor::kiosk
