// Protocol v1 messages for offline doors (PROTOCOL.md 5.12): the door's cache of the roster
// (offline_roster pages and offline_update pushes) and the door's report of its queue.
//
// Frame size: a roster page of 1000 attendees is larger than the 64 KiB a client may send
// (about 150 bytes an attendee); the limit is on frames to the server. A client decodes a page
// with nlohmann::json::parse + decode<OfflineRosterPage>, not parse_envelope (which refuses
// text over kMaxFrameBytes, as the server does).
#pragma once

#include "stagedoor/protocol/messages.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::protocol {

// At most this many attendees in one offline_roster_page, and in one offline_update frame.
inline constexpr std::size_t kMaxOfflineRosterPage = 1000;
inline constexpr std::size_t kMaxOfflineUpdateAttendees = 200;
// The badge verify key on the wire: the raw 32-byte Ed25519 public key in base64url without
// padding.
inline constexpr std::size_t kVerifyKeyChars = 43;

// A ledger device label: a paired device's name (at most kMaxDeviceBytes) plus " #<device id>".
inline constexpr Text kDeviceLabelText{kMaxDeviceBytes + 21, true};

// What is wrong with a verify_key text (not 43 base64url characters), or "".
std::string_view verify_key_problem(std::string_view text);

// The "offline_attendee" object: what a door needs to judge a badge without the server.
// name and organisation are "" when the organiser keeps names off door devices.
struct OfflineAttendee {
    std::int64_t id = 0;
    std::int64_t serial = 0; // the current badge serial; 0 = no badge issued
    std::string name;
    std::string organisation;
    Category category = Category::member;
    bool vip = false;
    bool blocked = false;
    bool present = false;
    std::optional<std::int64_t> in_at;    // the admission in effect; null when not inside
    std::optional<std::string> in_device; // its device label ("Door 2 #7"); null likewise
    static void fields(auto& m, auto& v) {
        v("id", m.id, Integer{1, kMaxAttendeeId});
        v("serial", m.serial, Integer{0, 0xFFFF});
        v("name", m.name, Text{kMaxNameBytes, true});
        v("organisation", m.organisation, Text{kMaxOrganisationBytes, true});
        v("category", m.category, OneOf{kCategories});
        v("vip", m.vip, Boolean{});
        v("blocked", m.blocked, Boolean{});
        v("present", m.present, Boolean{});
        v("in_at", m.in_at, Nullable{Integer{0}, "required (null when not inside)"});
        v("in_device", m.in_device, Nullable{kDeviceLabelText, "required (null when not inside)"});
    }
    bool operator==(const OfflineAttendee&) const = default;
};

// ---- client -> server ----

// A page of the offline roster (door, organiser). The first one subscribes the connection to
// offline_update.
struct OfflineRoster {
    static constexpr std::string_view type = "offline_roster";
    std::int64_t id = 0;
    std::int64_t after = 0; // attendee id to start after; 0 = from the start
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("after", m.after, Integer{0, kMaxAttendeeId});
    }
    bool operator==(const OfflineRoster&) const = default;
};

// The length of a door's offline queue (door, organiser); answered ok.
struct QueueReport {
    static constexpr std::string_view type = "queue_report";
    std::int64_t id = 0;
    std::int64_t queued = 0;
    std::optional<std::int64_t> oldest_at; // kiosk time of the oldest queued attempt
    std::optional<std::int64_t> last_sync; // kiosk time of the last completed sync
    static void fields(auto& m, auto& v) {
        v("id", m.id, kRequestId);
        v("queued", m.queued, Integer{0});
        v("oldest_at", m.oldest_at, Nullable{Integer{0}});
        v("last_sync", m.last_sync, Nullable{Integer{0}});
    }
    bool operator==(const QueueReport&) const = default;
};

// ---- server -> client ----

struct OfflineRosterPage {
    static constexpr std::string_view type = "offline_roster_page";
    std::int64_t re = 0;
    EventInfo event;
    std::string verify_key; // base64url of the raw 32-byte Ed25519 public key
    bool names = true;      // false: name and organisation are "" (serve --offline-names off)
    std::vector<OfflineAttendee> attendees; // id order, at most kMaxOfflineRosterPage
    std::optional<std::int64_t> next;       // last id of the page when more follow, else null
    std::int64_t server_time = 0;
    static void fields(auto& m, auto& v) {
        v("re", m.re, kRequestId);
        v("event", m.event, Object{NestedErrors::on_outer_field_bare});
        v("verify_key", m.verify_key, Text{kVerifyKeyChars, false, verify_key_problem});
        v("names", m.names, Boolean{});
        v("attendees", m.attendees, List{kAttendanceObject, kMaxOfflineRosterPage});
        v("next", m.next, Nullable{Integer{1, kMaxAttendeeId}, "required (null on the last page)"});
        v("server_time", m.server_time, Integer{0});
    }
    bool operator==(const OfflineRosterPage&) const = default;
};

// Every attendee whose offline object changed since the last update. Never coalesced: a
// client that missed one would keep a stale attendee.
struct OfflineUpdate {
    static constexpr std::string_view type = "offline_update";
    std::vector<OfflineAttendee> attendees; // at most kMaxOfflineUpdateAttendees
    std::int64_t server_time = 0;
    static void fields(auto& m, auto& v) {
        v("attendees", m.attendees, List{kAttendanceObject, kMaxOfflineUpdateAttendees});
        v("server_time", m.server_time, Integer{0});
    }
    bool operator==(const OfflineUpdate&) const = default;
};

} // namespace stagedoor::protocol
