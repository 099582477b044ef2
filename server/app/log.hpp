// One line per event that matters, to stderr. --quiet silences everything but errors.
#pragma once

#include <string>
#include <string_view>

namespace stagedoor::app::log {

// The line as it is written: control characters (newlines, terminal escapes) shown as \n, \t
// or \xNN and invalid UTF-8 as U+FFFD, so text a client sent (a device name, a role) can
// neither forge a log line nor drive the terminal. Every line goes through it.
std::string printable(std::string_view line);

// "key#" and the first 8 hex digits of the SHA-256 of secret: names a key or token in a log line
// (which client still uses the old key?) without giving it away. Logs never hold a secret itself.
std::string credential_tag(std::string_view secret);

void set_quiet(bool quiet);
void info(std::string_view line);
void error(std::string_view line);

} // namespace stagedoor::app::log
