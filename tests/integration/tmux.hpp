// A program on a real terminal for the native kiosks' tests: a private tmux server (its own
// socket in a temp folder, no user config) runs one command in a pane of a fixed size; the test
// types into it and reads the screen as a person would see it (`tmux capture-pane`).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace stagedoor::testing {

// text in single quotes for sh, so that it stays one word whatever it holds.
std::string shell_quote(const std::string& text);
// The whole file ("" when it does not exist yet).
std::string read_text_file(const std::filesystem::path& path);

class TmuxSession {
  public:
    // Starts `command` (argv, run through `exec` in the pane's shell) in a cols x rows pane;
    // its stderr goes to a file that stderr_text() returns.
    TmuxSession(const std::filesystem::path& folder, const std::vector<std::string>& command,
                int cols = 100, int rows = 30);
    ~TmuxSession(); // kills this tmux server (and so the command)
    TmuxSession(const TmuxSession&) = delete;
    TmuxSession& operator=(const TmuxSession&) = delete;

    // The pane's lines; with escapes, including the SGR sequences of colours and attributes.
    std::vector<std::string> capture(bool escapes = false) const;
    std::string capture_text(bool escapes = false) const;
    // Types keys (tmux send-keys syntax: "q", "Enter", or literal text with literal = true).
    void send_keys(const std::string& keys, bool literal = false) const;
    // Resizes the window (the program gets SIGWINCH).
    void resize(int cols, int rows) const;
    // A tmux format about the pane, e.g. "#{alternate_on}", "#{pane_tty}", "#{pane_pid}".
    std::string format(const std::string& text) const;
    // True while the command runs in the pane.
    bool running() const;
    std::string stderr_text() const;

  private:
    std::vector<std::string> tmux(std::vector<std::string> args) const;
    std::filesystem::path socket_;
    std::filesystem::path stderr_path_;
};

} // namespace stagedoor::testing
