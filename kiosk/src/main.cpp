// stagedoor-kiosk: the native client. `stagedoor-kiosk COMMAND [OPTIONS]`; each command is one
// row of the table below, so the door and stage kiosk modes join as further rows.
#include "command.hpp"

#include <array>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace stagedoor::kiosk {
namespace {

constexpr std::array kCommands{
    Command{"bench-ping", "round trips of `ping` per second, closed loop",
            "stagedoor-kiosk bench-ping --url ws://127.0.0.1:PORT/ws --key DOOR_KEY\n"
            "    [--connections 64] [--seconds 5] [--warmup 1] [--server-pid PID]",
            run_bench_ping},
    Command{"bench-checkin", "durable check-ins (`scan` answered ok) per second, closed loop",
            "stagedoor-kiosk bench-checkin --url ws://127.0.0.1:PORT/ws --key DOOR_KEY\n"
            "    --tokens FILE (badges.csv with a token column, or one token per line)\n"
            "    [--connections 64] [--seconds 5] [--warmup 1] [--server-pid PID]",
            run_bench_checkin},
    Command{"bench-fanout", "time until the last of N stage displays has a timer change",
            "stagedoor-kiosk bench-fanout --url ws://127.0.0.1:PORT/ws --stage-key KEY\n"
            "    --moderator-key KEY [--displays 1000] [--rounds 20] [--add-ms 1000]\n"
            "    [--gap-ms 200] [--server-pid PID]",
            run_bench_fanout},
    Command{"bench-lookup", "scan latency at door A, alone and while door B sends lookups",
            "stagedoor-kiosk bench-lookup --url ws://127.0.0.1:PORT/ws --key DOOR_KEY\n"
            "    --tokens FILE (badges.csv: token and name columns) [--scans-per-second 200]\n"
            "    [--lookups-per-second 4000] [--lookup-connections 8] [--max-waiting 32]\n"
            "    [--seconds 5] [--warmup 1] [--server-pid PID]",
            run_bench_lookup},
    Command{"bench-sync", "an offline door's queue syncing while another door scans online",
            "stagedoor-kiosk bench-sync --url ws://127.0.0.1:PORT/ws --key DOOR_KEY\n"
            "    --tokens FILE (badges.csv with a token column, or one token per line)\n"
            "    [--scans 2000] [--window 64] [--online-per-second 500] [--seconds 5]\n"
            "    [--warmup 1] [--server-pid PID]",
            run_bench_sync},
};

void print_help(std::FILE* out) {
    std::fprintf(out, "usage: stagedoor-kiosk COMMAND [OPTIONS]\n\ncommands:\n");
    for (const auto& command : kCommands)
        std::fprintf(out, "  %-14.*s %.*s\n", static_cast<int>(command.name.size()),
                     command.name.data(), static_cast<int>(command.summary.size()),
                     command.summary.data());
    std::fprintf(out, "\n`stagedoor-kiosk COMMAND --help` shows a command's options.\n");
}

} // namespace
} // namespace stagedoor::kiosk

int main(int argc, char** argv) {
    using namespace stagedoor::kiosk;
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    std::string name = argv[1];
    if (name == "help" || name == "--help" || name == "-h") {
        print_help(stdout);
        return 0;
    }
    const Command* command = nullptr;
    for (const auto& candidate : kCommands)
        if (candidate.name == name) command = &candidate;
    if (!command) {
        std::fprintf(stderr, "stagedoor-kiosk: unknown command '%s'\n\n", name.c_str());
        print_help(stderr);
        return 2;
    }
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& arg : args) {
        if (arg == "--help" || arg == "-h") {
            std::printf("%.*s\n\nusage: %.*s\n", static_cast<int>(command->summary.size()),
                        command->summary.data(), static_cast<int>(command->usage.size()),
                        command->usage.data());
            return 0;
        }
    }
    try {
        return command->run(args);
    } catch (const UsageError& error) {
        std::fprintf(stderr, "stagedoor-kiosk %s: %s\nusage: %.*s\n", name.c_str(), error.what(),
                     static_cast<int>(command->usage.size()), command->usage.data());
        return 2;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "stagedoor-kiosk %s: %s\n", name.c_str(), error.what());
        return 1;
    }
}
