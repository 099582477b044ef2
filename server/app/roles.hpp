// Roles and the named sets of roles that may send a message, call an endpoint or receive a
// broadcast. Every role check in the server names one of these sets, so "who may do what" is
// written once, here.
#pragma once

#include "stagedoor/protocol/messages.hpp"

#include <initializer_list>
#include <string>

namespace stagedoor::app {

using protocol::Role;

class RoleSet {
  public:
    constexpr RoleSet() = default;
    constexpr RoleSet(std::initializer_list<Role> roles) {
        for (Role role : roles)
            bits_ |= bit(role);
    }
    static constexpr RoleSet all() {
        return {Role::door, Role::stage, Role::moderator, Role::organiser};
    }
    constexpr bool contains(Role role) const { return (bits_ & bit(role)) != 0; }
    constexpr bool empty() const { return bits_ == 0; }
    constexpr bool operator==(const RoleSet&) const = default;
    // "door or organiser", for error messages.
    std::string describe() const;

  private:
    static constexpr unsigned bit(Role role) { return 1u << static_cast<unsigned>(role); }
    unsigned bits_ = 0;
};

namespace roles {
// Every authenticated connection.
inline constexpr RoleSet everyone = RoleSet::all();
// Admit people: scans, help-desk check-ins, walk-ins, look-ups, undo; they also see the counts.
inline constexpr RoleSet door_staff{Role::door, Role::organiser};
// Change the agenda, the timer and what the stage screen shows; read the session report.
inline constexpr RoleSet editors{Role::moderator, Role::organiser};
// Live attendance events, exports, roster import, badges.
inline constexpr RoleSet organisers{Role::organiser};
// The screens whose clock sync the moderator watches.
inline constexpr RoleSet displays{Role::stage};
} // namespace roles

} // namespace stagedoor::app
