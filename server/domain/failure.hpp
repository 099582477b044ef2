// Why the domain refused an operation: the one error convention of the domain. The app maps
// a Failure onto a protocol error code in one place (app/errors.hpp).
#pragma once

#include <string>

namespace stagedoor::domain {

struct Failure {
    enum class Kind { invalid, not_found, conflict, forbidden };
    Kind kind = Kind::invalid;
    std::string field; // which field the problem is about (e.g. "duration_ms"); may be empty
    std::string message;
};

inline Failure invalid(std::string field, std::string message) {
    return Failure{Failure::Kind::invalid, std::move(field), std::move(message)};
}
inline Failure not_found(std::string message, std::string field = {}) {
    return Failure{Failure::Kind::not_found, std::move(field), std::move(message)};
}
inline Failure conflict(std::string message, std::string field = {}) {
    return Failure{Failure::Kind::conflict, std::move(field), std::move(message)};
}
inline Failure forbidden(std::string message) {
    return Failure{Failure::Kind::forbidden, {}, std::move(message)};
}

} // namespace stagedoor::domain
