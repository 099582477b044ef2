#include "app/attendance_module.hpp"

#include "app/log.hpp"
#include "badges/badges.hpp"
#include "domain/roster_csv.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"

#include <algorithm>

namespace stagedoor::app {

using protocol::ErrorCode;
using protocol::Method;
using protocol::ScanOutcome;

namespace {

constexpr RoleSet kCountsRoles{Role::door, Role::organiser};
constexpr RoleSet kOrganisers{Role::organiser};

std::string_view trim_whitespace(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' ||
                             text.front() == '\n'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                             text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

template <class M> Outgoing frame(const M& message, std::string_view coalesce_key = {}) {
    return Outgoing{make_frame(protocol::serialize(message)), coalesce_key};
}

protocol::badge::EventId parse_event_id(const std::string& hex) {
    auto id = protocol::badge::event_id_from_hex(hex);
    if (!id) throw std::runtime_error("the event id '" + hex + "' is not 16 hex digits");
    return *id;
}

HttpResponse csv_response(std::string body, std::string filename) {
    HttpResponse response;
    response.content_type = "text/csv; charset=utf-8";
    // The BOM makes spreadsheet programs read the umlauts as UTF-8.
    response.body = "\xEF\xBB\xBF" + std::move(body);
    response.headers["Content-Disposition"] = "attachment; filename=\"" + filename + "\"";
    response.headers["Cache-Control"] = "no-store";
    return response;
}

std::optional<HttpResponse> require_organiser(const HttpRequest& request) {
    if (!request.role)
        return json_error_response(401, ErrorCode::unauthorized,
                                   "send the organiser key as 'Authorization: Bearer KEY'");
    if (*request.role != Role::organiser)
        return json_error_response(403, ErrorCode::forbidden, "only the organiser may do this");
    return std::nullopt;
}

bool is_get(const HttpRequest& request) {
    return request.method == "GET" || request.method == "HEAD";
}

HttpResponse method_not_allowed(std::string_view allowed) {
    auto response = json_error_response(405, ErrorCode::bad_message,
                                        "use " + std::string(allowed) + " for this endpoint");
    response.headers["Allow"] = std::string(allowed);
    return response;
}

badges::BadgeCard card_for(const domain::Attendee& person) {
    return badges::BadgeCard{person.id,           person.name,
                             person.organisation, std::string(protocol::to_string(person.category)),
                             person.email,        person.token};
}

} // namespace

AttendanceModule::AttendanceModule(ModuleContext& context)
    : context_(context)
    , reply_(context.transport)
    , db_(std::make_unique<storage::Database>(context.data_dir.database_path()))
    , issuer_(context.data_dir.signing_key(), parse_event_id(context.event.id))
    , verify_key_(context.data_dir.verify_key())
    , event_id_(parse_event_id(context.event.id)) {
    // Migrate and load here, so a broken database stops the server before it listens.
    storage::migrate_attendance(*db_);
    state_ = storage::load_attendance(*db_);
}

AttendanceModule::~AttendanceModule() = default;

void AttendanceModule::start() {
    started_ = true;
    auto counts = state_.counts();
    log::info("attendance: " + std::to_string(state_.attendee_count()) + " attendees, " +
              std::to_string(state_.ledger().size()) + " ledger entries, " +
              std::to_string(counts.present) + " present");
}

void AttendanceModule::stop() {
    started_ = false;
    if (counts_timer_) context_.scheduler.cancel(counts_timer_);
    counts_timer_ = 0;
}

// ---- presence for the stage ----

std::optional<SpeakerPresence> AttendanceModule::speaker(std::int64_t attendee_id) const {
    const domain::Attendee* person = state_.attendee(attendee_id);
    if (!person) return std::nullopt;
    const domain::Presence* presence = state_.presence(attendee_id);
    SpeakerPresence out;
    out.attendee_id = person->id;
    out.name = person->name;
    out.organisation = person->organisation;
    out.present = presence && presence->present;
    if (presence) out.arrived_at = presence->arrived_at;
    return out;
}

void AttendanceModule::subscribe(std::function<void(std::int64_t attendee_id)> listener) {
    presence_listeners_.push_back(std::move(listener));
}

void AttendanceModule::notify_presence(std::int64_t attendee_id) {
    for (auto& listener : presence_listeners_)
        listener(attendee_id);
}

// ---- WebSocket ----

void AttendanceModule::on_disconnect(const Connection& connection) {
    if (connection.role == Role::organiser && organisers_connected_ > 0) --organisers_connected_;
}

void AttendanceModule::on_welcome(const Connection& connection) {
    if (connection.role != Role::door && connection.role != Role::organiser) return;
    if (connection.role == Role::organiser) {
        ++organisers_connected_;
        protocol::Attendance snapshot = state_.snapshot(context_.clock());
        context_.transport.send(connection.id, frame(snapshot));
    }
    protocol::Counts counts;
    static_cast<protocol::CountsBody&>(counts) = state_.counts();
    context_.transport.send(connection.id, frame(counts, protocol::Counts::coalesce_key));
}

bool AttendanceModule::handle(const Connection& connection, const protocol::Envelope& envelope) {
    const std::string& type = envelope.type;
    if (type == protocol::Scan::type)
        handle_scan(connection, envelope);
    else if (type == protocol::CheckinManual::type)
        handle_manual(connection, envelope);
    else if (type == protocol::WalkIn::type)
        handle_walk_in(connection, envelope);
    else if (type == protocol::Lookup::type)
        handle_lookup(connection, envelope);
    else if (type == protocol::Undo::type)
        handle_undo(connection, envelope);
    else
        return false;
    return true;
}

bool AttendanceModule::may_check_in(const Connection& connection, std::int64_t re) {
    if (connection.role == Role::door || connection.role == Role::organiser) return true;
    reply_.error(connection.id, re, ErrorCode::forbidden,
                 "the " + std::string(protocol::to_string(connection.role)) +
                     " role may not check people in (door or organiser only)");
    return false;
}

domain::ScanContext AttendanceModule::context_for(const Connection& connection, std::string scan_id,
                                                  std::optional<std::int64_t> kiosk_time) const {
    return domain::ScanContext{std::move(scan_id), connection.device,
                               std::string(protocol::to_string(connection.role)), kiosk_time,
                               context_.clock()};
}

std::string AttendanceModule::server_scan_id() {
    // Unique across restarts: the time plus a counter, checked against the index.
    for (;;) {
        std::string id =
            "srv-" + std::to_string(context_.clock()) + "-" + std::to_string(++scan_id_counter_);
        if (!state_.find_scan(id)) return id; // pending scans are in the state already
    }
}

bool AttendanceModule::answer_known_scan(std::string_view scan_id, const Waiter& waiter) {
    // Entries are in the state from the moment they are decided, committed or not.
    const domain::LedgerEntry* entry = state_.find_scan(scan_id);
    if (!entry) return false;
    if (auto it = pending_scans_.find(entry->seq); it != pending_scans_.end()) {
        it->second.push_back(waiter); // answered with the first, after the same commit
        return true;
    }
    answer(waiter, *entry, true);
    return true;
}

bool AttendanceModule::handle_text(const Connection& connection, std::string_view text,
                                   std::optional<std::int64_t>& request_id) {
    auto request = protocol::decode_scan_fast(text);
    if (!request) return false;
    request_id = request->id;
    check_in_scan(connection, *request);
    return true;
}

void AttendanceModule::handle_scan(const Connection& connection,
                                   const protocol::Envelope& envelope) {
    auto request = protocol::decode<protocol::Scan>(envelope.object);
    if (!request) return reply_.error(connection.id, envelope.id, request.error());
    check_in_scan(connection, *request);
}

void AttendanceModule::check_in_scan(const Connection& connection, const protocol::Scan& request) {
    if (!may_check_in(connection, request.id)) return;
    Waiter waiter{connection.id, request.id, ReplyKind::scan_result};
    if (answer_known_scan(request.scan_id, waiter)) return;

    // The token parser accepts one trailing line ending (keyboard-wedge scanners type Enter);
    // without it the text is compared with the issued token.
    std::string_view text = request.payload;
    if (text.ends_with("\r\n"))
        text.remove_suffix(2);
    else if (text.ends_with('\n') || text.ends_with('\r'))
        text.remove_suffix(1);
    // The exact text issued for a current badge is well-formed by construction: only its
    // payload is decoded. Anything else gets the full parse (signature characters included).
    domain::TokenFacts facts;
    std::optional<protocol::badge::ParsedToken> parsed;
    auto payload = protocol::badge::peek_token_payload(text);
    if (payload && !state_.is_issued_token(payload->attendee_id, payload->serial, text)) {
        parsed = protocol::badge::parse_token(request.payload);
        if (!parsed) payload.reset();
    }
    if (payload) {
        facts.well_formed = true;
        facts.event_matches = payload->event_id == event_id_;
        facts.attendee_id = payload->attendee_id;
        facts.serial = payload->serial;
    }
    std::optional<bool> signature_valid;
    auto verify = [&] {
        if (!signature_valid)
            signature_valid = parsed && protocol::badge::verify_token(*parsed, verify_key_);
        return *signature_valid;
    };
    auto scan_context = context_for(connection, request.scan_id, request.at);
    auto entry = state_.judge_scan(scan_context, request.direction, text, facts, verify);
    if (entry.result == ScanOutcome::unknown_badge && refresh_attendee(facts.attendee_id))
        entry = state_.judge_scan(scan_context, request.direction, text, facts, verify);
    record(std::move(entry), waiter);
}

bool AttendanceModule::refresh_attendee(std::int64_t attendee_id) {
    // A genuine badge we do not know: `stagedoor import` or `badge reissue` may have run while
    // serving. One indexed read on this rare path; never for forgeries (signature checked).
    auto stored = storage::read_attendee(*db_, attendee_id);
    if (!stored) return false;
    const domain::Attendee* known = state_.attendee(attendee_id);
    if (known && known->serial >= stored->serial) return false;
    state_.put_attendee(std::move(*stored));
    return true;
}

void AttendanceModule::handle_manual(const Connection& connection,
                                     const protocol::Envelope& envelope) {
    auto manual = protocol::decode<protocol::CheckinManual>(envelope.object);
    if (!manual) return reply_.error(connection.id, envelope.id, manual.error());
    if (!may_check_in(connection, manual->id)) return;
    Waiter waiter{connection.id, manual->id, ReplyKind::scan_result};
    std::string scan_id = manual->scan_id ? *manual->scan_id : server_scan_id();
    if (answer_known_scan(scan_id, waiter)) return;
    auto entry = state_.judge_manual(context_for(connection, scan_id, manual->at),
                                     manual->direction, manual->attendee_id);
    record(std::move(entry), waiter);
}

void AttendanceModule::handle_walk_in(const Connection& connection,
                                      const protocol::Envelope& envelope) {
    auto walk_in = protocol::decode<protocol::WalkIn>(envelope.object);
    if (!walk_in) return reply_.error(connection.id, envelope.id, walk_in.error());
    if (!may_check_in(connection, walk_in->id)) return;
    Waiter waiter{connection.id, walk_in->id, ReplyKind::walk_in_result};
    std::string scan_id = walk_in->scan_id ? *walk_in->scan_id : server_scan_id();
    if (const domain::LedgerEntry* known = state_.find_scan(scan_id);
        known && known->method != Method::walk_in)
        return reply_.error(connection.id, walk_in->id, ErrorCode::conflict,
                            "scan_id '" + scan_id + "' was already used for another check-in",
                            "scan_id");
    if (answer_known_scan(scan_id, waiter)) return;
    // Above the stored ids too, in case `stagedoor import` ran while serving.
    std::int64_t id = std::max(state_.next_attendee_id(), storage::max_attendee_id(*db_) + 1);
    if (id > protocol::kMaxAttendeeId)
        return reply_.error(connection.id, walk_in->id, ErrorCode::internal,
                            "no attendee ids left");

    std::int64_t now = context_.clock();
    domain::Attendee person;
    person.id = id;
    person.name = std::string(trim_whitespace(walk_in->name));
    person.organisation = std::string(trim_whitespace(walk_in->organisation.value_or("")));
    person.category = walk_in->category.value_or(protocol::Category::guest);
    person.sector = std::string(trim_whitespace(walk_in->sector.value_or("")));
    person.email = std::string(trim_whitespace(walk_in->email.value_or("")));
    person.walk_in = true;
    person.created_at = now;
    issuer_.issue(person, 1, now);
    state_.put_attendee(person);
    auto entry = state_.judge_manual(context_for(connection, scan_id, walk_in->at),
                                     protocol::Direction::in, person.id, Method::walk_in);
    record(std::move(entry), waiter, std::move(person));
}

void AttendanceModule::handle_lookup(const Connection& connection,
                                     const protocol::Envelope& envelope) {
    auto lookup = protocol::decode<protocol::Lookup>(envelope.object);
    if (!lookup) return reply_.error(connection.id, envelope.id, lookup.error());
    if (connection.role != Role::door && connection.role != Role::organiser)
        return reply_.error(connection.id, lookup->id, ErrorCode::forbidden,
                            "only door and organiser may look up attendees");
    protocol::LookupResult result;
    result.re = lookup->id;
    result.attendees = state_.lookup(lookup->query);
    reply_.send(connection.id, result);
}

void AttendanceModule::handle_undo(const Connection& connection,
                                   const protocol::Envelope& envelope) {
    auto undo = protocol::decode<protocol::Undo>(envelope.object);
    if (!undo) return reply_.error(connection.id, envelope.id, undo.error());
    if (connection.role != Role::door && connection.role != Role::organiser)
        return reply_.error(connection.id, undo->id, ErrorCode::forbidden,
                            "only door and organiser may undo check-ins");
    std::int64_t now = context_.clock();
    auto decision = state_.judge_undo(undo->scan_id, protocol::to_string(connection.role),
                                      connection.device, now);
    using Kind = domain::UndoDecision::Kind;
    switch (decision.kind) {
    case Kind::not_found:
        return reply_.error(connection.id, undo->id, ErrorCode::not_found, decision.message,
                            "scan_id");
    case Kind::forbidden:
        return reply_.error(connection.id, undo->id, ErrorCode::forbidden, decision.message);
    case Kind::conflict:
        return reply_.error(connection.id, undo->id, ErrorCode::conflict, decision.message,
                            "scan_id");
    case Kind::already_undone: {
        Waiter waiter{connection.id, undo->id, ReplyKind::ok};
        if (auto it = pending_undos_.find(decision.target_seq); it != pending_undos_.end())
            it->second.waiters.push_back(waiter);
        else
            reply_.ok(connection.id, undo->id);
        return;
    }
    case Kind::reverse:
        break;
    }
    auto reversal = state_.make_reversal(context_for(connection, undo->scan_id, std::nullopt),
                                         decision.target_seq);
    const domain::LedgerEntry& stored = state_.append(std::move(reversal));
    std::int64_t seq = stored.seq;
    std::int64_t target = decision.target_seq;
    pending_undos_[target] = Pending{seq, {Waiter{connection.id, undo->id, ReplyKind::ok}}};
    context_.writer.submit(
        [entry = stored](storage::Database& db) { storage::insert_ledger_entry(db, entry); },
        [this, target, seq](bool ok) { committed_undo(target, seq, ok); });
}

void AttendanceModule::record(domain::LedgerEntry entry, Waiter waiter,
                              std::optional<domain::Attendee> new_attendee) {
    const domain::LedgerEntry& stored = state_.append(std::move(entry));
    std::int64_t seq = stored.seq;
    pending_scans_[seq].push_back(waiter);
    std::optional<std::int64_t> new_attendee_id;
    if (new_attendee) new_attendee_id = new_attendee->id;
    context_.writer.submit(
        [entry = stored, person = std::move(new_attendee)](storage::Database& db) {
            if (person) {
                storage::insert_attendee(db, *person);
                storage::insert_badge(db, *person);
            }
            storage::insert_ledger_entry(db, entry);
        },
        [this, seq, new_attendee_id](bool ok) { committed(seq, ok, new_attendee_id); });
}

void AttendanceModule::committed(std::int64_t seq, bool ok,
                                 std::optional<std::int64_t> new_attendee_id) {
    auto it = pending_scans_.find(seq);
    if (it == pending_scans_.end()) return;
    std::vector<Waiter> waiters = std::move(it->second);
    pending_scans_.erase(it);
    if (!ok) {
        const domain::LedgerEntry* failed = state_.entry(seq);
        std::string scan_id = failed ? failed->scan_id : std::string();
        // Not durable, so not decided: take it back and let the kiosk retry.
        state_.discard(seq);
        if (new_attendee_id) state_.remove_attendee(*new_attendee_id);
        log::error("attendance: could not store scan '" + scan_id + "'");
        for (const auto& waiter : waiters)
            reply_.error(waiter.connection, waiter.re, ErrorCode::internal,
                         "the check-in could not be stored; retry with the same scan_id");
        return;
    }
    const domain::LedgerEntry* entry = state_.entry(seq);
    if (!entry) return;
    for (std::size_t i = 0; i < waiters.size(); ++i)
        answer(waiters[i], *entry, i > 0);
    publish(*entry);
}

void AttendanceModule::committed_undo(std::int64_t target_seq, std::int64_t seq, bool ok) {
    auto it = pending_undos_.find(target_seq);
    if (it == pending_undos_.end()) return;
    Pending pending = std::move(it->second);
    pending_undos_.erase(it);
    if (!ok) {
        state_.discard(seq);
        for (const auto& waiter : pending.waiters)
            reply_.error(waiter.connection, waiter.re, ErrorCode::internal,
                         "the undo could not be stored; retry");
        return;
    }
    for (const auto& waiter : pending.waiters)
        reply_.ok(waiter.connection, waiter.re);
    if (const domain::LedgerEntry* entry = state_.entry(seq)) publish(*entry);
}

void AttendanceModule::answer(const Waiter& waiter, const domain::LedgerEntry& entry,
                              bool replayed) {
    const domain::Attendee* person =
        entry.attendee_id ? state_.attendee(*entry.attendee_id) : nullptr;
    if (waiter.kind == ReplyKind::walk_in_result && entry.method == Method::walk_in && person) {
        protocol::WalkInResult result;
        result.re = waiter.re;
        result.scan_id = entry.scan_id;
        result.result = entry.result;
        result.attendee = person->info();
        result.token = person->token;
        reply_.send(waiter.connection, result);
        return;
    }
    protocol::ScanResult result;
    result.re = waiter.re;
    result.scan_id = entry.scan_id;
    result.result = entry.result;
    result.direction = entry.direction;
    result.method = entry.method;
    if (person) result.attendee = person->info();
    result.reason = state_.reason(entry);
    result.server_time = entry.server_time;
    result.replayed = replayed;
    result.first_entry = state_.first_entry(entry);
    if (entry.result == ScanOutcome::malformed) result.payload_excerpt = entry.payload;
    reply_.send(waiter.connection, result);
}

void AttendanceModule::publish(const domain::LedgerEntry& entry) {
    const domain::Attendee* person =
        entry.attendee_id ? state_.attendee(*entry.attendee_id) : nullptr;
    bool changes_presence = entry.result == ScanOutcome::ok && person;
    if (organisers_connected_ > 0) publish_to_organisers(entry, person);
    if (!changes_presence) return;
    broadcast_counts();
    notify_presence(person->id);
}

void AttendanceModule::publish_to_organisers(const domain::LedgerEntry& entry,
                                             const domain::Attendee* person) {
    protocol::AttendanceEventBody body;
    body.scan_id = entry.scan_id;
    body.at = entry.server_time;
    body.device = entry.device;
    body.method = entry.method;
    body.direction = entry.direction;
    body.result = entry.result;
    if (person) body.attendee = person->info();
    body.counts = state_.counts();

    auto& transport = context_.transport;
    if (entry.is_reversal()) {
        transport.broadcast(kOrganisers, frame(protocol::Undone{body}));
    } else if (entry.result != ScanOutcome::ok) {
        transport.broadcast(kOrganisers, frame(protocol::Rejected{body}));
    } else if (entry.method == Method::walk_in) {
        transport.broadcast(kOrganisers, frame(protocol::WalkInEvent{body}));
    } else if (entry.direction == protocol::Direction::in) {
        transport.broadcast(kOrganisers, frame(protocol::CheckedIn{body}));
    } else {
        transport.broadcast(kOrganisers, frame(protocol::CheckedOut{body}));
    }
    // A VIP's first arrival (not a re-entry) alerts the organisers.
    if (entry.result == ScanOutcome::ok && person && !entry.is_reversal() &&
        entry.direction == protocol::Direction::in && person->vip) {
        const domain::Presence* presence = state_.presence(person->id);
        if (presence && presence->first_in_seq == entry.seq)
            transport.broadcast(kOrganisers, frame(protocol::VipArrived{
                                                 person->info(), entry.server_time, entry.device}));
    }
}

void AttendanceModule::broadcast_counts() {
    // Every door shows the counts in a corner: a few updates a second are plenty, while one
    // per admission would cost a frame to every door for every scan at a busy entrance.
    constexpr std::int64_t kCountsIntervalMs = 250;
    if (counts_timer_) return; // an update is already due
    auto push = [this] {
        counts_timer_ = 0;
        counts_pushed_at_ = context_.clock();
        protocol::Counts counts;
        static_cast<protocol::CountsBody&>(counts) = state_.counts();
        context_.transport.broadcast(kCountsRoles, frame(counts, protocol::Counts::coalesce_key));
    };
    std::int64_t due = counts_pushed_at_ + kCountsIntervalMs;
    // Scheduled even when due now, so the whole batch of commits being answered goes first.
    counts_timer_ = context_.scheduler.schedule_at(std::max(due, context_.clock()), push);
}

void AttendanceModule::broadcast_snapshot() {
    context_.transport.broadcast(
        kOrganisers, frame(state_.snapshot(context_.clock()), protocol::Attendance::coalesce_key));
}

// ---- HTTP ----

std::optional<HttpResponse> AttendanceModule::handle_http(const HttpRequest& request) {
    const std::string& path = request.path;
    if (path == "/api/attendance") {
        if (auto denied = require_organiser(request)) return denied;
        if (!is_get(request)) return method_not_allowed("GET");
        HttpResponse response;
        response.body = protocol::serialize(state_.snapshot(context_.clock()));
        response.headers["Cache-Control"] = "no-store";
        return response;
    }
    if (path == "/api/attendance.csv") {
        if (auto denied = require_organiser(request)) return denied;
        if (!is_get(request)) return method_not_allowed("GET");
        return csv_response(domain::attendance_csv(state_), "attendance.csv");
    }
    if (path == "/api/ledger.csv") {
        if (auto denied = require_organiser(request)) return denied;
        if (!is_get(request)) return method_not_allowed("GET");
        return csv_response(domain::ledger_csv(state_), "ledger.csv");
    }
    if (path == "/api/roster") return http_roster(request);
    if (path == "/badges" || path.starts_with("/api/badges/")) return http_badges(request);
    return std::nullopt;
}

std::optional<HttpResponse> AttendanceModule::http_roster(const HttpRequest& request) {
    if (auto denied = require_organiser(request)) return denied;
    if (request.method != "POST") return method_not_allowed("POST");
    bool skip_bad = false;
    if (auto it = request.query.find("skip_bad"); it != request.query.end())
        skip_bad = it->second == "1" || it->second == "true" || it->second == "yes";
    auto roster = domain::parse_roster_csv(request.body);
    // The import runs on this loop-thread connection as one transaction (the writer's batches
    // and this one take turns on the database lock), and changes memory only after COMMIT.
    auto summary =
        storage::import_roster(*db_, state_, roster, skip_bad, issuer_, context_.clock());
    nlohmann::json body = summary.to_json();
    if (!summary.applied) {
        body["code"] = "bad_message";
        body["message"] = summary.fatal ? *summary.fatal
                                        : std::to_string(summary.errors.size()) +
                                              " bad row(s); nothing was imported (add "
                                              "?skip_bad=1 to import the good rows only)";
        return HttpResponse{400, "application/json", body.dump(), {}};
    }
    log::info("attendance: roster import: " + std::to_string(summary.added) + " added, " +
              std::to_string(summary.updated) + " updated");
    broadcast_counts();
    broadcast_snapshot();
    // Names may have changed for speakers on the agenda.
    for (const domain::Attendee* person : state_.attendees()) {
        if (person->category == protocol::Category::new_member ||
            person->category == protocol::Category::speaker)
            notify_presence(person->id);
    }
    return HttpResponse{200, "application/json", body.dump(), {}};
}

std::optional<HttpResponse> AttendanceModule::http_badges(const HttpRequest& request) {
    // A door may fetch the badge of a walk-in, so it can be printed or photographed at the
    // door; everything else here is the organiser's.
    bool door_walk_in_badge = false;
    if (request.role == protocol::Role::door && request.path.ends_with(".svg")) {
        std::string_view id_text = std::string_view(request.path).substr(12);
        id_text.remove_suffix(4);
        if (!id_text.empty() && id_text.size() <= 10 &&
            id_text.find_first_not_of("0123456789") == std::string_view::npos) {
            const domain::Attendee* person = state_.attendee(std::stoll(std::string(id_text)));
            door_walk_in_badge = person && person->walk_in;
        }
    }
    if (!door_walk_in_badge)
        if (auto denied = require_organiser(request)) return denied;
    const std::string& path = request.path;
    if (path == "/badges") {
        if (!is_get(request)) return method_not_allowed("GET");
        std::vector<badges::BadgeCard> cards;
        for (const domain::Attendee* person : state_.attendees())
            if (person->serial != 0 && !person->blocked) cards.push_back(card_for(*person));
        HttpResponse response;
        response.content_type = "text/html; charset=utf-8";
        response.body = badges::badge_sheet_html(context_.event.name, cards);
        response.headers["Cache-Control"] = "no-store";
        return response;
    }
    // /api/badges/<id>.svg and /api/badges/<id>/reissue
    std::string_view rest = std::string_view(path).substr(std::string_view("/api/badges/").size());
    bool svg = rest.ends_with(".svg");
    bool reissue = rest.ends_with("/reissue");
    std::string_view id_text = svg       ? rest.substr(0, rest.size() - 4)
                               : reissue ? rest.substr(0, rest.size() - 8)
                                         : std::string_view();
    if (id_text.empty() || id_text.size() > 10 ||
        id_text.find_first_not_of("0123456789") != std::string_view::npos)
        return json_error_response(404, ErrorCode::not_found, "use /api/badges/<attendee id>.svg");
    std::int64_t id = std::stoll(std::string(id_text));
    const domain::Attendee* person = state_.attendee(id);
    if (!person || person->serial == 0)
        return json_error_response(404, ErrorCode::not_found,
                                   "no badge for attendee " + std::to_string(id));
    if (svg) {
        if (!is_get(request)) return method_not_allowed("GET");
        HttpResponse response;
        response.content_type = "image/svg+xml";
        response.body = badges::badge_svg(card_for(*person));
        response.headers["Cache-Control"] = "no-store";
        return response;
    }
    if (request.method != "POST") return method_not_allowed("POST");
    auto updated = storage::reissue_badge(*db_, state_, id, issuer_, context_.clock());
    log::info("attendance: reissued badge of attendee " + std::to_string(id) + " (serial " +
              std::to_string(updated.serial) + ")");
    std::string body;
    protocol::JsonWriter out(body);
    out.begin_object();
    protocol::write_object(out.key("attendee"), updated.info());
    out.key("serial").value(static_cast<std::int64_t>(updated.serial));
    out.key("token").value(updated.token);
    out.end_object();
    return HttpResponse{200, "application/json", std::move(body), {}};
}

} // namespace stagedoor::app
