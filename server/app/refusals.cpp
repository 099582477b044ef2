#include "app/refusals.hpp"

namespace stagedoor::app {

namespace {

constexpr std::int64_t kMinuteMs = 60'000;

std::int64_t minute_start(std::int64_t at_ms) {
    return at_ms - ((at_ms % kMinuteMs) + kMinuteMs) % kMinuteMs;
}

// Adds one to key's row, or to the "(other devices)" row once table has max_rows rows.
void add(RefusalCounts::Table& table, const RefusalCounts::Key& key, std::size_t max_rows) {
    auto it = table.find(key);
    if (it == table.end() && table.size() >= max_rows)
        it = table
                 .try_emplace(RefusalCounts::Key{std::string(RefusalCounts::kOtherDevices),
                                                 key.type, key.code})
                 .first;
    else if (it == table.end())
        it = table.emplace(key, 0).first;
    ++it->second;
}

} // namespace

void RefusalCounts::count(std::int64_t now_ms, std::string_view device, std::string_view type,
                          protocol::ErrorCode code) {
    Key key{std::string(device), std::string(type), code};
    ++total_;
    add(since_start_, key, kMaxRows);
    std::int64_t start = minute_start(now_ms);
    forget_before(start - (kMinutesKept - 1) * kMinuteMs);
    // A clock that stepped back counts into the newest minute kept.
    if (minutes_.empty() || minutes_.back().start_ms < start) minutes_.push_back({start, {}});
    add(minutes_.back().rows, key, kMaxRowsPerMinute);
}

void RefusalCounts::forget_before(std::int64_t oldest_kept_ms) {
    while (!minutes_.empty() && minutes_.front().start_ms < oldest_kept_ms)
        minutes_.pop_front();
}

const RefusalCounts::Table* RefusalCounts::minute(std::int64_t at_ms) const {
    std::int64_t start = minute_start(at_ms);
    for (const Minute& minute : minutes_)
        if (minute.start_ms == start) return &minute.rows;
    return nullptr;
}

nlohmann::json RefusalCounts::recent_json(std::int64_t now_ms) const {
    std::int64_t oldest = minute_start(now_ms) - (kMinutesKept - 1) * kMinuteMs;
    nlohmann::json rows = nlohmann::json::array();
    for (const Minute& minute : minutes_) {
        if (minute.start_ms < oldest) continue;
        for (const auto& [key, count] : minute.rows)
            rows.push_back({{"minute", minute.start_ms},
                            {"device", key.device},
                            {"type", key.type},
                            {"code", protocol::to_string(key.code)},
                            {"count", count}});
    }
    return {{"minutes", std::move(rows)}, {"total", total_}};
}

} // namespace stagedoor::app
