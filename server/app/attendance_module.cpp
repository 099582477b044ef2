#include "app/attendance_module.hpp"

#include "app/attendance_views.hpp"
#include "app/csv_export.hpp"
#include "app/errors.hpp"
#include "app/log.hpp"
#include "app/router.hpp"
#include "badges/badges.hpp"
#include "domain/devices.hpp"
#include "domain/roster_csv.hpp"
#include "domain/roster_import.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"

#include <algorithm>

namespace stagedoor::app {

using protocol::ErrorCode;
using protocol::Method;
using protocol::ScanOutcome;

namespace {

template <class M> Outgoing frame(const M& message, std::string_view coalesce_key = {}) {
    return Outgoing{make_frame(protocol::serialize(message)), coalesce_key};
}

protocol::badge::EventId parse_event_id(const std::string& hex) {
    auto id = protocol::badge::event_id_from_hex(hex);
    if (!id) throw std::runtime_error("the event id '" + hex + "' is not 16 hex digits");
    return *id;
}

// The badge language from "?lang=de|en" (default en); std::nullopt for any other value.
std::optional<badges::Language> badge_language(const HttpRequest& request) {
    auto lang = request.query.find("lang");
    return lang == request.query.end() ? badges::Language::en
                                       : badges::parse_language(lang->second);
}

HttpResponse bad_language_response() {
    return json_error_response(400, ErrorCode::bad_message, "lang must be de or en");
}

// A door registers walk-ins in the regular categories only: speaker, staff and press come with
// rights (backstage, the press desk) that only an organiser gives.
bool may_register_walk_in(Role role, protocol::Category category) {
    using protocol::Category;
    return roles::organisers.contains(role) || category == Category::member ||
           category == Category::guest || category == Category::new_member;
}

badges::BadgeCard card_for(const domain::Attendee& person) {
    return badges::BadgeCard{person.id,           person.name,
                             person.organisation, std::string(protocol::to_string(person.category)),
                             person.email,        person.token,
                             person.vip};
}

} // namespace

AttendanceModule::AttendanceModule(ModuleContext& context, bool offline_names)
    : context_(context)
    , audit_(context)
    , reply_(context.transport)
    , db_(std::make_unique<storage::Database>(context.data_dir.database_path()))
    , issuer_(context.data_dir.signing_key(), parse_event_id(context.event.id))
    , verify_key_(context.data_dir.verify_key())
    , event_id_(parse_event_id(context.event.id))
    , offline_(state_, context.transport, context.scheduler, context.clock,
               {{context.event.id, context.event.name, context.event.date},
                protocol::badge::base64url_encode(verify_key_.raw()),
                offline_names}) {
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
    offline_.stop();
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
    offline_.unsubscribe(connection.id);
    if (roles::organisers.contains(connection.role) && organisers_connected_ > 0)
        --organisers_connected_;
}

void AttendanceModule::on_welcome(const Connection& connection) {
    if (!roles::door_staff.contains(connection.role)) return;
    if (roles::organisers.contains(connection.role)) {
        ++organisers_connected_;
        context_.transport.send(connection.id,
                                frame(views::attendance(state_.snapshot(context_.clock()))));
    }
    context_.transport.send(connection.id,
                            frame(views::counts(state_.counts()), protocol::Counts::coalesce_key));
}

void AttendanceModule::register_routes(Router& router) {
    router.on<protocol::Scan>(roles::door_staff, this, &AttendanceModule::on_scan,
                              &protocol::decode_scan_fast);
    router.on<protocol::CheckinManual>(roles::door_staff, this, &AttendanceModule::on_manual);
    router.on<protocol::WalkIn>(roles::door_staff, this, &AttendanceModule::on_walk_in);
    router.on<protocol::Lookup>(roles::door_staff, this, &AttendanceModule::on_lookup);
    router.on<protocol::Undo>(roles::door_staff, this, &AttendanceModule::on_undo);
    router.on<protocol::OfflineRoster>(roles::door_staff, this,
                                       &AttendanceModule::on_offline_roster);

    router.http("GET", "/api/attendance", roles::organisers, [this](const HttpRequest&) {
        HttpResponse response;
        response.body = protocol::serialize(views::attendance(state_.snapshot(context_.clock())));
        response.headers["Cache-Control"] = "no-store";
        return response;
    });
    router.http("GET", "/api/attendance.csv", roles::organisers,
                [this](const HttpRequest& request) {
                    audit_.record(request, "export.attendance_csv");
                    return csv_export(request, "attendance.csv", true,
                                      [this](domain::CsvSeparator separator) {
                                          return domain::attendance_csv(state_, separator);
                                      });
                });
    router.http("GET", "/api/ledger.csv", roles::organisers, [this](const HttpRequest& request) {
        audit_.record(request, "export.ledger_csv");
        return csv_export(request, "ledger.csv", true, [this](domain::CsvSeparator separator) {
            return domain::ledger_csv(state_, separator);
        });
    });
    // A roster of 60,000 people at about 250 bytes a row (PROTOCOL.md, body limits).
    constexpr std::uint64_t kRosterBodyLimit = 16 * 1024 * 1024;
    router.http(
        "POST", "/api/roster", roles::organisers,
        [this](const HttpRequest& request) { return http_roster(request); }, kRosterBodyLimit);
    router.http("GET", "/badges", roles::organisers, [this](const HttpRequest& request) {
        audit_.record(request, "export.badges");
        return http_badge_sheet(request);
    });
    // A door may fetch the badge of a walk-in, to print or photograph it at the door.
    router.http("GET", "/api/badges/{id}.svg", roles::door_staff,
                [this](const HttpRequest& request) { return http_badge_svg(request); });
    router.http("POST", "/api/badges/{id}/reissue", roles::organisers,
                [this](const HttpRequest& request) { return http_reissue(request); });
    register_offline_routes(router);
}

domain::ScanContext AttendanceModule::context_for(const Connection& connection, std::string scan_id,
                                                  std::optional<std::int64_t> kiosk_time,
                                                  std::optional<ScanOutcome> offline) const {
    return domain::ScanContext{std::move(scan_id),
                               domain::ledger_device(connection.device, connection.device_id),
                               std::string(protocol::to_string(connection.role)),
                               kiosk_time,
                               context_.clock(),
                               offline};
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
    answer(waiter, state_.verdict(*entry), true);
    return true;
}

void AttendanceModule::on_scan(const Connection& connection, const protocol::Scan& request) {
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
    auto scan_context = context_for(connection, request.scan_id, request.at, request.offline);
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
    offline_.changed(attendee_id);
    return true;
}

void AttendanceModule::on_manual(const Connection& connection,
                                 const protocol::CheckinManual& manual) {
    Waiter waiter{connection.id, manual.id, ReplyKind::scan_result};
    std::string scan_id = manual.scan_id ? *manual.scan_id : server_scan_id();
    if (answer_known_scan(scan_id, waiter)) return;
    auto entry = state_.judge_manual(context_for(connection, scan_id, manual.at, manual.offline),
                                     manual.direction, manual.attendee_id);
    auto audit =
        audit_.entry(connection, "checkin.manual", std::to_string(manual.attendee_id),
                     {{"scan_id", scan_id}, {"direction", protocol::to_string(manual.direction)}},
                     std::string(protocol::to_string(entry.result)));
    record(std::move(entry), waiter, std::nullopt, std::move(audit));
}

void AttendanceModule::on_walk_in(const Connection& connection, const protocol::WalkIn& walk_in) {
    protocol::Category category = walk_in.category.value_or(protocol::Category::guest);
    if (!may_register_walk_in(connection.role, category))
        return reply_.error(connection.id, walk_in.id, ErrorCode::forbidden,
                            "a door registers walk-ins as member, guest or new_member only; '" +
                                std::string(protocol::to_string(category)) + "' needs an organiser",
                            "category");
    Waiter waiter{connection.id, walk_in.id, ReplyKind::walk_in_result};
    std::string scan_id = walk_in.scan_id ? *walk_in.scan_id : server_scan_id();
    if (auto refused = state_.check_walk_in_scan_id(scan_id))
        return reply_.error(connection.id, walk_in.id, error_code(*refused), refused->message,
                            refused->field);
    if (answer_known_scan(scan_id, waiter)) return;
    // Above the stored ids too, in case `stagedoor import` ran while serving.
    std::int64_t id = std::max(state_.next_attendee_id(), storage::max_attendee_id(*db_) + 1);
    if (id > protocol::kMaxAttendeeId)
        return reply_.error(connection.id, walk_in.id, ErrorCode::internal, "no attendee ids left");

    std::int64_t now = context_.clock();
    domain::Attendee person =
        domain::make_walk_in({walk_in.name, walk_in.organisation.value_or(""), category,
                              walk_in.sector.value_or(""), walk_in.email.value_or("")},
                             id, now);
    issuer_.issue(person, 1, now);
    state_.put_attendee(person);
    auto entry = state_.judge_manual(context_for(connection, scan_id, walk_in.at, walk_in.offline),
                                     protocol::Direction::in, person.id, Method::walk_in);
    auto audit = audit_.entry(connection, "walkin", std::to_string(person.id),
                              {{"scan_id", scan_id},
                               {"name", person.name},
                               {"category", protocol::to_string(person.category)}},
                              std::string(protocol::to_string(entry.result)));
    record(std::move(entry), waiter, std::move(person), std::move(audit));
}

void AttendanceModule::on_lookup(const Connection& connection, const protocol::Lookup& lookup) {
    reply_.send(connection.id, views::lookup_result(lookup.id, state_.lookup(lookup.query)));
}

void AttendanceModule::on_offline_roster(const Connection& connection,
                                         const protocol::OfflineRoster& request) {
    offline_.answer_page(connection.id, request);
}

void AttendanceModule::on_undo(const Connection& connection, const protocol::Undo& undo) {
    std::int64_t now = context_.clock();
    auto decision =
        state_.judge_undo(undo.scan_id, protocol::to_string(connection.role),
                          domain::ledger_device(connection.device, connection.device_id), now);
    if (auto* refused = std::get_if<domain::Failure>(&decision))
        return reply_.error(connection.id, undo.id, error_code(*refused), refused->message,
                            refused->field);
    const auto& target = std::get<domain::UndoTarget>(decision);
    if (target.already_undone) {
        Waiter waiter{connection.id, undo.id, ReplyKind::ok};
        if (auto it = pending_undos_.find(target.target_seq); it != pending_undos_.end())
            it->second.waiters.push_back(waiter);
        else
            reply_.ok(connection.id, undo.id);
        return;
    }
    auto reversal = state_.make_reversal(
        context_for(connection, undo.scan_id, std::nullopt, std::nullopt), target.target_seq);
    const domain::LedgerEntry& stored = state_.append(std::move(reversal));
    std::int64_t seq = stored.seq;
    std::int64_t target_seq = target.target_seq;
    pending_undos_[target_seq] = Pending{seq, {Waiter{connection.id, undo.id, ReplyKind::ok}}};
    auto audit = audit_.entry(connection, "undo", undo.scan_id, {{"seq", target_seq}});
    context_.writer.submit(
        [entry = stored, audit = std::move(audit)](storage::Database& db) {
            storage::insert_ledger_entry(db, entry);
            storage::append_audit(db, audit);
        },
        [this, target_seq, seq](bool ok) { committed_undo(target_seq, seq, ok); });
}

void AttendanceModule::record(domain::LedgerEntry entry, Waiter waiter,
                              std::optional<domain::Attendee> new_attendee,
                              std::optional<storage::AuditEntry> audit) {
    const domain::LedgerEntry& stored = state_.append(std::move(entry));
    std::int64_t seq = stored.seq;
    pending_scans_[seq].push_back(waiter);
    std::optional<std::int64_t> new_attendee_id;
    if (new_attendee) new_attendee_id = new_attendee->id;
    context_.writer.submit(
        [entry = stored, person = std::move(new_attendee),
         audit = std::move(audit)](storage::Database& db) {
            if (person) {
                storage::insert_attendee(db, *person);
                storage::insert_badge(db, *person);
            }
            storage::insert_ledger_entry(db, entry);
            if (audit) storage::append_audit(db, *audit);
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
        // Not durable, so not decided: take it back and let the kiosk retry. The writer has
        // logged why (a full database once, not per scan). An offline page may have shown it.
        if (const domain::LedgerEntry* entry = state_.entry(seq); entry && entry->attendee_id)
            offline_.changed(*entry->attendee_id);
        state_.discard(seq);
        if (new_attendee_id) state_.remove_attendee(*new_attendee_id);
        for (const auto& waiter : waiters)
            reply_.error(waiter.connection, waiter.re, ErrorCode::internal,
                         "the check-in could not be stored; retry with the same scan_id");
        return;
    }
    const domain::LedgerEntry* entry = state_.entry(seq);
    if (!entry) return;
    // One verdict for all waiters; the last (usually the only) one takes it over.
    domain::Verdict verdict = state_.verdict(*entry);
    for (std::size_t i = 0; i + 1 < waiters.size(); ++i)
        answer(waiters[i], verdict, i > 0);
    if (!waiters.empty()) answer(waiters.back(), std::move(verdict), waiters.size() > 1);
    publish(*entry);
}

void AttendanceModule::committed_undo(std::int64_t target_seq, std::int64_t seq, bool ok) {
    auto it = pending_undos_.find(target_seq);
    if (it == pending_undos_.end()) return;
    Pending pending = std::move(it->second);
    pending_undos_.erase(it);
    if (!ok) {
        if (const domain::LedgerEntry* entry = state_.entry(seq); entry && entry->attendee_id)
            offline_.changed(*entry->attendee_id);
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

void AttendanceModule::answer(const Waiter& waiter, domain::Verdict verdict, bool replayed) {
    const domain::LedgerEntry& entry = *verdict.entry;
    if (waiter.kind == ReplyKind::walk_in_result && entry.method == Method::walk_in &&
        verdict.attendee)
        return reply_.send(waiter.connection,
                           views::walk_in_result(waiter.re, entry, *verdict.attendee));
    reply_.send(waiter.connection, views::scan_result(waiter.re, std::move(verdict), replayed));
}

void AttendanceModule::publish(const domain::LedgerEntry& entry) {
    const domain::Attendee* person =
        entry.attendee_id ? state_.attendee(*entry.attendee_id) : nullptr;
    bool changes_presence = entry.result == ScanOutcome::ok && person;
    if (organisers_connected_ > 0) publish_to_organisers(entry, person);
    if (organisers_connected_ > 0 && entry.offline_verdict) publish_conflict(entry);
    if (!changes_presence) return;
    broadcast_counts();
    notify_presence(person->id);
    offline_.changed(person->id);
}

void AttendanceModule::publish_to_organisers(const domain::LedgerEntry& entry,
                                             const domain::Attendee* person) {
    auto& transport = context_.transport;
    std::visit([&](const auto& event) { transport.broadcast(roles::organisers, frame(event)); },
               views::organiser_event(entry, person, state_.counts()));
    // A VIP's first arrival (not a re-entry) alerts the organisers.
    if (person && person->vip && state_.is_first_arrival(entry))
        transport.broadcast(roles::organisers, frame(views::vip_arrived(entry, *person)));
}

// ---- offline doors (PROTOCOL.md 5.12) ----

void AttendanceModule::register_offline_routes(Router& router) {
    router.http("GET", "/api/offline/conflicts", roles::organisers, [this](const HttpRequest&) {
        HttpResponse response;
        response.body = views::offline_conflicts_json(state_.offline_conflicts(), context_.clock());
        response.headers["Cache-Control"] = "no-store";
        return response;
    });
}

void AttendanceModule::publish_conflict(const domain::LedgerEntry& entry) {
    auto conflict = state_.offline_conflict(entry);
    if (!conflict) return;
    protocol::OfflineConflict message{views::offline_conflict_body(*conflict)};
    context_.transport.broadcast(roles::organisers, frame(message));
}

void AttendanceModule::broadcast_counts() {
    // Every door shows the counts in a corner: a few updates a second are plenty, while one
    // per admission would cost a frame to every door for every scan at a busy entrance.
    constexpr std::int64_t kCountsIntervalMs = 250;
    if (counts_timer_) return; // an update is already due
    auto push = [this] {
        counts_timer_ = 0;
        counts_pushed_at_ = context_.clock();
        context_.transport.broadcast(roles::door_staff, frame(views::counts(state_.counts()),
                                                              protocol::Counts::coalesce_key));
    };
    std::int64_t due = counts_pushed_at_ + kCountsIntervalMs;
    // Scheduled even when due now, so the whole batch of commits being answered goes first.
    counts_timer_ = context_.scheduler.schedule_at(std::max(due, context_.clock()), push);
}

void AttendanceModule::broadcast_snapshot() {
    context_.transport.broadcast(roles::organisers,
                                 frame(views::attendance(state_.snapshot(context_.clock())),
                                       protocol::Attendance::coalesce_key));
}

// ---- HTTP ----

HttpResponse AttendanceModule::http_roster(const HttpRequest& request) {
    bool skip_bad = false;
    if (auto it = request.query.find("skip_bad"); it != request.query.end())
        skip_bad = it->second == "1" || it->second == "true" || it->second == "yes";
    auto roster = domain::parse_roster_csv(request.body);
    std::int64_t now = context_.clock();
    // Above the stored ids too, in case `stagedoor import` ran while serving.
    auto plan = domain::plan_roster_import(state_, roster,
                                           {skip_bad, now, storage::max_attendee_id(*db_) + 1});
    if (!plan.writable()) {
        nlohmann::json body = views::roster_import_report(plan, false);
        body["code"] =
            protocol::to_string(plan.refused ? error_code(*plan.refused) : ErrorCode::bad_message);
        body["message"] = plan.refused ? plan.refused->message
                                       : std::to_string(plan.errors.size()) +
                                             " bad row(s); nothing was imported (add "
                                             "?skip_bad=1 to import the good rows only)";
        return HttpResponse{400, "application/json", body.dump(), {}};
    }
    // The import runs on this loop-thread connection as one transaction (the writer's batches
    // and this one take turns on the database lock); memory changes only after COMMIT.
    storage::commit_roster_plan(*db_, plan, issuer_, now);
    domain::apply_roster_plan(state_, plan);
    nlohmann::json body = views::roster_import_report(plan, true);
    log::info("attendance: roster import: " + std::to_string(plan.added.size()) + " added, " +
              std::to_string(plan.updated.size()) + " updated");
    audit_.record(request, "roster.import", {},
                  {{"added", plan.added.size()}, {"updated", plan.updated.size()}});
    broadcast_counts();
    broadcast_snapshot();
    // New people, new names, blocks and unblocks reach the offline doors.
    for (const domain::Attendee& person : plan.added)
        offline_.changed(person.id);
    for (const domain::Attendee& person : plan.updated)
        offline_.changed(person.id);
    // Names may have changed for speakers on the agenda.
    for (const domain::Attendee* person : state_.attendees()) {
        if (person->category == protocol::Category::new_member ||
            person->category == protocol::Category::speaker)
            notify_presence(person->id);
    }
    return HttpResponse{200, "application/json", body.dump(), {}};
}

HttpResponse AttendanceModule::http_badge_sheet(const HttpRequest& request) const {
    auto language = badge_language(request);
    if (!language) return bad_language_response();
    std::vector<badges::BadgeCard> cards;
    for (const domain::Attendee* person : state_.attendees())
        if (person->serial != 0 && !person->blocked) cards.push_back(card_for(*person));
    HttpResponse response;
    response.content_type = "text/html; charset=utf-8";
    response.body = badges::badge_sheet_html(context_.event.name, cards, *language);
    response.headers["Cache-Control"] = "no-store";
    return response;
}

HttpResponse AttendanceModule::http_badge_svg(const HttpRequest& request) {
    const domain::Attendee* person = state_.attendee(*request.path_id);
    if (request.role == Role::door && !(person && person->walk_in))
        return json_error_response(403, ErrorCode::forbidden,
                                   "a door may fetch the badges of walk-ins only");
    if (!person || person->serial == 0)
        return json_error_response(404, ErrorCode::not_found,
                                   "no badge for attendee " + std::to_string(*request.path_id));
    auto language = badge_language(request);
    if (!language) return bad_language_response();
    audit_.record(request, "export.badge_svg", std::to_string(person->id));
    HttpResponse response;
    response.content_type = "image/svg+xml";
    response.body = badges::badge_svg(card_for(*person), *language);
    response.headers["Cache-Control"] = "no-store";
    return response;
}

HttpResponse AttendanceModule::http_reissue(const HttpRequest& request) {
    std::int64_t attendee_id = *request.path_id;
    const domain::Attendee* person = state_.attendee(attendee_id);
    if (!person || person->serial == 0)
        return json_error_response(404, ErrorCode::not_found,
                                   "no badge for attendee " + std::to_string(attendee_id));
    auto updated = storage::reissue_badge(*db_, state_, attendee_id, issuer_, context_.clock());
    offline_.changed(attendee_id);
    log::info("attendance: reissued badge of attendee " + std::to_string(attendee_id) +
              " (serial " + std::to_string(updated.serial) + ")");
    audit_.record(request, "badge.reissue", std::to_string(attendee_id),
                  {{"serial", updated.serial}});
    std::string body;
    protocol::JsonWriter out(body);
    out.begin_object();
    protocol::write_object(out.key("attendee"), views::attendee_info(updated));
    out.key("serial").value(static_cast<std::int64_t>(updated.serial));
    out.key("token").value(updated.token);
    out.end_object();
    return HttpResponse{200, "application/json", std::move(body), {}};
}

} // namespace stagedoor::app
