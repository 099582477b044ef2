// The door's state, pure and in memory: roster, badge serials, the append-only ledger,
// presence and counts. No SQLite, no clocks: time is passed in. The storage layer loads it
// at start and persists every appended entry; the module decides in arrival order here.
#pragma once

#include "domain/scan_index.hpp"
#include "domain/text_fold.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stagedoor::domain {

using protocol::Category;
using protocol::Direction;
using protocol::Method;
using protocol::ScanOutcome;

// A door may undo its own scans for this long.
inline constexpr std::int64_t kDoorUndoWindowMs = 10 * 60 * 1000;
inline constexpr std::int64_t kArrivalBucketMs = 5 * 60 * 1000;
inline constexpr std::size_t kRecentAdmissions = 50;
// Arrival buckets in a snapshot (a day of 5-minute buckets).
inline constexpr std::size_t kMaxArrivalBuckets = 288;

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

    protocol::AttendeeInfo info() const;
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

    bool is_reversal() const { return reverses_seq.has_value(); }
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
};

struct UndoDecision {
    enum class Kind {
        reverse,
        already_undone,
        not_found,
        forbidden,
        conflict
    } kind = Kind::not_found;
    std::int64_t target_seq = 0;
    std::string message;
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
    // server issued for the attendee's current badge.
    LedgerEntry judge_scan(const ScanContext& context, Direction direction,
                           std::string_view payload, const TokenFacts& facts,
                           const std::function<bool()>& verify_signature) const;
    // A help-desk check-in of a known id (method manual or walk_in).
    LedgerEntry judge_manual(const ScanContext& context, Direction direction,
                             std::int64_t attendee_id, Method method = Method::manual) const;
    UndoDecision judge_undo(std::string_view scan_id, std::string_view role,
                            std::string_view device, std::int64_t now) const;
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
    protocol::CountsBody counts() const;
    protocol::Attendance snapshot(std::int64_t now) const;
    std::vector<protocol::LookupMatch>
    lookup(std::string_view query, std::size_t limit = protocol::kMaxLookupResults) const;
    // Human text for a verdict (English), the same for the original reply and a replay.
    std::string reason(const LedgerEntry& entry) const;
    std::optional<protocol::FirstEntry> first_entry(const LedgerEntry& entry) const;

  private:
    struct AttendeeSlot {
        Attendee attendee;
        SearchText search;
        Presence presence;
    };
    void recompute_presence(AttendeeSlot& slot);
    void count_attendee(const AttendeeSlot& slot, int sign);
    LedgerEntry base_entry(const ScanContext& context, Direction direction, Method method) const;
    void admission_verdict(LedgerEntry& entry, const AttendeeSlot& slot) const;
    std::int64_t find_scan_seq(std::string_view scan_id, std::uint64_t hash) const;
    // Index in ledger_ of the entry with this seq, or ledger_.size().
    std::size_t position(std::int64_t seq) const;

    std::unordered_map<std::int64_t, AttendeeSlot> attendees_;
    std::int64_t max_attendee_id_ = 0;
    // In seq order. A deque: appending never moves the entries already there, so a ledger of
    // a million entries grows without a pause to copy them (and references stay valid).
    std::deque<LedgerEntry> ledger_;
    ScanIndex scan_index_;
    std::unordered_map<std::int64_t, std::int64_t> reversed_by_;
    std::int64_t max_seq_ = 0;
    std::map<std::string, DeviceActivity> devices_;
    std::map<std::string, std::int64_t> rejected_;
    protocol::CountsBody counts_;
};

// Exports. Times are ISO 8601 in the server's local time zone, e.g. 2026-11-26T18:02:11+01:00.
std::string iso_local_time(std::int64_t unix_ms);
// One row per attendee: name, organisation, category, sector, first in, last out, method, device.
std::string attendance_csv(const Attendance& state);
// Every ledger entry, oldest first.
std::string ledger_csv(const Attendance& state);
// One CSV cell, quoted when needed; a leading = + - @ is neutralised for spreadsheets.
std::string csv_cell(std::string_view text);

} // namespace stagedoor::domain
