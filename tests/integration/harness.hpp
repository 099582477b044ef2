// Test harness: runs the real stagedoor binary on 127.0.0.1 with port 0 over a temporary data
// folder, and talks to it with the real client library. No fixed sleeps: readiness and exits
// are awaited with deadlines.
#pragma once

#include "client/client.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stagedoor::testing {

using namespace std::chrono_literals;

struct TempDir {
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::filesystem::path path;
};

struct CliResult {
    int exit_code = -1;
    std::string output; // stdout and stderr together
};
// Runs `stagedoor ARGS...` to completion.
CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text = {});

// A data folder with an event created by `stagedoor init`.
struct TestEvent {
    TestEvent(std::string name = "Innovation Network Test", std::string date = "2026-11-26");
    TempDir temp;
    std::filesystem::path data;
    std::string key(std::string_view role) const;
    // Imports a roster CSV with `stagedoor import`; returns the badge tokens in attendee id
    // order.
    std::vector<std::string> import_roster(std::string_view csv) const;
};

class ServerProcess {
  public:
    explicit ServerProcess(std::filesystem::path data, std::vector<std::string> extra_args = {});
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    // Starts and waits for the "listening on" line. port 0 picks a free one.
    void start(std::uint16_t port = 0);
    // Sends signal and waits for the exit; returns the exit status (or -signal).
    int stop(int signal = 15, std::chrono::milliseconds timeout = 10s);
    void kill_hard(); // SIGKILL, as a crash would
    // Starts the server with this RLIMIT_NOFILE, soft and hard (call before start()).
    void limit_descriptors(std::uint64_t limit) { descriptor_limit_ = limit; }
    // Sets an environment variable for the server (call before start()).
    void set_environment(std::string name, std::string value) {
        environment_.emplace_back(std::move(name), std::move(value));
    }
    bool running() const { return pid_ > 0; }
    int pid() const { return pid_; }
    std::uint16_t port() const { return port_; }
    client::Endpoint endpoint() const { return client::Endpoint{"127.0.0.1", port_, "/ws"}; }
    std::string output() const; // stdout so far
    std::string log() const;    // stderr so far

  private:
    std::filesystem::path data_;
    std::vector<std::string> extra_args_;
    int pid_ = -1;
    std::uint16_t port_ = 0;
    std::uint64_t descriptor_limit_ = 0; // 0: inherited
    std::vector<std::pair<std::string, std::string>> environment_;
    std::filesystem::path log_path_;
    std::shared_ptr<struct OutputPump> pump_;
};

// Polls until condition() holds or the deadline passes.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return condition();
}

// A connected, authenticated client.
std::shared_ptr<client::Connection> connect_as(client::ClientContext& context,
                                               const ServerProcess& server, const TestEvent& event,
                                               std::string_view role,
                                               std::string_view device = "test device");

} // namespace stagedoor::testing
