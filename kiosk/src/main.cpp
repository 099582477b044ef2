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
    Command{"door", "the door kiosk: scanner or camera, verdict screen, offline queue",
            "stagedoor-kiosk door [--state DIR] [--url ws://HOST:PORT/ws --key DOOR_KEY\n"
            "    [--device NAME]] [--camera /dev/videoN] [--lang de|en] [--hold-seconds 8]\n"
            "    (without --url: the device paired into DIR by `stagedoor-kiosk pair`)",
            run_door},
    Command{"pair", "pair this kiosk with a pairing link or code; stores its token (0600)",
            "stagedoor-kiosk pair LINK [--state DIR] [--ca FILE] [--fingerprint SHA256]\n"
            "    [--name NAME]\n"
            "  stagedoor-kiosk pair CODE --base https://HOST:PORT [...]\n"
            "  stagedoor-kiosk pair --qr-from /dev/video0 [--qr-timeout 60] [...]\n\n"
            "LINK is the pairing link BASE/<view>#pair=CODE (dashboard, `stagedoor device pair`).\n"
            "  --state DIR       the state folder (default $XDG_STATE_HOME/stagedoor-kiosk or\n"
            "                    ~/.local/state/stagedoor-kiosk); DIR/device.json is replaced\n"
            "  --ca FILE         over https, trust the server's certificate through this CA file\n"
            "  --fingerprint FP  over https, accept only this certificate (as `stagedoor serve`\n"
            "                    prints it); without --ca or --fingerprint the certificate seen\n"
            "                    now is pinned: compare the printed fingerprint with the server's\n"
            "  --name NAME       how this kiosk describes itself to the organiser (default: the\n"
            "                    host name); the device's name is the one the organiser gave\n"
            "  --qr-from DEVICE  read the pairing QR code from a V4L2 camera (libzbar)",
            run_pair},
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
    Command{
        "swarm",
        "doors scanning an arrival curve and stage displays: throughput, verdicts, display "
        "agreement",
        "stagedoor-kiosk swarm --url ws://127.0.0.1:PORT/ws --key DOOR_KEY --stage-key KEY\n"
        "    --moderator-key KEY --tokens FILE (badges.csv of this event) [--skip-tokens 0]\n"
        "    [--foreign-tokens FILE (badges.csv of another event)] [--doors 2] [--displays 5]\n"
        "    [--scans 1000] [--seconds 10] [--jitter 0-100ms] [--duplicates 0.05]\n"
        "    [--forged 0.02] [--foreign 0.02 (0 without --foreign-tokens)] [--peak-share 0.7]\n"
        "    [--skew-ms 5000] [--ping-ms 1000] [--clock-window 16] [--settle 5]\n"
        "    [--sample-ms 20] [--seed 1]\n"
        "\n"
        "The displays connect and sync their clocks for --settle seconds (each starts with a\n"
        "burst of 8 pings, then one every --ping-ms; each display's clock is off by a random\n"
        "amount within --skew-ms; its estimator keeps the newest --clock-window samples, 16 in\n"
        "the browser and the native display). Then a moderator starts the agenda's first item\n"
        "(adding one to an empty agenda) and the doors open. --scans arrivals fall over "
        "--seconds:\n"
        "--peak-share of them in a peak decaying from doors-open (exponential, mean a tenth of\n"
        "the run), the rest evenly; each at a random door, which scans one person at a time.\n"
        "Fresh scans use each badge once, after the first --skip-tokens of the file (so that\n"
        "runs against one event find nobody inside). Shares of the scans are duplicates (a\n"
        "badge already admitted), forged (one signature character changed) and foreign (a\n"
        "badge of another event). --jitter delays every message a door or display receives\n"
        "(pongs too) by a random time in the range, keeping their order. Every --sample-ms the\n"
        "remaining time all displays compute for one instant is compared: agreement = max -\n"
        "min. The last line (result bench=swarm ...) is what scripts/bench reads.",
        run_swarm},
    Command{"stage", "full-screen stage countdown on this terminal (a TV behind the stage)",
            "stagedoor-kiosk stage [--state DIR] [--lang en|de]\n"
            "  stagedoor-kiosk stage --url ws[s]://HOST:PORT/ws --key STAGE_KEY [--device NAME]\n\n"
            "  --state DIR  a kiosk paired as a stage display (`stagedoor-kiosk pair`); the\n"
            "               default state folder when neither --state nor --url is given\n"
            "  --url, --key the server and its stage role key instead (tests, scripts)\n"
            "q, Ctrl-C or SIGTERM quits; the terminal is restored",
            run_stage},
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
