// Paired devices (issue 11): pairing codes, device tokens, the device list, rename, revoke and
// role-key rotation. It answers the dispatcher's token checks (hello.token, Bearer tokens),
// keeps track of which devices are online, and closes the connections of a revoked device
// (1008 "device removed") or of a rotated role key (1008 "key rotated"). It also keeps each
// paired door's latest queue_report (its offline queue, PROTOCOL.md 5.12) for the device list,
// in memory only.
//
// Changes made by other processes (`stagedoor device ...`, `stagedoor keys rotate` while the
// server runs) are noticed within kPollMs through PRAGMA data_version. Everything runs on the
// event-loop thread; its writes are rare and small (pairing, rename, revoke, and where devices
// were last seen, batched once per poll), so they go through its own connection.
#pragma once

#include "app/audit_log.hpp"
#include "app/context.hpp"
#include "app/dispatcher.hpp"
#include "app/module.hpp"
#include "stagedoor/protocol/messages_offline.hpp"
#include "storage/database.hpp"
#include "storage/device_store.hpp"

#include <deque>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

namespace stagedoor::app {

class DevicesModule : public Module, public DeviceAuthority {
  public:
    // Opens its own connection to the event database; context.dispatcher must be set (the
    // module registers itself there as the device authority).
    explicit DevicesModule(ModuleContext& context);
    ~DevicesModule() override;

    void register_routes(Router& router) override;
    void start() override;
    void on_welcome(const Connection& connection) override;
    void on_disconnect(const Connection& connection) override;
    void stop() override;

    std::variant<Device, std::string> device_for_token(std::string_view token) override;

    // How often the database is checked for changes made by other processes.
    static constexpr std::int64_t kPollMs = 1000;
    // Failed pairing attempts per address and minute; beyond them /api/pair answers 429.
    static constexpr std::size_t kPairFailuresPerMinute = 10;

  private:
    // A door's offline queue as it last reported it.
    struct QueueState {
        protocol::QueueReport report;
        std::int64_t reported_at = 0; // server time, unix ms
    };

    // Keeps the report for the connection's paired device; a role-key connection has none to
    // keep. Answers ok either way.
    void on_queue_report(const Connection& connection, const protocol::QueueReport& report);
    HttpResponse http_pair(const HttpRequest& request);
    HttpResponse http_create_pairing(const HttpRequest& request);
    HttpResponse http_list(const HttpRequest& request) const;
    HttpResponse http_rename(const HttpRequest& request);
    HttpResponse http_revoke(const HttpRequest& request);
    HttpResponse http_rotate_key(const HttpRequest& request);

    // Checks for changes by other processes, then records where devices were last seen.
    void poll();
    // After another process changed the database: revocations, names and role keys.
    void reconcile();
    void flush_seen();
    void revoke_now(std::int64_t device_id);
    std::int64_t data_version() const;
    // Forgets failures older than a minute; true while address may try again.
    bool pairing_allowed(const std::string& address, std::int64_t now);

    ModuleContext context_;
    Dispatcher& dispatcher_;
    AuditLog audit_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<storage::DeviceStore> store_;
    // Live connections per paired device.
    std::unordered_map<std::int64_t, std::set<ConnectionId>> online_;
    // The latest queue_report per paired device (none until it reports).
    std::unordered_map<std::int64_t, QueueState> queues_;
    // Where and when devices were seen since the last flush, by device id.
    std::unordered_map<std::int64_t, storage::DeviceStore::Seen> seen_;
    // Failed pairing attempts per address (times, oldest first).
    std::unordered_map<std::string, std::deque<std::int64_t>> pair_failures_;
    std::int64_t data_version_ = 0;
    std::string keys_generation_;
    Scheduler::TimerId poll_timer_ = 0;
    bool stopped_ = false;
};

} // namespace stagedoor::app
