// The stage: agenda, the server-authoritative pitch timer, messages to the speaker, display
// sync health and the session report. Runs on the event loop; state lives in memory and every
// change is written through storage::Writer (durable) before it is broadcast.
#pragma once

#include "app/context.hpp"
#include "app/module.hpp"
#include "app/presence.hpp"
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

    void start() override;
    void on_welcome(const Connection& connection) override;
    bool handle(const Connection& connection, const protocol::Envelope& envelope) override;
    void on_disconnect(const Connection& connection) override;
    std::optional<HttpResponse> handle_http(const HttpRequest& request) override;
    void stop() override;

    // For tests: the newest state (possibly not yet durable) and the last durable one.
    const domain::StageState& state() const { return state_; }
    const domain::StageState& durable_state() const { return durable_; }
    const domain::ScreenState& screen() const { return screen_; }

    // Pure builders, shared with the tests.
    static protocol::TimerMessage timer_message(const domain::StageState& state, std::int64_t now,
                                                const domain::SpeakerLookup& speakers);
    static protocol::AgendaMessage agenda_message(const domain::StageState& state, std::int64_t now,
                                                  const domain::SpeakerLookup& speakers);
    static protocol::StageScreen screen_message(const domain::ScreenState& screen);
    static nlohmann::json report_json(const domain::StageState& state, std::int64_t now,
                                      const domain::SpeakerLookup& speakers);
    static std::string report_csv(const domain::StageState& state, std::int64_t now,
                                  const domain::SpeakerLookup& speakers);

  private:
    struct Frames {
        Frame timer, agenda, stage;
    };
    struct DisplayRecord {
        std::string device;
        Role role = Role::stage;
        std::optional<protocol::SyncReport> report;
        std::optional<std::int64_t> last_report;
        bool connected = true;
    };

    domain::SpeakerLookup speakers() const;
    void handle_control(const Connection& connection, const protocol::Envelope& envelope);
    void handle_sync_report(const Connection& connection, const protocol::Envelope& envelope);
    // Applies a stage change already made to state_/screen_: persist, then reply and broadcast.
    void persist(std::optional<std::pair<ConnectionId, std::int64_t>> reply,
                 std::optional<storage::ControlEntry> entry, bool stage_changed,
                 bool screen_changed);
    void log_refused(const Connection& connection, const protocol::Envelope& envelope,
                     std::string_view outcome);
    void on_deadline();
    void on_heartbeat();
    void reschedule_deadline();
    void schedule_heartbeat();
    void check_on_deck(bool notify);
    void broadcast_displays();
    Frame displays_frame() const;
    HttpResponse import_over_http(const HttpRequest& request);

    ModuleContext context_; // a copy: the server's context object is a temporary
    PresenceDirectory* presence_;
    Replier reply_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::optional<storage::Database> db_; // reads: attendees for an import
    std::optional<storage::StageLock> lock_;

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
    std::string on_deck_item_;
    std::optional<protocol::OnDeck> on_deck_;
    bool started_ = false;
};

} // namespace stagedoor::app
