// One line per event that matters, to stderr. --quiet silences everything but errors.
#pragma once

#include <string_view>

namespace stagedoor::app::log {

void set_quiet(bool quiet);
void info(std::string_view line);
void error(std::string_view line);

} // namespace stagedoor::app::log
