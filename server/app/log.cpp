#include "app/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace stagedoor::app::log {

namespace {
bool quiet_mode = false;
std::mutex output_mutex;

void write(std::string_view level, std::string_view line) {
    auto now = std::chrono::system_clock::now();
    std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm local{};
    localtime_r(&seconds, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%H:%M:%S", &local);
    std::lock_guard lock(output_mutex);
    std::fprintf(stderr, "%s.%03d %.*s %.*s\n", stamp, static_cast<int>(millis),
                 static_cast<int>(level.size()), level.data(), static_cast<int>(line.size()),
                 line.data());
}
} // namespace

void set_quiet(bool quiet) {
    quiet_mode = quiet;
}
void info(std::string_view line) {
    if (!quiet_mode) write("info ", line);
}
void error(std::string_view line) {
    write("error", line);
}

} // namespace stagedoor::app::log
