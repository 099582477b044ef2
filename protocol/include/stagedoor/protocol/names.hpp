// Enumerations on the wire: each has one table of names, and to_string / from_string are
// found through it. Small and free of JSON, so the domain can use the wire's vocabulary.
#pragma once

#include <optional>
#include <string_view>

namespace stagedoor::protocol {

// ---- name tables of enumerations (kRoles, kCategories, ...) ----

// The wire name of value in table (the first name when value is not in it).
template <class Table, class E> constexpr std::string_view name_in(const Table& table, E value) {
    for (const auto& [name, item] : table)
        if (item == value) return name;
    return table.front().first;
}

// The value named name in table, if any.
template <class E, class Table>
constexpr std::optional<E> value_in(const Table& table, std::string_view name) {
    for (const auto& [text, item] : table)
        if (text == name) return item;
    return std::nullopt;
}

// Each enumeration on the wire has one table of names, returned by a names_of overload found
// by argument-dependent lookup, e.g. constexpr const auto& names_of(Category) { return kCategories;
// }

// The wire name of an enumeration value.
template <class E>
requires requires(E value) {
    names_of(value);
}
constexpr std::string_view to_string(E value) {
    return name_in(names_of(value), value);
}

// The value of enumeration E with that wire name, if any.
template <class E> constexpr std::optional<E> from_string(std::string_view name) {
    return value_in<E>(names_of(E{}), name);
}

} // namespace stagedoor::protocol
