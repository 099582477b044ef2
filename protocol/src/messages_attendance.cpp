#include "stagedoor/protocol/messages_attendance.hpp"

#include "stagedoor/protocol/json_writer.hpp"

namespace stagedoor::protocol {

using nlohmann::json;

namespace {

// Decodes a nested object into out; a problem inside is reported on the outer key.
template <class T>
void read_nested(Reader& reader, std::string_view key, const json* value, T& out,
                 const std::string& path) {
    if (!value || !reader.ok()) return;
    Reader nested(*value, path);
    out.read(nested);
    nested.finish();
    if (!nested.ok()) reader.fail(key, "is invalid: " + nested.error().message);
}

template <class T> json nested_json(const T& value) {
    json out = json::object();
    value.write(out);
    return out;
}

// scan_id is printable text without control characters, so it is safe in logs and CSV.
void check_scan_id(Reader& reader, std::string_view key, const std::string& scan_id) {
    for (unsigned char c : scan_id) {
        if (c < 0x20 || c == 0x7f) {
            reader.fail(key, "must not contain control characters");
            return;
        }
    }
}

std::string trimmed_copy(const std::string& text) {
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    auto end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

void read_group_map(Reader& reader, std::string_view key, std::map<std::string, GroupCounts>& out) {
    const json* value = reader.object(key);
    if (!value) return;
    for (const auto& item : value->items()) {
        GroupCounts counts;
        read_nested(reader, key, &item.value(), counts, std::string(key) + "." + item.key());
        out[item.key()] = counts;
    }
}

json group_map_json(const std::map<std::string, GroupCounts>& groups) {
    json out = json::object();
    for (const auto& [name, counts] : groups)
        out[name] = nested_json(counts);
    return out;
}

} // namespace

// ---- attendee ----

void AttendeeInfo::read(Reader& reader) {
    id = reader.integer("id", 1, kMaxAttendeeId);
    name = reader.string("name", kMaxNameBytes);
    organisation = reader.string("organisation", kMaxOrganisationBytes, true);
    category = reader.one_of<Category>("category", kCategories);
    sector = reader.string("sector", kMaxSectorBytes, true);
    vip = reader.boolean("vip");
}
void AttendeeInfo::write(json& out) const {
    out["id"] = id;
    out["name"] = name;
    out["organisation"] = organisation;
    out["category"] = to_string(category);
    out["sector"] = sector;
    out["vip"] = vip;
}
void AttendeeInfo::write_text(JsonWriter& out) const {
    out.begin_object();
    out.key("id").value(id);
    out.key("name").value(name);
    out.key("organisation").value(organisation);
    out.key("category").value(to_string(category));
    out.key("sector").value(sector);
    out.key("vip").value(vip);
    out.end_object();
}

// ---- requests ----

void Scan::read(Reader& reader) {
    id = reader.integer("id", 0);
    scan_id = reader.string("scan_id", kMaxScanIdBytes);
    check_scan_id(reader, "scan_id", scan_id);
    payload = reader.string("payload", kMaxScanPayloadBytes, true);
    direction = reader.one_of<Direction>("direction", kDirections);
    at = reader.integer("at", 0);
}
namespace {

// A cursor over the text of one flat JSON object, for decode_scan_fast. Every method returns
// false on anything it does not handle; the caller then falls back to the general decoder.
class FlatObjectCursor {
  public:
    explicit FlatObjectCursor(std::string_view text)
        : text_(text) {}

    void skip_space() {
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' ||
                                      text_[at_] == '\n' || text_[at_] == '\r'))
            ++at_;
    }
    bool consume(char c) {
        skip_space();
        if (at_ >= text_.size() || text_[at_] != c) return false;
        ++at_;
        return true;
    }
    bool peek(char c) {
        skip_space();
        return at_ < text_.size() && text_[at_] == c;
    }
    bool at_end() {
        skip_space();
        return at_ == text_.size();
    }
    // A string without escapes or raw control characters (either sends us to the general
    // decoder, which also rejects the control characters); the view points into the text.
    bool string(std::string_view& out) {
        if (!consume('"')) return false;
        std::size_t start = at_;
        while (at_ < text_.size()) {
            auto c = static_cast<unsigned char>(text_[at_]);
            if (c == '"') {
                out = text_.substr(start, at_ - start);
                ++at_;
                return is_valid_utf8(out);
            }
            if (c == '\\' || c < 0x20) return false;
            ++at_;
        }
        return false;
    }
    // A non-negative integer up to 2^53 - 1: digits only, no leading zero, no fraction.
    bool small_integer(std::int64_t& out) {
        skip_space();
        std::size_t start = at_;
        std::int64_t value = 0;
        while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
            value = value * 10 + (text_[at_] - '0');
            if (value > kMaxSafeInteger) return false;
            ++at_;
        }
        std::size_t digits = at_ - start;
        if (digits == 0 || (digits > 1 && text_[start] == '0')) return false;
        if (at_ < text_.size() && (text_[at_] == '.' || text_[at_] == 'e' || text_[at_] == 'E'))
            return false;
        out = value;
        return true;
    }

  private:
    std::string_view text_;
    std::size_t at_ = 0;
};

} // namespace

std::optional<Scan> decode_scan_fast(std::string_view text) {
    if (text.size() > kMaxFrameBytes) return std::nullopt;
    FlatObjectCursor cursor(text);
    if (!cursor.consume('{')) return std::nullopt;
    enum Field : unsigned {
        type_field = 1,
        id_field = 2,
        scan_id_field = 4,
        payload_field = 8,
        direction_field = 16,
        at_field = 32,
        all_fields = 63
    };
    unsigned seen = 0;
    Scan scan;
    auto take = [&](Field field) {
        if (seen & field) return false; // a repeated key: leave it to the general decoder
        seen |= field;
        return true;
    };
    if (cursor.peek('}')) return std::nullopt;
    do {
        std::string_view key;
        if (!cursor.string(key) || !cursor.consume(':')) return std::nullopt;
        std::string_view value;
        if (key == "type") {
            if (!take(type_field) || !cursor.string(value) || value != Scan::type)
                return std::nullopt;
        } else if (key == "id") {
            if (!take(id_field) || !cursor.small_integer(scan.id)) return std::nullopt;
        } else if (key == "scan_id") {
            if (!take(scan_id_field) || !cursor.string(value) || value.empty() ||
                value.size() > kMaxScanIdBytes || value.find('\x7f') != std::string_view::npos)
                return std::nullopt;
            scan.scan_id = value;
        } else if (key == "payload") {
            if (!take(payload_field) || !cursor.string(value) ||
                value.size() > kMaxScanPayloadBytes)
                return std::nullopt;
            scan.payload = value;
        } else if (key == "direction") {
            if (!take(direction_field) || !cursor.string(value)) return std::nullopt;
            if (value == "in")
                scan.direction = Direction::in;
            else if (value == "out")
                scan.direction = Direction::out;
            else
                return std::nullopt;
        } else if (key == "at") {
            if (!take(at_field) || !cursor.small_integer(scan.at)) return std::nullopt;
        } else {
            return std::nullopt;
        }
    } while (cursor.consume(','));
    if (!cursor.consume('}') || !cursor.at_end() || seen != all_fields) return std::nullopt;
    return scan;
}

void Scan::write(json& out) const {
    out["id"] = id;
    out["scan_id"] = scan_id;
    out["payload"] = payload;
    out["direction"] = to_string(direction);
    out["at"] = at;
}

void CheckinManual::read(Reader& reader) {
    id = reader.integer("id", 0);
    attendee_id = reader.integer("attendee_id", 1, kMaxAttendeeId);
    direction = reader.one_of<Direction>("direction", kDirections);
    scan_id = reader.optional_string("scan_id", kMaxScanIdBytes);
    if (scan_id) {
        if (scan_id->empty()) reader.fail("scan_id", "must not be empty");
        check_scan_id(reader, "scan_id", *scan_id);
    }
    at = reader.optional_integer("at", 0);
}
void CheckinManual::write(json& out) const {
    out["id"] = id;
    out["attendee_id"] = attendee_id;
    out["direction"] = to_string(direction);
    if (scan_id) out["scan_id"] = *scan_id;
    if (at) out["at"] = *at;
}

void WalkIn::read(Reader& reader) {
    id = reader.integer("id", 0);
    name = reader.string("name", kMaxNameBytes);
    if (reader.ok() && trimmed_copy(name).empty()) reader.fail("name", "must not be blank");
    organisation = reader.optional_string("organisation", kMaxOrganisationBytes);
    category = reader.optional_one_of<Category>("category", kCategories);
    sector = reader.optional_string("sector", kMaxSectorBytes);
    email = reader.optional_string("email", kMaxEmailBytes);
    scan_id = reader.optional_string("scan_id", kMaxScanIdBytes);
    if (scan_id) {
        if (scan_id->empty()) reader.fail("scan_id", "must not be empty");
        check_scan_id(reader, "scan_id", *scan_id);
    }
    at = reader.optional_integer("at", 0);
}
void WalkIn::write(json& out) const {
    out["id"] = id;
    out["name"] = name;
    if (organisation) out["organisation"] = *organisation;
    if (category) out["category"] = to_string(*category);
    if (sector) out["sector"] = *sector;
    if (email) out["email"] = *email;
    if (scan_id) out["scan_id"] = *scan_id;
    if (at) out["at"] = *at;
}

void Lookup::read(Reader& reader) {
    id = reader.integer("id", 0);
    query = reader.string("query", kMaxLookupQueryBytes);
}
void Lookup::write(json& out) const {
    out["id"] = id;
    out["query"] = query;
}

void Undo::read(Reader& reader) {
    id = reader.integer("id", 0);
    scan_id = reader.string("scan_id", kMaxScanIdBytes);
    check_scan_id(reader, "scan_id", scan_id);
}
void Undo::write(json& out) const {
    out["id"] = id;
    out["scan_id"] = scan_id;
}

// ---- replies and pushes ----

void FirstEntry::read(Reader& reader) {
    at = reader.integer("at", 0);
    device = reader.string("device", kMaxDeviceBytes, true);
}
void FirstEntry::write(json& out) const {
    out["at"] = at;
    out["device"] = device;
}
void FirstEntry::write_text(JsonWriter& out) const {
    out.begin_object();
    out.key("at").value(at);
    out.key("device").value(device);
    out.end_object();
}

void ScanResult::read(Reader& reader) {
    re = reader.integer("re", 0);
    scan_id = reader.string("scan_id", kMaxScanIdBytes);
    result = reader.one_of<ScanOutcome>("result", kScanOutcomes);
    direction = reader.one_of<Direction>("direction", kDirections);
    method = reader.one_of<Method>("method", kMethods);
    if (const json* value = reader.optional_object("attendee")) {
        attendee.emplace();
        read_nested(reader, "attendee", value, *attendee, "attendee");
    } else if (reader.ok() && !reader.has("attendee")) {
        reader.fail("attendee", "is required (null when no attendee was identified)");
    }
    reason = reader.string("reason", 500, true);
    server_time = reader.integer("server_time", 0);
    replayed = reader.boolean("replayed");
    if (const json* value = reader.optional_object("first_entry")) {
        first_entry.emplace();
        read_nested(reader, "first_entry", value, *first_entry, "first_entry");
    }
    payload_excerpt = reader.optional_string("payload_excerpt", kMaxPayloadExcerptChars * 4);
    if (payload_excerpt &&
        utf8_prefix(*payload_excerpt, kMaxPayloadExcerptChars).size() != payload_excerpt->size())
        reader.fail("payload_excerpt", "is longer than 200 characters");
}
void ScanResult::write(json& out) const {
    out["re"] = re;
    out["scan_id"] = scan_id;
    out["result"] = to_string(result);
    out["direction"] = to_string(direction);
    out["method"] = to_string(method);
    out["attendee"] = attendee ? nested_json(*attendee) : json(nullptr);
    out["reason"] = reason;
    out["server_time"] = server_time;
    out["replayed"] = replayed;
    if (first_entry) out["first_entry"] = nested_json(*first_entry);
    if (payload_excerpt) out["payload_excerpt"] = *payload_excerpt;
}
void ScanResult::write_text(JsonWriter& out) const {
    out.key("re").value(re);
    out.key("scan_id").value(scan_id);
    out.key("result").value(to_string(result));
    out.key("direction").value(to_string(direction));
    out.key("method").value(to_string(method));
    out.key("attendee");
    if (attendee)
        attendee->write_text(out);
    else
        out.null();
    out.key("reason").value(reason);
    out.key("server_time").value(server_time);
    out.key("replayed").value(replayed);
    if (first_entry) first_entry->write_text(out.key("first_entry"));
    if (payload_excerpt) out.key("payload_excerpt").value(*payload_excerpt);
}

void WalkInResult::read(Reader& reader) {
    re = reader.integer("re", 0);
    scan_id = reader.string("scan_id", kMaxScanIdBytes);
    result = reader.one_of<ScanOutcome>("result", kScanOutcomes);
    read_nested(reader, "attendee", reader.object("attendee"), attendee, "attendee");
    token = reader.string("token", 512);
}
void WalkInResult::write(json& out) const {
    out["re"] = re;
    out["scan_id"] = scan_id;
    out["result"] = to_string(result);
    out["attendee"] = nested_json(attendee);
    out["token"] = token;
}

void LookupMatch::read(Reader& reader) {
    attendee.read(reader);
    present = reader.boolean("present");
    if (reader.ok() && !reader.has("arrived_at"))
        reader.fail("arrived_at", "is required (null when not arrived)");
    arrived_at = reader.optional_integer("arrived_at", 0);
}
void LookupMatch::write(json& out) const {
    attendee.write(out);
    out["present"] = present;
    out["arrived_at"] = arrived_at ? json(*arrived_at) : json(nullptr);
}

void LookupResult::read(Reader& reader) {
    re = reader.integer("re", 0);
    const json* list = reader.array("attendees");
    if (!list) return;
    if (list->size() > kMaxLookupResults) {
        reader.fail("attendees", "has more than 20 entries");
        return;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
        LookupMatch match;
        read_nested(reader, "attendees", &(*list)[i], match,
                    "attendees[" + std::to_string(i) + "]");
        attendees.push_back(std::move(match));
    }
}
void LookupResult::write(json& out) const {
    out["re"] = re;
    json list = json::array();
    for (const auto& match : attendees)
        list.push_back(nested_json(match));
    out["attendees"] = std::move(list);
}

void CountsBody::read(Reader& reader) {
    expected = reader.integer("expected", 0);
    arrived = reader.integer("arrived", 0);
    present = reader.integer("present", 0);
    walk_ins = reader.integer("walk_ins", 0);
}
void CountsBody::write(json& out) const {
    out["expected"] = expected;
    out["arrived"] = arrived;
    out["present"] = present;
    out["walk_ins"] = walk_ins;
}

void GroupCounts::read(Reader& reader) {
    expected = reader.integer("expected", 0);
    arrived = reader.integer("arrived", 0);
    present = reader.integer("present", 0);
}
void GroupCounts::write(json& out) const {
    out["expected"] = expected;
    out["arrived"] = arrived;
    out["present"] = present;
}

namespace {

struct ArrivalBucketCodec {
    ArrivalBucket& value;
    void read(Reader& reader) {
        value.t = reader.integer("t", 0);
        value.count = reader.integer("count", 0);
    }
};

struct RecentAdmissionCodec {
    RecentAdmission& value;
    void read(Reader& reader) {
        value.scan_id = reader.string("scan_id", kMaxScanIdBytes);
        value.at = reader.integer("at", 0);
        value.device = reader.string("device", kMaxDeviceBytes, true);
        value.method = reader.one_of<Method>("method", kMethods);
        value.direction = reader.one_of<Direction>("direction", kDirections);
        read_nested(reader, "attendee", reader.object("attendee"), value.attendee, "attendee");
    }
};

struct VipArrivalCodec {
    VipArrival& value;
    void read(Reader& reader) {
        read_nested(reader, "attendee", reader.object("attendee"), value.attendee, "attendee");
        value.at = reader.integer("at", 0);
    }
};

struct DeviceStatsCodec {
    DeviceStats& value;
    void read(Reader& reader) {
        value.device = reader.string("device", kMaxDeviceBytes, true);
        value.role = reader.string("role", 32);
        value.admitted = reader.integer("admitted", 0);
        value.rejected = reader.integer("rejected", 0);
        value.last_seen = reader.integer("last_seen", 0);
        value.per_minute = reader.integer("per_minute", 0);
    }
};

template <class Item, class Codec>
void read_list(Reader& reader, const json* list, std::string_view key, std::vector<Item>& out) {
    if (!list) return;
    for (std::size_t i = 0; i < list->size() && reader.ok(); ++i) {
        Item item{};
        Codec codec{item};
        read_nested(reader, key, &(*list)[i], codec,
                    std::string(key) + "[" + std::to_string(i) + "]");
        out.push_back(std::move(item));
    }
}

} // namespace

void Attendance::read(Reader& reader) {
    counts.read(reader);
    read_group_map(reader, "by_category", by_category);
    for (const auto& [name, group] : by_category) {
        (void)group;
        if (reader.ok() && !category_from_string(name))
            reader.fail("by_category", "has an unknown category '" + name + "'");
    }
    read_group_map(reader, "by_sector", by_sector);
    read_list<ArrivalBucket, ArrivalBucketCodec>(reader, reader.array("arrivals"), "arrivals",
                                                 arrivals);
    read_list<RecentAdmission, RecentAdmissionCodec>(reader, reader.array("recent"), "recent",
                                                     recent);
    if (reader.ok() && recent.size() > 50) reader.fail("recent", "has more than 50 entries");
    if (const json* vips = reader.object("vips")) {
        Reader nested(*vips, "vips");
        read_list<VipArrival, VipArrivalCodec>(nested, nested.array("arrived"), "arrived",
                                               vips_arrived);
        if (const json* missing = nested.array("missing")) {
            for (std::size_t i = 0; i < missing->size() && nested.ok(); ++i) {
                AttendeeInfo attendee;
                read_nested(nested, "missing", &(*missing)[i], attendee,
                            "vips.missing[" + std::to_string(i) + "]");
                vips_missing.push_back(std::move(attendee));
            }
        }
        nested.finish();
        if (!nested.ok()) reader.fail("vips", "is invalid: " + nested.error().message);
    }
    read_list<DeviceStats, DeviceStatsCodec>(reader, reader.array("devices"), "devices", devices);
    if (const json* value = reader.object("rejected")) {
        for (const auto& item : value->items()) {
            if (!reader.ok()) break;
            auto outcome = scan_outcome_from_string(item.key());
            if (!outcome || *outcome == ScanOutcome::ok) {
                reader.fail("rejected", "has an unknown result '" + item.key() + "'");
                break;
            }
            if (!item.value().is_number_integer() || item.value().get<std::int64_t>() < 0) {
                reader.fail("rejected", "must map results to counts");
                break;
            }
            rejected[item.key()] = item.value().get<std::int64_t>();
        }
    }
    server_time = reader.integer("server_time", 0);
}

void Attendance::write(json& out) const {
    counts.write(out);
    out["by_category"] = group_map_json(by_category);
    out["by_sector"] = group_map_json(by_sector);
    json arrivals_json = json::array();
    for (const auto& bucket : arrivals)
        arrivals_json.push_back({{"t", bucket.t}, {"count", bucket.count}});
    out["arrivals"] = std::move(arrivals_json);
    json recent_json = json::array();
    for (const auto& item : recent) {
        recent_json.push_back({{"scan_id", item.scan_id},
                               {"at", item.at},
                               {"device", item.device},
                               {"method", to_string(item.method)},
                               {"direction", to_string(item.direction)},
                               {"attendee", nested_json(item.attendee)}});
    }
    out["recent"] = std::move(recent_json);
    json arrived_json = json::array();
    for (const auto& item : vips_arrived)
        arrived_json.push_back({{"attendee", nested_json(item.attendee)}, {"at", item.at}});
    json missing_json = json::array();
    for (const auto& attendee : vips_missing)
        missing_json.push_back(nested_json(attendee));
    out["vips"] = {{"arrived", std::move(arrived_json)}, {"missing", std::move(missing_json)}};
    json devices_json = json::array();
    for (const auto& item : devices) {
        devices_json.push_back({{"device", item.device},
                                {"role", item.role},
                                {"admitted", item.admitted},
                                {"rejected", item.rejected},
                                {"last_seen", item.last_seen},
                                {"per_minute", item.per_minute}});
    }
    out["devices"] = std::move(devices_json);
    json rejected_json = json::object();
    for (const auto& [name, count] : rejected)
        rejected_json[name] = count;
    out["rejected"] = std::move(rejected_json);
    out["server_time"] = server_time;
}

void AttendanceEventBody::read(Reader& reader) {
    scan_id = reader.string("scan_id", kMaxScanIdBytes);
    at = reader.integer("at", 0);
    device = reader.string("device", kMaxDeviceBytes, true);
    method = reader.one_of<Method>("method", kMethods);
    direction = reader.one_of<Direction>("direction", kDirections);
    result = reader.one_of<ScanOutcome>("result", kScanOutcomes);
    if (const json* value = reader.optional_object("attendee")) {
        attendee.emplace();
        read_nested(reader, "attendee", value, *attendee, "attendee");
    } else if (reader.ok() && !reader.has("attendee")) {
        reader.fail("attendee", "is required (null when no attendee was identified)");
    }
    read_nested(reader, "counts", reader.object("counts"), counts, "counts");
}
void AttendanceEventBody::write(json& out) const {
    out["scan_id"] = scan_id;
    out["at"] = at;
    out["device"] = device;
    out["method"] = to_string(method);
    out["direction"] = to_string(direction);
    out["result"] = to_string(result);
    out["attendee"] = attendee ? nested_json(*attendee) : json(nullptr);
    out["counts"] = nested_json(counts);
}

void VipArrived::read(Reader& reader) {
    read_nested(reader, "attendee", reader.object("attendee"), attendee, "attendee");
    at = reader.integer("at", 0);
    device = reader.string("device", kMaxDeviceBytes, true);
}
void VipArrived::write(json& out) const {
    out["attendee"] = nested_json(attendee);
    out["at"] = at;
    out["device"] = device;
}

} // namespace stagedoor::protocol
