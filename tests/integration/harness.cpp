#include "harness.hpp"

#include "storage/attendance_store.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <poll.h>
#include <random>
#include <regex>
#include <signal.h>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace stagedoor::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
    std::random_device random;
    path = fs::temp_directory_path() /
           ("stagedoor-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    fs::create_directories(path);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
}

namespace {
std::vector<char*> make_argv(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(STAGEDOOR_BIN));
    for (const auto& arg : args)
        argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    return argv;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}
} // namespace

CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text) {
    int out_pipe[2], in_pipe[2];
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(in_pipe, O_CLOEXEC) == 0);
    auto argv = make_argv(args);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(out_pipe[1], 2);
        ::execv(STAGEDOOR_BIN, argv.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(in_pipe[0]);
    if (!stdin_text.empty()) {
        auto written = ::write(in_pipe[1], stdin_text.data(), stdin_text.size());
        (void)written;
    }
    ::close(in_pipe[1]);
    CliResult result;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(out_pipe[0], buffer, sizeof buffer);
        if (n <= 0) break;
        result.output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return result;
}

TestEvent::TestEvent(std::string name, std::string date)
    : data(temp.path / "event") {
    auto result = run_cli({"init", "--data", data.string(), "--name", name, "--date", date});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
}

std::string TestEvent::key(std::string_view role) const {
    std::string text = read_text(data / "keys" / (std::string(role) + ".key"));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

std::vector<std::string> TestEvent::import_roster(std::string_view csv) const {
    fs::path file = temp.path / "roster.csv";
    std::ofstream(file, std::ios::binary) << csv;
    auto result = run_cli({"import", "--data", data.string(), file.string()});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    storage::Database db(data / "stagedoor.db");
    auto state = storage::load_attendance(db);
    std::vector<std::string> tokens;
    for (const auto* person : state.attendees())
        tokens.push_back(person->token);
    return tokens;
}

// Reads the server's stdout on a thread so the child never blocks on a full pipe.
struct OutputPump {
    int fd = -1;
    std::mutex mutex;
    std::string text;
    std::thread thread;
    explicit OutputPump(int read_fd)
        : fd(read_fd) {
        thread = std::thread([this] {
            char buffer[4096];
            for (;;) {
                ssize_t n = ::read(fd, buffer, sizeof buffer);
                if (n <= 0) break;
                std::lock_guard lock(mutex);
                text.append(buffer, static_cast<std::size_t>(n));
            }
        });
    }
    ~OutputPump() {
        if (thread.joinable()) thread.join();
        ::close(fd);
    }
    std::string snapshot() {
        std::lock_guard lock(mutex);
        return text;
    }
};

ServerProcess::ServerProcess(fs::path data, std::vector<std::string> extra_args)
    : data_(std::move(data))
    , extra_args_(std::move(extra_args))
    , log_path_(data_.parent_path() / "server.log") {}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) kill_hard();
}

void ServerProcess::start(std::uint16_t port) {
    REQUIRE(pid_ <= 0);
    int out_pipe[2];
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    std::vector<std::string> args{
        "serve",  "--data", data_.string(), "--listen", "127.0.0.1:" + std::to_string(port),
        "--no-qr"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    auto argv = make_argv(args);
    int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    REQUIRE(log_fd >= 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (descriptor_limit_ > 0) {
            rlimit limit{descriptor_limit_, descriptor_limit_};
            if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(126);
        }
        for (const auto& [name, value] : environment_)
            ::setenv(name.c_str(), value.c_str(), 1);
        ::dup2(out_pipe[1], 1);
        ::dup2(log_fd, 2);
        ::execv(STAGEDOOR_BIN, argv.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(log_fd);
    pid_ = pid;
    pump_ = std::make_shared<OutputPump>(out_pipe[0]);
    static const std::regex listening(R"(listening on https?://127\.0\.0\.1:(\d+))");
    std::smatch match;
    bool ready = eventually(
        [&] {
            std::string text = pump_->snapshot();
            if (std::regex_search(text, match, listening)) {
                port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
                return true;
            }
            int status = 0;
            return ::waitpid(pid_, &status, WNOHANG) == pid_ ? (pid_ = -1, true) : false;
        },
        30s);
    INFO("server stdout: " << pump_->snapshot() << "\nserver log: " << log());
    REQUIRE(ready);
    REQUIRE(pid_ > 0);
}

int ServerProcess::stop(int signal, std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = 0;
    bool exited = eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!exited) {
        kill_hard();
        return -9999;
    }
    pid_ = -1;
    pump_.reset();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

void ServerProcess::kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    pump_.reset();
}

std::string ServerProcess::output() const {
    return pump_ ? pump_->snapshot() : std::string();
}
std::string ServerProcess::log() const {
    return read_text(log_path_);
}

std::shared_ptr<client::Connection> connect_as(client::ClientContext& context,
                                               const ServerProcess& server, const TestEvent& event,
                                               std::string_view role, std::string_view device) {
    auto connection = client::Connection::open(context, server.endpoint());
    auto welcome = connection->hello(role, event.key(role), device);
    INFO(welcome.dump());
    REQUIRE(welcome["type"] == "welcome");
    return connection;
}

} // namespace stagedoor::testing
