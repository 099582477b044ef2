// The door's durable state in DIR/door.sqlite: the offline cache (meta values and the roster of
// offline attendees) and the queue of attempts decided offline. Every write is committed with
// synchronous=FULL before the call returns, so an attempt enqueued before its verdict shows
// survives a SIGKILL or a power cut. Single-threaded: one DoorStore per process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::kiosk {

class DoorStore {
  public:
    // Opens (creating) DIR/door.sqlite; throws std::runtime_error with the SQLite message.
    explicit DoorStore(const std::filesystem::path& file);
    ~DoorStore();
    DoorStore(const DoorStore&) = delete;
    DoorStore& operator=(const DoorStore&) = delete;

    // Meta values (event, verify key, names flag, counts, scan counter...), JSON each.
    std::optional<nlohmann::json> meta(const std::string& key) const;
    void set_meta(const std::string& key, const nlohmann::json& value);
    // The next number of this door's scan ids, committed before it is returned, so a restarted
    // kiosk never reuses one.
    std::int64_t next_counter();

    // Upserts offline attendees by "id" in one transaction.
    void upsert_attendees(const std::vector<nlohmann::json>& attendees);
    std::vector<nlohmann::json> all_attendees() const;

    struct Queued {
        std::int64_t seq = 0;
        std::string scan_id;
        nlohmann::json frame; // the request to send (scan, checkin_manual) with "offline"
    };
    // Appends an attempt (committed when this returns). A scan_id already queued is kept once.
    void enqueue(const std::string& scan_id, const nlohmann::json& frame);
    // Oldest first, at most limit, after the given seq.
    std::vector<Queued> queued(std::size_t limit, std::int64_t after_seq = 0) const;
    std::size_t queue_length() const;
    std::optional<std::int64_t> oldest_at() const;
    // Removes one attempt (after the server's answer, or an undo of a queued scan).
    void remove(const std::string& scan_id);
    bool contains(const std::string& scan_id) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace stagedoor::kiosk
