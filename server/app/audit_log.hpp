// The one way application code records a privileged action in the audit log
// (storage/audit_store.hpp): who (device id and name, role, address, from the Connection or the
// HttpRequest as authentication set them, never from what the client claims), what (action,
// target, a short JSON detail) and when (the context's clock).
//
// Record an action once, after it committed, and not again when a client's retry is answered
// from what is stored. Two ways:
//   - record(who, action, ...): the row goes to the writer as a durable write of its own (for
//     an action committed elsewhere, or one that stores nothing, such as an export);
//   - storage::append_audit(db, audit.entry(who, action, ...)) inside the action's own write:
//     the row commits in the same transaction as the action, or not at all.
// Actions (PROTOCOL.md, audit log): timer.<action>, agenda.edit, agenda.import, stage.message,
// stage.blackout, checkin.manual, walkin, undo, roster.import, badge.reissue, device.pair_code,
// device.paired, device.rename, device.revoke, keys.rotate, export.<name>.
// Runs on the event-loop thread.
#pragma once

#include "app/context.hpp"
#include "app/module.hpp"
#include "storage/audit_store.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace stagedoor::app {

class AuditLog {
  public:
    // A detail longer than this is stored as {"truncated_bytes": n}.
    static constexpr std::size_t kMaxDetailBytes = 2048;

    // Creates the audit table if needed (a short-lived connection to the event database), so
    // every module that holds an AuditLog can write to it. Throws DatabaseError like a module.
    explicit AuditLog(const ModuleContext& context);

    // The row for an action of who, dated now. detail null (the default) stores "".
    storage::AuditEntry entry(const Connection& who, std::string action, std::string target = {},
                              const nlohmann::json& detail = nullptr,
                              std::string outcome = "ok") const;
    storage::AuditEntry entry(const HttpRequest& request, std::string action,
                              std::string target = {}, const nlohmann::json& detail = nullptr,
                              std::string outcome = "ok") const;

    // Appends entry(...) through the writer as a durable write. A HEAD request records nothing
    // (nothing was downloaded).
    void record(const Connection& who, std::string action, std::string target = {},
                const nlohmann::json& detail = nullptr, std::string outcome = "ok");
    void record(const HttpRequest& request, std::string action, std::string target = {},
                const nlohmann::json& detail = nullptr, std::string outcome = "ok");
    // Appends a prepared row through the writer as a durable write.
    void record(storage::AuditEntry entry);

  private:
    storage::AuditEntry make(std::int64_t device_id, std::string device, Role role,
                             std::string address, std::string action, std::string target,
                             const nlohmann::json& detail, std::string outcome) const;

    storage::Writer& writer_;
    Clock clock_;
};

} // namespace stagedoor::app
