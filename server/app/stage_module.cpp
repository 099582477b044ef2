#include "app/stage_module.hpp"

#include "app/errors.hpp"
#include "app/log.hpp"
#include "app/router.hpp"
#include "app/stage_report.hpp"
#include "app/stage_views.hpp"
#include "domain/agenda_import.hpp"

#include <algorithm>

namespace stagedoor::app {

using nlohmann::json;
using protocol::ErrorCode;
namespace d = domain;

namespace {

constexpr std::size_t kMaxDisplays = 200;
// A decoded control holds only fields with byte limits, so its detail is small; the cap
// keeps a stored entry bounded even if a message type grows a long field.
constexpr std::size_t kMaxControlDetailBytes = 2048;

// The audit log's name for an accepted control (app/audit_log.hpp).
template <class M> std::string audit_action(const M&) {
    return "agenda.edit";
}
std::string audit_action(const protocol::TimerControl& message) {
    return "timer." + std::string(protocol::to_string(message.action));
}
std::string audit_action(const protocol::StageMessageRequest&) {
    return "stage.message";
}
std::string audit_action(const protocol::StageClear&) {
    return "stage.message";
}
std::string audit_action(const protocol::Blackout&) {
    return "stage.blackout";
}

// The agenda item a request names, for the audit log's target column.
std::string item_named(const json& request) {
    for (const char* field : {"item_id", "item"})
        if (auto it = request.find(field); it != request.end() && it->is_string())
            return it->get<std::string>();
    return {};
}

} // namespace

StageModule::StageModule(ModuleContext& context, PresenceDirectory* presence)
    : context_(context)
    , audit_(context)
    , presence_(presence)
    , reply_(context.transport) {}

StageModule::~StageModule() {
    *alive_ = false;
    stop();
}

d::SpeakerLookup StageModule::speakers() const {
    if (!presence_) return {};
    PresenceDirectory* directory = presence_;
    return [directory](std::int64_t id) -> std::optional<d::SpeakerInfo> {
        auto found = directory->speaker(id);
        if (!found) return std::nullopt;
        return d::SpeakerInfo{found->attendee_id, found->name, found->organisation, found->present,
                              found->arrived_at};
    };
}

void StageModule::start() {
    std::filesystem::path database = context_.data_dir.database_path();
    db_.emplace(database);
    db_->migrate(storage::stage_migrations());
    auto stored = storage::load_stage(*db_);
    state_ = std::move(stored.state);
    screen_ = stored.screen;
    std::int64_t now = context_.clock();
    // The clock moved on while the server was down: a running item kept running.
    bool moved = d::settle(state_, now);
    durable_ = state_;
    durable_screen_ = screen_;
    if (moved) {
        // Written synchronously: nothing is connected yet and the first push must be durable.
        storage::save_stage(*db_, state_, now);
        log::info("stage: resumed; timer advanced to seq " + std::to_string(state_.seq));
    } else if (!stored.saved_at && !state_.agenda.items.empty()) {
        storage::save_stage(*db_, state_, now);
    }
    check_on_deck(false);
    if (presence_) {
        std::weak_ptr<bool> alive = alive_;
        presence_->subscribe([this, alive](std::int64_t attendee_id) {
            if (alive.expired() || !*alive.lock()) return;
            bool affects = std::any_of(
                durable_.agenda.items.begin(), durable_.agenda.items.end(),
                [&](const d::AgendaItem& item) { return item.speaker_id == attendee_id; });
            if (!affects) return;
            auto text = protocol::serialize(agenda_message(durable_, context_.clock(), speakers()));
            last_agenda_text_ = text;
            context_.transport.broadcast(roles::editors, {make_frame(std::move(text)), "agenda"});
        });
    }
    started_ = true;
    reschedule_deadline();
    schedule_heartbeat();
}

void StageModule::stop() {
    if (deadline_timer_) context_.scheduler.cancel(deadline_timer_);
    if (heartbeat_timer_) context_.scheduler.cancel(heartbeat_timer_);
    if (displays_timer_) context_.scheduler.cancel(displays_timer_);
    deadline_timer_ = heartbeat_timer_ = displays_timer_ = 0;
    deadline_at_.reset();
    started_ = false;
}

void StageModule::on_welcome(const Connection& connection) {
    std::int64_t now = context_.clock();
    auto lookup = speakers();
    reply_.send(connection.id, timer_message(durable_, now, lookup));
    reply_.send(connection.id, agenda_message(durable_, now, lookup));
    reply_.send(connection.id, screen_message(durable_screen_));
    if (roles::door_staff.contains(connection.role) && on_deck_)
        reply_.send(connection.id, *on_deck_);
    if (roles::displays.contains(connection.role)) {
        displays_[connection.id] =
            DisplayRecord{connection.device, connection.role, std::nullopt, std::nullopt, true};
        // A display that reconnects replaces its old, disconnected entry.
        for (auto it = displays_.begin(); it != displays_.end();) {
            if (it->first != connection.id && !it->second.connected &&
                it->second.device == connection.device)
                it = displays_.erase(it);
            else
                ++it;
        }
        broadcast_displays();
    }
    if (roles::editors.contains(connection.role))
        context_.transport.send(connection.id, {displays_frame(), "displays"});
}

void StageModule::on_disconnect(const Connection& connection) {
    auto it = displays_.find(connection.id);
    if (it == displays_.end()) return;
    it->second.connected = false;
    // Keep the list bounded: forget the oldest disconnected displays first.
    while (displays_.size() > kMaxDisplays) {
        auto oldest = std::find_if(displays_.begin(), displays_.end(),
                                   [](const auto& entry) { return !entry.second.connected; });
        if (oldest == displays_.end()) break;
        displays_.erase(oldest);
    }
    broadcast_displays();
}

void StageModule::register_routes(Router& router) {
    router_ = &router;
    router.on<protocol::TimerControl>(roles::editors, this, &StageModule::on_timer_control);
    router.on<protocol::AgendaAdd>(roles::editors, this, &StageModule::on_agenda_add);
    router.on<protocol::AgendaUpdate>(roles::editors, this, &StageModule::on_agenda_update);
    router.on<protocol::AgendaRemove>(roles::editors, this, &StageModule::on_agenda_remove);
    router.on<protocol::AgendaMove>(roles::editors, this, &StageModule::on_agenda_move);
    router.on<protocol::AgendaSkip>(roles::editors, this, &StageModule::on_agenda_skip);
    router.on<protocol::NoShow>(roles::editors, this, &StageModule::on_no_show);
    router.on<protocol::SwapNext>(roles::editors, this, &StageModule::on_swap_next);
    router.on<protocol::StageMessageRequest>(roles::editors, this, &StageModule::on_stage_message);
    router.on<protocol::StageClear>(roles::editors, this, &StageModule::on_stage_clear);
    router.on<protocol::Blackout>(roles::editors, this, &StageModule::on_blackout);
    router.on<protocol::SyncReport>(roles::everyone, this, &StageModule::on_sync_report);
    router.http("GET", "/api/report.json", roles::editors, [this](const HttpRequest& request) {
        audit_.record(request, "export.report_json");
        return report_json_response();
    });
    router.http("GET", "/api/report.csv", roles::editors, [this](const HttpRequest& request) {
        audit_.record(request, "export.report_csv");
        return report_csv_response();
    });
    // Thousands of agenda items (PROTOCOL.md, body limits).
    constexpr std::uint64_t kAgendaBodyLimit = 2 * 1024 * 1024;
    router.http_async(
        "POST", "/api/agenda/import", roles::editors,
        [this](const HttpRequest& request, Router::HttpRespond respond) {
            import_over_http(request, std::move(respond));
        },
        kAgendaBodyLimit);
}

template <class M>
storage::ControlEntry StageModule::control_entry(const Connection& connection, const M& message,
                                                 std::string_view outcome) const {
    nlohmann::json detail = protocol::to_json(message);
    detail.erase("type");
    detail.erase("id");
    std::string text = detail.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > kMaxControlDetailBytes) text = json{{"truncated_bytes", text.size()}}.dump();
    return storage::ControlEntry{
        context_.clock(),     connection.device, std::string(protocol::to_string(connection.role)),
        std::string(M::type), std::move(text),   std::string(outcome),
        std::nullopt};
}

template <class M>
void StageModule::refuse(const Connection& connection, const M& message,
                         const protocol::Error& error) {
    if (router_) return router_->refuse(connection, message.id, error, M::type);
    reply_.error(connection.id, message.id, error);
}

template <class M>
void StageModule::apply(const Connection& connection, const M& message,
                        std::optional<d::Failure> failure, Change change) {
    if (failure)
        return refuse(connection, message,
                      protocol::Error{error_code(*failure), failure->field, failure->message});
    auto entry = control_entry(connection, message, "ok");
    entry.seq = static_cast<std::int64_t>(state_.seq);
    json request = protocol::to_json(message);
    request.erase("id");
    auto audit = audit_.entry(connection, audit_action(message), item_named(request), request);
    persist(
        [this, to = connection.id, re = message.id](bool committed) {
            if (committed)
                reply_.ok(to, re);
            else
                reply_.error(to, re, ErrorCode::internal,
                             "the change could not be stored; try again");
        },
        std::move(entry), change == Change::stage, change == Change::screen, std::move(audit));
}

bool StageModule::speaker_known(const std::optional<std::optional<std::int64_t>>& speaker_id,
                                std::optional<d::Failure>& failure) const {
    if (!presence_ || !speaker_id || !*speaker_id || presence_->speaker(**speaker_id)) return true;
    failure = d::Failure{d::Failure::Kind::not_found, "speaker_id",
                         "no attendee with id " + std::to_string(**speaker_id)};
    return false;
}

void StageModule::on_timer_control(const Connection& connection,
                                   const protocol::TimerControl& message) {
    d::TimerCommand command{same_name(message.action, d::timer_action_from_string), message.item,
                            message.ms};
    apply(connection, message, d::apply_timer(state_, command, context_.clock()));
}

void StageModule::on_agenda_add(const Connection& connection, const protocol::AgendaAdd& message) {
    std::optional<d::Failure> failure;
    d::AgendaItem item;
    if (speaker_known(message.item.speaker_id, failure))
        failure = d::make_item(state_.agenda.fresh_id(), to_changes(message.item), item);
    if (!failure) failure = d::add_item(state_, std::move(item), message.after);
    apply(connection, message, std::move(failure));
}

void StageModule::on_agenda_update(const Connection& connection,
                                   const protocol::AgendaUpdate& message) {
    std::optional<d::Failure> failure;
    if (speaker_known(message.changes.speaker_id, failure))
        failure =
            d::update_item(state_, message.item_id, to_changes(message.changes), context_.clock());
    apply(connection, message, std::move(failure));
}

void StageModule::on_agenda_remove(const Connection& connection,
                                   const protocol::AgendaRemove& message) {
    apply(connection, message, d::remove_item(state_, message.item_id));
}

void StageModule::on_agenda_move(const Connection& connection,
                                 const protocol::AgendaMove& message) {
    apply(connection, message, d::move_item(state_, message.item_id, message.before));
}

void StageModule::on_agenda_skip(const Connection& connection,
                                 const protocol::AgendaSkip& message) {
    apply(connection, message, d::set_skipped(state_, message.item_id, message.skipped));
}

void StageModule::on_no_show(const Connection& connection, const protocol::NoShow& message) {
    apply(connection, message, d::set_no_show(state_, message.item_id, message.no_show));
}

void StageModule::on_swap_next(const Connection& connection, const protocol::SwapNext& message) {
    if (!presence_)
        return apply(
            connection, message,
            d::Failure{d::Failure::Kind::conflict, "", "presence is not available on this server"});
    apply(connection, message, d::swap_next(state_, speakers()));
}

void StageModule::on_stage_message(const Connection& connection,
                                   const protocol::StageMessageRequest& message) {
    screen_.message = d::SpeakerMessage{message.text, same_name(message.tone, d::tone_from_string),
                                        message.flash, context_.clock()};
    apply(connection, message, std::nullopt, Change::screen);
}

void StageModule::on_stage_clear(const Connection& connection,
                                 const protocol::StageClear& message) {
    screen_.message.reset();
    apply(connection, message, std::nullopt, Change::screen);
}

void StageModule::on_blackout(const Connection& connection, const protocol::Blackout& message) {
    screen_.blackout = message.on;
    apply(connection, message, std::nullopt, Change::screen);
}

void StageModule::persist(Answer answer, std::optional<storage::ControlEntry> entry,
                          bool stage_changed, bool screen_changed,
                          std::optional<storage::AuditEntry> audit) {
    std::int64_t now = context_.clock();
    auto lookup = speakers();
    auto change = std::make_shared<PendingChange>();
    change->snapshot = std::make_shared<const d::StageState>(state_);
    change->screen = std::make_shared<const d::ScreenState>(screen_);
    // Serialised once, now, for every recipient; sent only after the commit.
    if (stage_changed) {
        change->timer = make_frame(protocol::serialize(timer_message(state_, now, lookup)));
        change->agenda_text = protocol::serialize(agenda_message(state_, now, lookup));
        change->agenda = make_frame(change->agenda_text);
    }
    if (screen_changed) change->stage = make_frame(protocol::serialize(screen_message(screen_)));
    if (entry) entry->seq = static_cast<std::int64_t>(state_.seq);
    change->answer = std::move(answer);

    ++pending_writes_;
    reschedule_deadline();
    std::weak_ptr<bool> alive = alive_;
    context_.writer.submit(
        [change, entry, audit = std::move(audit), now](storage::Database& db) {
            if (change->timer) storage::save_stage(db, *change->snapshot, now);
            if (change->stage) storage::save_screen(db, *change->screen);
            if (entry) storage::append_control(db, *entry);
            if (audit) storage::append_audit(db, *audit);
        },
        [this, alive, change](bool committed) {
            if (alive.expired() || !*alive.lock()) return;
            --pending_writes_;
            if (committed)
                on_committed(*change);
            else
                on_commit_failed(*change);
        });
}

void StageModule::on_committed(const PendingChange& change) {
    if (change.timer) durable_ = *change.snapshot;
    if (change.stage) durable_screen_ = *change.screen;
    if (change.answer) change.answer(true);
    if (change.timer) context_.transport.broadcast(roles::everyone, {change.timer, "timer"});
    if (change.agenda) {
        last_agenda_text_ = change.agenda_text;
        context_.transport.broadcast(roles::everyone, {change.agenda, "agenda"});
    }
    if (change.stage) context_.transport.broadcast(roles::everyone, {change.stage, "stage"});
    if (change.timer) check_on_deck(true);
}

void StageModule::on_commit_failed(const PendingChange& change) {
    log::error("stage: a change could not be stored; it was not sent to anyone");
    if (change.answer) change.answer(false);
    if (pending_writes_ > 0) return;
    // Nothing else in flight: memory goes back to what is on disk.
    state_ = durable_;
    screen_ = durable_screen_;
    reschedule_deadline();
}

void StageModule::reschedule_deadline() {
    if (!started_) return;
    auto due = d::deadline(state_);
    if (due == deadline_at_ && (deadline_timer_ || !due)) return;
    if (deadline_timer_) context_.scheduler.cancel(deadline_timer_);
    deadline_timer_ = 0;
    deadline_at_ = due;
    if (!due) return;
    std::weak_ptr<bool> alive = alive_;
    deadline_timer_ = context_.scheduler.schedule_at(*due, [this, alive] {
        if (alive.expired() || !*alive.lock()) return;
        deadline_timer_ = 0;
        deadline_at_.reset();
        on_deadline();
    });
}

void StageModule::on_deadline() {
    if (d::settle(state_, context_.clock()))
        persist({}, std::nullopt, true, false);
    else
        reschedule_deadline(); // fired early: try again at the deadline
}

void StageModule::schedule_heartbeat() {
    if (!started_) return;
    std::weak_ptr<bool> alive = alive_;
    heartbeat_timer_ =
        context_.scheduler.schedule_at(context_.clock() + kHeartbeatMs, [this, alive] {
            if (alive.expired() || !*alive.lock()) return;
            heartbeat_timer_ = 0;
            on_heartbeat();
            schedule_heartbeat();
        });
}

void StageModule::on_heartbeat() {
    std::int64_t now = context_.clock();
    auto lookup = speakers();
    // The durable state: a heartbeat never leaks a change that is not stored yet.
    context_.transport.broadcast(
        roles::everyone,
        {make_frame(protocol::serialize(timer_message(durable_, now, lookup))), "timer"});
    // Projections move while an item waits, is paused or runs over: refresh the editors.
    auto agenda_text = protocol::serialize(agenda_message(durable_, now, lookup));
    if (agenda_text != last_agenda_text_) {
        last_agenda_text_ = agenda_text;
        context_.transport.broadcast(roles::editors,
                                     {make_frame(std::move(agenda_text)), "agenda"});
    }
}

void StageModule::check_on_deck(bool notify) {
    auto queue = d::queue_after_current(durable_, 2);
    if (queue.size() < 2) return;
    const d::AgendaItem& item = durable_.agenda.items[queue[1]];
    if (item.kind != d::ItemKind::pitch || !item.speaker_id || item.id == on_deck_item_) return;
    on_deck_item_ = item.id;
    if (!presence_) return;
    auto speaker = presence_->speaker(*item.speaker_id);
    if (!speaker) return;
    protocol::OnDeck message;
    message.item = {item.id, item.title};
    message.speaker = {speaker->attendee_id, speaker->name, speaker->organisation,
                       speaker->present};
    message.position = 2;
    on_deck_ = message;
    if (notify)
        context_.transport.broadcast(roles::door_staff,
                                     {make_frame(protocol::serialize(message)), {}});
}

void StageModule::on_sync_report(const Connection& connection, const protocol::SyncReport& report) {
    auto [it, inserted] = displays_.try_emplace(connection.id);
    if (inserted) {
        it->second.device = connection.device;
        it->second.role = connection.role;
    }
    it->second.report = report;
    it->second.last_report = context_.clock();
    it->second.connected = true;
    reply_.ok(connection.id, report.id);
    broadcast_displays();
}

Frame StageModule::displays_frame() const {
    protocol::Displays message;
    for (const auto& [id, record] : displays_) {
        protocol::DisplayHealth health;
        health.device = record.device;
        health.role = record.role;
        if (record.report) {
            health.offset_ms = record.report->offset_ms;
            health.delay_ms = record.report->delay_ms;
            health.sample_age_ms = record.report->sample_age_ms;
        }
        health.last_report = record.last_report;
        health.connected = record.connected;
        message.displays.push_back(std::move(health));
    }
    return make_frame(protocol::serialize(message));
}

void StageModule::broadcast_displays() {
    constexpr std::int64_t kDisplaysPushIntervalMs = 1000;
    if (displays_timer_) return; // a push is already due
    std::int64_t now = context_.clock();
    auto push = [this] {
        displays_timer_ = 0;
        displays_pushed_at_ = context_.clock();
        context_.transport.broadcast(roles::editors, {displays_frame(), "displays"});
    };
    if (now - displays_pushed_at_ >= kDisplaysPushIntervalMs) return push();
    displays_timer_ =
        context_.scheduler.schedule_at(displays_pushed_at_ + kDisplaysPushIntervalMs, push);
}

HttpResponse StageModule::report_json_response() const {
    return HttpResponse{200,
                        "application/json",
                        report_json(durable_, context_.clock(), speakers()).dump(),
                        {{"Cache-Control", "no-store"}}};
}

HttpResponse StageModule::report_csv_response() const {
    return HttpResponse{200,
                        "text/csv; charset=utf-8",
                        report_csv(durable_, context_.clock(), speakers()),
                        {{"Cache-Control", "no-store"},
                         {"Content-Disposition", "attachment; filename=\"stagedoor-report.csv\""}}};
}

void StageModule::import_over_http(const HttpRequest& request, Router::HttpRespond respond) {
    if (d::item_in_progress(state_.timer))
        return respond(json_error_response(
            409, ErrorCode::conflict, "the timer is running; stop it before replacing the agenda"));
    d::ImportOptions options;
    options.event_date = context_.event.date;
    auto attendees = db_ ? storage::load_attendee_records(*db_) : std::vector<d::AttendeeRecord>{};
    auto result = d::import_agenda(request.body, attendees, options);
    if (!result.ok()) {
        json errors = json::array();
        for (const auto& error : result.errors)
            errors.push_back({{result.unit, error.line}, {"message", error.message}});
        json body = {{"code", "bad_message"},
                     {"message", result.describe()},
                     {"errors", errors},
                     {"warnings", result.warnings}};
        return respond(HttpResponse{422, "application/json", body.dump(), {}});
    }
    std::size_t count = result.agenda.items.size();
    if (auto failure = d::replace_agenda(state_, std::move(result.agenda)))
        return respond(json_error_response(failure->kind == d::Failure::Kind::conflict ? 409 : 422,
                                           error_code(*failure), failure->message));
    storage::ControlEntry entry{context_.clock(),
                                "HTTP import",
                                std::string(protocol::to_string(*request.role)),
                                "agenda_import",
                                json{{"items", count}}.dump(),
                                "ok",
                                std::nullopt};
    json body = {{"items", count}, {"seq", state_.seq}, {"warnings", result.warnings}};
    auto audit = audit_.entry(request, "agenda.import", {}, json{{"items", count}});
    // Answered once the new agenda is durable, like every stage change.
    persist(
        [respond, body = body.dump()](bool committed) {
            respond(committed ? HttpResponse{200, "application/json", body, {}}
                              : json_error_response(500, ErrorCode::internal,
                                                    "the agenda could not be stored; try again"));
        },
        std::move(entry), true, false, std::move(audit));
}

} // namespace stagedoor::app
