#include "app/devices_module.hpp"

#include "app/log.hpp"
#include "app/router.hpp"
#include "badges/badges.hpp"
#include "stagedoor/protocol/text.hpp"

#include <nlohmann/json.hpp>

namespace stagedoor::app {

using nlohmann::json;
using protocol::ErrorCode;

namespace {

constexpr std::uint64_t kSmallBody = 4 * 1024;

HttpResponse json_response(int status, const json& body) {
    return HttpResponse{status,
                        "application/json",
                        body.dump(-1, ' ', false, json::error_handler_t::replace),
                        {{"Cache-Control", "no-store"}}};
}

HttpResponse bad_request(std::string message) {
    return json_error_response(400, ErrorCode::bad_message, std::move(message));
}

// The request's body as a JSON object, or nullopt.
std::optional<json> json_object(const HttpRequest& request) {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return std::nullopt;
    return body;
}

// A text field of body: absent gives fallback; anything but a string of valid UTF-8 of at most
// max_bytes is nullopt.
std::optional<std::string> text_field(const json& body, const char* name, std::size_t max_bytes,
                                      std::string fallback = {}) {
    auto it = body.find(name);
    if (it == body.end()) return fallback;
    if (!it->is_string()) return std::nullopt;
    std::string text(protocol::trim(it->get<std::string>()));
    if (text.size() > max_bytes || !protocol::is_valid_utf8(text)) return std::nullopt;
    return text;
}

// A whole-number field from 1 to max; absent gives fallback.
std::optional<std::int64_t> count_field(const json& body, const char* name, std::int64_t max,
                                        std::int64_t fallback) {
    auto it = body.find(name);
    if (it == body.end()) return fallback;
    if (!it->is_number_integer()) return std::nullopt;
    auto value = it->get<std::int64_t>();
    if (value < 1 || value > max) return std::nullopt;
    return value;
}

std::optional<protocol::Role> role_field(const json& body) {
    auto it = body.find("role");
    if (it == body.end() || !it->is_string()) return std::nullopt;
    return protocol::role_from_string(it->get<std::string>());
}

// A device's name: 1 to 64 bytes of UTF-8, trimmed.
std::optional<std::string> name_field(const json& body) {
    auto name = text_field(body, "name", protocol::kMaxDeviceBytes);
    if (!name || name->empty()) return std::nullopt;
    return name;
}

json optional_json(const std::optional<std::int64_t>& value) {
    return value ? json(*value) : json(nullptr);
}

// A device's "queue" in the device list.
json queue_json(const protocol::QueueReport& report, std::int64_t reported_at) {
    return {{"queued", report.queued},
            {"oldest_at", optional_json(report.oldest_at)},
            {"last_sync", optional_json(report.last_sync)},
            {"reported_at", reported_at}};
}

// "scheme://host" of the request, for links the device opens on the same server.
std::string base_url(const HttpRequest& request, const storage::DataDir& dir) {
    if (!request.base_url.empty()) return request.base_url;
    std::error_code ec;
    auto path = dir.root() / "run" / "base-url";
    if (std::filesystem::exists(path, ec))
        return std::string(protocol::trim(storage::read_file(path)));
    return "http://127.0.0.1:8080";
}

} // namespace

DevicesModule::DevicesModule(ModuleContext& context)
    : context_(context)
    , dispatcher_(*context.dispatcher)
    , audit_(context_)
    , db_(std::make_unique<storage::Database>(context.data_dir.database_path()))
    , store_(std::make_unique<storage::DeviceStore>(*db_)) {
    dispatcher_.set_device_authority(this);
}

DevicesModule::~DevicesModule() {
    dispatcher_.set_device_authority(nullptr);
}

void DevicesModule::register_routes(Router& router) {
    router.on<protocol::QueueReport>(roles::door_staff, this, &DevicesModule::on_queue_report);
    router.http(
        "POST", "/api/pair", Router::kPublic,
        [this](const HttpRequest& request) { return http_pair(request); }, kSmallBody);
    router.http(
        "POST", "/api/devices/pairings", roles::organisers,
        [this](const HttpRequest& request) { return http_create_pairing(request); }, kSmallBody);
    router.http("GET", "/api/devices", roles::organisers,
                [this](const HttpRequest& request) { return http_list(request); });
    router.http(
        "POST", "/api/devices/{id}/rename", roles::organisers,
        [this](const HttpRequest& request) { return http_rename(request); }, kSmallBody);
    router.http(
        "POST", "/api/devices/{id}/revoke", roles::organisers,
        [this](const HttpRequest& request) { return http_revoke(request); }, kSmallBody);
    router.http(
        "POST", "/api/keys/rotate", roles::organisers,
        [this](const HttpRequest& request) { return http_rotate_key(request); }, kSmallBody);
}

void DevicesModule::start() {
    data_version_ = data_version();
    keys_generation_ = db_->setting("keys.generation").value_or("");
    poll_timer_ = context_.scheduler.schedule_at(context_.clock() + kPollMs, [this] { poll(); });
}

void DevicesModule::stop() {
    stopped_ = true;
    if (poll_timer_) context_.scheduler.cancel(poll_timer_);
    poll_timer_ = 0;
    flush_seen();
}

void DevicesModule::on_welcome(const Connection& connection) {
    if (!connection.device_id) return;
    online_[connection.device_id].insert(connection.id);
    seen_[connection.device_id] = {connection.device_id, context_.clock(), connection.address,
                                   connection.app};
}

void DevicesModule::on_disconnect(const Connection& connection) {
    if (!connection.device_id) return;
    auto it = online_.find(connection.device_id);
    if (it != online_.end()) {
        it->second.erase(connection.id);
        if (it->second.empty()) online_.erase(it);
    }
    seen_[connection.device_id] = {connection.device_id, context_.clock(), connection.address,
                                   connection.app};
}

void DevicesModule::on_queue_report(const Connection& connection,
                                    const protocol::QueueReport& report) {
    if (connection.device_id) queues_[connection.device_id] = {report, context_.clock()};
    Replier(context_.transport).ok(connection.id, report.id);
}

std::variant<DeviceAuthority::Device, std::string>
DevicesModule::device_for_token(std::string_view token) {
    auto found = store_->authenticate(token);
    if (auto* refusal = std::get_if<storage::TokenRefusal>(&found))
        return std::string(*refusal == storage::TokenRefusal::revoked ? "this device was removed"
                                                                      : "unknown device token");
    const auto& device = std::get<storage::DeviceRecord>(found);
    return Device{device.id, device.name, device.role};
}

std::int64_t DevicesModule::data_version() const {
    auto query = db_->prepare("PRAGMA data_version");
    return query.step() ? query.int64(0) : 0;
}

void DevicesModule::poll() {
    poll_timer_ = 0;
    if (stopped_) return;
    run_guarded("checking the devices for changes", [this] {
        if (std::int64_t version = data_version(); version != data_version_) {
            data_version_ = version;
            reconcile();
        }
        flush_seen();
    });
    poll_timer_ = context_.scheduler.schedule_at(context_.clock() + kPollMs, [this] { poll(); });
}

void DevicesModule::reconcile() {
    for (const auto& device : store_->list()) {
        if (!online_.contains(device.id)) continue;
        if (device.revoked_at)
            revoke_now(device.id);
        else
            dispatcher_.rename_device(device.id, device.name);
    }
    std::string generation = db_->setting("keys.generation").value_or("");
    if (generation != keys_generation_) {
        keys_generation_ = generation;
        dispatcher_.replace_keys(RoleKeys::load(context_.data_dir));
    }
}

void DevicesModule::flush_seen() {
    if (seen_.empty()) return;
    std::vector<storage::DeviceStore::Seen> seen;
    for (auto& [id, one] : seen_)
        seen.push_back(std::move(one));
    seen_.clear();
    store_->record_seen(seen);
}

void DevicesModule::revoke_now(std::int64_t device_id) {
    online_.erase(device_id);
    queues_.erase(device_id);
    dispatcher_.close_device(device_id, "device removed");
}

bool DevicesModule::pairing_allowed(const std::string& address, std::int64_t now) {
    auto it = pair_failures_.find(address);
    if (it == pair_failures_.end()) return true;
    auto& failures = it->second;
    while (!failures.empty() && failures.front() <= now - 60'000)
        failures.pop_front();
    if (failures.empty()) {
        pair_failures_.erase(it);
        return true;
    }
    return failures.size() < kPairFailuresPerMinute;
}

HttpResponse DevicesModule::http_pair(const HttpRequest& request) {
    std::int64_t now = context_.clock();
    if (!pairing_allowed(request.address, now))
        return json_error_response(429, ErrorCode::rate_limited,
                                   "too many failed pairing attempts; wait a minute");
    auto body = json_object(request);
    if (!body) return bad_request("the body must be a JSON object with the pairing code");
    auto code = text_field(*body, "code", 64);
    auto app = text_field(*body, "app", 128);
    if (!code || code->empty()) return bad_request("field 'code' must be the pairing code");
    if (!app) return bad_request("field 'app' must be text of at most 128 bytes");
    auto paired = store_->redeem(*code, *app, request.address, now);
    if (!paired) {
        pair_failures_[request.address].push_back(now);
        log::info("refused a pairing from " + request.address);
        return json_error_response(401, ErrorCode::unauthorized,
                                   "this pairing code is not valid (unknown, used or expired)");
    }
    log::info("paired device #" + std::to_string(paired->device.id) + " '" + paired->device.name +
              "' as " + std::string(protocol::to_string(paired->device.role)));
    // The new device is the one who acted: it is known by its id from now on.
    Connection device{0, paired->device.role, paired->device.name};
    device.device_id = paired->device.id;
    device.address = request.address;
    audit_.record(device, "device.paired", std::to_string(paired->device.id), {{"app", *app}});
    const auto& event = context_.event;
    return json_response(
        200, {{"token", paired->token},
              {"device_id", paired->device.id},
              {"name", paired->device.name},
              {"role", protocol::to_string(paired->device.role)},
              {"event", {{"id", event.id}, {"name", event.name}, {"date", event.date}}}});
}

HttpResponse DevicesModule::http_create_pairing(const HttpRequest& request) {
    auto body = json_object(request);
    if (!body) return bad_request("the body must be a JSON object");
    auto role = role_field(*body);
    if (!role) return bad_request("field 'role' must be door, stage, moderator or organiser");
    auto name = name_field(*body);
    if (!name) return bad_request("field 'name' must be 1 to 64 bytes of text");
    auto uses = count_field(*body, "uses", domain::kMaxPairingUses, 1);
    if (!uses) return bad_request("field 'uses' must be a whole number from 1 to 1000");
    auto expires_s = count_field(*body, "expires_s", domain::kMaxPairingLifetimeMs / 1000,
                                 domain::kDefaultPairingLifetimeMs / 1000);
    if (!expires_s) return bad_request("field 'expires_s' must be 1 to 604800 seconds");
    std::int64_t now = context_.clock();
    auto pairing =
        store_->create_pairing(*role, *name, *uses, now + *expires_s * 1000, request.device, now);
    std::string link =
        domain::pairing_link(base_url(request, context_.data_dir), *role, pairing.code);
    json answer = {{"code", domain::group_pairing_code(pairing.code)},
                   {"link", link},
                   {"expires_at", pairing.expires_at},
                   {"uses", pairing.uses},
                   {"role", protocol::to_string(*role)},
                   {"name", *name}};
    if (auto qr = badges::encode_qr(link)) answer["qr_svg"] = badges::qr_svg(*qr);
    // Never the code: whoever reads the audit log could pair with it.
    audit_.record(request, "device.pair_code", *name,
                  {{"role", protocol::to_string(*role)},
                   {"uses", pairing.uses},
                   {"expires_at", pairing.expires_at}});
    return json_response(201, answer);
}

HttpResponse DevicesModule::http_list(const HttpRequest&) const {
    std::int64_t now = context_.clock();
    json devices = json::array();
    for (auto& device : store_->list()) {
        auto online = online_.find(device.id);
        if (auto seen = seen_.find(device.id); seen != seen_.end()) {
            device.last_seen = seen->second.at;
            device.address = seen->second.address;
            if (!seen->second.app.empty()) device.app = seen->second.app;
        }
        if (online != online_.end()) device.last_seen = now;
        auto queue = queues_.find(device.id);
        devices.push_back(
            {{"id", device.id},
             {"name", device.name},
             {"role", protocol::to_string(device.role)},
             {"online", online != online_.end()},
             {"connections", online != online_.end() ? online->second.size() : 0},
             {"last_seen", optional_json(device.last_seen)},
             {"address", device.address},
             {"app", device.app},
             {"paired_at", device.paired_at},
             {"revoked_at", optional_json(device.revoked_at)},
             {"queue", queue == queues_.end()
                           ? json(nullptr)
                           : queue_json(queue->second.report, queue->second.reported_at)}});
    }
    return json_response(200, {{"devices", devices}});
}

HttpResponse DevicesModule::http_rename(const HttpRequest& request) {
    auto body = json_object(request);
    auto name = body ? name_field(*body) : std::nullopt;
    if (!name) return bad_request("field 'name' must be 1 to 64 bytes of text");
    std::int64_t id = *request.path_id;
    if (!store_->rename(id, *name))
        return json_error_response(404, ErrorCode::not_found, "no such device");
    dispatcher_.rename_device(id, *name);
    audit_.record(request, "device.rename", std::to_string(id), {{"name", *name}});
    return json_response(200, {{"id", id}, {"name", *name}});
}

HttpResponse DevicesModule::http_revoke(const HttpRequest& request) {
    std::int64_t id = *request.path_id;
    std::int64_t now = context_.clock();
    if (!store_->revoke(id, now))
        return json_error_response(404, ErrorCode::not_found, "no such device");
    revoke_now(id);
    log::info("revoked device #" + std::to_string(id));
    audit_.record(request, "device.revoke", std::to_string(id));
    auto device = store_->find(id);
    return json_response(200, {{"id", id}, {"revoked_at", optional_json(device->revoked_at)}});
}

HttpResponse DevicesModule::http_rotate_key(const HttpRequest& request) {
    auto body = json_object(request);
    auto role = body ? role_field(*body) : std::nullopt;
    if (!role) return bad_request("field 'role' must be door, stage, moderator or organiser");
    std::string key = storage::rotate_role_key(context_.data_dir, *role);
    storage::note_keys_rotated(*db_);
    keys_generation_ = db_->setting("keys.generation").value_or("");
    dispatcher_.replace_keys(RoleKeys::load(context_.data_dir));
    log::info("rotated the " + std::string(protocol::to_string(*role)) + " key");
    audit_.record(request, "keys.rotate", std::string(protocol::to_string(*role)));
    return json_response(200, {{"role", protocol::to_string(*role)}, {"key", key}});
}

} // namespace stagedoor::app
