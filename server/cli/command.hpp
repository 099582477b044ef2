// Sub-commands register themselves, so each lives in its own file (cli/cmd_*.cpp).
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::cli {

using Args = std::vector<std::string>; // arguments after the sub-command name

struct Command {
    std::string name;    // "import", "badge reissue" -> registered as "badge"
    std::string summary; // one line for --help
    std::string usage;   // full usage text
    std::function<int(const Args&)> run;
};

bool register_command(Command command);
const std::vector<Command>& commands();

// Small argument helpers shared by the commands.
struct ParsedArgs {
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> options; // --name value / --flag ""
    std::optional<std::string> get(std::string_view name) const;
    bool flag(std::string_view name) const;
};
// value_options: options that take a value (e.g. {"--data", "--out"}); others are flags.
// Throws UsageError on an unknown option or a missing value.
ParsedArgs parse_args(const Args& args, const std::vector<std::string>& value_options,
                      const std::vector<std::string>& flag_options);

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

} // namespace stagedoor::cli
