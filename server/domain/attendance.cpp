#include "domain/attendance.hpp"

#include "domain/csv.hpp"
#include "domain/devices.hpp"
#include "domain/text_fold.hpp"
#include "stagedoor/protocol/text.hpp"

#include <algorithm>
#include <ctime>
#include <stdexcept>

namespace stagedoor::domain {

namespace {

std::int64_t bucket_start(std::int64_t at) {
    return at >= 0 ? at - at % kArrivalBucketMs : at - (kArrivalBucketMs + at % kArrivalBucketMs);
}

std::string_view trim_whitespace(std::string_view text) {
    constexpr std::string_view kBlanks = " \t\r\n";
    auto begin = text.find_first_not_of(kBlanks);
    if (begin == std::string_view::npos) return {};
    return text.substr(begin, text.find_last_not_of(kBlanks) - begin + 1);
}

} // namespace

Attendee make_walk_in(const WalkInDetails& details, std::int64_t id, std::int64_t now) {
    Attendee person;
    person.id = id;
    person.name = std::string(trim_whitespace(details.name));
    person.organisation = std::string(trim_whitespace(details.organisation));
    person.category = details.category;
    person.sector = std::string(trim_whitespace(details.sector));
    person.email = std::string(trim_whitespace(details.email));
    person.walk_in = true;
    person.created_at = now;
    return person;
}

// ---- roster ----

void Attendance::count_attendee(const AttendeeSlot& slot, int sign) {
    const Attendee& person = slot.attendee;
    if (!person.walk_in && !person.blocked) counts_.expected += sign;
    if (person.walk_in) counts_.walk_ins += sign;
    if (slot.presence.arrived_at) counts_.arrived += sign;
    if (slot.presence.present) counts_.present += sign;
}

void Attendance::put_attendee(Attendee person) {
    auto it = attendees_.find(person.id);
    // A block or a new badge keeps the name: only a new person or a new name is indexed again.
    if (it == attendees_.end() || it->second.attendee.name != person.name ||
        it->second.attendee.organisation != person.organisation)
        names_.put(person.id, person.name, person.organisation);
    if (it == attendees_.end()) {
        AttendeeSlot slot;
        slot.attendee = std::move(person);
        max_attendee_id_ = std::max(max_attendee_id_, slot.attendee.id);
        auto [inserted, ok] = attendees_.emplace(slot.attendee.id, std::move(slot));
        (void)ok;
        count_attendee(inserted->second, +1);
        return;
    }
    count_attendee(it->second, -1);
    it->second.attendee = std::move(person);
    count_attendee(it->second, +1);
}

void Attendance::remove_attendee(std::int64_t id) {
    auto it = attendees_.find(id);
    if (it == attendees_.end()) return;
    count_attendee(it->second, -1);
    attendees_.erase(it);
    names_.remove(id);
    if (id == max_attendee_id_) {
        max_attendee_id_ = 0;
        for (const auto& [other, slot] : attendees_)
            max_attendee_id_ = std::max(max_attendee_id_, other);
    }
}

const Attendee* Attendance::attendee(std::int64_t id) const {
    auto it = attendees_.find(id);
    return it == attendees_.end() ? nullptr : &it->second.attendee;
}

std::vector<const Attendee*> Attendance::attendees() const {
    std::vector<const Attendee*> list;
    list.reserve(attendees_.size());
    for (const auto& [id, slot] : attendees_)
        list.push_back(&slot.attendee);
    std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->id < b->id; });
    return list;
}

const Attendee* Attendance::find_by_external_id(std::string_view external_id) const {
    if (external_id.empty()) return nullptr;
    for (const auto& [id, slot] : attendees_)
        if (slot.attendee.external_id == external_id) return &slot.attendee;
    return nullptr;
}

const Attendee* Attendance::find_by_email(std::string_view email) const {
    if (email.empty()) return nullptr;
    std::string wanted = protocol::ascii_lower(email);
    for (const auto& [id, slot] : attendees_)
        if (!slot.attendee.email.empty() && protocol::ascii_lower(slot.attendee.email) == wanted)
            return &slot.attendee;
    return nullptr;
}

// ---- verdicts ----

LedgerEntry Attendance::base_entry(const ScanContext& context, Direction direction,
                                   Method method) const {
    LedgerEntry entry;
    entry.scan_id = context.scan_id;
    entry.direction = direction;
    entry.method = method;
    entry.device = context.device;
    entry.role = context.role;
    entry.kiosk_time = context.kiosk_time;
    entry.server_time = context.now;
    if (context.offline) {
        entry.offline_verdict = context.offline;
        if (entry.kiosk_time)
            entry.kiosk_time =
                std::clamp(*entry.kiosk_time, context.now - kOfflineHorizonMs, context.now);
    }
    return entry;
}

void settle_offline(LedgerEntry& entry) {
    if (!entry.offline_verdict) return;
    ScanOutcome shown = *entry.offline_verdict;
    bool went_in = shown == ScanOutcome::ok || shown == ScanOutcome::already_in;
    // Nobody went in: the server records the door's refusal rather than an admission.
    if (!went_in && entry.result == ScanOutcome::ok && entry.direction == Direction::in &&
        !entry.is_reversal())
        entry.result = shown;
}

void Attendance::admission_verdict(LedgerEntry& entry, const AttendeeSlot& slot) const {
    const Presence& presence = slot.presence;
    if (entry.direction == Direction::in) {
        if (presence.present) {
            entry.result = ScanOutcome::already_in;
            entry.first_entry_seq = presence.admission_seq;
        } else {
            entry.result = ScanOutcome::ok;
        }
    } else {
        entry.result = presence.present ? ScanOutcome::ok : ScanOutcome::not_in;
    }
}

bool Attendance::is_issued_token(std::int64_t attendee_id, std::uint16_t serial,
                                 std::string_view text) const {
    const Attendee* person = attendee(attendee_id);
    return person && person->serial != 0 && person->serial == serial && person->token == text;
}

LedgerEntry Attendance::judge_scan(const ScanContext& context, Direction direction,
                                   std::string_view payload, const TokenFacts& facts,
                                   const std::function<bool()>& verify_signature) const {
    LedgerEntry entry = judge_token(context, direction, payload, facts, verify_signature);
    settle_offline(entry);
    return entry;
}

LedgerEntry Attendance::judge_token(const ScanContext& context, Direction direction,
                                    std::string_view payload, const TokenFacts& facts,
                                    const std::function<bool()>& verify_signature) const {
    LedgerEntry entry = base_entry(context, direction, Method::scan);
    entry.payload = protocol::utf8_prefix(payload, protocol::kMaxPayloadExcerptChars);
    if (!facts.well_formed) {
        entry.result = ScanOutcome::malformed;
        return entry;
    }
    entry.badge_serial = facts.serial;
    if (!facts.event_matches) {
        entry.result = ScanOutcome::wrong_event;
        return entry;
    }
    auto it = attendees_.find(facts.attendee_id);
    const AttendeeSlot* slot = it == attendees_.end() ? nullptr : &it->second;
    // Ed25519 signatures are deterministic: the exact text issued for the current badge needs
    // no signature check, which keeps the hot path at a hash lookup and a string compare.
    bool issued_text = slot && slot->attendee.serial != 0 &&
                       slot->attendee.serial == facts.serial && slot->attendee.token == payload;
    // The issued text is already stored with the badge (attendee and serial name it), so the
    // ledger keeps the scanned text only when it is something else: half the bytes per row.
    if (issued_text) entry.payload.clear();
    if (!issued_text && !verify_signature()) {
        entry.result = ScanOutcome::bad_signature;
        return entry;
    }
    if (!slot || slot->attendee.serial == 0 || facts.serial > slot->attendee.serial) {
        entry.result = ScanOutcome::unknown_badge;
        return entry;
    }
    entry.attendee_id = slot->attendee.id;
    if (facts.serial < slot->attendee.serial || slot->attendee.blocked) {
        entry.result = ScanOutcome::revoked;
        return entry;
    }
    admission_verdict(entry, *slot);
    return entry;
}

LedgerEntry Attendance::judge_manual(const ScanContext& context, Direction direction,
                                     std::int64_t attendee_id, Method method) const {
    LedgerEntry entry = judge_attendee(context, direction, attendee_id, method);
    settle_offline(entry);
    return entry;
}

LedgerEntry Attendance::judge_attendee(const ScanContext& context, Direction direction,
                                       std::int64_t attendee_id, Method method) const {
    LedgerEntry entry = base_entry(context, direction, method);
    auto it = attendees_.find(attendee_id);
    if (it == attendees_.end()) {
        entry.result = ScanOutcome::unknown_badge;
        return entry;
    }
    entry.attendee_id = attendee_id;
    if (it->second.attendee.blocked) {
        entry.result = ScanOutcome::revoked;
        return entry;
    }
    admission_verdict(entry, it->second);
    return entry;
}

std::variant<UndoTarget, Failure> Attendance::judge_undo(std::string_view scan_id,
                                                         std::string_view role,
                                                         std::string_view device,
                                                         std::int64_t now) const {
    const LedgerEntry* target = find_scan(scan_id);
    if (!target) return not_found("no check-in with this scan_id", "scan_id");
    if (role == "door") {
        if (!same_device(target->device, device))
            return forbidden("a door may only undo its own scans");
        if (now - target->server_time > kDoorUndoWindowMs)
            return forbidden("a door may only undo scans of the last 10 minutes");
    } else if (role != "organiser") {
        return forbidden("this role may not undo check-ins");
    }
    if (target->result != ScanOutcome::ok)
        return conflict("only an admission or an exit can be undone, this scan was " +
                            std::string(protocol::to_string(target->result)),
                        "scan_id");
    return UndoTarget{target->seq, reversed_by_.contains(target->seq)};
}

std::optional<Failure> Attendance::check_walk_in_scan_id(std::string_view scan_id) const {
    const LedgerEntry* known = find_scan(scan_id);
    if (!known || known->method == Method::walk_in) return std::nullopt;
    return conflict("scan_id '" + std::string(scan_id) + "' was already used for another check-in",
                    "scan_id");
}

LedgerEntry Attendance::make_reversal(const ScanContext& context, std::int64_t target_seq) const {
    const LedgerEntry* target = entry(target_seq);
    LedgerEntry reversal = base_entry(context, target ? target->direction : Direction::in,
                                      target ? target->method : Method::scan);
    if (target) {
        reversal.scan_id = target->scan_id;
        reversal.attendee_id = target->attendee_id;
    }
    reversal.result = ScanOutcome::ok;
    reversal.reverses_seq = target_seq;
    return reversal;
}

// ---- ledger ----

void Attendance::recompute_presence(AttendeeSlot& slot) {
    Presence& presence = slot.presence;
    presence.present = false;
    presence.arrived_at.reset();
    presence.first_in_seq.reset();
    presence.admission_seq.reset();
    presence.last_out_at.reset();
    for (std::int64_t seq : presence.ok_entries) {
        if (reversed_by_.contains(seq)) continue;
        if (const LedgerEntry* item = entry(seq)) advance_presence(presence, *item);
    }
}

void Attendance::advance_presence(Presence& presence, const LedgerEntry& item) {
    // Entries count in arrival order; an offline one brings the time the door saw it.
    if (item.direction == Direction::in) {
        if (!presence.arrived_at) {
            presence.arrived_at = item.happened_at();
            presence.first_in_seq = item.seq;
        }
        presence.present = true;
        presence.admission_seq = item.seq;
    } else {
        presence.present = false;
        presence.admission_seq.reset();
        presence.last_out_at = item.happened_at();
    }
}

const LedgerEntry& Attendance::append(LedgerEntry item) {
    if (item.seq == 0) item.seq = next_seq();
    // entry() relies on the ledger being in seq order.
    if (item.seq <= max_seq_)
        throw std::logic_error("ledger entries must be appended in seq order");
    max_seq_ = item.seq;
    ledger_.push_back(std::move(item));
    const LedgerEntry& stored = ledger_.back();

    DeviceActivity& device = devices_[stored.device];
    device.role = stored.role;
    device.last_seen = std::max(device.last_seen, stored.server_time);

    std::optional<std::int64_t> touched;
    if (stored.is_reversal()) {
        reversed_by_[*stored.reverses_seq] = stored.seq;
        count_undone_admission(stored, -1);
        touched = stored.attendee_id;
    } else {
        // First wins: the acknowledged scan, should a stored ledger ever repeat a scan_id.
        std::uint64_t hash = ScanIndex::hash(stored.scan_id);
        if (find_scan_seq(stored.scan_id, hash) == 0) scan_index_.insert(hash, stored.seq);
        if (stored.result == ScanOutcome::ok) {
            if (stored.direction == Direction::in) ++device.admitted;
            if (stored.attendee_id) {
                auto it = attendees_.find(*stored.attendee_id);
                if (it != attendees_.end()) {
                    // The newest entry of this attendee: update presence in O(1) (a full
                    // recompute is only needed for reversals and discards).
                    AttendeeSlot& slot = it->second;
                    count_attendee(slot, -1);
                    slot.presence.ok_entries.push_back(stored.seq);
                    advance_presence(slot.presence, stored);
                    count_attendee(slot, +1);
                }
            }
        } else {
            ++device.rejected;
            ++rejected_[stored.result];
        }
        if (stored.offline_verdict && conflict_kind(stored)) conflict_seqs_.push_back(stored.seq);
    }
    if (touched) {
        auto it = attendees_.find(*touched);
        if (it != attendees_.end()) {
            count_attendee(it->second, -1);
            recompute_presence(it->second);
            count_attendee(it->second, +1);
        }
    }
    return stored;
}

void Attendance::count_undone_admission(const LedgerEntry& reversal, int sign) {
    const LedgerEntry* undone = entry(*reversal.reverses_seq);
    if (!undone || undone->result != ScanOutcome::ok || undone->direction != Direction::in) return;
    // The door that admitted, not the device that undid: its count is what it let in.
    auto device = devices_.find(undone->device);
    if (device != devices_.end()) device->second.admitted += sign;
}

void Attendance::discard(std::int64_t seq) {
    std::size_t index = position(seq);
    if (index == ledger_.size()) return;
    LedgerEntry item = std::move(ledger_[index]);
    ledger_.erase(ledger_.begin() + static_cast<std::ptrdiff_t>(index));

    auto device_it = devices_.find(item.device);
    if (item.is_reversal()) {
        reversed_by_.erase(*item.reverses_seq);
        count_undone_admission(item, +1);
    } else {
        scan_index_.erase(ScanIndex::hash(item.scan_id), seq);
        std::erase(conflict_seqs_, seq);
        if (item.result == ScanOutcome::ok) {
            if (item.direction == Direction::in && device_it != devices_.end())
                --device_it->second.admitted;
        } else {
            if (device_it != devices_.end()) --device_it->second.rejected;
            --rejected_[item.result];
        }
    }
    if (item.attendee_id) {
        auto it = attendees_.find(*item.attendee_id);
        if (it != attendees_.end()) {
            auto& seqs = it->second.presence.ok_entries;
            seqs.erase(std::remove(seqs.begin(), seqs.end(), seq), seqs.end());
            count_attendee(it->second, -1);
            recompute_presence(it->second);
            count_attendee(it->second, +1);
        }
    }
}

std::size_t Attendance::position(std::int64_t seq) const {
    if (ledger_.empty() || seq < ledger_.front().seq) return ledger_.size();
    // Seqs are dense unless a failed commit was discarded, so the guess is nearly always it.
    auto guess = static_cast<std::size_t>(seq - ledger_.front().seq);
    if (guess < ledger_.size() && ledger_[guess].seq == seq) return guess;
    auto it =
        std::lower_bound(ledger_.begin(), ledger_.end(), seq,
                         [](const LedgerEntry& item, std::int64_t key) { return item.seq < key; });
    return it != ledger_.end() && it->seq == seq ? static_cast<std::size_t>(it - ledger_.begin())
                                                 : ledger_.size();
}

const LedgerEntry* Attendance::entry(std::int64_t seq) const {
    std::size_t index = position(seq);
    return index == ledger_.size() ? nullptr : &ledger_[index];
}

std::int64_t Attendance::find_scan_seq(std::string_view scan_id, std::uint64_t hash) const {
    return scan_index_.find(scan_id, hash, [this](std::int64_t seq) -> std::string_view {
        const LedgerEntry* item = entry(seq);
        return item ? std::string_view(item->scan_id) : std::string_view();
    });
}

const LedgerEntry* Attendance::find_scan(std::string_view scan_id) const {
    std::int64_t seq = find_scan_seq(scan_id, ScanIndex::hash(scan_id));
    return seq == 0 ? nullptr : entry(seq);
}

std::optional<std::int64_t> Attendance::reversed_by(std::int64_t seq) const {
    auto it = reversed_by_.find(seq);
    if (it == reversed_by_.end()) return std::nullopt;
    return it->second;
}

// ---- derived state ----

const Presence* Attendance::presence(std::int64_t attendee_id) const {
    auto it = attendees_.find(attendee_id);
    return it == attendees_.end() ? nullptr : &it->second.presence;
}

AttendanceSnapshot Attendance::snapshot(std::int64_t now) const {
    AttendanceSnapshot out;
    out.counts = counts_;
    out.server_time = now;
    for (const auto& [name, category] : protocol::kCategories)
        out.by_category[category];

    std::map<std::int64_t, std::int64_t> buckets;
    std::vector<VipArrival> vips_arrived;
    std::vector<const Attendee*> vips_missing;
    for (const auto& [id, slot] : attendees_) {
        const Attendee& person = slot.attendee;
        const Presence& presence = slot.presence;
        auto add = [&](GroupCounts& group) {
            if (!person.walk_in && !person.blocked) ++group.expected;
            if (presence.arrived_at) ++group.arrived;
            if (presence.present) ++group.present;
        };
        add(out.by_category[person.category]);
        add(out.by_sector[person.sector]);
        if (presence.arrived_at) ++buckets[bucket_start(*presence.arrived_at)];
        if (person.vip) {
            if (presence.arrived_at)
                vips_arrived.push_back({&person, *presence.arrived_at});
            else if (!person.blocked)
                vips_missing.push_back(&person);
        }
    }
    if (!buckets.empty()) {
        std::int64_t first = buckets.begin()->first;
        std::int64_t last = buckets.rbegin()->first;
        std::int64_t span = (last - first) / kArrivalBucketMs + 1;
        if (span > static_cast<std::int64_t>(kMaxArrivalBuckets))
            first = last - static_cast<std::int64_t>(kMaxArrivalBuckets - 1) * kArrivalBucketMs;
        for (std::int64_t t = first; t <= last; t += kArrivalBucketMs) {
            auto it = buckets.find(t);
            out.arrivals.push_back({t, it == buckets.end() ? 0 : it->second});
        }
    }
    std::sort(vips_arrived.begin(), vips_arrived.end(),
              [](const auto& a, const auto& b) { return a.at < b.at; });
    out.vips_arrived = std::move(vips_arrived);
    std::sort(vips_missing.begin(), vips_missing.end(),
              [](auto* a, auto* b) { return a->name < b->name; });
    out.vips_missing = std::move(vips_missing);

    std::map<std::string, std::int64_t> per_minute;
    for (auto it = ledger_.rbegin(); it != ledger_.rend(); ++it) {
        // Server times only grow (one loop thread); the slack tolerates a clock step.
        if (it->server_time <= now - 120'000) break;
        if (it->server_time > now - 60'000 && !it->is_reversal()) ++per_minute[it->device];
    }
    for (auto it = ledger_.rbegin(); it != ledger_.rend() && out.recent.size() < kRecentAdmissions;
         ++it) {
        if (it->is_reversal() || it->result != ScanOutcome::ok || it->direction != Direction::in ||
            reversed_by_.contains(it->seq) || !it->attendee_id)
            continue;
        const Attendee* person = attendee(*it->attendee_id);
        if (!person) continue;
        out.recent.push_back({&*it, person});
    }
    for (const auto& [name, activity] : devices_) {
        auto rate = per_minute.find(name);
        out.devices.push_back({name, activity.role, activity.admitted, activity.rejected,
                               activity.last_seen, rate == per_minute.end() ? 0 : rate->second});
    }
    for (const auto& [outcome, count] : rejected_)
        if (count > 0) out.rejected[outcome] = count;
    out.conflicts = offline_conflicts(kRecentConflicts);
    return out;
}

std::vector<LookupMatch> Attendance::lookup(std::string_view query, std::size_t limit) const {
    std::vector<LookupMatch> matches;
    for (const NameIndex::Match& match : names_.search(FoldedQuery::of(query), limit)) {
        const AttendeeSlot& slot = attendees_.at(match.id);
        matches.push_back({&slot.attendee, slot.presence.present, slot.presence.arrived_at});
    }
    return matches;
}

Verdict Attendance::verdict(const LedgerEntry& item) const {
    return Verdict{&item, item.attendee_id ? attendee(*item.attendee_id) : nullptr, reason(item),
                   first_entry(item), item.offline_verdict ? conflict_kind(item) : std::nullopt};
}

bool Attendance::is_first_arrival(const LedgerEntry& item) const {
    if (item.is_reversal() || item.result != ScanOutcome::ok || item.direction != Direction::in ||
        !item.attendee_id)
        return false;
    const Presence* admitted = presence(*item.attendee_id);
    return admitted && admitted->first_in_seq == item.seq;
}

std::optional<FirstEntry> Attendance::first_entry(const LedgerEntry& item) const {
    if (item.result != ScanOutcome::already_in || !item.first_entry_seq) return std::nullopt;
    const LedgerEntry* admission = entry(*item.first_entry_seq);
    if (!admission) return std::nullopt;
    return FirstEntry{admission->happened_at(), admission->device};
}

// ---- offline conflicts ----

std::optional<ConflictKind> Attendance::conflict_kind(const LedgerEntry& item) const {
    if (item.offline_verdict != ScanOutcome::ok || item.direction != Direction::in ||
        item.is_reversal())
        return std::nullopt;
    if (item.result == ScanOutcome::revoked || item.result == ScanOutcome::unknown_badge)
        return ConflictKind::revoked_meanwhile;
    if (item.result != ScanOutcome::already_in || !item.first_entry_seq) return std::nullopt;
    // The same door admitting twice knew it: its own cache said so (no alarm needed).
    const LedgerEntry* admission = entry(*item.first_entry_seq);
    if (admission && same_device(admission->device, item.device)) return std::nullopt;
    return ConflictKind::admitted_twice;
}

std::optional<OfflineConflict> Attendance::offline_conflict(const LedgerEntry& item) const {
    auto kind = conflict_kind(item);
    if (!kind) return std::nullopt;
    OfflineConflict out;
    out.kind = *kind;
    out.entry = &item;
    out.attendee = item.attendee_id ? attendee(*item.attendee_id) : nullptr;
    if (*kind == ConflictKind::admitted_twice)
        out.admission = entry(*item.first_entry_seq);
    else
        out.reason = "Admitted offline, but the server refused the badge: " + reason(item);
    return out;
}

std::vector<OfflineConflict> Attendance::offline_conflicts(std::size_t limit) const {
    std::vector<OfflineConflict> out;
    for (auto it = conflict_seqs_.rbegin();
         it != conflict_seqs_.rend() && (limit == 0 || out.size() < limit); ++it)
        if (const LedgerEntry* item = entry(*it))
            if (auto found = offline_conflict(*item)) out.push_back(std::move(*found));
    return out;
}

std::string Attendance::reason(const LedgerEntry& item) const {
    const Attendee* person = item.attendee_id ? attendee(*item.attendee_id) : nullptr;
    switch (item.result) {
    case ScanOutcome::ok:
        if (item.is_reversal()) return "Undone";
        if (item.direction == Direction::out) return "Checked out";
        return item.method == Method::walk_in ? "Registered and checked in" : "Checked in";
    case ScanOutcome::already_in: {
        auto first = first_entry(item);
        std::string text =
            first ? "Already checked in (at " + first->device + ")" : "Already checked in";
        // An offline door let them in anyway: the organisers are told (offline_conflict).
        return item.offline_verdict == ScanOutcome::ok ? "Admitted offline; " + text : text;
    }
    case ScanOutcome::not_in:
        return "Not checked in, so cannot check out";
    case ScanOutcome::unknown_badge:
        return item.method == Method::scan ? "Badge is not on the guest list"
                                           : "No attendee with this id";
    case ScanOutcome::bad_signature:
        return "Badge signature is invalid (forged or damaged)";
    case ScanOutcome::revoked:
        if (person && item.badge_serial && *item.badge_serial < person->serial)
            return "Badge was replaced by a newer one: ask for the current badge";
        return "Admission blocked for this person: send to the help desk";
    case ScanOutcome::wrong_event:
        return "Badge is for a different event";
    case ScanOutcome::malformed:
        return item.payload.empty() ? "Nothing readable was scanned" : "Not a stagedoor badge";
    }
    return {};
}

// ---- exports ----

std::string iso_local_time(std::int64_t unix_ms) {
    std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[40];
    std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S%z", &local);
    std::string out(text, length);
    // +0100 -> +01:00
    if (out.size() >= 5) out.insert(out.size() - 2, ":");
    return out;
}

namespace {
// A ';' is quoted in the comma-separated files too, so a German Excel that splits at semicolons
// keeps every cell whole.
constexpr CsvQuoting kCell{.quote_semicolons = true};
} // namespace

std::string attendance_csv(const Attendance& state, CsvSeparator separator) {
    CsvWriter out(separator);
    out.row({"id", "external_id", "name", "organisation", "category", "sector", "vip", "first_in",
             "last_out", "present", "method", "device"});
    for (const Attendee* person : state.attendees()) {
        const Presence* presence = state.presence(person->id);
        const LedgerEntry* first =
            presence && presence->first_in_seq ? state.entry(*presence->first_in_seq) : nullptr;
        out.plain(std::to_string(person->id))
            .text(person->external_id, kCell)
            .text(person->name, kCell)
            .text(person->organisation, kCell)
            .plain(protocol::to_string(person->category))
            .text(person->sector, kCell)
            .plain(person->vip ? "yes" : "no")
            .plain(first ? iso_local_time(first->happened_at()) : std::string())
            .plain(presence && presence->last_out_at ? iso_local_time(*presence->last_out_at)
                                                     : std::string())
            .plain(presence && presence->present ? "yes" : "no")
            .plain(first ? protocol::to_string(first->method) : std::string_view())
            .text(first ? std::string_view(first->device) : std::string_view(), kCell)
            .end_row();
    }
    return out.take();
}

std::string ledger_csv(const Attendance& state, CsvSeparator separator) {
    CsvWriter out(separator);
    out.row({"seq", "server_time", "kiosk_time", "scan_id", "device", "role", "method", "direction",
             "result", "attendee_id", "attendee_name", "undoes_seq", "badge_serial", "payload",
             "offline"});
    auto optional_number = [](const std::optional<std::int64_t>& value) {
        return value ? std::to_string(*value) : std::string();
    };
    for (const LedgerEntry& item : state.ledger()) {
        const Attendee* person = item.attendee_id ? state.attendee(*item.attendee_id) : nullptr;
        out.plain(std::to_string(item.seq))
            .plain(iso_local_time(item.server_time))
            .plain(item.kiosk_time ? iso_local_time(*item.kiosk_time) : std::string())
            .text(item.scan_id, kCell)
            .text(item.device, kCell)
            .text(item.role, kCell)
            .plain(protocol::to_string(item.method))
            .plain(protocol::to_string(item.direction))
            .plain(item.is_reversal() ? "undo" : protocol::to_string(item.result))
            .plain(optional_number(item.attendee_id))
            .text(person ? std::string_view(person->name) : std::string_view(), kCell)
            .plain(optional_number(item.reverses_seq))
            .plain(optional_number(item.badge_serial))
            .text(item.payload, kCell)
            .plain(item.offline_verdict ? protocol::to_string(*item.offline_verdict)
                                        : std::string_view())
            .end_row();
    }
    return out.take();
}

} // namespace stagedoor::domain
