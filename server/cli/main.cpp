// stagedoor: the server command. Sub-commands live in cmd_*.cpp and register themselves.
#include "cli/command.hpp"

#include <cstdio>
#include <iostream>

using namespace stagedoor::cli;

namespace {
void print_help() {
    std::cout << "stagedoor " STAGEDOOR_VERSION
                 " - door check-in, pitch timer and live attendance\n\n"
                 "usage: stagedoor <command> [options]\n\ncommands:\n";
    for (const auto& command : commands())
        std::printf("  %-16s %s\n", command.name.c_str(), command.summary.c_str());
    std::cout << "\nRun 'stagedoor <command> --help' for a command's options.\n";
}
} // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h" ||
        std::string_view(argv[1]) == "help") {
        print_help();
        return argc < 2 ? 2 : 0;
    }
    if (std::string_view(argv[1]) == "--version") {
        std::cout << "stagedoor " STAGEDOOR_VERSION "\n";
        return 0;
    }
    std::string name = argv[1];
    Args args(argv + 2, argv + argc);
    for (const auto& command : commands()) {
        if (command.name != name) continue;
        for (const auto& arg : args)
            if (arg == "--help" || arg == "-h") {
                std::cout << command.usage;
                return 0;
            }
        try {
            return command.run(args);
        } catch (const UsageError& error) {
            std::cerr << "stagedoor " << name << ": " << error.what() << "\n\n" << command.usage;
            return 2;
        } catch (const std::exception& error) {
            std::cerr << "stagedoor " << name << ": " << error.what() << "\n";
            return 1;
        }
    }
    std::cerr << "stagedoor: unknown command '" << name << "'\n\n";
    print_help();
    return 2;
}
