#include "cli/command.hpp"

#include <algorithm>

namespace stagedoor::cli {

namespace {
std::vector<Command>& registry() {
    static std::vector<Command> commands;
    return commands;
}
} // namespace

bool register_command(Command command) {
    auto& all = registry();
    auto position =
        std::lower_bound(all.begin(), all.end(), command.name,
                         [](const Command& a, const std::string& name) { return a.name < name; });
    all.insert(position, std::move(command));
    return true;
}

const std::vector<Command>& commands() {
    return registry();
}

std::optional<std::string> ParsedArgs::get(std::string_view name) const {
    for (const auto& [option, value] : options)
        if (option == name) return value;
    return std::nullopt;
}

bool ParsedArgs::flag(std::string_view name) const {
    return get(name).has_value();
}

ParsedArgs parse_args(const Args& args, const std::vector<std::string>& value_options,
                      const std::vector<std::string>& flag_options) {
    ParsedArgs parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.size() > 1 && arg[0] == '-') {
            std::string name = arg;
            std::optional<std::string> inline_value;
            if (auto eq = arg.find('='); eq != std::string::npos && arg.starts_with("--")) {
                name = arg.substr(0, eq);
                inline_value = arg.substr(eq + 1);
            }
            if (std::find(value_options.begin(), value_options.end(), name) !=
                value_options.end()) {
                if (inline_value)
                    parsed.options.emplace_back(name, *inline_value);
                else if (i + 1 < args.size())
                    parsed.options.emplace_back(name, args[++i]);
                else
                    throw UsageError(name + " needs a value");
            } else if (std::find(flag_options.begin(), flag_options.end(), name) !=
                       flag_options.end()) {
                parsed.options.emplace_back(name, "");
            } else {
                throw UsageError("unknown option " + name);
            }
        } else {
            parsed.positional.push_back(arg);
        }
    }
    return parsed;
}

} // namespace stagedoor::cli
