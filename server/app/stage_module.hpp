// The stage: agenda, the server-authoritative pitch timer, messages to the speaker, display
// sync health and the session report. Runs on the event loop; state lives in memory and every
// change is written through storage::Writer (durable) before it is broadcast.
#pragma once

#include "app/audit_log.hpp"
#include "app/context.hpp"
#include "app/module.hpp"
#include "app/presence.hpp"
#include "app/router.hpp"
#include "domain/timer.hpp"
#include "stagedoor/protocol/messages_stage.hpp"
#include "storage/database.hpp"
#include "storage/stage_store.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace stagedoor::app {

class StageModule final : public Module {
  public:
    // presence may be null (no attendance module): then speakers show as "Attendee #id", not
    // present, and no on_deck notices are sent.
    StageModule(ModuleContext& context, PresenceDirectory* presence);
    ~StageModule() override;

    static constexpr std::int64_t kHeartbeatMs = 5000;

    void register_routes(Router& router) override;
    void start() override;
    void on_welcome(const Connection& connection) override;
    void on_disconnect(const Connection& connection) override;
    void stop() override;

    // For tests: the newest state (possibly not yet durable) and the last durable one.
    const domain::StageState& state() const { return state_; }
    const domain::StageState& durable_state() const { return durable_; }
    const domain::ScreenState& screen() const { return screen_; }

  private:
    struct DisplayRecord {
        std::string device;
        Role role = Role::stage;
        std::optional<protocol::SyncReport> report;
        std::optional<std::int64_t> last_report;
        bool connected = true;
    };

    enum class Change { stage, screen };

    // One handler per message; each decides in the domain, then apply() stores and answers.
    void on_timer_control(const Connection& connection, const protocol::TimerControl& message);
    void on_agenda_add(const Connection& connection, const protocol::AgendaAdd& message);
    void on_agenda_update(const Connection& connection, const protocol::AgendaUpdate& message);
    void on_agenda_remove(const Connection& connection, const protocol::AgendaRemove& message);
    void on_agenda_move(const Connection& connection, const protocol::AgendaMove& message);
    void on_agenda_skip(const Connection& connection, const protocol::AgendaSkip& message);
    void on_no_show(const Connection& connection, const protocol::NoShow& message);
    void on_swap_next(const Connection& connection, const protocol::SwapNext& message);
    void on_stage_message(const Connection& connection,
                          const protocol::StageMessageRequest& message);
    void on_stage_clear(const Connection& connection, const protocol::StageClear& message);
    void on_blackout(const Connection& connection, const protocol::Blackout& message);
    void on_sync_report(const Connection& connection, const protocol::SyncReport& report);

    domain::SpeakerLookup speakers() const;
    // A refused control is answered and counted by the router (never stored: a client may
    // send refused controls as fast as its budget allows); an accepted one (failure
    // empty, state_ or screen_ already changed) is persisted, then answered and broadcast.
    template <class M>
    void apply(const Connection& connection, const M& message,
               std::optional<domain::Failure> failure, Change change = Change::stage);
    template <class M>
    void refuse(const Connection& connection, const M& message, const protocol::Error& error);
    template <class M>
    storage::ControlEntry control_entry(const Connection& connection, const M& message,
                                        std::string_view outcome) const;
    // False (with failure set) when speaker_id names nobody on the roster.
    bool speaker_known(const std::optional<std::optional<std::int64_t>>& speaker_id,
                       std::optional<domain::Failure>& failure) const;
    // Answers the request behind a change once its commit succeeded (true) or failed (false).
    using Answer = std::function<void(bool committed)>;
    struct PendingChange {
        std::shared_ptr<const domain::StageState> snapshot;
        std::shared_ptr<const domain::ScreenState> screen;
        Frame timer, agenda, stage; // set for what changed
        std::string agenda_text;
        Answer answer;
    };
    // Stores a change already made to state_/screen_ (with its control log and audit rows, in
    // the same transaction); after the commit answers and broadcasts.
    void persist(Answer answer, std::optional<storage::ControlEntry> entry, bool stage_changed,
                 bool screen_changed, std::optional<storage::AuditEntry> audit = std::nullopt);
    void on_committed(const PendingChange& change);
    void on_commit_failed(const PendingChange& change);
    void on_deadline();
    void on_heartbeat();
    void reschedule_deadline();
    void schedule_heartbeat();
    void check_on_deck(bool notify);
    void broadcast_displays();
    Frame displays_frame() const;
    void import_over_http(const HttpRequest& request, Router::HttpRespond respond);
    HttpResponse report_json_response() const;
    HttpResponse report_csv_response() const;

    ModuleContext context_; // a copy: the server's context object is a temporary
    AuditLog audit_;
    PresenceDirectory* presence_;
    Replier reply_;
    Router* router_ = nullptr; // counts refusals; set by register_routes
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::optional<storage::Database> db_; // reads: attendees for an import

    domain::StageState state_;   // newest; may be ahead of the disk by queued writes
    domain::StageState durable_; // last committed: what clients have been sent
    domain::ScreenState screen_;
    domain::ScreenState durable_screen_;
    std::size_t pending_writes_ = 0;

    Scheduler::TimerId deadline_timer_ = 0;
    std::optional<std::int64_t> deadline_at_;
    Scheduler::TimerId heartbeat_timer_ = 0;
    std::string last_agenda_text_;

    std::map<ConnectionId, DisplayRecord> displays_;
    // The display list goes out at most once per kDisplaysPushIntervalMs: with thousands of
    // displays connecting and reporting every 10 s, one push per change would be O(N^2).
    Scheduler::TimerId displays_timer_ = 0;
    std::int64_t displays_pushed_at_ = 0;
    std::string on_deck_item_;
    std::optional<protocol::OnDeck> on_deck_;
    bool started_ = false;
};

} // namespace stagedoor::app
