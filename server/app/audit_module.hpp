// The audit log over HTTP, for organisers: GET /api/audit (JSON, newest first, filtered, with
// the refusals counted per device) and GET /api/audit.csv (a spreadsheet export). Rows are
// written by the modules through app::AuditLog; this module only reads them, on its own
// loop-thread connection (WAL: reads never wait for the writer).
#pragma once

#include "app/audit_log.hpp"
#include "app/context.hpp"
#include "app/module.hpp"
#include "app/refusals.hpp"
#include "storage/audit_store.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace stagedoor::app {

class Router;

// The rows a JSON page holds by default and at most; an export holds at most kMaxCsvRows.
inline constexpr std::size_t kAuditPageDefault = 200;
inline constexpr std::size_t kAuditPageMax = 1000;
inline constexpr std::size_t kAuditCsvMax = 100'000;

// The filter of a request's query (action, device, since, before, limit up to max_limit), or
// the message that refuses it.
std::variant<storage::AuditFilter, std::string>
audit_filter(const std::map<std::string, std::string>& query, std::size_t default_limit,
             std::size_t max_limit);

// {"entries":[{seq,at,device_id,device,role,address,action,target,detail,outcome}],
//  "refusals":{"total":n,"devices":[{"device","count","refused":[{"type","code","count"}]}]}}.
// detail is the stored JSON (a string when it is not JSON); devices most refused first.
nlohmann::json audit_json(const std::vector<storage::AuditEntry>& entries,
                          const RefusalCounts& refusals);

// RFC 4180 with CRLF line ends and a header row, fields separated by separator (',' or ';'),
// times as ISO 8601 local time; a cell starting with = + - @ gets a leading apostrophe. No BOM
// (the HTTP response adds it).
std::string audit_csv(const std::vector<storage::AuditEntry>& entries, char separator);

class AuditModule final : public Module {
  public:
    explicit AuditModule(ModuleContext& context);
    void register_routes(Router& router) override;

  private:
    HttpResponse http_json(const HttpRequest& request) const;
    HttpResponse http_csv(const HttpRequest& request);

    ModuleContext context_; // a copy: the one passed in lives only during construction
    AuditLog audit_;        // records the CSV export itself
    storage::Database db_;  // reads
    const Router* router_ = nullptr;
};

} // namespace stagedoor::app
