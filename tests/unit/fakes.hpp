// Fakes for the network side of a module (transport, scheduler) and for the attendance
// module's presence directory, shared by the module unit tests.
#pragma once

#include "app/presence.hpp"
#include "app/scheduler.hpp"
#include "app/transport.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::testing {

using app::ConnectionId;
using app::Frame;
using app::Outgoing;
using app::PresenceDirectory;
using app::Role;
using app::RoleSet;
using app::Scheduler;
using app::SpeakerPresence;
using app::Transport;
using nlohmann::json;

struct FakeTransport final : Transport {
    struct Sent {
        ConnectionId to;
        json message;
        std::string key;
    };
    struct Broadcast {
        RoleSet roles;
        json message;
        std::string key;
        Frame frame;
    };
    std::vector<Sent> sent;
    std::vector<Broadcast> broadcasts;

    // The role each connection said hello as (the dispatcher tells the transport once).
    std::map<ConnectionId, Role> role_of;
    void set_role(ConnectionId connection, Role role) override { role_of[connection] = role; }
    struct Closed {
        ConnectionId connection;
        int code;
        std::string reason;
    };
    std::vector<Closed> closed;
    void close(ConnectionId connection, int code, std::string reason) override {
        closed.push_back({connection, code, std::move(reason)});
    }
    void send(ConnectionId connection, Outgoing message) override {
        sent.push_back(
            {connection, json::parse(*message.frame), std::string(message.coalesce_key)});
    }
    void broadcast(RoleSet roles, Outgoing message) override {
        broadcasts.push_back(
            {roles, json::parse(*message.frame), std::string(message.coalesce_key), message.frame});
    }
    void post(std::function<void()> task) override {
        {
            std::lock_guard lock(mutex_);
            posted_.push_back(std::move(task));
        }
        wake_.notify_all();
    }
    // Runs posted completions on this (the "event loop") thread until condition holds.
    template <class Condition> bool run_until(Condition condition) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!condition()) {
            std::function<void()> task;
            {
                std::unique_lock lock(mutex_);
                if (!wake_.wait_until(lock, deadline, [&] { return !posted_.empty(); }))
                    return condition();
                task = std::move(posted_.front());
                posted_.pop_front();
            }
            task();
        }
        return true;
    }
    std::vector<json> sent_to(ConnectionId connection, std::string_view type) const {
        std::vector<json> out;
        for (const auto& entry : sent)
            if (entry.to == connection && entry.message["type"] == type)
                out.push_back(entry.message);
        return out;
    }
    std::vector<const Broadcast*> broadcasts_of(std::string_view type) const {
        std::vector<const Broadcast*> out;
        for (const auto& entry : broadcasts)
            if (entry.message["type"] == type) out.push_back(&entry);
        return out;
    }
    bool replied(ConnectionId connection, std::int64_t re, std::string_view type = "ok") const {
        for (const auto& entry : sent)
            if (entry.to == connection && entry.message["type"] == type &&
                entry.message.value("re", json()) == re)
                return true;
        return false;
    }

  private:
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> posted_;
};

struct FakeScheduler final : Scheduler {
    std::map<TimerId, std::pair<std::int64_t, std::function<void()>>> timers;
    TimerId next_id = 1;
    TimerId schedule_at(std::int64_t unix_ms, std::function<void()> task) override {
        timers[next_id] = {unix_ms, std::move(task)};
        return next_id++;
    }
    void cancel(TimerId timer) override { timers.erase(timer); }
    // Runs every timer due at now, earliest first (tasks may schedule more).
    void run_due(std::int64_t now) {
        for (;;) {
            auto due = timers.end();
            for (auto it = timers.begin(); it != timers.end(); ++it)
                if (it->second.first <= now &&
                    (due == timers.end() || it->second.first < due->second.first))
                    due = it;
            if (due == timers.end()) return;
            auto task = std::move(due->second.second);
            timers.erase(due);
            task();
        }
    }
    std::vector<std::int64_t> times() const {
        std::vector<std::int64_t> out;
        for (const auto& [id, timer] : timers)
            out.push_back(timer.first);
        std::sort(out.begin(), out.end());
        return out;
    }
};

struct FakePresence final : PresenceDirectory {
    std::map<std::int64_t, SpeakerPresence> people;
    std::vector<std::function<void(std::int64_t)>> listeners;
    std::optional<SpeakerPresence> speaker(std::int64_t attendee_id) const override {
        auto it = people.find(attendee_id);
        if (it == people.end()) return std::nullopt;
        return it->second;
    }
    void subscribe(std::function<void(std::int64_t)> listener) override {
        listeners.push_back(std::move(listener));
    }
    void set_present(std::int64_t id, bool present, std::int64_t at) {
        people[id].present = present;
        if (present && !people[id].arrived_at) people[id].arrived_at = at;
        for (auto& listener : listeners)
            listener(id);
    }
};

} // namespace stagedoor::testing
