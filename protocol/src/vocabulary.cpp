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

std::string utf8_prefix(std::string_view text, std::size_t max_chars) {
    std::size_t chars = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xE  ? 3
                             : (lead >> 3) == 0x1E ? 4
                                                   : 1;
        if (i + length > text.size()) break; // a cut sequence is dropped, not half-copied
        if (chars == max_chars) break;
        i += length;
        ++chars;
    }
    return std::string(text.substr(0, i));
}

} // namespace stagedoor::protocol
