// Refused requests, counted instead of stored one by one. A low-trust client chooses its
// device name and how often it is refused, so every table here is bounded: the counts since
// start, and the counts per minute for the last hour. Runs on the event-loop thread only.
#pragma once

#include "stagedoor/protocol/messages.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace stagedoor::app {

class RefusalCounts {
  public:
    struct Key {
        std::string device;
        std::string type; // the message type, "(unknown)" or empty when it was not read
        protocol::ErrorCode code;
        auto operator<=>(const Key&) const = default;
    };
    using Table = std::map<Key, std::uint64_t>;

    // Rows since start; further devices are counted together as kOtherDevices.
    static constexpr std::size_t kMaxRows = 1000;
    // Rows per minute, and how many minutes are kept: at most 60 x 200 rows in memory.
    static constexpr std::size_t kMaxRowsPerMinute = 200;
    static constexpr std::int64_t kMinutesKept = 60;
    static constexpr std::string_view kOtherDevices = "(other devices)";

    // Counts one refusal at now_ms (unix ms) and forgets minutes older than kMinutesKept.
    void count(std::int64_t now_ms, std::string_view device, std::string_view type,
               protocol::ErrorCode code);

    const Table& since_start() const { return since_start_; }
    std::uint64_t total() const { return total_; }
    // The counts of the minute that contains at_ms (unix ms), if it is still kept.
    const Table* minute(std::int64_t at_ms) const;
    // {"minutes":[{"minute":<unix ms of its start>,"device":...,"type":...,"code":...,
    //  "count":n},...],"total":n} for the minutes of the last hour before now_ms, oldest first.
    nlohmann::json recent_json(std::int64_t now_ms) const;

  private:
    struct Minute {
        std::int64_t start_ms;
        Table rows;
    };
    void forget_before(std::int64_t oldest_kept_ms);

    Table since_start_;
    std::uint64_t total_ = 0;
    std::deque<Minute> minutes_; // oldest first
};

} // namespace stagedoor::app
