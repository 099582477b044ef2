#include "door_engine.hpp"

#include "door_store.hpp"

#include <utility>

namespace stagedoor::kiosk {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kSyncWindow = 64;
constexpr auto kReportInterval = std::chrono::seconds(1);
constexpr std::size_t kSearchLimit = 9;
constexpr auto kKeepAlive = std::chrono::seconds(20);

std::string type_of(const json& frame) {
    auto it = frame.find("type");
    return it != frame.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

std::int64_t door_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

DoorEngine::DoorEngine(DoorConfig config, DoorStore& store)
    : config_(std::move(config))
    , store_(store)
    , cache_(store) {
    counts_ = store_.meta("counts").value_or(json());
    if (auto event = store_.meta("event"); event && event->is_object())
        event_name_ = event->value("name", "");
}

DoorEngine::~DoorEngine() = default;

// ---- connection ----

void DoorEngine::connect_in_background() {
    auto config = config_;
    connecting_ = std::async(std::launch::async, [this, config] {
        try {
            auto connection = client::Connection::open(context_, config.endpoint, 2s);
            json welcome = connection->hello("door", config.credential, config.device_name);
            return std::make_pair(std::move(connection), welcome);
        } catch (const std::exception& error) {
            return std::make_pair(std::shared_ptr<client::Connection>(),
                                  json{{"type", "error"}, {"message", error.what()}});
        }
    });
}

void DoorEngine::on_connected(std::shared_ptr<client::Connection> connection, const json& welcome) {
    if (type_of(welcome) != "welcome") {
        std::string message = welcome.value("message", "no welcome");
        if (message != last_error_) notice("connect_failed", message);
        last_error_ = message;
        return;
    }
    last_error_.clear();
    connection_ = std::move(connection);
    online_ = true;
    synced_through_seq_ = 0;
    syncing_.clear();
    if (welcome.contains("event") && welcome["event"].is_object()) {
        event_name_ = welcome["event"].value("name", "");
        cache_.apply({{"event", welcome["event"]}});
    }
    send(Pending::Kind::roster, {{"type", "offline_roster"}, {"after", 0}});
    report_queue();
    notice("online");
}

void DoorEngine::drop_connection() {
    connection_.reset();
    syncing_.clear();
    synced_through_seq_ = 0;
    // Attempts the server never answered are decided here, now, not after the timeout.
    std::vector<json> unanswered;
    for (auto& [id, pending] : pending_)
        if (pending.kind == Pending::Kind::attempt) unanswered.push_back(std::move(pending.frame));
    pending_.clear();
    if (online_) notice("offline");
    online_ = false;
    for (auto& frame : unanswered)
        decide_offline(std::move(frame));
}

void DoorEngine::poll() {
    auto now = Clock::now();
    if (connecting_.valid()) {
        if (connecting_.wait_for(0s) == std::future_status::ready) {
            auto [connection, welcome] = connecting_.get();
            next_attempt_ = now + config_.retry_interval;
            on_connected(std::move(connection), welcome);
        }
    } else if (!connection_ && now >= next_attempt_) {
        connect_in_background();
    }
    if (connection_) {
        while (auto frame = connection_->receive(0ms))
            handle(*frame);
        if (connection_ && !connection_->is_open()) drop_connection();
    }
    expire_answers();
    if (connection_ && now - last_probe_ >= (online_ ? kKeepAlive : config_.retry_interval)) {
        // Any answer brings the door back online; a ping is the cheapest question (and keeps
        // an idle connection from being closed).
        send(Pending::Kind::other, {{"type", "ping"}, {"t0", door_now_ms()}});
        last_probe_ = now;
    }
    if (connection_ && online_) sync_queue();
    maybe_report_queue();
}

std::int64_t DoorEngine::send(Pending::Kind kind, json frame) {
    std::int64_t id = connection_->send_request(frame);
    pending_[id] = Pending{kind, std::move(frame), Clock::now()};
    return id;
}

// ---- frames from the server ----

void DoorEngine::handle(const json& frame) {
    if (!frame.is_object()) return;
    if (frame.contains("re") && frame["re"].is_number_integer()) {
        auto it = pending_.find(frame["re"].get<std::int64_t>());
        if (it == pending_.end()) return; // answered after its timeout: decided offline already
        Pending pending = std::move(it->second);
        pending_.erase(it);
        if (!online_) notice("online");
        online_ = true;
        return handle_reply(std::move(pending), frame);
    }
    std::string type = type_of(frame);
    if (type == "counts") {
        counts_ = frame;
        counts_.erase("type");
        store_.set_meta("counts", counts_);
    } else if (type == "offline_update") {
        cache_.apply(frame);
    }
}

void DoorEngine::handle_reply(Pending pending, const json& frame) {
    std::string type = type_of(frame);
    switch (pending.kind) {
    case Pending::Kind::attempt:
        if (type == "scan_result") return show(Verdict::from_scan_result(frame), pending.frame);
        return notice("server_error", frame.value("message", type));
    case Pending::Kind::sync: {
        std::string scan_id = pending.frame.value("scan_id", "");
        syncing_.erase(scan_id);
        if (type == "scan_result") {
            store_.remove(scan_id);
            last_sync_ms_ = door_now_ms();
            return;
        }
        // Kept in the queue; sent again from the start after a pause (scan_id dedupes).
        sync_resume_ = Clock::now() + 5s;
        synced_through_seq_ = 0;
        return notice("sync_refused", frame.value("message", type));
    }
    case Pending::Kind::lookup: {
        DoorEvent event;
        event.kind = DoorEvent::Kind::search_results;
        for (const auto& attendee : frame.value("attendees", json::array()))
            event.results.push_back(attendee);
        events_.push_back(std::move(event));
        return;
    }
    case Pending::Kind::undo:
        if (type == "ok") {
            if (last_) cache_.mark(last_->attendee_id, last_->direction != "in", door_now_ms(), "");
            last_.reset();
            return notice("undone");
        }
        return notice("undo_failed", frame.value("message", type));
    case Pending::Kind::roster:
        if (type != "offline_roster_page")
            return notice("no_offline_roster", frame.value("message", type));
        cache_.apply(frame);
        if (frame.contains("next") && frame["next"].is_number_integer())
            send(Pending::Kind::roster, {{"type", "offline_roster"}, {"after", frame["next"]}});
        return;
    case Pending::Kind::other:
        return;
    }
}

// No answer in time: the server is treated as gone for new attempts until it answers again.
void DoorEngine::expire_answers() {
    auto deadline = Clock::now() - config_.answer_timeout;
    std::vector<json> expired;
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.kind == Pending::Kind::attempt && it->second.sent <= deadline) {
            expired.push_back(std::move(it->second.frame));
            it = pending_.erase(it);
        } else {
            ++it;
        }
    }
    if (expired.empty()) return;
    go_offline();
    for (auto& frame : expired)
        decide_offline(std::move(frame));
}

void DoorEngine::go_offline() {
    if (online_) notice("offline");
    online_ = false;
}

// ---- attempts ----

json DoorEngine::new_attempt(const char* type, const std::string& direction) {
    char counter[24];
    std::snprintf(counter, sizeof counter, "%06lld", static_cast<long long>(store_.next_counter()));
    return {{"type", type},
            {"scan_id", config_.scan_prefix + "-" + counter},
            {"direction", direction},
            {"at", door_now_ms()}};
}

void DoorEngine::scan(const std::string& payload, const std::string& direction) {
    json frame = new_attempt("scan", direction);
    frame["payload"] = payload;
    submit(std::move(frame));
}

void DoorEngine::check_in_manually(std::uint32_t attendee_id, const std::string& direction) {
    json frame = new_attempt("checkin_manual", direction);
    frame["attendee_id"] = attendee_id;
    submit(std::move(frame));
}

void DoorEngine::submit(json frame) {
    if (connection_ && online_) {
        send(Pending::Kind::attempt, std::move(frame));
        return;
    }
    decide_offline(std::move(frame));
}

// Judged from the cache, committed to the queue, and only then shown.
void DoorEngine::decide_offline(json frame) {
    const std::string direction = frame["direction"].get<std::string>();
    Verdict verdict =
        type_of(frame) == "scan"
            ? cache_.judge_scan(frame["payload"].get<std::string>(), direction)
            : cache_.judge_manual(frame["attendee_id"].get<std::uint32_t>(), direction);
    verdict.scan_id = frame["scan_id"].get<std::string>();
    frame["offline"] = verdict.result;
    store_.enqueue(verdict.scan_id, frame);
    if (verdict.result == "ok" && verdict.attendee.is_object()) {
        bool was_present = false;
        if (const json* person = cache_.attendee(verdict.attendee["id"].get<std::uint32_t>()))
            was_present = person->value("present", false);
        if (counts_.is_object() && direction == "in" && !was_present) {
            counts_["arrived"] = counts_.value("arrived", 0) + 1;
            store_.set_meta("counts", counts_);
        }
    }
    show(std::move(verdict), frame);
}

void DoorEngine::show(Verdict verdict, const json& frame) {
    if (verdict.result == "ok" && verdict.attendee.is_object() && verdict.attendee.contains("id")) {
        auto id = verdict.attendee["id"].get<std::uint32_t>();
        cache_.mark(id, verdict.direction == "in", frame.value("at", door_now_ms()),
                    config_.device_name);
        remember_for_undo(verdict, frame);
    }
    DoorEvent event;
    event.kind = DoorEvent::Kind::verdict;
    event.verdict = std::move(verdict);
    events_.push_back(std::move(event));
}

void DoorEngine::remember_for_undo(const Verdict& verdict, const json& frame) {
    last_ = LastAdmission{frame.value("scan_id", ""), verdict.attendee["id"].get<std::uint32_t>(),
                          verdict.direction};
}

void DoorEngine::search(const std::string& query) {
    if (connection_ && online_) {
        send(Pending::Kind::lookup, {{"type", "lookup"}, {"query", query}});
        return;
    }
    if (!cache_.names()) return notice("search_names_off");
    DoorEvent event;
    event.kind = DoorEvent::Kind::search_results;
    event.results = cache_.search(query, kSearchLimit);
    event.results_offline = true;
    events_.push_back(std::move(event));
}

void DoorEngine::undo_last() {
    if (!last_) return notice("nothing_to_undo");
    if (store_.contains(last_->scan_id)) {
        if (syncing_.count(last_->scan_id)) return notice("undo_later");
        store_.remove(last_->scan_id);
        cache_.mark(last_->attendee_id, last_->direction != "in", door_now_ms(), "");
        last_.reset();
        return notice("undone");
    }
    if (!connection_ || !online_) return notice("undo_needs_server");
    send(Pending::Kind::undo, {{"type", "undo"}, {"scan_id", last_->scan_id}});
}

// ---- the queue ----

void DoorEngine::sync_queue() {
    if (Clock::now() < sync_resume_ || syncing_.size() >= kSyncWindow) return;
    for (auto& item : store_.queued(kSyncWindow - syncing_.size(), synced_through_seq_)) {
        synced_through_seq_ = item.seq;
        if (!item.frame.is_object() || syncing_.count(item.scan_id)) continue;
        syncing_.insert(item.scan_id);
        item.frame.erase("id");
        send(Pending::Kind::sync, std::move(item.frame));
    }
}

void DoorEngine::maybe_report_queue() {
    if (!connection_ || !online_) return;
    std::size_t length = store_.queue_length();
    if (reported_queue_ == length || Clock::now() - last_report_ < kReportInterval) return;
    report_queue();
}

void DoorEngine::report_queue() {
    if (!connection_) return;
    std::size_t length = store_.queue_length();
    auto oldest = store_.oldest_at();
    send(Pending::Kind::other, {{"type", "queue_report"},
                                {"queued", length},
                                {"oldest_at", oldest ? json(*oldest) : json()},
                                {"last_sync", last_sync_ms_ ? json(last_sync_ms_) : json()}});
    reported_queue_ = length;
    last_report_ = Clock::now();
}

// ---- for the UI ----

void DoorEngine::notice(std::string key, std::string detail) {
    DoorEvent event;
    event.kind = DoorEvent::Kind::notice;
    event.notice = std::move(key);
    event.detail = std::move(detail);
    events_.push_back(std::move(event));
}

std::vector<DoorEvent> DoorEngine::take_events() {
    return std::exchange(events_, {});
}

DoorStatus DoorEngine::status() const {
    DoorStatus status;
    status.connected = connection_ != nullptr;
    status.online = connection_ && online_;
    status.queued = store_.queue_length();
    status.counts = counts_;
    status.event_name = event_name_;
    status.names = cache_.names();
    for (const auto& [id, pending] : pending_)
        if (pending.kind == Pending::Kind::attempt) status.waiting = true;
    return status;
}

} // namespace stagedoor::kiosk
