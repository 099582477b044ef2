// The offline doors' copy of the roster (PROTOCOL.md 5.12): answers offline_roster pages from
// the in-memory Attendance and keeps every connection that asked for one current with
// offline_update pushes.
//
// Pages and updates go to one connection with Transport::send, in one ordered stream: an update
// carries the attendees' state when it is sent, a page the state when it is answered, and every
// change after a connection's first page marks its attendee for the next update. A client that
// upserts by id in arrival order thus ends with the server's state. Connections that never asked
// cost nothing: with no subscriber, changed() returns at once.
//
// Everything runs on the event-loop thread.
#pragma once

#include "app/scheduler.hpp"
#include "app/transport.hpp"
#include "domain/attendance.hpp"
#include "stagedoor/protocol/messages_offline.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <unordered_set>

namespace stagedoor::app {

class OfflineRoster {
  public:
    struct Settings {
        protocol::EventInfo event;
        std::string verify_key; // the raw 32-byte Ed25519 public key, base64url (43 characters)
        bool names = true;      // false: name and organisation go out as "" (names:false)
    };
    // Updates go out at most this often (like counts), each frame at most
    // protocol::kMaxOfflineUpdateAttendees attendees.
    static constexpr std::int64_t kUpdateIntervalMs = 250;

    // state must outlive this object.
    OfflineRoster(const domain::Attendance& state, Transport& transport, Scheduler& scheduler,
                  Clock clock, Settings settings);
    ~OfflineRoster();
    OfflineRoster(const OfflineRoster&) = delete;
    OfflineRoster& operator=(const OfflineRoster&) = delete;

    // Sends connection the page of attendees after request.after (by id, at most
    // protocol::kMaxOfflineRosterPage) and subscribes it to updates.
    void answer_page(ConnectionId connection, const protocol::OfflineRoster& request);
    // No more updates for connection (it closed). Unknown connections are ignored.
    void unsubscribe(ConnectionId connection);
    // attendee_id's offline object may have changed (an admission, exit, undo, walk-in, reissue,
    // import, block): it goes out with the next update. Nothing happens without subscribers.
    void changed(std::int64_t attendee_id);
    // Cancels a pending update (server shutdown).
    void stop();

    std::size_t subscriber_count() const { return subscribers_.size(); }
    // The offline object of person as state knows it (names off: name and organisation "").
    static protocol::OfflineAttendee offline_attendee(const domain::Attendance& state,
                                                      const domain::Attendee& person, bool names);

  private:
    void schedule_update();
    void push_update();
    void send_to_subscribers(const protocol::OfflineUpdate& update);

    const domain::Attendance& state_;
    Transport& transport_;
    Scheduler& scheduler_;
    Clock clock_;
    Settings settings_;
    std::unordered_set<ConnectionId> subscribers_;
    std::set<std::int64_t> changed_; // attendee ids for the next update, in id order
    Scheduler::TimerId update_timer_ = 0;
    std::int64_t pushed_at_ = 0;
};

} // namespace stagedoor::app
