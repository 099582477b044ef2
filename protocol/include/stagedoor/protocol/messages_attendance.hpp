// Protocol v1 attendance messages: door check-in, help-desk lookup, walk-ins, undo, and the
// counts, snapshot and event pushes for door screens and organiser dashboards.
#pragma once

#include "stagedoor/protocol/codec.hpp"
#include "stagedoor/protocol/messages.hpp"
#include "stagedoor/protocol/text.hpp"
#include "stagedoor/protocol/vocabulary.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::protocol {

// Checks of text fields beyond length (see Text::check): what is wrong, or "".
// scan_id is printable text without control characters, so it is safe in logs and CSV.
std::string_view control_character_problem(std::string_view text);
// A walk-in's name must have more than white space.
std::string_view blank_problem(std::string_view text);
// payload_excerpt holds at most kMaxPayloadExcerptChars characters.
std::string_view excerpt_length_problem(std::string_view text);
// An attempt decided offline (PROTOCOL.md 5.12) says when: "at" is required with "offline".
std::string offline_time_problem(const std::optional<ScanOutcome>& offline,
                                 const std::optional<std::int64_t>& at);
// A walk-in registered offline was always shown "ok".
std::string offline_walk_in_problem(const std::optional<ScanOutcome>& offline);

// Rules shared by several attendance messages.
inline constexpr Text kScanIdText{kMaxScanIdBytes, false, control_character_problem};
inline constexpr Text kDeviceText{kMaxDeviceBytes, true};
// A nested object; a problem inside is reported on the outer field ("is invalid: ...").
inline constexpr Object<> kAttendanceObject{NestedErrors::on_outer_field};

// The "attendee" object.
struct AttendeeInfo {
    std::int64_t id = 0;
    std::string name;
    std::string organisation;
    Category category = Category::member;
    std::string sector;
    bool vip = false;
    static void fields(auto& m, auto& v) {
        v("id", m.id, Integer{1, kMaxAttendeeId});
        v("name", m.name, Text{kMaxNameBytes});
        v("organisation", m.organisation, Text{kMaxOrganisationBytes, true});
        v("category", m.category, OneOf{kCategories});
        v("sector", m.sector, Text{kMaxSectorBytes, true});
        v("vip", m.vip, Boolean{});
    }
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
    // The result the kiosk showed while offline: the scan was decided at the door at "at".
    std::optional<ScanOutcome> offline;
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("scan_id", m.scan_id, kScanIdText);
        v("payload", m.payload, Text{kMaxScanPayloadBytes, true});
        v("direction", m.direction, OneOf{kDirections});
        v("at", m.at, Integer{0});
        v("offline", m.offline, Optional{OneOf{kScanOutcomes}});
    }
    bool operator==(const Scan&) const = default;
};

// The scan frame a kiosk sends thousands of times a minute, decoded from its text without a
// JSON tree. Returns a Scan only when the text is a plain scan frame (one flat object with
// exactly the six fields, or seven with "offline", strings without escapes, integers without
// fraction or exponent) that parse_envelope + decode<Scan> would accept with the same values.
// std::nullopt means "not such a frame": decode it the general way, which also gives the
// coded error.
std::optional<Scan> decode_scan_fast(std::string_view text);

struct CheckinManual {
    static constexpr std::string_view type = "checkin_manual";
    std::int64_t id = 0;
    std::int64_t attendee_id = 0;
    Direction direction = Direction::in;
    std::optional<std::string> scan_id;
    std::optional<std::int64_t> at;
    std::optional<ScanOutcome> offline; // the result the help desk showed offline (see Scan)
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("attendee_id", m.attendee_id, Integer{1, kMaxAttendeeId});
        v("direction", m.direction, OneOf{kDirections});
        v("scan_id", m.scan_id, Optional{kScanIdText});
        v("at", m.at, Optional{Integer{0}});
        v("offline", m.offline, Optional{OneOf{kScanOutcomes}});
        v.check("at", [&] { return offline_time_problem(m.offline, m.at); });
    }
    bool operator==(const CheckinManual&) const = default;
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
    std::optional<ScanOutcome> offline; // registered offline: always ok
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("name", m.name, Text{kMaxNameBytes, false, blank_problem});
        v("organisation", m.organisation, Optional{Text{kMaxOrganisationBytes, true}});
        v("category", m.category, Optional{OneOf{kCategories}});
        v("sector", m.sector, Optional{Text{kMaxSectorBytes, true}});
        v("email", m.email, Optional{Text{kMaxEmailBytes, true}});
        v("scan_id", m.scan_id, Optional{kScanIdText});
        v("at", m.at, Optional{Integer{0}});
        v("offline", m.offline, Optional{OneOf{kScanOutcomes}});
        v.check("offline", [&] { return offline_walk_in_problem(m.offline); });
        v.check("at", [&] { return offline_time_problem(m.offline, m.at); });
    }
    bool operator==(const WalkIn&) const = default;
};

struct Lookup {
    static constexpr std::string_view type = "lookup";
    std::int64_t id = 0;
    std::string query;
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("query", m.query, Text{kMaxLookupQueryBytes});
    }
    bool operator==(const Lookup&) const = default;
};

struct Undo {
    static constexpr std::string_view type = "undo";
    std::int64_t id = 0;
    std::string scan_id;
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("scan_id", m.scan_id, kScanIdText);
    }
    bool operator==(const Undo&) const = default;
};

// ---- server -> client ----

struct FirstEntry {
    std::int64_t at = 0;
    std::string device;
    static void fields(auto& m, auto& v) {
        v("at", m.at, Integer{0});
        v("device", m.device, kDeviceText);
    }
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
    std::optional<ScanOutcome> offline;         // an offline attempt: what the kiosk showed
    std::optional<ConflictKind> conflict;       // an offline admission that collided
    static void fields(auto& m, auto& v) {
        v("re", m.re, kRequestId);
        v("scan_id", m.scan_id, Text{kMaxScanIdBytes});
        v("result", m.result, OneOf{kScanOutcomes});
        v("direction", m.direction, OneOf{kDirections});
        v("method", m.method, OneOf{kMethods});
        v("attendee", m.attendee,
          Nullable{kAttendanceObject, "required (null when no attendee was identified)"});
        v("reason", m.reason, Text{500, true});
        v("server_time", m.server_time, Integer{0});
        v("replayed", m.replayed, Boolean{});
        v("first_entry", m.first_entry, Optional{kAttendanceObject});
        v("payload_excerpt", m.payload_excerpt,
          Optional{Text{kMaxPayloadExcerptChars * 4, true, excerpt_length_problem}});
        v("offline", m.offline, Optional{OneOf{kScanOutcomes}});
        v("conflict", m.conflict, Optional{OneOf{kConflictKinds}});
    }
    bool operator==(const ScanResult&) const = default;
};

struct WalkInResult {
    static constexpr std::string_view type = "walk_in_result";
    std::int64_t re = 0;
    std::string scan_id;
    ScanOutcome result = ScanOutcome::ok;
    AttendeeInfo attendee;
    std::string token;
    static void fields(auto& m, auto& v) {
        v("re", m.re, kRequestId);
        v("scan_id", m.scan_id, Text{kMaxScanIdBytes});
        v("result", m.result, OneOf{kScanOutcomes});
        v("attendee", m.attendee, kAttendanceObject);
        v("token", m.token, Text{512});
    }
    bool operator==(const WalkInResult&) const = default;
};

struct LookupMatch {
    AttendeeInfo attendee;
    bool present = false;
    std::optional<std::int64_t> arrived_at;
    // The attendee's fields plus present, arrived_at.
    static void fields(auto& m, auto& v) {
        v.inline_fields(m.attendee);
        v("present", m.present, Boolean{});
        v("arrived_at", m.arrived_at, Nullable{Integer{0}, "required (null when not arrived)"});
    }
    bool operator==(const LookupMatch&) const = default;
};

struct LookupResult {
    static constexpr std::string_view type = "lookup_result";
    std::int64_t re = 0;
    std::vector<LookupMatch> attendees;
    static void fields(auto& m, auto& v) {
        v("re", m.re, kRequestId);
        v("attendees", m.attendees, List{kAttendanceObject, kMaxLookupResults});
    }
    bool operator==(const LookupResult&) const = default;
};

struct GroupCounts {
    std::int64_t expected = 0;
    std::int64_t arrived = 0;
    std::int64_t present = 0;
    static void fields(auto& m, auto& v) {
        v("expected", m.expected, Integer{0});
        v("arrived", m.arrived, Integer{0});
        v("present", m.present, Integer{0});
    }
    bool operator==(const GroupCounts&) const = default;
};

struct CountsBody {
    std::int64_t expected = 0;
    std::int64_t arrived = 0;
    std::int64_t present = 0;
    std::int64_t walk_ins = 0;
    static void fields(auto& m, auto& v) {
        GroupCounts::fields(m, v);
        v("walk_ins", m.walk_ins, Integer{0});
    }
    bool operator==(const CountsBody&) const = default;
};

struct Counts : CountsBody {
    static constexpr std::string_view type = "counts";
    static constexpr std::string_view coalesce_key = "counts";
};

struct ArrivalBucket {
    std::int64_t t = 0; // bucket start, unix ms, a multiple of 5 minutes
    std::int64_t count = 0;
    static void fields(auto& m, auto& v) {
        v("t", m.t, Integer{0});
        v("count", m.count, Integer{0});
    }
    bool operator==(const ArrivalBucket&) const = default;
};

struct RecentAdmission {
    std::string scan_id;
    std::int64_t at = 0;
    std::string device;
    Method method = Method::scan;
    Direction direction = Direction::in;
    AttendeeInfo attendee;
    static void fields(auto& m, auto& v) {
        admission_fields(m, v);
        v("attendee", m.attendee, kAttendanceObject);
    }
    // Also the first fields of the attendance events.
    static void admission_fields(auto& m, auto& v) {
        v("scan_id", m.scan_id, Text{kMaxScanIdBytes});
        v("at", m.at, Integer{0});
        v("device", m.device, kDeviceText);
        v("method", m.method, OneOf{kMethods});
        v("direction", m.direction, OneOf{kDirections});
    }
    bool operator==(const RecentAdmission&) const = default;
};

struct VipArrival {
    AttendeeInfo attendee;
    std::int64_t at = 0;
    static void fields(auto& m, auto& v) {
        v("attendee", m.attendee, kAttendanceObject);
        v("at", m.at, Integer{0});
    }
    bool operator==(const VipArrival&) const = default;
};

struct DeviceStats {
    std::string device;
    std::string role;
    std::int64_t admitted = 0;
    std::int64_t rejected = 0;
    std::int64_t last_seen = 0;
    std::int64_t per_minute = 0; // scans in the last 60 s
    static void fields(auto& m, auto& v) {
        v("device", m.device, kDeviceText);
        v("role", m.role, Text{32});
        v("admitted", m.admitted, Integer{0});
        v("rejected", m.rejected, Integer{0});
        v("last_seen", m.last_seen, Integer{0});
        v("per_minute", m.per_minute, Integer{0});
    }
    bool operator==(const DeviceStats&) const = default;
};

// One scan of an offline conflict.
struct ConflictScan {
    std::string scan_id;
    std::string device;
    std::int64_t at = 0; // when it happened (the kiosk's time for an offline scan)
    bool offline = false;
    static void fields(auto& m, auto& v) {
        v("scan_id", m.scan_id, Text{kMaxScanIdBytes});
        v("device", m.device, kDeviceText);
        v("at", m.at, Integer{0});
        v("offline", m.offline, Boolean{});
    }
    bool operator==(const ConflictScan&) const = default;
};

// An offline admission that collided (PROTOCOL.md 5.12): scans[0] is the attempt synced, for
// admitted_twice scans[1] the admission in effect it met; revoked_meanwhile has a reason.
struct OfflineConflictBody {
    ConflictKind kind = ConflictKind::admitted_twice;
    std::optional<AttendeeInfo> attendee; // null when the badge names nobody on the roster
    std::vector<ConflictScan> scans;
    std::optional<std::string> reason;
    std::int64_t server_time = 0; // when the server recorded the synced attempt
    static void fields(auto& m, auto& v) {
        v("kind", m.kind, OneOf{kConflictKinds});
        v("attendee", m.attendee,
          Nullable{kAttendanceObject, "required (null when no attendee was identified)"});
        v("scans", m.scans, List{kAttendanceObject, 2});
        v("reason", m.reason, Optional{Text{500, true}});
        v("server_time", m.server_time, Integer{0});
    }
    bool operator==(const OfflineConflictBody&) const = default;
};

struct OfflineConflict : OfflineConflictBody {
    static constexpr std::string_view type = "offline_conflict";
};

// Attendance.rejected: counts by result, each a result other than ok.
struct RejectedCounts {
    void read(Reader& reader, std::string_view key, std::map<std::string, std::int64_t>& out) const;
    template <class Sink>
    void write(Sink& sink, const std::map<std::string, std::int64_t>& counts) const {
        Map<Integer>{}.write(sink, counts);
    }
};

// What is wrong with the by_category keys of an attendance snapshot, or "".
std::string unknown_category_problem(const std::map<std::string, GroupCounts>& by_category);

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
    std::vector<OfflineConflictBody> conflicts;   // newest first, at most 50
    std::int64_t server_time = 0;
    static void fields(auto& m, auto& v) {
        v.inline_fields(m.counts);
        v("by_category", m.by_category, Map{kAttendanceObject});
        v.check("by_category", [&] { return unknown_category_problem(m.by_category); });
        v("by_sector", m.by_sector, Map{kAttendanceObject});
        v("arrivals", m.arrivals, List{kAttendanceObject});
        v("recent", m.recent, List{kAttendanceObject});
        v.check("recent", [&] {
            return std::string(m.recent.size() > 50 ? "has more than 50 entries" : "");
        });
        v("vips", m, Object{NestedErrors::on_outer_field, vips_fields});
        v("devices", m.devices, List{kAttendanceObject});
        v("rejected", m.rejected, RejectedCounts{});
        v("conflicts", m.conflicts, List{kAttendanceObject, 50});
        v("server_time", m.server_time, Integer{0});
    }
    // "vips": {"arrived": [...], "missing": [...]}
    static constexpr auto vips_fields = [](auto& m, auto& v) {
        v("arrived", m.vips_arrived, List{kAttendanceObject});
        v("missing", m.vips_missing, List{Object{NestedErrors::on_outer_field_full_name}});
    };
    bool operator==(const Attendance&) const = default;
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
    static void fields(auto& m, auto& v) {
        RecentAdmission::admission_fields(m, v);
        v("result", m.result, OneOf{kScanOutcomes});
        v("attendee", m.attendee,
          Nullable{kAttendanceObject, "required (null when no attendee was identified)"});
        v("counts", m.counts, kAttendanceObject);
    }
    bool operator==(const AttendanceEventBody&) const = default;
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
    static void fields(auto& m, auto& v) {
        v("attendee", m.attendee, kAttendanceObject);
        v("at", m.at, Integer{0});
        v("device", m.device, kDeviceText);
    }
    bool operator==(const VipArrived&) const = default;
};

} // namespace stagedoor::protocol
