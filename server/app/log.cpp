#include "app/log.hpp"

#include "stagedoor/protocol/text.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <openssl/sha.h>

namespace stagedoor::app::log {

namespace {
bool quiet_mode = false;
std::mutex output_mutex;

void append_hex(std::string& out, unsigned char byte) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
}

void write(std::string_view level, std::string_view raw) {
    std::string line = printable(raw);
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

std::string printable(std::string_view line) {
    std::string out;
    out.reserve(line.size());
    for (std::size_t i = 0; i < line.size();) {
        auto c = static_cast<unsigned char>(line[i]);
        if (c >= 0x80) {
            std::size_t length = protocol::utf8_sequence_length(line, i);
            if (length == 0) {
                out += "\xEF\xBF\xBD";
                ++i;
            } else {
                out.append(line.substr(i, length));
                i += length;
            }
            continue;
        }
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            append_hex(out, c);
        } else {
            out += static_cast<char>(c);
        }
        ++i;
    }
    return out;
}

std::string credential_tag(std::string_view secret) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
    std::string tag = "key#";
    for (int i = 0; i < 4; ++i)
        append_hex(tag, digest[i]);
    return tag;
}

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
