// Sub-commands of stagedoor-kiosk and the small option parser they share. Each sub-command is
// one entry in main.cpp's table: the bench tools now, the native door and stage kiosks later.
#pragma once

#include "client/client.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::kiosk {

// Wrong or missing arguments: main prints the message and the sub-command's usage, exits 2.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// --name value options and --flag switches; anything else is a usage error.
class Options {
  public:
    Options(const std::vector<std::string>& args, const std::set<std::string>& value_options,
            const std::set<std::string>& flags = {});

    std::optional<std::string> get(const std::string& name) const;
    std::string require(const std::string& name) const;
    bool flag(const std::string& name) const { return flags_.count(name) > 0; }
    // Integer option within [min, max]; fallback when absent.
    std::int64_t integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) const;
    double number(const std::string& name, double fallback, double min, double max) const;

  private:
    std::map<std::string, std::string> values_;
    std::set<std::string> flags_;
};

// ws://HOST:PORT/PATH (plain WebSocket; the bench runs on loopback).
client::Endpoint parse_ws_url(std::string_view url);

struct Command {
    std::string_view name;
    std::string_view summary;
    std::string_view usage;
    int (*run)(const std::vector<std::string>& args);
};

int run_bench_ping(const std::vector<std::string>& args);
int run_bench_checkin(const std::vector<std::string>& args);
int run_bench_fanout(const std::vector<std::string>& args);
int run_bench_lookup(const std::vector<std::string>& args);
int run_bench_sync(const std::vector<std::string>& args);

} // namespace stagedoor::kiosk
