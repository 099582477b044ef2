#include "app/audit_log.hpp"

#include "app/log.hpp"

namespace stagedoor::app {

AuditLog::AuditLog(const ModuleContext& context)
    : writer_(context.writer)
    , clock_(context.clock) {
    storage::Database db(context.data_dir.database_path());
    storage::migrate_audit(db);
}

storage::AuditEntry AuditLog::make(std::int64_t device_id, std::string device, Role role,
                                   std::string address, std::string action, std::string target,
                                   const nlohmann::json& detail, std::string outcome) const {
    std::string text;
    if (!detail.is_null()) {
        text = detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (text.size() > kMaxDetailBytes)
            text = nlohmann::json{{"truncated_bytes", text.size()}}.dump();
    }
    return storage::AuditEntry{0,
                               clock_(),
                               device_id,
                               std::move(device),
                               std::string(protocol::to_string(role)),
                               std::move(address),
                               std::move(action),
                               std::move(target),
                               std::move(text),
                               std::move(outcome)};
}

storage::AuditEntry AuditLog::entry(const Connection& who, std::string action, std::string target,
                                    const nlohmann::json& detail, std::string outcome) const {
    return make(who.device_id, who.device, who.role, who.address, std::move(action),
                std::move(target), detail, std::move(outcome));
}

storage::AuditEntry AuditLog::entry(const HttpRequest& request, std::string action,
                                    std::string target, const nlohmann::json& detail,
                                    std::string outcome) const {
    // Routes that record have a role set, so authentication set request.role.
    return make(request.device_id, request.device, request.role.value_or(Role::door),
                request.address, std::move(action), std::move(target), detail, std::move(outcome));
}

void AuditLog::record(const Connection& who, std::string action, std::string target,
                      const nlohmann::json& detail, std::string outcome) {
    record(entry(who, std::move(action), std::move(target), detail, std::move(outcome)));
}

void AuditLog::record(const HttpRequest& request, std::string action, std::string target,
                      const nlohmann::json& detail, std::string outcome) {
    if (request.method == "HEAD") return;
    record(entry(request, std::move(action), std::move(target), detail, std::move(outcome)));
}

void AuditLog::record(storage::AuditEntry entry) {
    std::string action = entry.action;
    writer_.submit(
        [entry = std::move(entry)](storage::Database& db) { storage::append_audit(db, entry); },
        [action = std::move(action)](bool committed) {
            // The action itself stands; its trace is what was lost.
            if (!committed) log::error("audit: the entry for '" + action + "' could not be stored");
        });
}

} // namespace stagedoor::app
