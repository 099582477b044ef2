// The door's offline knowledge and its offline verdicts (DESIGN12 A1-A4, PROTOCOL 6.5): the
// roster of offline attendees, the event id and the badge verify key from offline_roster pages,
// kept current by offline_update; and the judge that decides a scan from them alone.
#pragma once

#include "stagedoor/protocol/badge_token.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::kiosk {

class DoorStore;

// What the door shows for one attempt: the server's scan_result, or its own offline judgement.
struct Verdict {
    std::string result;           // a result name of PROTOCOL 5.5
    std::string direction = "in"; // in / out
    std::string method = "scan";  // scan / manual
    nlohmann::json attendee;      // null, or {id,name,organisation,category,vip}
    std::string reason;           // English, for logs; the UI words it by result
    nlohmann::json first_entry;   // null, or {at, device} for already_in
    std::string scan_id;
    bool offline = false;     // decided by the door itself
    std::string conflict;     // from the server's answer to a synced attempt
    bool name_hidden = false; // serve --offline-names off

    // A scan_result frame as the door reads it.
    static Verdict from_scan_result(const nlohmann::json& frame);
};

// The cached roster and event keys; every change is written through to the DoorStore.
class OfflineCache {
  public:
    explicit OfflineCache(DoorStore& store);

    // Applies an offline_roster_page (event, verify key, names, attendees) or an offline_update
    // (attendees), upserting by id; stored before it returns.
    void apply(const nlohmann::json& frame);
    // Records an admission or exit the door showed, so the next scan sees it (offline_update
    // from the server overwrites it later).
    void mark(std::uint32_t attendee_id, bool present, std::int64_t at, const std::string& device);

    const nlohmann::json* attendee(std::uint32_t id) const;
    bool ready() const { return event_id_.has_value() && verify_key_.has_value(); }
    bool names() const { return names_; }
    std::size_t size() const { return attendees_.size(); }
    // Best matches first (the server's folding: case, accents, ü/ue/u, ß/ss), at most limit.
    std::vector<nlohmann::json> search(const std::string& query, std::size_t limit) const;

    // PROTOCOL 6.5 from the cache: malformed, wrong_event, bad_signature, unknown_badge,
    // revoked, then ok / already_in / not_in. Without a cached key a well-formed badge of this
    // event is unknown_badge (the door cannot tell a forgery).
    Verdict judge_scan(const std::string& payload, const std::string& direction) const;
    // A manual check-in from the cached roster: unknown_badge, revoked (blocked), ok, ...
    Verdict judge_manual(std::uint32_t attendee_id, const std::string& direction) const;

  private:
    Verdict judge_person(const nlohmann::json& person, const std::string& direction,
                         Verdict verdict) const;
    void load_meta();

    DoorStore& store_;
    std::map<std::uint32_t, nlohmann::json> attendees_;
    std::optional<protocol::badge::EventId> event_id_;
    std::optional<protocol::badge::VerifyKey> verify_key_;
    bool names_ = true;
};

// {id,name,organisation,category,vip} of an offline attendee (the shape of PROTOCOL 5.1).
nlohmann::json attendee_summary(const nlohmann::json& offline_attendee);

} // namespace stagedoor::kiosk
