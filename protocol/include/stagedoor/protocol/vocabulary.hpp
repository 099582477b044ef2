// The attendance vocabulary shared by the wire and the server's domain: the names of
// categories, scan outcomes, directions and methods (as they are spelled on the wire), and the
// limits both sides enforce. No message structs and no JSON here, so the domain can speak
// these words without depending on the message layer.
#pragma once

#include "stagedoor/protocol/names.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace stagedoor::protocol {

enum class Category { member, guest, new_member, speaker, staff, press };
inline constexpr std::array<std::pair<std::string_view, Category>, 6> kCategories{{
    {"member", Category::member},
    {"guest", Category::guest},
    {"new_member", Category::new_member},
    {"speaker", Category::speaker},
    {"staff", Category::staff},
    {"press", Category::press},
}};
constexpr const auto& names_of(Category) {
    return kCategories;
}
inline std::optional<Category> category_from_string(std::string_view name) {
    return from_string<Category>(name);
}

enum class ScanOutcome {
    ok,
    already_in,
    not_in,
    unknown_badge,
    bad_signature,
    revoked,
    wrong_event,
    malformed
};
inline constexpr std::array<std::pair<std::string_view, ScanOutcome>, 8> kScanOutcomes{{
    {"ok", ScanOutcome::ok},
    {"already_in", ScanOutcome::already_in},
    {"not_in", ScanOutcome::not_in},
    {"unknown_badge", ScanOutcome::unknown_badge},
    {"bad_signature", ScanOutcome::bad_signature},
    {"revoked", ScanOutcome::revoked},
    {"wrong_event", ScanOutcome::wrong_event},
    {"malformed", ScanOutcome::malformed},
}};
constexpr const auto& names_of(ScanOutcome) {
    return kScanOutcomes;
}
inline std::optional<ScanOutcome> scan_outcome_from_string(std::string_view name) {
    return from_string<ScanOutcome>(name);
}

enum class Direction { in, out };
inline constexpr std::array<std::pair<std::string_view, Direction>, 2> kDirections{{
    {"in", Direction::in},
    {"out", Direction::out},
}};
constexpr const auto& names_of(Direction) {
    return kDirections;
}
inline std::optional<Direction> direction_from_string(std::string_view name) {
    return from_string<Direction>(name);
}

enum class Method { scan, manual, walk_in };
inline constexpr std::array<std::pair<std::string_view, Method>, 3> kMethods{{
    {"scan", Method::scan},
    {"manual", Method::manual},
    {"walk_in", Method::walk_in},
}};
constexpr const auto& names_of(Method) {
    return kMethods;
}
inline std::optional<Method> method_from_string(std::string_view name) {
    return from_string<Method>(name);
}

// What the server found when an offline door's admission was synced (PROTOCOL.md 5.12):
// another device had admitted the person meanwhile, or the badge was revoked or unknown.
enum class ConflictKind { admitted_twice, revoked_meanwhile };
inline constexpr std::array<std::pair<std::string_view, ConflictKind>, 2> kConflictKinds{{
    {"admitted_twice", ConflictKind::admitted_twice},
    {"revoked_meanwhile", ConflictKind::revoked_meanwhile},
}};
constexpr const auto& names_of(ConflictKind) {
    return kConflictKinds;
}

// Limits shared by the decoder, the server and PROTOCOL.md.
inline constexpr std::size_t kMaxScanIdBytes = 64;
inline constexpr std::size_t kMaxScanPayloadBytes = 4096;
inline constexpr std::size_t kMaxPayloadExcerptChars = 200;
inline constexpr std::size_t kMaxLookupQueryBytes = 100;
inline constexpr std::size_t kMaxLookupResults = 20;
inline constexpr std::size_t kMaxNameBytes = 200;
inline constexpr std::size_t kMaxOrganisationBytes = 200;
inline constexpr std::size_t kMaxSectorBytes = 100;
inline constexpr std::size_t kMaxEmailBytes = 254;
inline constexpr std::int64_t kMaxAttendeeId = 0xFFFFFFFFLL; // badge tokens carry 32 bits

} // namespace stagedoor::protocol
