#include "app/attendance_views.hpp"

namespace stagedoor::app::views {

using protocol::Direction;
using protocol::Method;
using protocol::ScanOutcome;

protocol::AttendeeInfo attendee_info(const domain::Attendee& person) {
    return protocol::AttendeeInfo{person.id,       person.name,   person.organisation,
                                  person.category, person.sector, person.vip};
}

protocol::CountsBody counts_body(const domain::Counts& counts) {
    return protocol::CountsBody{counts.expected, counts.arrived, counts.present, counts.walk_ins};
}

protocol::Counts counts(const domain::Counts& counts) {
    protocol::Counts message;
    static_cast<protocol::CountsBody&>(message) = counts_body(counts);
    return message;
}

namespace {

protocol::GroupCounts group_counts(const domain::GroupCounts& group) {
    return protocol::GroupCounts{group.expected, group.arrived, group.present};
}

protocol::RecentAdmission recent_admission(const domain::RecentAdmission& admission) {
    const domain::LedgerEntry& entry = *admission.entry;
    return protocol::RecentAdmission{entry.scan_id,   entry.happened_at(),
                                     entry.device,    entry.method,
                                     entry.direction, attendee_info(*admission.attendee)};
}

} // namespace

protocol::Attendance attendance(const domain::AttendanceSnapshot& snapshot) {
    protocol::Attendance out;
    out.counts = counts_body(snapshot.counts);
    for (const auto& [category, group] : snapshot.by_category)
        out.by_category[std::string(protocol::to_string(category))] = group_counts(group);
    for (const auto& [sector, group] : snapshot.by_sector)
        out.by_sector[sector] = group_counts(group);
    for (const auto& bucket : snapshot.arrivals)
        out.arrivals.push_back({bucket.t, bucket.count});
    for (const auto& admission : snapshot.recent)
        out.recent.push_back(recent_admission(admission));
    for (const auto& arrival : snapshot.vips_arrived)
        out.vips_arrived.push_back({attendee_info(*arrival.attendee), arrival.at});
    for (const domain::Attendee* person : snapshot.vips_missing)
        out.vips_missing.push_back(attendee_info(*person));
    for (const auto& device : snapshot.devices)
        out.devices.push_back({device.device, device.role, device.admitted, device.rejected,
                               device.last_seen, device.per_minute});
    for (const auto& [outcome, count] : snapshot.rejected)
        out.rejected[std::string(protocol::to_string(outcome))] = count;
    for (const auto& conflict : snapshot.conflicts)
        out.conflicts.push_back(offline_conflict_body(conflict));
    out.server_time = snapshot.server_time;
    return out;
}

protocol::ScanResult scan_result(std::int64_t re, domain::Verdict verdict, bool replayed) {
    const domain::LedgerEntry& entry = *verdict.entry;
    protocol::ScanResult result;
    result.re = re;
    result.scan_id = entry.scan_id;
    result.result = entry.result;
    result.direction = entry.direction;
    result.method = entry.method;
    if (verdict.attendee) result.attendee = attendee_info(*verdict.attendee);
    result.reason = std::move(verdict.reason);
    result.server_time = entry.server_time;
    result.replayed = replayed;
    if (verdict.first_entry)
        result.first_entry =
            protocol::FirstEntry{verdict.first_entry->at, std::move(verdict.first_entry->device)};
    if (entry.result == ScanOutcome::malformed) result.payload_excerpt = entry.payload;
    result.offline = entry.offline_verdict;
    result.conflict = verdict.conflict;
    return result;
}

protocol::WalkInResult walk_in_result(std::int64_t re, const domain::LedgerEntry& entry,
                                      const domain::Attendee& person) {
    protocol::WalkInResult result;
    result.re = re;
    result.scan_id = entry.scan_id;
    result.result = entry.result;
    result.attendee = attendee_info(person);
    result.token = person.token;
    return result;
}

protocol::LookupResult lookup_result(std::int64_t re,
                                     const std::vector<domain::LookupMatch>& matches) {
    protocol::LookupResult result;
    result.re = re;
    result.attendees.reserve(matches.size());
    for (const auto& match : matches)
        result.attendees.push_back(
            {attendee_info(*match.attendee), match.present, match.arrived_at});
    return result;
}

OrganiserEvent organiser_event(const domain::LedgerEntry& entry, const domain::Attendee* person,
                               const domain::Counts& counts) {
    protocol::AttendanceEventBody body;
    body.scan_id = entry.scan_id;
    body.at = entry.happened_at();
    body.device = entry.device;
    body.method = entry.method;
    body.direction = entry.direction;
    body.result = entry.result;
    if (person) body.attendee = attendee_info(*person);
    body.counts = counts_body(counts);
    if (entry.is_reversal()) return protocol::Undone{std::move(body)};
    if (entry.result != ScanOutcome::ok) return protocol::Rejected{std::move(body)};
    if (entry.method == Method::walk_in) return protocol::WalkInEvent{std::move(body)};
    if (entry.direction == Direction::in) return protocol::CheckedIn{std::move(body)};
    return protocol::CheckedOut{std::move(body)};
}

protocol::VipArrived vip_arrived(const domain::LedgerEntry& entry, const domain::Attendee& person) {
    return protocol::VipArrived{attendee_info(person), entry.happened_at(), entry.device};
}

namespace {

protocol::ConflictScan conflict_scan(const domain::LedgerEntry& entry) {
    return protocol::ConflictScan{entry.scan_id, entry.device, entry.happened_at(),
                                  entry.offline_verdict.has_value()};
}

} // namespace

protocol::OfflineConflictBody offline_conflict_body(const domain::OfflineConflict& conflict) {
    protocol::OfflineConflictBody body;
    body.kind = conflict.kind;
    if (conflict.attendee) body.attendee = attendee_info(*conflict.attendee);
    body.scans.push_back(conflict_scan(*conflict.entry));
    if (conflict.admission) body.scans.push_back(conflict_scan(*conflict.admission));
    if (!conflict.reason.empty()) body.reason = conflict.reason;
    body.server_time = conflict.entry->server_time;
    return body;
}

std::string offline_conflicts_json(const std::vector<domain::OfflineConflict>& conflicts,
                                   std::int64_t server_time) {
    std::string body;
    protocol::JsonWriter out(body);
    out.begin_object();
    out.key("conflicts").begin_array();
    for (const auto& conflict : conflicts)
        protocol::write_object(out, offline_conflict_body(conflict));
    out.end_array();
    out.key("server_time").value(server_time);
    out.end_object();
    return body;
}

nlohmann::json roster_import_report(const domain::RosterPlan& plan, bool applied) {
    auto problems = [](const std::vector<domain::RosterProblem>& list) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& problem : list)
            out.push_back({{"line", problem.line}, {"reason", problem.reason}});
        return out;
    };
    nlohmann::json out = {{"applied", applied},
                          {"added", plan.added.size()},
                          {"updated", plan.updated.size()},
                          {"unchanged", plan.unchanged},
                          {"skipped", problems(plan.skipped)},
                          {"errors", problems(plan.errors)},
                          {"warnings", plan.warnings}};
    if (plan.refused) out["fatal"] = plan.refused->message;
    return out;
}

} // namespace stagedoor::app::views
