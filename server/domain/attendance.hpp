// The door's state, pure and in memory: roster, badge serials, the append-only ledger,
// presence and counts. No SQLite, no clocks: time is passed in. The storage layer loads it
// at start and persists every appended entry; the module decides in arrival order here.
#pragma once

#include "domain/csv.hpp"
#include "domain/failure.hpp"
#include "domain/name_index.hpp"
#include "domain/scan_index.hpp"
#include "domain/text_fold.hpp"
#include "stagedoor/protocol/vocabulary.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace stagedoor::domain {

// The door's vocabulary is the wire's: a category, direction, method or scan outcome has one
// name, shared with the protocol (stagedoor/protocol/vocabulary.hpp, no message types). The
// values below are the domain's own; app/attendance_views turns them into messages.
using protocol::Category;
using protocol::ConflictKind;
using protocol::Direction;
using protocol::Method;
using protocol::ScanOutcome;

// A door may undo its own scans for this long.
inline constexpr std::int64_t kDoorUndoWindowMs = 10 * 60 * 1000;
inline constexpr std::int64_t kArrivalBucketMs = 5 * 60 * 1000;
inline constexpr std::size_t kRecentAdmissions = 50;
// Arrival buckets in a snapshot (a day of 5-minute buckets).
inline constexpr std::size_t kMaxArrivalBuckets = 288;
// An offline attempt's time is trusted back to this far (a door's clock may be wrong).
inline constexpr std::int64_t kOfflineHorizonMs = 7LL * 24 * 60 * 60 * 1000;
// Offline conflicts in a snapshot.
inline constexpr std::size_t kRecentConflicts = 50;

struct Attendee {
    std::int64_t id = 0;
    std::string external_id;
    std::string name;
    std::string organisation;
    std::string email;
    std::string sector;
    Category category = Category::member;
    bool vip = false;
    std::string notes;
    bool blocked = false; // admission refused: every badge of this person is revoked
    bool walk_in = false; // registered at the door, not on the imported roster
    std::int64_t created_at = 0;
    // The current badge: older serials are revoked. serial 0 = no badge issued yet.
    std::uint16_t serial = 0;
    std::string token;
    std::int64_t token_issued_at = 0; // unix ms
};

// One line of the ledger. Entries are never changed once appended; an undo is a new entry
// whose reverses_seq names the entry it cancels.
struct LedgerEntry {
    std::int64_t seq = 0;
    std::string scan_id;
    std::optional<std::int64_t> attendee_id;
    ScanOutcome result = ScanOutcome::ok;
    Direction direction = Direction::in;
    Method method = Method::scan;
    std::string device;
    std::string role; // door, organiser
    std::optional<std::int64_t> kiosk_time;
    std::int64_t server_time = 0;
    std::optional<std::int64_t> reverses_seq;    // undo: the entry cancelled
    std::optional<std::int64_t> first_entry_seq; // already_in: the admission then in effect
    std::optional<std::int64_t> badge_serial;    // serial read from the token
    std::string payload; // what was scanned (at most 200 characters); empty for the issued text
    // Decided offline: the result the door showed at kiosk_time (clamped, see ScanContext).
    std::optional<ScanOutcome> offline_verdict;

    bool is_reversal() const { return reverses_seq.has_value(); }
    // When it happened: the door's time for an offline attempt, else when the server decided.
    std::int64_t happened_at() const {
        return offline_verdict && kiosk_time ? *kiosk_time : server_time;
    }
};

// What the caller learned from the scanned text with badge::parse_token.
struct TokenFacts {
    bool well_formed = false; // parse_token succeeded
    bool event_matches = false;
    std::int64_t attendee_id = 0;
    std::uint16_t serial = 0;
};

// Per attendee, derived from the ledger (undo aware).
struct Presence {
    bool present = false;
    std::optional<std::int64_t> arrived_at;    // first admission still in effect
    std::optional<std::int64_t> first_in_seq;  // that admission
    std::optional<std::int64_t> admission_seq; // the admission that makes them present now
    std::optional<std::int64_t> last_out_at;   // last exit still in effect
    std::vector<std::int64_t> ok_entries;      // seqs of this attendee's ok entries, in order
};

struct ScanContext {
    std::string scan_id;
    std::string device;
    std::string role;
    std::optional<std::int64_t> kiosk_time;
    std::int64_t now = 0;
    // An offline attempt: what the door showed. Its kiosk_time is then kept within
    // [now - kOfflineHorizonMs, now], so a wrong door clock cannot move an arrival far.
    std::optional<ScanOutcome> offline = std::nullopt;
};

// An undo the domain accepts: the entry to reverse, or nothing to do when it already is.
struct UndoTarget {
    std::int64_t target_seq = 0;
    bool already_undone = false;
};

// What a door types in for a walk-in (fields are trimmed by make_walk_in).
struct WalkInDetails {
    std::string name;
    std::string organisation;
    Category category = Category::guest;
    std::string sector;
    std::string email;
};

// A person registered at the door under id: trimmed fields, walk_in set, created at now, no
// badge yet (the caller signs one).
Attendee make_walk_in(const WalkInDetails& details, std::int64_t id, std::int64_t now);

// The four headline numbers.
struct Counts {
    std::int64_t expected = 0; // on the roster and not blocked
    std::int64_t arrived = 0;  // admitted at least once (an admission still in effect)
    std::int64_t present = 0;
    std::int64_t walk_ins = 0;
    bool operator==(const Counts&) const = default;
};

struct GroupCounts {
    std::int64_t expected = 0;
    std::int64_t arrived = 0;
    std::int64_t present = 0;
    bool operator==(const GroupCounts&) const = default;
};

struct ArrivalBucket {
    std::int64_t t = 0; // bucket start, unix ms, a multiple of kArrivalBucketMs
    std::int64_t count = 0;
};

// The pointers in the values below point into the Attendance they came from: they are valid
// until it next changes, so turn them into messages right away.
struct RecentAdmission {
    const LedgerEntry* entry = nullptr;
    const Attendee* attendee = nullptr;
};

struct VipArrival {
    const Attendee* attendee = nullptr;
    std::int64_t at = 0;
};

// An offline admission that collided (PROTOCOL.md 5.12), derived from the ledger.
struct OfflineConflict {
    ConflictKind kind = ConflictKind::admitted_twice;
    const LedgerEntry* entry = nullptr;     // the offline attempt
    const LedgerEntry* admission = nullptr; // admitted_twice: the admission in effect it met
    const Attendee* attendee = nullptr;     // nullptr when the badge names nobody known
    std::string reason;                     // revoked_meanwhile: why (English)
};

struct DeviceStats {
    std::string device;
    std::string role;
    std::int64_t admitted = 0; // admissions by this device not undone since
    std::int64_t rejected = 0;
    std::int64_t last_seen = 0;
    std::int64_t per_minute = 0; // scans in the last 60 s
};

// The organiser's dashboard.
struct AttendanceSnapshot {
    Counts counts;
    std::map<Category, GroupCounts> by_category; // every category, also the empty ones
    std::map<std::string, GroupCounts> by_sector;
    std::vector<ArrivalBucket> arrivals;          // oldest first, empty buckets filled in
    std::vector<RecentAdmission> recent;          // newest first, at most kRecentAdmissions
    std::vector<VipArrival> vips_arrived;         // by arrival
    std::vector<const Attendee*> vips_missing;    // by name
    std::vector<DeviceStats> devices;             // by device name
    std::map<ScanOutcome, std::int64_t> rejected; // rejected scans by outcome (none: absent)
    std::vector<OfflineConflict> conflicts;       // newest first, at most kRecentConflicts
    std::int64_t server_time = 0;
};

struct LookupMatch {
    const Attendee* attendee = nullptr; // into the Attendance, see above
    bool present = false;
    std::optional<std::int64_t> arrived_at;
};

// Where and when the admission in effect happened (for an already_in verdict).
struct FirstEntry {
    std::int64_t at = 0;
    std::string device;
};

// What a recorded entry tells the device that sent it: the content of its reply.
struct Verdict {
    const LedgerEntry* entry = nullptr;
    const Attendee* attendee = nullptr;    // the person recognised, if any (into the Attendance)
    std::string reason;                    // human text, the same for the original and a replay
    std::optional<FirstEntry> first_entry; // already_in only
    std::optional<ConflictKind> conflict;  // an offline admission that collided
};

struct DeviceActivity {
    std::string role;
    std::int64_t admitted = 0;
    std::int64_t rejected = 0;
    std::int64_t last_seen = 0;
};

class Attendance {
  public:
    // ---- roster ----
    // Adds or replaces an attendee (same id). Keeps counts right.
    void put_attendee(Attendee attendee);
    const Attendee* attendee(std::int64_t id) const;
    // text is exactly the token issued for this attendee's current badge serial.
    bool is_issued_token(std::int64_t attendee_id, std::uint16_t serial,
                         std::string_view text) const;
    // Takes back an attendee whose registration was not committed (no ledger entries left).
    void remove_attendee(std::int64_t id);
    std::int64_t next_attendee_id() const { return max_attendee_id_ + 1; }
    // Attendees in id order.
    std::vector<const Attendee*> attendees() const;
    std::size_t attendee_count() const { return attendees_.size(); }
    const Attendee* find_by_external_id(std::string_view external_id) const;
    // Case-insensitive (ASCII) email match.
    const Attendee* find_by_email(std::string_view email) const;

    // ---- verdicts (do not change state) ----
    // A scan: verify_signature is called only when the token is not the exact text this
    // server issued for the attendee's current badge. An offline attempt (context.offline)
    // is judged the same way, then settled by the offline rule (settle_offline).
    LedgerEntry judge_scan(const ScanContext& context, Direction direction,
                           std::string_view payload, const TokenFacts& facts,
                           const std::function<bool()>& verify_signature) const;
    // A help-desk check-in of a known id (method manual or walk_in); offline as judge_scan.
    LedgerEntry judge_manual(const ScanContext& context, Direction direction,
                             std::int64_t attendee_id, Method method = Method::manual) const;
    // A door may undo its own scans of the last kDoorUndoWindowMs, an organiser any; only an
    // ok entry can be undone. Failures: not_found / conflict (field scan_id), forbidden.
    std::variant<UndoTarget, Failure> judge_undo(std::string_view scan_id, std::string_view role,
                                                 std::string_view device, std::int64_t now) const;
    // Refuses a walk-in whose scan_id already names another kind of check-in (conflict).
    std::optional<Failure> check_walk_in_scan_id(std::string_view scan_id) const;
    // The reversal entry for a judged undo.
    LedgerEntry make_reversal(const ScanContext& context, std::int64_t target_seq) const;

    // ---- the ledger ----
    // Appends; assigns entry.seq when it is 0 (a given seq must be above every one so far).
    // Updates presence, counts and the scan index.
    const LedgerEntry& append(LedgerEntry entry);
    // Takes back an entry whose commit failed, as if it had never been appended.
    void discard(std::int64_t seq);
    const LedgerEntry* entry(std::int64_t seq) const;
    // The original (non-reversal) entry recorded under scan_id.
    const LedgerEntry* find_scan(std::string_view scan_id) const;
    std::optional<std::int64_t> reversed_by(std::int64_t seq) const;
    const std::deque<LedgerEntry>& ledger() const { return ledger_; }
    std::int64_t next_seq() const { return max_seq_ + 1; }

    // ---- derived state ----
    const Presence* presence(std::int64_t attendee_id) const;
    Counts counts() const { return counts_; }
    AttendanceSnapshot snapshot(std::int64_t now) const;
    // Best match first (match_score, then folded name, then id); at most limit. Served from
    // an index kept current by put_attendee and remove_attendee, not by scoring everyone.
    std::vector<LookupMatch> lookup(std::string_view query,
                                    std::size_t limit = protocol::kMaxLookupResults) const;
    // The reply's content for an entry of this ledger.
    Verdict verdict(const LedgerEntry& entry) const;
    // Human text for a verdict (English), the same for the original reply and a replay.
    std::string reason(const LedgerEntry& entry) const;
    std::optional<FirstEntry> first_entry(const LedgerEntry& entry) const;
    // entry is the first admission still in effect of its attendee (not a re-entry).
    bool is_first_arrival(const LedgerEntry& entry) const;

    // ---- offline conflicts (PROTOCOL.md 5.12) ----
    // What kind of conflict an entry is: an offline admission (door showed ok, direction in)
    // that the server judged already_in by another device, or revoked / unknown_badge.
    std::optional<ConflictKind> conflict_kind(const LedgerEntry& entry) const;
    // The conflict of an entry of this ledger, if it is one.
    std::optional<OfflineConflict> offline_conflict(const LedgerEntry& entry) const;
    // Every conflict in the ledger, newest first; at most limit (0: all).
    std::vector<OfflineConflict> offline_conflicts(std::size_t limit = 0) const;

  private:
    struct AttendeeSlot {
        Attendee attendee;
        Presence presence;
    };
    void recompute_presence(AttendeeSlot& slot);
    void count_attendee(const AttendeeSlot& slot, int sign);
    // Moves the admitted count of the device whose admission a reversal undoes by sign.
    void count_undone_admission(const LedgerEntry& reversal, int sign);
    LedgerEntry base_entry(const ScanContext& context, Direction direction, Method method) const;
    void admission_verdict(LedgerEntry& entry, const AttendeeSlot& slot) const;
    LedgerEntry judge_token(const ScanContext& context, Direction direction,
                            std::string_view payload, const TokenFacts& facts,
                            const std::function<bool()>& verify_signature) const;
    LedgerEntry judge_attendee(const ScanContext& context, Direction direction,
                               std::int64_t attendee_id, Method method) const;
    // Moves presence to include the newest ok entry (O(1), in append order).
    static void advance_presence(Presence& presence, const LedgerEntry& entry);
    std::int64_t find_scan_seq(std::string_view scan_id, std::uint64_t hash) const;
    // Index in ledger_ of the entry with this seq, or ledger_.size().
    std::size_t position(std::int64_t seq) const;

    std::unordered_map<std::int64_t, AttendeeSlot> attendees_;
    std::int64_t max_attendee_id_ = 0;
    NameIndex names_; // lookup's index over every attendee's name and organisation
    // In seq order. A deque: appending never moves the entries already there, so a ledger of
    // a million entries grows without a pause to copy them (and references stay valid).
    std::deque<LedgerEntry> ledger_;
    ScanIndex scan_index_;
    std::unordered_map<std::int64_t, std::int64_t> reversed_by_;
    std::int64_t max_seq_ = 0;
    std::map<std::string, DeviceActivity> devices_;
    std::map<ScanOutcome, std::int64_t> rejected_;
    std::vector<std::int64_t> conflict_seqs_; // in seq order
    Counts counts_;
};

// The offline rule (PROTOCOL.md 5.12) on an entry judged by the server: a door that turned
// someone away offline is never overruled into an admission (the kiosk's refusal is kept when
// the server would have admitted), every other verdict stands.
void settle_offline(LedgerEntry& entry);

// Exports. Times are ISO 8601 in the server's local time zone, e.g. 2026-11-26T18:02:11+01:00.
std::string iso_local_time(std::int64_t unix_ms);
// One row per attendee: name, organisation, category, sector, first in, last out, method, device.
std::string attendance_csv(const Attendance& state, CsvSeparator separator = CsvSeparator::comma);
// Every ledger entry, oldest first; the offline column holds what an offline door showed.
std::string ledger_csv(const Attendance& state, CsvSeparator separator = CsvSeparator::comma);

} // namespace stagedoor::domain
