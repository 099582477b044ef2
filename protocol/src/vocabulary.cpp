#include "stagedoor/protocol/vocabulary.hpp"

namespace stagedoor::protocol {

namespace {

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<std::string_view, E>, N>& table, E value) {
    for (const auto& [name, item] : table)
        if (item == value) return name;
    return table.front().first;
}

template <class E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<std::string_view, E>, N>& table,
                          std::string_view name) {
    for (const auto& [text, item] : table)
        if (text == name) return item;
    return std::nullopt;
}

} // namespace

std::string_view to_string(Category category) {
    return name_of(kCategories, category);
}
std::optional<Category> category_from_string(std::string_view name) {
    return value_of(kCategories, name);
}
std::string_view to_string(ScanOutcome outcome) {
    return name_of(kScanOutcomes, outcome);
}
std::optional<ScanOutcome> scan_outcome_from_string(std::string_view name) {
    return value_of(kScanOutcomes, name);
}
std::string_view to_string(Direction direction) {
    return name_of(kDirections, direction);
}
std::optional<Direction> direction_from_string(std::string_view name) {
    return value_of(kDirections, name);
}
std::string_view to_string(Method method) {
    return name_of(kMethods, method);
}
std::optional<Method> method_from_string(std::string_view name) {
    return value_of(kMethods, name);
}

} // namespace stagedoor::protocol
