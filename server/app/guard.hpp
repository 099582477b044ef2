// The exception boundary every entry point into application code runs inside: message and HTTP
// handlers (the router), module callbacks (the dispatcher), timers and posted completions (the
// network layer). One failing piece of code must not end the event loop or anyone else's session.
#pragma once

#include "app/log.hpp"

#include <exception>
#include <string>
#include <string_view>
#include <type_traits>

namespace stagedoor::app {

// Runs task. An exception that escapes it is logged once as "<what> failed: <reason>" and
// swallowed. Returns true when task returned normally. what is text, or a function returning
// it, called only on failure (the check-in path pays nothing for a description).
template <class What, class Task> bool run_guarded(What&& what, Task&& task) noexcept {
    std::string reason;
    try {
        task();
        return true;
    } catch (const std::exception& error) {
        reason = error.what();
    } catch (...) {
        reason = "an exception that is not a std::exception";
    }
    try {
        if constexpr (std::is_invocable_v<What>)
            log::error(std::string(what()) + " failed: " + reason);
        else
            log::error(std::string(what) + " failed: " + reason);
    } catch (...) {
        // Logging itself failed (out of memory): nothing more can be said.
    }
    return false;
}

} // namespace stagedoor::app
