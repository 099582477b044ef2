#include "tmux.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace stagedoor::testing {

namespace fs = std::filesystem;

std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

namespace {

// Runs tmux with these arguments; returns its exit code and stdout.
std::pair<int, std::string> run_tmux(const std::vector<std::string>& args) {
    int out_pipe[2];
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    std::vector<char*> argv{const_cast<char*>("tmux")};
    for (const auto& arg : args)
        argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(out_pipe[1], 1);
        ::execvp("tmux", argv.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    std::string output;
    char buffer[4096];
    for (ssize_t n; (n = ::read(out_pipe[0], buffer, sizeof buffer)) > 0;)
        output.append(buffer, static_cast<std::size_t>(n));
    ::close(out_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

} // namespace

TmuxSession::TmuxSession(const fs::path& folder, const std::vector<std::string>& command, int cols,
                         int rows)
    : socket_(folder / "tmux.sock")
    , stderr_path_(folder / "pane-stderr.txt") {
    std::string shell_command = "exec";
    for (const auto& arg : command)
        shell_command += " " + shell_quote(arg);
    shell_command += " 2>" + shell_quote(stderr_path_.string());
    auto [code, output] =
        run_tmux({"-S", socket_.string(), "-f", "/dev/null", "new-session", "-d", "-x",
                  std::to_string(cols), "-y", std::to_string(rows), shell_command});
    INFO(output);
    REQUIRE(code == 0);
    // Keep the pane after the command ends, so a crash leaves its last screen to look at.
    tmux({"set-option", "-g", "remain-on-exit", "on"});
}

TmuxSession::~TmuxSession() {
    run_tmux({"-S", socket_.string(), "kill-server"});
}

std::vector<std::string> TmuxSession::tmux(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-S", socket_.string()});
    return split_lines(run_tmux(args).second);
}

std::vector<std::string> TmuxSession::capture(bool escapes) const {
    std::vector<std::string> args{"capture-pane", "-p"};
    if (escapes) args.push_back("-e");
    return tmux(args);
}

std::string TmuxSession::capture_text(bool escapes) const {
    std::string text;
    for (const auto& line : capture(escapes))
        text += line + "\n";
    return text;
}

void TmuxSession::send_keys(const std::string& keys, bool literal) const {
    std::vector<std::string> args{"send-keys"};
    if (literal) args.push_back("-l");
    args.push_back(keys);
    tmux(args);
}

void TmuxSession::resize(int cols, int rows) const {
    tmux({"resize-window", "-x", std::to_string(cols), "-y", std::to_string(rows)});
}

std::string TmuxSession::format(const std::string& text) const {
    auto lines = tmux({"display-message", "-p", text});
    return lines.empty() ? "" : lines.front();
}

bool TmuxSession::running() const {
    return format("#{pane_dead}") == "0";
}

std::string TmuxSession::stderr_text() const {
    return read_text_file(stderr_path_);
}

} // namespace stagedoor::testing
