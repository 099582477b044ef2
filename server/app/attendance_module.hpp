// The door: scan verdicts, help-desk check-ins, walk-ins, undo, live attendance and exports.
//
// Everything runs on the event-loop thread. A request is decided in memory in arrival order
// (so two doors scanning one badge get exactly one ok), appended to the group-commit writer,
// and answered only in the writer's completion, after the entry is durable. A retry of a
// scan_id still in flight waits for the same commit; a retry after the commit (also after a
// restart) is answered from the ledger with replayed=true and records nothing.
#pragma once

#include "app/audit_log.hpp"
#include "app/context.hpp"
#include "app/module.hpp"
#include "app/offline_roster.hpp"
#include "app/presence.hpp"
#include "domain/attendance.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"
#include "storage/attendance_store.hpp"

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace stagedoor::app {

class AttendanceModule : public Module, public PresenceDirectory {
  public:
    // Opens its own connection to the event database (migrations, loading, roster import);
    // the hot writes go through context.writer. offline_names false keeps names and
    // organisations out of the offline doors' roster (serve --offline-names off).
    explicit AttendanceModule(ModuleContext& context, bool offline_names = true);
    ~AttendanceModule() override;

    void register_routes(Router& router) override;
    void start() override;
    void on_welcome(const Connection& connection) override;
    void on_disconnect(const Connection& connection) override;
    void stop() override;

    std::optional<SpeakerPresence> speaker(std::int64_t attendee_id) const override;
    void subscribe(std::function<void(std::int64_t attendee_id)> listener) override;

    const domain::Attendance& state() const { return state_; }

  private:
    enum class ReplyKind { scan_result, walk_in_result, ok };
    struct Waiter {
        ConnectionId connection = 0;
        std::int64_t re = 0;
        ReplyKind kind = ReplyKind::scan_result;
    };
    struct Pending {
        std::int64_t seq = 0;
        std::vector<Waiter> waiters;
    };

    void on_scan(const Connection& connection, const protocol::Scan& request);
    void on_manual(const Connection& connection, const protocol::CheckinManual& manual);
    void on_walk_in(const Connection& connection, const protocol::WalkIn& walk_in);
    void on_lookup(const Connection& connection, const protocol::Lookup& lookup);
    void on_undo(const Connection& connection, const protocol::Undo& undo);
    void on_offline_roster(const Connection& connection, const protocol::OfflineRoster& request);

    bool refresh_attendee(std::int64_t attendee_id);
    // Answers a scan_id already known (pending or committed). Returns false if it is new.
    bool answer_known_scan(std::string_view scan_id, const Waiter& waiter);
    std::string server_scan_id();
    domain::ScanContext context_for(const Connection& connection, std::string scan_id,
                                    std::optional<std::int64_t> kiosk_time,
                                    std::optional<protocol::ScanOutcome> offline) const;
    // Appends to memory, submits the write (with the audit row of a privileged action in the
    // same transaction; scans have none), answers after the commit.
    void record(domain::LedgerEntry entry, Waiter waiter,
                std::optional<domain::Attendee> new_attendee = std::nullopt,
                std::optional<storage::AuditEntry> audit = std::nullopt);
    void committed(std::int64_t seq, bool ok, std::optional<std::int64_t> new_attendee_id);
    void committed_undo(std::int64_t target_seq, std::int64_t seq, bool ok);
    // Replies to one waiter from the verdict (built once per committed entry).
    void answer(const Waiter& waiter, domain::Verdict verdict, bool replayed);
    void publish(const domain::LedgerEntry& entry);
    void publish_to_organisers(const domain::LedgerEntry& entry, const domain::Attendee* person);
    // Offline doors: GET /api/offline/conflicts, and the offline_conflict push to organisers
    // when a committed offline attempt is a conflict (PROTOCOL.md 5.12).
    void register_offline_routes(Router& router);
    void publish_conflict(const domain::LedgerEntry& entry);
    void broadcast_counts();
    void broadcast_snapshot();
    void notify_presence(std::int64_t attendee_id);

    HttpResponse http_roster(const HttpRequest& request);
    HttpResponse http_badge_sheet(const HttpRequest& request) const;
    HttpResponse http_badge_svg(const HttpRequest& request);
    HttpResponse http_reissue(const HttpRequest& request);

    ModuleContext context_; // a copy: the one passed in lives only during construction
    AuditLog audit_;
    Replier reply_;
    std::unique_ptr<storage::Database> db_; // loop-thread connection: load, import, reissue
    storage::BadgeIssuer issuer_;
    protocol::badge::VerifyKey verify_key_;
    protocol::badge::EventId event_id_{};
    domain::Attendance state_;
    OfflineRoster offline_; // the offline doors' roster; reads state_
    // Waiters for scans appended but not yet committed, by seq: the first and any retries.
    std::unordered_map<std::int64_t, std::vector<Waiter>> pending_scans_;
    std::unordered_map<std::int64_t, Pending> pending_undos_; // by the undone entry's seq
    std::vector<std::function<void(std::int64_t)>> presence_listeners_;
    // Organiser events are built only when someone is watching.
    std::size_t organisers_connected_ = 0;
    // Counts go out at most four times a second, not once per admission.
    Scheduler::TimerId counts_timer_ = 0;
    std::int64_t counts_pushed_at_ = 0;
    std::uint64_t scan_id_counter_ = 0;
    bool started_ = false;
};

} // namespace stagedoor::app
