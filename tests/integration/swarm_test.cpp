// `stagedoor-kiosk swarm` against a real server: a short run with 2 doors, 5 displays and 0-20 ms
// of jitter, checked through the report line it prints (as scripts/bench reads it).
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using namespace stagedoor::testing;

namespace {

// An event with `count` attendees and their badge tokens (badges.csv) in `folder`.
fs::path event_with_badges(const TestEvent& event, int count) {
    auto roster = event.temp.path / "roster.csv";
    {
        std::ofstream out(roster);
        out << "name,organisation,email,sector,category,vip,external_id\n";
        for (int i = 1; i <= count; ++i)
            out << "Swarm Attendee " << i << ",Org,a" << i << "@swarm.example,Kultur,member,no,S-"
                << i << "\n";
    }
    auto imported = run_cli({"import", "--data", event.data.string(), roster.string()});
    INFO(imported.output);
    REQUIRE(imported.exit_code == 0);
    auto folder = event.temp.path / "badges";
    auto badges =
        run_cli({"badges", "--data", event.data.string(), "--out", folder.string(), "--csv-only"});
    INFO(badges.output);
    REQUIRE(badges.exit_code == 0);
    return folder / "badges.csv";
}

struct Run {
    int exit_code = -1;
    std::string output;
    std::map<std::string, std::string> result; // the `result bench=swarm` line's fields
    double number(const std::string& key) const {
        auto it = result.find(key);
        return it == result.end() ? -1 : std::stod(it->second);
    }
};

Run run_kiosk(const std::string& arguments) {
    Run run;
    std::string command = std::string(STAGEDOOR_KIOSK_BIN) + " " + arguments + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe);
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
        run.output.append(buffer, n);
    int status = ::pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::istringstream lines(run.output);
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("result bench=swarm ")) continue;
        std::istringstream fields(line.substr(7));
        for (std::string field; fields >> field;) {
            auto equals = field.find('=');
            if (equals != std::string::npos)
                run.result[field.substr(0, equals)] = field.substr(equals + 1);
        }
    }
    return run;
}

} // namespace

TEST_CASE("swarm: doors and displays against a real server, counted and compared") {
    TestEvent event("Swarm Event", "2026-11-27");
    auto tokens = event_with_badges(event, 200);
    TestEvent other("Another Event", "2026-11-27");
    auto foreign = event_with_badges(other, 5);
    ServerProcess server(event.data);
    server.start();

    auto run =
        run_kiosk("swarm --url ws://127.0.0.1:" + std::to_string(server.port()) + "/ws --key " +
                  event.key("door") + " --stage-key " + event.key("stage") + " --moderator-key " +
                  event.key("moderator") + " --tokens " + tokens.string() + " --foreign-tokens " +
                  foreign.string() +
                  " --doors 2 --displays 5 --scans 120 --seconds 3 --settle 1 --jitter 0-20ms"
                  " --duplicates 0.1 --forged 0.1 --foreign 0.1 --sample-ms 10");
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    REQUIRE(run.number("complete") == 1);

    // Every scan sent has exactly one verdict, and each kind got the verdict it tests.
    double verdicts = 0;
    for (const auto& [key, value] : run.result)
        if (key.starts_with("v_")) verdicts += std::stod(value);
    CHECK(run.number("planned") == 120);
    CHECK(run.number("sent") == 120);
    CHECK(verdicts == 120);
    CHECK(run.number("answered") == 120);
    CHECK(run.number("sent_forged") > 0);
    CHECK(run.number("sent_foreign") > 0);
    CHECK(run.number("sent_duplicate") > 0);
    CHECK(run.number("v_bad_signature") == run.number("sent_forged"));
    CHECK(run.number("v_wrong_event") == run.number("sent_foreign"));
    CHECK(run.number("v_already_in") == run.number("sent_duplicate"));
    CHECK(run.number("v_ok") == run.number("sent_fresh"));
    CHECK(run.number("unexpected") == 0);
    CHECK(run.number("rate") > 0);
    CHECK(run.number("p50_ms") <= run.number("p99_ms"));
    CHECK(run.number("p99_ms") <= run.number("max_ms"));
    // Each verdict shows after its delay: none faster than the network's minimum of 0 ms,
    // and with 0-20 ms the median is above 0.
    CHECK(run.number("p50_ms") > 0);

    // Agreement: sampled while the item ran, ordered percentiles, and within the bound the
    // clock sync guarantees in this very run: a sample's offset is off by at most half its
    // round-trip delay, so two displays differ by at most the largest delay of a sample any
    // display counted from (+1 ms for the server's rounding to whole ms).
    CHECK(run.number("agree_samples") > 10);
    CHECK(run.number("clock_samples") >= 5 * 8);
    CHECK(run.number("agree_p50_ms") >= 0);
    CHECK(run.number("agree_p50_ms") <= run.number("agree_p99_ms"));
    CHECK(run.number("agree_p99_ms") <= run.number("agree_max_ms"));
    CHECK(run.number("best_delay_max_ms") > 0);
    CHECK(run.number("agree_max_ms") <= run.number("best_delay_max_ms") + 1);
    CHECK(run.number("error_max_ms") <= run.number("best_delay_max_ms") / 2 + 1);

    // The server took the swarm and stops cleanly.
    CHECK(server.stop() == 0);
}

TEST_CASE("swarm: a wrong --jitter is a usage error") {
    auto run = run_kiosk("swarm --url ws://127.0.0.1:1/ws --key k --stage-key k --moderator-key k "
                         "--tokens /nonexistent --jitter 100-20ms");
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.output, Catch::Contains("--jitter must be MIN-MAXms"));
}
