#include "domain/roster_import.hpp"

#include <algorithm>
#include <map>

namespace stagedoor::domain {

namespace {

bool same_roster_fields(const Attendee& a, const Attendee& b) {
    return a.external_id == b.external_id && a.name == b.name && a.organisation == b.organisation &&
           a.email == b.email && a.sector == b.sector && a.category == b.category &&
           a.vip == b.vip && a.notes == b.notes && a.blocked == b.blocked;
}

// The known attendee a row names: by external_id, else by email unless both carry different
// external ids (then they are two people who share an address).
const Attendee* match_row(const Attendance& state, const RosterRow& row) {
    if (const Attendee* by_id = state.find_by_external_id(row.external_id)) return by_id;
    if (row.email.empty()) return nullptr;
    const Attendee* by_email = state.find_by_email(row.email);
    if (by_email && (by_email->external_id.empty() || row.external_id.empty() ||
                     by_email->external_id == row.external_id))
        return by_email;
    return nullptr;
}

// New people get every field; known people only the columns this file has.
Attendee merged(const Attendee* existing, const RosterRow& row, const RosterColumns& has) {
    Attendee person = existing ? *existing : Attendee{};
    person.name = row.name;
    if (!existing || has.organisation) person.organisation = row.organisation;
    if (!existing || has.email) person.email = row.email;
    if (!existing || has.sector) person.sector = row.sector;
    if (!existing || has.category) person.category = row.category;
    if (!existing || has.vip) person.vip = row.vip;
    if (!existing || has.notes) person.notes = row.notes;
    if (!existing || has.blocked) person.blocked = row.blocked;
    if (!row.external_id.empty()) person.external_id = row.external_id;
    return person;
}

// A refused plan writes nothing.
void drop_changes(RosterPlan& plan) {
    plan.added.clear();
    plan.updated.clear();
    plan.badges.clear();
    plan.unchanged = 0;
}

} // namespace

RosterPlan plan_roster_import(const Attendance& state, const RosterParse& roster,
                              const RosterImportOptions& options) {
    RosterPlan plan;
    plan.warnings = roster.warnings;
    if (roster.fatal) {
        plan.refused = invalid({}, *roster.fatal);
        return plan;
    }
    std::vector<RosterProblem> problems = roster.errors;
    std::map<std::int64_t, std::size_t> matched_on_line;
    std::int64_t next_id = std::max(state.next_attendee_id(), options.min_new_id);
    for (const auto& row : roster.rows) {
        const Attendee* existing = match_row(state, row);
        if (existing) {
            auto [it, first] = matched_on_line.emplace(existing->id, row.line);
            if (!first) {
                problems.push_back({row.line, "is the same attendee as line " +
                                                  std::to_string(it->second) +
                                                  " (matched by external_id or email)"});
                continue;
            }
        }
        Attendee person = merged(existing, row, roster.columns);
        if (existing) {
            if (same_roster_fields(person, *existing))
                ++plan.unchanged;
            else
                plan.updated.push_back(std::move(person));
            continue;
        }
        if (next_id > protocol::kMaxAttendeeId) {
            drop_changes(plan);
            plan.refused = conflict("attendee ids are exhausted (badges carry 32 bits)");
            return plan;
        }
        person.id = next_id++;
        person.created_at = options.now;
        plan.badges.push_back({person.id, 1});
        plan.added.push_back(std::move(person));
    }
    std::sort(problems.begin(), problems.end(),
              [](const auto& a, const auto& b) { return a.line < b.line; });
    if (!problems.empty() && !options.skip_bad) {
        drop_changes(plan);
        plan.errors = std::move(problems);
        return plan;
    }
    plan.skipped = std::move(problems);
    return plan;
}

void apply_roster_plan(Attendance& state, const RosterPlan& plan) {
    for (const auto& person : plan.added)
        state.put_attendee(person);
    for (const auto& person : plan.updated)
        state.put_attendee(person);
}

} // namespace stagedoor::domain
