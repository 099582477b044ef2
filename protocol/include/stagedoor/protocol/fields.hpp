// Field rules: how one field of a protocol message is read, checked and written.
//
// Every message (and every nested object) lists its fields once, in wire order:
//
//     static void fields(auto& m, auto& v) {
//         v("id", m.id, Integer{0});
//         v("name", m.name, Text{kMaxNameBytes});
//     }
//
// v is a visitor: FieldReader reads each field with the strict Reader (decode), and
// FieldWriter<Sink> writes it into a JsonWriter (serialize) or a JsonTreeWriter (to_json).
// A rule (Integer, Text, OneOf, Object, List, Nullable, ...) is a small literal value that
// knows how to read and write one kind of field; rules nest (Nullable{Object{...}}).
#pragma once

#include "stagedoor/protocol/json_writer.hpp"
#include "stagedoor/protocol/names.hpp"
#include "stagedoor/protocol/reader.hpp"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace stagedoor::protocol {

// ---- visitors ----

// Reads the fields of one object; the first problem is kept in the Reader.
class FieldReader {
  public:
    explicit FieldReader(Reader& reader)
        : reader_(reader) {}

    template <class T, class Rule>
    void operator()(std::string_view key, T& member, const Rule& rule) {
        rule.read(reader_, key, member);
    }
    // The fields of member sit in this object on the wire, next to the others.
    template <class T> void inline_fields(T& member) { T::fields(member, *this); }
    // A check beyond the field rules, run where it stands when all went well so far:
    // problem() returns what is wrong with key, or "" when nothing is.
    template <class F> void check(std::string_view key, F&& problem) {
        if (!reader_.ok()) return;
        std::string what(problem());
        if (!what.empty()) reader_.fail(key, what);
    }

  private:
    Reader& reader_;
};

// Writes the fields of one object into a sink with JsonWriter's interface.
template <class Sink> class FieldWriter {
  public:
    explicit FieldWriter(Sink& sink)
        : sink_(sink) {}

    template <class T, class Rule>
    void operator()(std::string_view key, const T& member, const Rule& rule) {
        if constexpr (requires { rule.written(member); })
            if (!rule.written(member)) return;
        sink_.plain_key(key);
        rule.write(sink_, member);
    }
    template <class T> void inline_fields(const T& member) { T::fields(member, *this); }
    template <class F> void check(std::string_view, F&&) {}

  private:
    Sink& sink_;
};

// Builds an nlohmann::json tree through JsonWriter's interface, for to_json().
class JsonTreeWriter {
  public:
    explicit JsonTreeWriter(nlohmann::json& root)
        : root_(root) {}

    void begin_object() { open(nlohmann::json::object()); }
    void end_object() { open_.pop_back(); }
    void begin_array() { open(nlohmann::json::array()); }
    void end_array() { open_.pop_back(); }
    JsonTreeWriter& key(std::string_view name) {
        key_ = name;
        return *this;
    }
    JsonTreeWriter& plain_key(std::string_view name) { return key(name); }
    void value(std::string_view text) { slot() = std::string(text); }
    void value(std::int64_t number) { slot() = number; }
    void value(bool flag) { slot() = flag; }
    void number(double value) { slot() = value; }
    void null() { slot() = nullptr; }

  private:
    nlohmann::json& slot();
    void open(nlohmann::json container) { open_.push_back(&(slot() = std::move(container))); }
    nlohmann::json& root_;
    std::vector<nlohmann::json*> open_; // objects and arrays being filled, innermost last
    std::string key_;
};

// ---- scalar rules ----

struct Integer {
    std::int64_t min = -kMaxSafeInteger;
    std::int64_t max = kMaxSafeInteger;
    void read(Reader& reader, std::string_view key, std::int64_t& out) const {
        out = reader.integer(key, min, max);
    }
    template <class Sink> void write(Sink& sink, std::int64_t value) const { sink.value(value); }
};

// Integer or fraction; out of [min, max] is "out of range".
struct Number {
    double min = -1e16;
    double max = 1e16;
    void read(Reader& reader, std::string_view key, double& out) const {
        out = reader.number(key);
        if (reader.ok() && (out < min || out > max)) reader.fail(key, "is out of range");
    }
    template <class Sink> void write(Sink& sink, double value) const { sink.number(value); }
};

struct Boolean {
    void read(Reader& reader, std::string_view key, bool& out) const { out = reader.boolean(key); }
    template <class Sink> void write(Sink& sink, bool value) const { sink.value(value); }
};

// A further check of a string field: what is wrong with the text, or "" when nothing is.
using TextCheck = std::string_view (*)(std::string_view text);

struct Text {
    std::size_t max_bytes = 1024;
    bool allow_empty = false;
    TextCheck check = nullptr;
    void read(Reader& reader, std::string_view key, std::string& out) const {
        out = reader.string(key, max_bytes, allow_empty);
        if (!check || !reader.ok()) return;
        if (auto problem = check(out); !problem.empty()) reader.fail(key, problem);
    }
    template <class Sink> void write(Sink& sink, const std::string& value) const {
        sink.value(std::string_view(value));
    }
};

// A string field where null reads as "" (and, with omit_empty, "" is left out, so absent
// reads as "" too).
struct NullAsEmpty {
    Text text;
    bool omit_empty = false;
    static constexpr bool reads_null = true;
    void read(Reader& reader, std::string_view key, std::string& out) const {
        out.clear();
        if (reader.presence(key) == Reader::Presence::value) text.read(reader, key, out);
    }
    bool written(const std::string& value) const { return !omit_empty || !value.empty(); }
    template <class Sink> void write(Sink& sink, const std::string& value) const {
        text.write(sink, value);
    }
};

// Text that is refused when null: Optional{PresentText{...}} may be absent, but not null.
struct PresentText {
    Text text;
    static constexpr bool reads_null = true;
    void read(Reader& reader, std::string_view key, std::string& out) const {
        text.read(reader, key, out);
    }
    template <class Sink> void write(Sink& sink, const std::string& value) const {
        text.write(sink, value);
    }
};

// One of the names in a table such as kCategories, held as the enum.
template <class E> struct OneOf {
    std::span<const std::pair<std::string_view, E>> choices;
    // Optional{OneOf} refuses null (it is not one of the names) instead of reading it as absent.
    static constexpr bool reads_null = true;
    void read(Reader& reader, std::string_view key, E& out) const {
        out = reader.one_of<E>(key, choices);
    }
    template <class Sink> void write(Sink& sink, E value) const {
        sink.value(name_in(choices, value));
    }
};
template <class E, std::size_t N>
OneOf(const std::array<std::pair<std::string_view, E>, N>&) -> OneOf<E>;

// ---- presence rules ----

// The deduction guides after each rule template let Optional{Text{...}} compile with clang
// before 17, which does not deduce the arguments of aggregate templates (P1816) as GCC does.

// An std::optional field that may be absent (or null, unless the inner rule reads null);
// left out when empty.
template <class Rule> struct Optional {
    Rule inner;
    template <class T>
    void read(Reader& reader, std::string_view key, std::optional<T>& out) const {
        out.reset();
        if (!reader.has(key)) return;
        if constexpr (!requires { Rule::reads_null; })
            if (reader.presence(key) == Reader::Presence::null) return;
        inner.read(reader, key, out.emplace());
    }
    template <class T> bool written(const std::optional<T>& value) const {
        return value.has_value();
    }
    template <class Sink, class T> void write(Sink& sink, const std::optional<T>& value) const {
        inner.write(sink, *value);
    }
};
template <class Rule> Optional(Rule) -> Optional<Rule>;

// An std::optional field that is always written, as null when empty. A missing key reads as
// null, or is refused with "is <required>" when required is set.
template <class Rule> struct Nullable {
    Rule inner;
    const char* required = nullptr;
    static constexpr bool reads_null = true;
    template <class T>
    void read(Reader& reader, std::string_view key, std::optional<T>& out) const {
        out.reset();
        switch (reader.presence(key)) {
        case Reader::Presence::absent:
            if (required) reader.fail(key, std::string("is ") + required);
            return;
        case Reader::Presence::null:
            return;
        case Reader::Presence::value:
            inner.read(reader, key, out.emplace());
        }
    }
    template <class Sink, class T> void write(Sink& sink, const std::optional<T>& value) const {
        if (value)
            inner.write(sink, *value);
        else
            sink.null();
    }
};
template <class Rule> Nullable(Rule) -> Nullable<Rule>;
template <class Rule> Nullable(Rule, const char*) -> Nullable<Rule>;

// An std::optional field that must be present on reading (left out when empty on writing).
template <class Rule> struct Required {
    Rule inner;
    template <class T>
    void read(Reader& reader, std::string_view key, std::optional<T>& out) const {
        inner.read(reader, key, out.emplace());
    }
    template <class T> bool written(const std::optional<T>& value) const {
        return value.has_value();
    }
    template <class Sink, class T> void write(Sink& sink, const std::optional<T>& value) const {
        inner.write(sink, *value);
    }
};
template <class Rule> Required(Rule) -> Required<Rule>;

// ---- objects, lists and maps ----

// How a problem inside a nested object is reported on the object that holds it.
enum class NestedErrors {
    // As the inner reader found it: field "items[2].speaker.name" (stage messages).
    at_inner_field,
    // On the outer field: "field 'attendee' is invalid: field 'attendee.name' is required",
    // the inner field named relative to the outer object (attendance messages).
    on_outer_field,
    // The same with the inner field's full name, e.g. "vips.missing[0].name".
    on_outer_field_full_name,
    // On the outer field without "is invalid:": "field 'event' field 'event.id' is required".
    on_outer_field_bare,
};

// Calls T::fields, the default field list of a nested object.
struct DefaultFields {
    template <class T, class V> void operator()(T& value, V& visitor) const {
        std::remove_const_t<T>::fields(value, visitor);
    }
};

// A nested JSON object, read and written with a field list (T::fields unless given).
template <class Fields = DefaultFields> struct Object {
    NestedErrors errors = NestedErrors::at_inner_field;
    Fields fields{};

    template <class T> void read(Reader& reader, std::string_view key, T& out) const {
        if (const nlohmann::json* value = reader.object(key))
            read_element(reader, key, std::string(key), *value, out);
    }
    // Reads value, found under key as element (key, "key[2]" or "key.name"), into out.
    template <class T>
    void read_element(Reader& reader, std::string_view key, const std::string& element,
                      const nlohmann::json& value, T& out) const {
        if (!reader.ok()) return;
        bool inner_field = errors == NestedErrors::at_inner_field;
        if (inner_field && !value.is_object()) return reader.fail(element, "must be an object");
        bool full_name = inner_field || errors == NestedErrors::on_outer_field_full_name;
        Reader nested(value, full_name ? reader.path(element) : element);
        FieldReader visitor(nested);
        fields(out, visitor);
        nested.finish();
        if (nested.ok()) return;
        if (inner_field) return reader.adopt(nested.error());
        bool bare = errors == NestedErrors::on_outer_field_bare;
        reader.fail(key, (bare ? "" : "is invalid: ") + nested.error().message);
    }
    template <class Sink, class T> void write(Sink& sink, const T& value) const {
        sink.begin_object();
        FieldWriter<Sink> visitor(sink);
        fields(value, visitor);
        sink.end_object();
    }
};
template <class Fields> Object(NestedErrors, Fields) -> Object<Fields>;
Object(NestedErrors)->Object<DefaultFields>;

// A JSON array of objects; more than max_items (when set) is refused before any is read.
template <class Element> struct List {
    Element element;
    std::size_t max_items = 0;
    template <class T> void read(Reader& reader, std::string_view key, std::vector<T>& out) const {
        out.clear();
        const nlohmann::json* array = reader.array(key);
        if (!array) return;
        if (max_items != 0 && array->size() > max_items)
            return reader.fail(key, "has more than " + std::to_string(max_items) + " entries");
        for (std::size_t i = 0; i < array->size() && reader.ok(); ++i) {
            std::string name = std::string(key) + "[" + std::to_string(i) + "]";
            element.read_element(reader, key, name, (*array)[i], out.emplace_back());
        }
    }
    template <class Sink, class T> void write(Sink& sink, const std::vector<T>& values) const {
        sink.begin_array();
        for (const auto& value : values)
            element.write(sink, value);
        sink.end_array();
    }
};
template <class Element> List(Element) -> List<Element>;
template <class Element> List(Element, std::size_t) -> List<Element>;

// A JSON object used as a map from names to objects (e.g. counts by category).
template <class Element> struct Map {
    Element element;
    template <class T>
    void read(Reader& reader, std::string_view key, std::map<std::string, T>& out) const {
        out.clear();
        const nlohmann::json* object = reader.object(key);
        if (!object) return;
        for (const auto& item : object->items())
            element.read_element(reader, key, std::string(key) + "." + item.key(), item.value(),
                                 out[item.key()]);
    }
    template <class Sink, class T>
    void write(Sink& sink, const std::map<std::string, T>& values) const {
        sink.begin_object();
        for (const auto& [name, value] : values)
            element.write(sink.key(name), value);
        sink.end_object();
    }
};
template <class Element> Map(Element) -> Map<Element>;

// ---- whole messages ----

// Writes a nested value (e.g. an AttendeeInfo) as a JSON object.
template <class Sink, class T> void write_object(Sink& sink, const T& value) {
    Object<>{}.write(sink, value);
}

// Reads the fields of message m from reader.
template <class M> void read_fields(Reader& reader, M& m) {
    FieldReader visitor(reader);
    M::fields(m, visitor);
}

// Writes message m as an object with its "type" first.
template <class Sink, class M> void write_message(Sink& sink, const M& m) {
    sink.begin_object();
    sink.plain_key("type").value(M::type);
    FieldWriter<Sink> visitor(sink);
    M::fields(m, visitor);
    sink.end_object();
}

} // namespace stagedoor::protocol
