#include "app/audit_module.hpp"

#include "app/router.hpp"
#include "domain/attendance.hpp"
#include "domain/csv.hpp"

#include <algorithm>
#include <charconv>

namespace stagedoor::app {

using nlohmann::json;
using protocol::ErrorCode;

namespace {

// A filter value is a name or an action: far below this.
constexpr std::size_t kMaxFilterBytes = 200;

std::optional<std::int64_t> parse_int(const std::string& text) {
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

json detail_json(const std::string& text) {
    if (text.empty()) return nullptr;
    json parsed = json::parse(text, nullptr, false);
    return parsed.is_discarded() ? json(text) : parsed;
}

json refusals_by_device(const RefusalCounts& refusals) {
    std::map<std::string, json> devices;
    for (const auto& [key, count] : refusals.since_start()) {
        json& device = devices[key.device];
        if (device.is_null())
            device = {{"device", key.device}, {"count", 0}, {"refused", json::array()}};
        device["count"] = device["count"].get<std::uint64_t>() + count;
        device["refused"].push_back(
            {{"type", key.type}, {"code", protocol::to_string(key.code)}, {"count", count}});
    }
    json list = json::array();
    for (auto& [name, device] : devices)
        list.push_back(std::move(device));
    std::stable_sort(list.begin(), list.end(), [](const json& a, const json& b) {
        return a["count"].get<std::uint64_t>() > b["count"].get<std::uint64_t>();
    });
    return {{"total", refusals.total()}, {"devices", std::move(list)}};
}

HttpResponse bad_filter(std::string message) {
    return json_error_response(400, ErrorCode::bad_message, std::move(message));
}

} // namespace

std::variant<storage::AuditFilter, std::string>
audit_filter(const std::map<std::string, std::string>& query, std::size_t default_limit,
             std::size_t max_limit) {
    storage::AuditFilter filter;
    filter.limit = default_limit;
    for (const auto& [name, value] : query) {
        if (name == "action" || name == "device") {
            if (value.size() > kMaxFilterBytes)
                return name + ": at most " + std::to_string(kMaxFilterBytes) + " bytes";
            if (value.empty()) continue;
            (name == "action" ? filter.action : filter.device) = value;
        } else if (name == "since" || name == "before" || name == "limit") {
            auto number = parse_int(value);
            if (!number || *number < 0)
                return name + ": expected a whole number >= 0, got '" +
                       value.substr(0, kMaxFilterBytes) + "'";
            if (name == "since") filter.since = *number;
            if (name == "before") filter.before_seq = *number;
            if (name == "limit") {
                if (*number < 1 || static_cast<std::uint64_t>(*number) > max_limit)
                    return "limit: expected 1 to " + std::to_string(max_limit);
                filter.limit = static_cast<std::size_t>(*number);
            }
        }
        // Other parameters (sep, dl) belong to the route or the download token.
    }
    return filter;
}

json audit_json(const std::vector<storage::AuditEntry>& entries, const RefusalCounts& refusals) {
    json rows = json::array();
    for (const auto& entry : entries)
        rows.push_back({{"seq", entry.seq},
                        {"at", entry.at},
                        {"device_id", entry.device_id},
                        {"device", entry.device},
                        {"role", entry.role},
                        {"address", entry.address},
                        {"action", entry.action},
                        {"target", entry.target},
                        {"detail", detail_json(entry.detail)},
                        {"outcome", entry.outcome}});
    return {{"entries", std::move(rows)}, {"refusals", refusals_by_device(refusals)}};
}

std::string audit_csv(const std::vector<storage::AuditEntry>& entries, char separator) {
    domain::CsvQuoting text{.quote_semicolons = separator == ';'};
    domain::CsvQuoting number{.neutralise_formulas = false, .quote_semicolons = separator == ';'};
    std::string out;
    auto row = [&out, separator](std::initializer_list<std::string> cells) {
        bool first = true;
        for (const auto& cell : cells) {
            if (!first) out += separator;
            out += cell;
            first = false;
        }
        out += "\r\n";
    };
    row({"seq", "time", "device_id", "device", "role", "address", "action", "target", "detail",
         "outcome"});
    for (const auto& entry : entries)
        row({std::to_string(entry.seq), domain::csv_field(domain::iso_local_time(entry.at), number),
             std::to_string(entry.device_id), domain::csv_field(entry.device, text),
             domain::csv_field(entry.role, text), domain::csv_field(entry.address, text),
             domain::csv_field(entry.action, text), domain::csv_field(entry.target, text),
             domain::csv_field(entry.detail, text), domain::csv_field(entry.outcome, text)});
    return out;
}

AuditModule::AuditModule(ModuleContext& context)
    : context_(context)
    , audit_(context)
    , db_(context.data_dir.database_path()) {}

void AuditModule::register_routes(Router& router) {
    router_ = &router;
    router.http("GET", "/api/audit", roles::organisers,
                [this](const HttpRequest& request) { return http_json(request); });
    router.http("GET", "/api/audit.csv", roles::organisers,
                [this](const HttpRequest& request) { return http_csv(request); });
}

HttpResponse AuditModule::http_json(const HttpRequest& request) const {
    auto filter = audit_filter(request.query, kAuditPageDefault, kAuditPageMax);
    if (auto* message = std::get_if<std::string>(&filter)) return bad_filter(*message);
    static const RefusalCounts kNone;
    json body = audit_json(storage::load_audit(db_, std::get<storage::AuditFilter>(filter)),
                           router_ ? router_->refusal_counts() : kNone);
    return HttpResponse{200,
                        "application/json",
                        body.dump(-1, ' ', false, json::error_handler_t::replace),
                        {{"Cache-Control", "no-store"}}};
}

HttpResponse AuditModule::http_csv(const HttpRequest& request) {
    auto filter = audit_filter(request.query, kAuditCsvMax, kAuditCsvMax);
    if (auto* message = std::get_if<std::string>(&filter)) return bad_filter(*message);
    char separator = ',';
    if (auto sep = request.query.find("sep"); sep != request.query.end()) {
        if (sep->second == "semicolon")
            separator = ';';
        else if (sep->second != "comma")
            return bad_filter("sep: expected 'comma' or 'semicolon'");
    }
    auto entries = storage::load_audit(db_, std::get<storage::AuditFilter>(filter));
    audit_.record(request, "export.audit_csv", {}, json{{"rows", entries.size()}});
    return HttpResponse{200,
                        "text/csv; charset=utf-8",
                        // The BOM makes spreadsheet programs read the umlauts as UTF-8.
                        "\xEF\xBB\xBF" + audit_csv(entries, separator),
                        {{"Cache-Control", "no-store"},
                         {"Content-Disposition", "attachment; filename=\"stagedoor-audit.csv\""}}};
}

} // namespace stagedoor::app
