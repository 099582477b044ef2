// The attendance domain's values as protocol messages: pure functions, one per message, so the
// module builds each reply or push once from what the domain decided.
#pragma once

#include "domain/attendance.hpp"
#include "domain/roster_import.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <variant>
#include <vector>

namespace stagedoor::app::views {

// The "attendee" object of the wire.
protocol::AttendeeInfo attendee_info(const domain::Attendee& person);

protocol::CountsBody counts_body(const domain::Counts& counts);
// The "counts" push for doors and organisers.
protocol::Counts counts(const domain::Counts& counts);

// The organiser's "attendance" snapshot.
protocol::Attendance attendance(const domain::AttendanceSnapshot& snapshot);

// The reply to a scan or a manual check-in (and to a walk-in whose person is gone). Takes the
// verdict by value: its reason moves into the reply.
protocol::ScanResult scan_result(std::int64_t re, domain::Verdict verdict, bool replayed);
// The reply to a walk-in: the new person and their badge.
protocol::WalkInResult walk_in_result(std::int64_t re, const domain::LedgerEntry& entry,
                                      const domain::Attendee& person);

protocol::LookupResult lookup_result(std::int64_t re,
                                     const std::vector<domain::LookupMatch>& matches);

// What organisers are told about a committed entry: undone (a reversal), rejected (any other
// outcome than ok), walk_in, checked_in or checked_out.
using OrganiserEvent = std::variant<protocol::CheckedIn, protocol::CheckedOut, protocol::Undone,
                                    protocol::WalkInEvent, protocol::Rejected>;
// person is the entry's attendee (nullptr when none); counts are the counts after it.
OrganiserEvent organiser_event(const domain::LedgerEntry& entry, const domain::Attendee* person,
                               const domain::Counts& counts);
// The alert for a VIP's first arrival (entry is that admission).
protocol::VipArrived vip_arrived(const domain::LedgerEntry& entry, const domain::Attendee& person);

// An offline conflict as the wire names it (PROTOCOL.md 5.12): both devices and times.
protocol::OfflineConflictBody offline_conflict_body(const domain::OfflineConflict& conflict);
// The body of GET /api/offline/conflicts: {"conflicts":[...], "server_time":...}.
std::string offline_conflicts_json(const std::vector<domain::OfflineConflict>& conflicts,
                                   std::int64_t server_time);

// The body of the /api/roster answer: applied, added, updated, unchanged, skipped and errors
// (line and reason), warnings, and fatal when the file was refused as a whole.
nlohmann::json roster_import_report(const domain::RosterPlan& plan, bool applied);

} // namespace stagedoor::app::views
