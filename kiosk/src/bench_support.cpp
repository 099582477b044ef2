#include "bench_support.hpp"

#include "command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>

namespace stagedoor::kiosk {

namespace fs = std::filesystem;

// ---- options shared by every command ----

Options::Options(const std::vector<std::string>& args, const std::set<std::string>& value_options,
                 const std::set<std::string>& flags) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (flags.count(arg)) {
            flags_.insert(arg);
        } else if (value_options.count(arg)) {
            if (i + 1 >= args.size()) throw UsageError(arg + " needs a value");
            values_[arg] = args[++i];
        } else {
            throw UsageError("unknown argument '" + arg + "'");
        }
    }
}

std::optional<std::string> Options::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string Options::require(const std::string& name) const {
    auto value = get(name);
    if (!value || value->empty()) throw UsageError(name + " is required");
    return *value;
}

std::int64_t Options::integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                              std::int64_t max) const {
    auto text = get(name);
    if (!text) return fallback;
    std::size_t used = 0;
    std::int64_t value = 0;
    try {
        value = std::stoll(*text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text->size() || value < min || value > max)
        throw UsageError(name + " must be a whole number from " + std::to_string(min) + " to " +
                         std::to_string(max));
    return value;
}

double Options::number(const std::string& name, double fallback, double min, double max) const {
    auto text = get(name);
    if (!text) return fallback;
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(*text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text->size() || !(value >= min && value <= max))
        throw UsageError(name + " must be a number from " + fixed(min, 1) + " to " + fixed(max, 1));
    return value;
}

client::Endpoint parse_ws_url(std::string_view url) {
    constexpr std::string_view scheme = "ws://";
    if (!url.starts_with(scheme))
        throw UsageError("--url must start with ws:// (e.g. ws://127.0.0.1:8080/ws)");
    url.remove_prefix(scheme.size());
    auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    client::Endpoint endpoint;
    endpoint.path = slash == std::string_view::npos ? "/ws" : std::string(url.substr(slash));
    auto colon = authority.rfind(':');
    if (colon == std::string_view::npos || colon == 0) throw UsageError("--url needs HOST:PORT");
    endpoint.host = std::string(authority.substr(0, colon));
    std::string port_text(authority.substr(colon + 1));
    std::size_t used = 0;
    int port = 0;
    try {
        port = std::stoi(port_text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != port_text.size() || port < 1 || port > 65535)
        throw UsageError("--url port must be 1-65535");
    endpoint.port = static_cast<std::uint16_t>(port);
    return endpoint;
}

// ---- time and /proc ----

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double seconds_between(SteadyClock::time_point from, SteadyClock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

namespace {

std::optional<std::string> listening_inode(const char* table, std::uint16_t port) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
            timeout >> inode;
        if (state != "0A") continue; // LISTEN
        auto colon = local.rfind(':');
        if (colon == std::string::npos) continue;
        if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) return inode;
    }
    return std::nullopt;
}

} // namespace

std::optional<int> find_listening_pid(std::uint16_t port) {
    auto inode = listening_inode("/proc/net/tcp", port);
    if (!inode) inode = listening_inode("/proc/net/tcp6", port);
    if (!inode) return std::nullopt;
    std::string wanted = "socket:[" + *inode + "]";
    std::error_code ec;
    for (const auto& process : fs::directory_iterator("/proc", ec)) {
        const std::string name = process.path().filename().string();
        if (name.empty() ||
            !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        std::error_code fd_ec;
        for (const auto& fd : fs::directory_iterator(process.path() / "fd", fd_ec)) {
            std::error_code link_ec;
            if (fs::read_symlink(fd.path(), link_ec).string() == wanted) return std::stoi(name);
        }
    }
    return std::nullopt;
}

std::optional<int> resolve_server_pid(std::optional<std::string> given, std::uint16_t port) {
    if (given) {
        try {
            int pid = std::stoi(*given);
            if (pid > 0 && fs::exists("/proc/" + std::to_string(pid))) return pid;
        } catch (const std::exception&) {
        }
        throw UsageError("--server-pid " + *given + " is not a running process");
    }
    return find_listening_pid(port);
}

std::optional<std::int64_t> resident_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) return std::stoll(line.substr(6));
    }
    return std::nullopt;
}

std::optional<double> cpu_seconds(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    auto close = text.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 14) utime = std::stod(field);
        if (index == 15) {
            stime = std::stod(field);
            return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
        }
    }
    return std::nullopt;
}

double own_cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::uint64_t raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur;
}

// ---- latency ----

LatencySummary summarise(std::vector<std::int64_t>& nanoseconds) {
    LatencySummary summary;
    summary.count = nanoseconds.size();
    if (nanoseconds.empty()) return summary;
    std::sort(nanoseconds.begin(), nanoseconds.end());
    // Nearest-rank percentiles.
    auto rank = [&](double p) {
        auto index =
            static_cast<std::size_t>(std::ceil(p * static_cast<double>(nanoseconds.size())));
        return static_cast<double>(
                   nanoseconds[std::clamp<std::size_t>(index, 1, nanoseconds.size()) - 1]) /
               1e6;
    };
    summary.p50_ms = rank(0.50);
    summary.p99_ms = rank(0.99);
    summary.max_ms = static_cast<double>(nanoseconds.back()) / 1e6;
    return summary;
}

// ---- tokens ----

namespace {

// RFC 4180 records (quoted fields may hold commas, quotes and newlines).
std::vector<std::vector<std::string>> read_csv(const std::string& text) {
    std::vector<std::vector<std::string>> records;
    std::vector<std::string> record;
    std::string field;
    bool quoted = false, any = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
                field += '"', ++i;
            else if (c == '"')
                quoted = false;
            else
                field += c;
            continue;
        }
        if (c == '"')
            quoted = true, any = true;
        else if (c == ',')
            record.push_back(std::move(field)), field.clear(), any = true;
        else if (c == '\r')
            continue;
        else if (c == '\n') {
            if (any || !field.empty()) record.push_back(std::move(field));
            if (!record.empty()) records.push_back(std::move(record));
            record.clear(), field.clear(), any = false;
        } else
            field += c, any = true;
    }
    if (any || !field.empty()) record.push_back(std::move(field));
    if (!record.empty()) records.push_back(std::move(record));
    return records;
}

} // namespace

std::vector<std::string> load_tokens(const fs::path& file) {
    return load_csv_column(file, "token");
}

std::vector<std::string> load_csv_column(const fs::path& file, std::string_view wanted) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::string text((std::istreambuf_iterator<char>(in)), {});
    if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    std::vector<std::string> tokens;
    auto first_line = text.substr(0, text.find('\n'));
    if (first_line.find(',') != std::string::npos) {
        auto records = read_csv(text);
        if (records.empty()) return tokens;
        const auto& header = records.front();
        auto column = std::find_if(header.begin(), header.end(), [wanted](const std::string& name) {
            std::string lower;
            for (char c : name)
                lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return lower == wanted;
        });
        if (column == header.end())
            throw std::runtime_error(file.string() + " has no '" + std::string(wanted) +
                                     "' column");
        auto index = static_cast<std::size_t>(column - header.begin());
        for (std::size_t row = 1; row < records.size(); ++row)
            if (index < records[row].size() && !records[row][index].empty())
                tokens.push_back(records[row][index]);
        return tokens;
    }
    // One value per line, no header.
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (!line.empty()) tokens.push_back(line);
    }
    return tokens;
}

// ---- scan ids ----

ScanIds::ScanIds()
    : random_(std::random_device{}()) {}

std::string ScanIds::next() {
    std::uint64_t high = random_(), low = random_();
    high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL; // version 4
    low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;   // RFC 4122 variant
    char text[37];
    std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx",
                  static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xFFFF),
                  static_cast<unsigned>(high & 0xFFFF), static_cast<unsigned>(low >> 48),
                  static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
    return text;
}

// ---- output ----

std::shared_ptr<client::Connection> door_connection(client::ClientContext& context,
                                                    const client::Endpoint& endpoint,
                                                    const std::string& key,
                                                    const std::string& device) {
    auto connection = client::Connection::open(context, endpoint);
    connection->on_frame(
        [](std::string_view frame) { return frame.find("\"re\":") == std::string_view::npos; });
    auto welcome = connection->hello("door", key, device);
    if (welcome.value("type", "") != "welcome")
        throw std::runtime_error("hello as door was refused: " + welcome.dump());
    return connection;
}

void print_result_line(std::string_view bench,
                       const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string line = "result bench=" + std::string(bench);
    for (const auto& [key, value] : fields)
        line += " " + key + "=" + value;
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

} // namespace stagedoor::kiosk
