// Protocol v1 attendance messages: door check-in, help-desk lookup, walk-ins, undo, and the
// counts, snapshot and event pushes for door screens and organiser dashboards.
#pragma once

#include "stagedoor/protocol/codec.hpp"
#include "stagedoor/protocol/text.hpp"
#include "stagedoor/protocol/vocabulary.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::protocol {

// The "attendee" object.
struct AttendeeInfo {
    std::int64_t id = 0;
    std::string name;
    std::string organisation;
    Category category = Category::member;
    std::string sector;
    bool vip = false;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
    void write_text(JsonWriter& out) const;
    bool operator==(const AttendeeInfo&) const = default;
};

// ---- client -> server ----

struct Scan {
    static constexpr std::string_view type = "scan";
    std::int64_t id = 0;
    std::string scan_id;
    std::string payload; // whatever the camera read; may be empty
    Direction direction = Direction::in;
    std::int64_t at = 0; // kiosk clock, unix ms
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
    bool operator==(const Scan&) const = default;
};

// The scan frame a kiosk sends thousands of times a minute, decoded from its text without a
// JSON tree. Returns a Scan only when the text is a plain scan frame (one flat object with
// exactly the six fields, strings without escapes, integers without fraction or exponent)
// that parse_envelope + decode<Scan> would accept with the same values. std::nullopt means
// "not such a frame": decode it the general way, which also gives the coded error.
std::optional<Scan> decode_scan_fast(std::string_view text);

struct CheckinManual {
    static constexpr std::string_view type = "checkin_manual";
    std::int64_t id = 0;
    std::int64_t attendee_id = 0;
    Direction direction = Direction::in;
    std::optional<std::string> scan_id;
    std::optional<std::int64_t> at;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct WalkIn {
    static constexpr std::string_view type = "walk_in";
    std::int64_t id = 0;
    std::string name;
    std::optional<std::string> organisation;
    std::optional<Category> category; // default guest
    std::optional<std::string> sector;
    std::optional<std::string> email;
    std::optional<std::string> scan_id;
    std::optional<std::int64_t> at;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct Lookup {
    static constexpr std::string_view type = "lookup";
    std::int64_t id = 0;
    std::string query;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct Undo {
    static constexpr std::string_view type = "undo";
    std::int64_t id = 0;
    std::string scan_id;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

// ---- server -> client ----

struct FirstEntry {
    std::int64_t at = 0;
    std::string device;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
    void write_text(JsonWriter& out) const;
    bool operator==(const FirstEntry&) const = default;
};

struct ScanResult {
    static constexpr std::string_view type = "scan_result";
    std::int64_t re = 0;
    std::string scan_id;
    ScanOutcome result = ScanOutcome::ok;
    Direction direction = Direction::in;
    Method method = Method::scan;
    std::optional<AttendeeInfo> attendee;
    std::string reason;
    std::int64_t server_time = 0;
    bool replayed = false;
    std::optional<FirstEntry> first_entry;      // already_in only
    std::optional<std::string> payload_excerpt; // malformed only, at most 200 characters
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
    void write_text(JsonWriter& out) const;
};

struct WalkInResult {
    static constexpr std::string_view type = "walk_in_result";
    std::int64_t re = 0;
    std::string scan_id;
    ScanOutcome result = ScanOutcome::ok;
    AttendeeInfo attendee;
    std::string token;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct LookupMatch {
    AttendeeInfo attendee;
    bool present = false;
    std::optional<std::int64_t> arrived_at;
    void read(Reader& reader);
    void write(nlohmann::json& out) const; // the attendee's fields plus present, arrived_at
    bool operator==(const LookupMatch&) const = default;
};

struct LookupResult {
    static constexpr std::string_view type = "lookup_result";
    std::int64_t re = 0;
    std::vector<LookupMatch> attendees;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct CountsBody {
    std::int64_t expected = 0;
    std::int64_t arrived = 0;
    std::int64_t present = 0;
    std::int64_t walk_ins = 0;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
    bool operator==(const CountsBody&) const = default;
};

struct Counts : CountsBody {
    static constexpr std::string_view type = "counts";
    static constexpr std::string_view coalesce_key = "counts";
};

struct GroupCounts {
    std::int64_t expected = 0;
    std::int64_t arrived = 0;
    std::int64_t present = 0;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
    bool operator==(const GroupCounts&) const = default;
};

struct ArrivalBucket {
    std::int64_t t = 0; // bucket start, unix ms, a multiple of 5 minutes
    std::int64_t count = 0;
    bool operator==(const ArrivalBucket&) const = default;
};

struct RecentAdmission {
    std::string scan_id;
    std::int64_t at = 0;
    std::string device;
    Method method = Method::scan;
    Direction direction = Direction::in;
    AttendeeInfo attendee;
    bool operator==(const RecentAdmission&) const = default;
};

struct VipArrival {
    AttendeeInfo attendee;
    std::int64_t at = 0;
    bool operator==(const VipArrival&) const = default;
};

struct DeviceStats {
    std::string device;
    std::string role;
    std::int64_t admitted = 0;
    std::int64_t rejected = 0;
    std::int64_t last_seen = 0;
    std::int64_t per_minute = 0; // scans in the last 60 s
    bool operator==(const DeviceStats&) const = default;
};

struct Attendance {
    static constexpr std::string_view type = "attendance";
    static constexpr std::string_view coalesce_key = "attendance";
    CountsBody counts; // expected, arrived, present, walk_ins at the top level on the wire
    std::map<std::string, GroupCounts> by_category;
    std::map<std::string, GroupCounts> by_sector;
    std::vector<ArrivalBucket> arrivals;
    std::vector<RecentAdmission> recent; // newest first, at most 50
    std::vector<VipArrival> vips_arrived;
    std::vector<AttendeeInfo> vips_missing;
    std::vector<DeviceStats> devices;
    std::map<std::string, std::int64_t> rejected; // by result
    std::int64_t server_time = 0;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

// The small events an organiser dashboard receives after each committed change. The frame
// type names the kind; the body is the same for all of them.
struct AttendanceEventBody {
    std::string scan_id;
    std::int64_t at = 0;
    std::string device;
    Method method = Method::scan;
    Direction direction = Direction::in;
    ScanOutcome result = ScanOutcome::ok;
    std::optional<AttendeeInfo> attendee;
    CountsBody counts;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

struct CheckedIn : AttendanceEventBody {
    static constexpr std::string_view type = "checked_in";
};
struct CheckedOut : AttendanceEventBody {
    static constexpr std::string_view type = "checked_out";
};
struct Undone : AttendanceEventBody {
    static constexpr std::string_view type = "undone";
};
// Same type name as the walk_in request; this one only travels server -> client.
struct WalkInEvent : AttendanceEventBody {
    static constexpr std::string_view type = "walk_in";
};
struct Rejected : AttendanceEventBody {
    static constexpr std::string_view type = "rejected";
};

struct VipArrived {
    static constexpr std::string_view type = "vip_arrived";
    AttendeeInfo attendee;
    std::int64_t at = 0;
    std::string device;
    void read(Reader& reader);
    void write(nlohmann::json& out) const;
};

} // namespace stagedoor::protocol
