// Shared pieces of the bench commands: the server process seen through /proc, latency
// summaries, badge tokens, scan ids and the result line scripts/bench parses.
#pragma once

#include "client/client.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::kiosk {

using SteadyClock = std::chrono::steady_clock;

std::int64_t unix_ms();
double seconds_between(SteadyClock::time_point from, SteadyClock::time_point to);

// The process listening on 127.0.0.1:port (via /proc/net/tcp and /proc/*/fd), if visible.
std::optional<int> find_listening_pid(std::uint16_t port);
// --server-pid, else the process listening on the URL's port; nullopt when neither works.
std::optional<int> resolve_server_pid(std::optional<std::string> given, std::uint16_t port);

// VmRSS in KiB.
std::optional<std::int64_t> resident_kib(int pid);
// user + system CPU time a process has used so far, in seconds.
std::optional<double> cpu_seconds(int pid);
double own_cpu_seconds();

// Raises RLIMIT_NOFILE to its hard limit; returns the new soft limit.
std::uint64_t raise_open_file_limit();

struct LatencySummary {
    std::size_t count = 0;
    double p50_ms = 0, p99_ms = 0, max_ms = 0;
};
// Sorts the samples (nanoseconds).
LatencySummary summarise(std::vector<std::int64_t>& nanoseconds);

// Badge tokens: a CSV whose header has a "token" column (badges.csv; RFC 4180 quoting), or
// one token per line. Blank lines are skipped.
std::vector<std::string> load_tokens(const std::filesystem::path& file);
// The non-empty cells of a column (lower-case name) of a CSV with a header; a file without
// commas in its first line is one value per line.
std::vector<std::string> load_csv_column(const std::filesystem::path& file,
                                         std::string_view column);

// Random RFC 4122 version-4 UUIDs: the scan ids a real kiosk would send.
class ScanIds {
  public:
    ScanIds();
    std::string next();

  private:
    std::mt19937_64 random_;
};

// A door connection said hello with key as device; pushes (frames without "re", such as the
// counts after every check-in) are dropped unparsed. Throws when the hello is refused.
std::shared_ptr<client::Connection> door_connection(client::ClientContext& context,
                                                    const client::Endpoint& endpoint,
                                                    const std::string& key,
                                                    const std::string& device);

// `result key=value ...` lines are what scripts/bench reads; keys are stable.
void print_result_line(std::string_view bench,
                       const std::vector<std::pair<std::string, std::string>>& fields);
std::string fixed(double value, int decimals);

} // namespace stagedoor::kiosk
