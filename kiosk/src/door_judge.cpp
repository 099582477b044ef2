#include "door_judge.hpp"

#include "domain/text_fold.hpp"
#include "door_store.hpp"

#include <algorithm>

namespace stagedoor::kiosk {

using nlohmann::json;
namespace badge = protocol::badge;

namespace {

std::string text_field(const json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Verdict refusal(std::string result, std::string reason, std::string direction) {
    Verdict verdict;
    verdict.result = std::move(result);
    verdict.reason = std::move(reason);
    verdict.direction = std::move(direction);
    verdict.offline = true;
    return verdict;
}

} // namespace

Verdict Verdict::from_scan_result(const json& frame) {
    Verdict verdict;
    verdict.result = text_field(frame, "result");
    verdict.direction = text_field(frame, "direction");
    verdict.method = text_field(frame, "method");
    verdict.reason = text_field(frame, "reason");
    verdict.scan_id = text_field(frame, "scan_id");
    verdict.conflict = text_field(frame, "conflict");
    verdict.attendee = frame.value("attendee", json());
    verdict.first_entry = frame.value("first_entry", json());
    return verdict;
}

json attendee_summary(const json& offline_attendee) {
    return {{"id", offline_attendee.value("id", 0)},
            {"name", text_field(offline_attendee, "name")},
            {"organisation", text_field(offline_attendee, "organisation")},
            {"category", text_field(offline_attendee, "category")},
            {"vip", offline_attendee.value("vip", false)}};
}

OfflineCache::OfflineCache(DoorStore& store)
    : store_(store) {
    for (auto& attendee : store_.all_attendees()) {
        auto id = attendee["id"].get<std::uint32_t>();
        attendees_[id] = std::move(attendee);
    }
    load_meta();
}

void OfflineCache::load_meta() {
    if (auto event = store_.meta("event"); event && event->is_object())
        event_id_ = badge::event_id_from_hex(text_field(*event, "id"));
    if (auto key = store_.meta("verify_key"); key && key->is_string()) {
        auto raw = badge::base64url_decode(key->get<std::string>());
        if (raw && raw->size() == 32) verify_key_ = badge::VerifyKey::from_raw(*raw);
    }
    if (auto names = store_.meta("names"); names && names->is_boolean())
        names_ = names->get<bool>();
}

void OfflineCache::apply(const json& frame) {
    if (frame.contains("event") && frame["event"].is_object())
        store_.set_meta("event", frame["event"]);
    if (frame.contains("verify_key") && frame["verify_key"].is_string())
        store_.set_meta("verify_key", frame["verify_key"]);
    if (frame.contains("names") && frame["names"].is_boolean())
        store_.set_meta("names", frame["names"]);
    if (frame.contains("server_time")) store_.set_meta("server_time", frame["server_time"]);
    load_meta();
    if (!frame.contains("attendees") || !frame["attendees"].is_array()) return;
    std::vector<json> changed;
    for (const auto& attendee : frame["attendees"]) {
        if (!attendee.is_object() || !attendee.contains("id") ||
            !attendee["id"].is_number_unsigned())
            continue;
        attendees_[attendee["id"].get<std::uint32_t>()] = attendee;
        changed.push_back(attendee);
    }
    store_.upsert_attendees(changed);
}

void OfflineCache::mark(std::uint32_t attendee_id, bool present, std::int64_t at,
                        const std::string& device) {
    auto it = attendees_.find(attendee_id);
    if (it == attendees_.end()) return;
    json& person = it->second;
    person["present"] = present;
    person["in_at"] = present ? json(at) : json();
    person["in_device"] = present ? json(device) : json();
    store_.upsert_attendees({person});
}

const json* OfflineCache::attendee(std::uint32_t id) const {
    auto it = attendees_.find(id);
    return it == attendees_.end() ? nullptr : &it->second;
}

std::vector<json> OfflineCache::search(const std::string& query, std::size_t limit) const {
    auto folded = domain::FoldedQuery::of(query);
    std::vector<std::pair<int, const json*>> scored;
    if (folded.empty()) return {};
    for (const auto& [id, person] : attendees_) {
        int score =
            domain::match_score(folded, domain::SearchText::of(text_field(person, "name"),
                                                               text_field(person, "organisation")));
        if (score > 0) scored.emplace_back(score, &person);
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<json> out;
    for (std::size_t i = 0; i < scored.size() && i < limit; ++i)
        out.push_back(*scored[i].second);
    return out;
}

Verdict OfflineCache::judge_scan(const std::string& payload, const std::string& direction) const {
    auto token = badge::parse_token(payload);
    if (!token) return refusal("malformed", "Not a badge", direction);
    if (event_id_ && token->payload.event_id != *event_id_)
        return refusal("wrong_event", "Badge for another event", direction);
    if (!verify_key_)
        return refusal("unknown_badge", "No offline guest list on this door yet", direction);
    if (!badge::verify_token(*token, *verify_key_))
        return refusal("bad_signature", "Invalid signature", direction);
    const json* person = attendee(token->payload.attendee_id);
    if (!person) return refusal("unknown_badge", "Badge not on the guest list", direction);
    Verdict verdict = refusal("", "", direction);
    if (person->value("blocked", false)) {
        verdict.result = "revoked";
        verdict.reason = "Admission blocked";
    } else if (person->value("serial", 0) != token->payload.serial) {
        verdict.result = "revoked";
        verdict.reason = "This badge was replaced";
    }
    return judge_person(*person, direction, std::move(verdict));
}

Verdict OfflineCache::judge_manual(std::uint32_t attendee_id, const std::string& direction) const {
    Verdict verdict = refusal("", "", direction);
    verdict.method = "manual";
    const json* person = attendee(attendee_id);
    if (!person) {
        verdict.result = "unknown_badge";
        verdict.reason = "Not on the guest list";
        return verdict;
    }
    if (person->value("blocked", false)) {
        verdict.result = "revoked";
        verdict.reason = "Admission blocked";
    }
    return judge_person(*person, direction, std::move(verdict));
}

// The entry or exit itself, for a person whose badge passed (verdict.result still empty).
Verdict OfflineCache::judge_person(const json& person, const std::string& direction,
                                   Verdict verdict) const {
    verdict.attendee = attendee_summary(person);
    verdict.name_hidden = !names_;
    if (!verdict.result.empty()) return verdict;
    bool present = person.value("present", false);
    if (direction == "in") {
        verdict.result = present ? "already_in" : "ok";
        if (present)
            verdict.first_entry = {{"at", person.value("in_at", json())},
                                   {"device", person.value("in_device", json())}};
    } else {
        verdict.result = present ? "ok" : "not_in";
    }
    verdict.reason = verdict.result == "ok" ? "Admitted offline" : "Decided offline";
    return verdict;
}

} // namespace stagedoor::kiosk
