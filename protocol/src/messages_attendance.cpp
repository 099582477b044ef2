#include "stagedoor/protocol/messages_attendance.hpp"

#include "stagedoor/protocol/json_writer.hpp"

namespace stagedoor::protocol {

using nlohmann::json;

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
        all_fields = 63,
        offline_field = 64 // optional: only offline doors send it
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
        } else if (key == "offline") {
            // Tested last, so the online frame's six keys cost nothing more.
            if (!take(offline_field) || !cursor.string(value)) return std::nullopt;
            scan.offline = scan_outcome_from_string(value);
            if (!scan.offline) return std::nullopt;
        } else {
            return std::nullopt;
        }
    } while (cursor.consume(','));
    if (!cursor.consume('}') || !cursor.at_end() || (seen & all_fields) != all_fields)
        return std::nullopt;
    return scan;
}

// ---- checks beyond the field rules ----

std::string_view control_character_problem(std::string_view text) {
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7f) return "must not contain control characters";
    return {};
}

std::string_view blank_problem(std::string_view text) {
    return trim(text).empty() ? "must not be blank" : "";
}

std::string_view excerpt_length_problem(std::string_view text) {
    bool too_long = utf8_prefix(text, kMaxPayloadExcerptChars).size() != text.size();
    return too_long ? "is longer than 200 characters" : "";
}

std::string offline_time_problem(const std::optional<ScanOutcome>& offline,
                                 const std::optional<std::int64_t>& at) {
    return offline && !at ? "is required with offline (when the door decided)" : "";
}

std::string offline_walk_in_problem(const std::optional<ScanOutcome>& offline) {
    return offline && *offline != ScanOutcome::ok ? "must be ok for a walk-in" : "";
}

std::string unknown_category_problem(const std::map<std::string, GroupCounts>& by_category) {
    for (const auto& entry : by_category)
        if (!category_from_string(entry.first))
            return "has an unknown category '" + entry.first + "'";
    return {};
}

void RejectedCounts::read(Reader& reader, std::string_view key,
                          std::map<std::string, std::int64_t>& out) const {
    out.clear();
    const json* object = reader.object(key);
    if (!object) return;
    for (const auto& item : object->items()) {
        if (!reader.ok()) return;
        auto outcome = scan_outcome_from_string(item.key());
        if (!outcome || *outcome == ScanOutcome::ok)
            return reader.fail(key, "has an unknown result '" + item.key() + "'");
        if (!item.value().is_number_integer() || item.value().get<std::int64_t>() < 0)
            return reader.fail(key, "must map results to counts");
        out[item.key()] = item.value().get<std::int64_t>();
    }
}

} // namespace stagedoor::protocol
