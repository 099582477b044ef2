#include "stagedoor/protocol/codec.hpp"

#include "stagedoor/protocol/text.hpp"

#include <cmath>

namespace stagedoor::protocol {

using nlohmann::json;

std::string_view to_string(ErrorCode code) {
    return name_in(kErrorCodes, code);
}

Reader::Reader(const json& object, std::string prefix)
    : object_(object)
    , prefix_(std::move(prefix)) {
    if (!object_.is_object()) error_ = Error{ErrorCode::bad_message, prefix_, "must be an object"};
}

std::string Reader::path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

namespace {
// At most max_bytes of text, cut on a character boundary.
std::string utf8_cut(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    return utf8_prefix(text.substr(0, max_bytes), max_bytes);
}
} // namespace

void Reader::fail(std::string_view key, std::string_view what, ErrorCode code) {
    if (error_) return;
    // A client may send keys of any length: the error quotes as much as an error frame holds.
    std::string field = utf8_cut(path(key), kMaxErrorFieldBytes);
    error_ = Error{code, field,
                   utf8_cut("field '" + field + "' " + std::string(what), kMaxErrorMessageBytes)};
}

const json* Reader::find(std::string_view key) {
    read_.emplace(key);
    if (!object_.is_object()) return nullptr;
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
}

bool Reader::has(std::string_view key) const {
    return object_.is_object() && object_.find(key) != object_.end();
}

Reader::Presence Reader::presence(std::string_view key) {
    const json* value = find(key);
    return !value ? Presence::absent : value->is_null() ? Presence::null : Presence::value;
}

void Reader::adopt(const Error& error) {
    if (!error_) error_ = error;
}

void Reader::skip(std::string_view key) {
    read_.emplace(key);
}

const json* Reader::typed(std::string_view key, bool (json::*is_kind)() const noexcept,
                          std::string_view what_if_wrong) {
    const json* value = find(key);
    if (!ok()) return nullptr;
    if (!value) {
        fail(key, "is required");
        return nullptr;
    }
    if (is_kind && !(value->*is_kind)()) {
        fail(key, what_if_wrong);
        return nullptr;
    }
    return value;
}

std::string Reader::string(std::string_view key, std::size_t max_bytes, bool allow_empty) {
    const json* value = typed(key, &json::is_string, "must be a string");
    if (!value) return {};
    const auto& text = value->get_ref<const std::string&>();
    if (text.size() > max_bytes) {
        fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
        return {};
    }
    if (!allow_empty && text.empty()) {
        fail(key, "must not be empty");
        return {};
    }
    return text;
}

std::int64_t Reader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const json* value = typed(key, nullptr, {});
    if (!value) return 0;
    std::int64_t result = 0;
    if (value->is_number_unsigned()) {
        auto unsigned_value = value->get<std::uint64_t>();
        if (unsigned_value > static_cast<std::uint64_t>(max)) {
            fail(key, "is out of range");
            return 0;
        }
        result = static_cast<std::int64_t>(unsigned_value);
    } else if (value->is_number_integer()) {
        result = value->get<std::int64_t>();
    } else if (value->is_number_float()) {
        // 5.0 is accepted as 5 (JavaScript has no integer type); 5.5 is not.
        double number = value->get<double>();
        if (!std::isfinite(number) || std::floor(number) != number || number < -9.2e18 ||
            number > 9.2e18) {
            fail(key, "must be an integer");
            return 0;
        }
        result = static_cast<std::int64_t>(number);
    } else {
        fail(key, "must be an integer");
        return 0;
    }
    if (result < min || result > max) {
        fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return 0;
    }
    return result;
}

double Reader::number(std::string_view key) {
    const json* value = typed(key, &json::is_number, "must be a number");
    if (!value) return 0;
    double number = value->get<double>();
    if (!std::isfinite(number) || std::fabs(number) > 1e16) {
        fail(key, "is out of range");
        return 0;
    }
    return number;
}

bool Reader::boolean(std::string_view key) {
    const json* value = typed(key, &json::is_boolean, "must be true or false");
    return value && value->get<bool>();
}

const json* Reader::object(std::string_view key) {
    return typed(key, &json::is_object, "must be an object");
}

const json* Reader::array(std::string_view key) {
    return typed(key, &json::is_array, "must be an array");
}

void Reader::finish() {
    if (!ok() || !object_.is_object()) return;
    for (const auto& item : object_.items()) {
        if (!read_.contains(item.key())) {
            fail(item.key(), "is not part of this message");
            return;
        }
    }
}

json& JsonTreeWriter::slot() {
    if (open_.empty()) return root_;
    json& container = *open_.back();
    if (!container.is_array()) return container[key_];
    container.push_back(nullptr);
    return container.back();
}

Result<Envelope> parse_envelope(std::string_view text, std::optional<std::int64_t>* id_out) {
    if (text.size() > kMaxFrameBytes)
        return Error{ErrorCode::too_large, "",
                     "frame is larger than " + std::to_string(kMaxFrameBytes) + " bytes"};
    // Parsing without exceptions; nlohmann rejects invalid UTF-8 inside strings.
    json object = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded())
        return Error{ErrorCode::bad_json, "", "frame is not valid JSON (UTF-8)"};
    if (!object.is_object()) return Error{ErrorCode::bad_json, "", "frame must be a JSON object"};

    Envelope envelope;
    auto id_it = object.find("id");
    if (id_it != object.end()) {
        Reader reader(object);
        auto id = reader.integer("id", 0, kMaxSafeInteger);
        if (!reader.ok()) return reader.error();
        envelope.id = id;
        if (id_out) *id_out = id;
    }
    auto type_it = object.find("type");
    if (type_it == object.end())
        return Error{ErrorCode::bad_message, "type", "field 'type' is required"};
    if (!type_it->is_string() || type_it->get_ref<const std::string&>().empty() ||
        type_it->get_ref<const std::string&>().size() > 64)
        return Error{ErrorCode::bad_message, "type", "field 'type' must be a short string"};
    envelope.type = type_it->get<std::string>();
    envelope.object = std::move(object);
    return envelope;
}

EnvelopePeek peek_envelope(std::string_view text) {
    std::string_view head = text.substr(0, EnvelopePeek::kPeekBytes);
    EnvelopePeek found;
    std::size_t at = 0;
    auto skip_space = [&] {
        while (at < head.size() &&
               (head[at] == ' ' || head[at] == '\t' || head[at] == '\n' || head[at] == '\r'))
            ++at;
    };
    auto next_is = [&](char c) {
        skip_space();
        return at < head.size() && head[at] == c;
    };
    // A string without escapes at `at`; moves past it.
    auto plain_string = [&]() -> std::optional<std::string_view> {
        if (!next_is('"')) return std::nullopt;
        std::size_t end = head.find_first_of("\"\\", at + 1);
        if (end == std::string_view::npos || head[end] != '"') return std::nullopt;
        std::string_view value = head.substr(at + 1, end - at - 1);
        at = end + 1;
        return value;
    };
    if (!next_is('{')) return found;
    do {
        ++at; // past '{' or ','
        auto key = plain_string();
        if (!key || !next_is(':')) return found;
        ++at;
        skip_space();
        if (*key == "id") {
            std::size_t end = head.find_first_not_of("0123456789", at);
            if (end == at || end == std::string_view::npos || end - at > 15) return found;
            found.id = std::stoll(std::string(head.substr(at, end - at)));
            at = end;
        } else if (auto value = plain_string()) {
            if (*key == "type") found.type = value;
        } else {
            at = head.find_first_of(",}{[\"", at); // a number, true, false or null
            if (at == std::string_view::npos) return found;
        }
        if (found.type && found.id) return found;
    } while (next_is(','));
    return found;
}

} // namespace stagedoor::protocol
