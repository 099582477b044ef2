#include "app/offline_roster.hpp"

#include <algorithm>

namespace stagedoor::app {

namespace {

// Up to limit attendees with ids above after, in id order, and whether more follow.
struct Page {
    std::vector<const domain::Attendee*> attendees;
    bool more = false;
};

Page page_after(const domain::Attendance& state, std::int64_t after, std::size_t limit) {
    Page page;
    auto take = [&](const domain::Attendee* person) {
        if (page.attendees.size() == limit) {
            page.more = true;
            return false;
        }
        page.attendees.push_back(person);
        return true;
    };
    std::int64_t last = state.next_attendee_id() - 1;
    auto dense_range = static_cast<std::int64_t>(2 * state.attendee_count() + limit);
    if (last - after <= dense_range) {
        // Ids are handed out from 1 upward (gaps only where a walk-in was not stored), so
        // walking them gives the id order at the cost of the page, without sorting everyone.
        for (std::int64_t id = after + 1; id <= last; ++id)
            if (const domain::Attendee* person = state.attendee(id); person && !take(person)) break;
        return page;
    }
    for (const domain::Attendee* person : state.attendees()) // sparse ids: sort them all
        if (person->id > after && !take(person)) break;
    return page;
}

} // namespace

OfflineRoster::OfflineRoster(const domain::Attendance& state, Transport& transport,
                             Scheduler& scheduler, Clock clock, Settings settings)
    : state_(state)
    , transport_(transport)
    , scheduler_(scheduler)
    , clock_(std::move(clock))
    , settings_(std::move(settings)) {}

OfflineRoster::~OfflineRoster() {
    stop();
}

void OfflineRoster::stop() {
    if (update_timer_) scheduler_.cancel(update_timer_);
    update_timer_ = 0;
}

protocol::OfflineAttendee OfflineRoster::offline_attendee(const domain::Attendance& state,
                                                          const domain::Attendee& person,
                                                          bool names) {
    protocol::OfflineAttendee out;
    out.id = person.id;
    out.serial = person.serial;
    if (names) {
        out.name = person.name;
        out.organisation = person.organisation;
    }
    out.category = person.category;
    out.vip = person.vip;
    out.blocked = person.blocked;
    const domain::Presence* presence = state.presence(person.id);
    if (!presence || !presence->present) return out;
    out.present = true;
    const domain::LedgerEntry* admission =
        presence->admission_seq ? state.entry(*presence->admission_seq) : nullptr;
    if (admission) {
        out.in_at = admission->server_time;
        out.in_device = admission->device;
    }
    return out;
}

void OfflineRoster::answer_page(ConnectionId connection, const protocol::OfflineRoster& request) {
    subscribers_.insert(connection);
    Page page = page_after(state_, request.after, protocol::kMaxOfflineRosterPage);
    protocol::OfflineRosterPage reply;
    reply.re = request.id;
    reply.event = settings_.event;
    reply.verify_key = settings_.verify_key;
    reply.names = settings_.names;
    reply.attendees.reserve(page.attendees.size());
    for (const domain::Attendee* person : page.attendees)
        reply.attendees.push_back(offline_attendee(state_, *person, settings_.names));
    if (page.more) reply.next = page.attendees.back()->id;
    reply.server_time = clock_();
    // A reply: held to the connection's large reply bound, not the push bound (a page of 1000
    // is about 150 KB).
    transport_.send(connection, {make_frame(protocol::serialize(reply)), {}});
}

void OfflineRoster::unsubscribe(ConnectionId connection) {
    subscribers_.erase(connection);
    if (subscribers_.empty()) {
        changed_.clear();
        stop();
    }
}

void OfflineRoster::changed(std::int64_t attendee_id) {
    if (subscribers_.empty()) return;
    changed_.insert(attendee_id);
    schedule_update();
}

void OfflineRoster::schedule_update() {
    if (update_timer_) return; // an update is already due
    // Scheduled even when due now, so the whole batch of commits being answered goes first.
    std::int64_t due = std::max(pushed_at_ + kUpdateIntervalMs, clock_());
    update_timer_ = scheduler_.schedule_at(due, [this] {
        update_timer_ = 0;
        push_update();
    });
}

void OfflineRoster::push_update() {
    pushed_at_ = clock_();
    std::set<std::int64_t> changed = std::move(changed_);
    changed_.clear();
    protocol::OfflineUpdate update;
    update.server_time = pushed_at_;
    for (std::int64_t id : changed) {
        // Gone: a walk-in whose registration could not be stored; its badge was never given.
        const domain::Attendee* person = state_.attendee(id);
        if (!person) continue;
        update.attendees.push_back(offline_attendee(state_, *person, settings_.names));
        if (update.attendees.size() == protocol::kMaxOfflineUpdateAttendees) {
            send_to_subscribers(update);
            update.attendees.clear();
        }
    }
    if (!update.attendees.empty()) send_to_subscribers(update);
}

void OfflineRoster::send_to_subscribers(const protocol::OfflineUpdate& update) {
    // Never coalesced, and sent as a reply would be: a door that lost an update would keep a
    // stale attendee until its next full load.
    Frame frame = make_frame(protocol::serialize(update));
    for (ConnectionId connection : subscribers_)
        transport_.send(connection, {frame, {}});
}

} // namespace stagedoor::app
