// The door's screen and keyboard, with no I/O of their own (door_main.cpp does the reading and
// writing): the texts in English and German, the split of standard input into scanner lines
// and single key presses, and the full-screen frame for a verdict, the search and the status.
//
// Scanner lines versus keys: a USB or Bluetooth scanner types a whole code and Enter within a
// few milliseconds. So: a line of at least 8 characters ended by Enter is a scan; a single
// character followed by 50 ms of silence (or by Enter) is a key; anything else (a short line,
// an escape sequence, a partial line left for 500 ms) is dropped. A key therefore never acts
// inside a scan line, even when the code starts with `e`, `x`, `u`, `q` or `/`.
#pragma once

#include "door_judge.hpp"
#include "src/terminal.hpp"

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::kiosk {

struct DoorStatus;

enum class Lang { en, de };

// --lang, else LANG/LC_ALL/LC_MESSAGES starting with "de" -> German, else English.
Lang door_lang(std::optional<std::string> option);
// The text for a key in this language (the key itself when unknown).
std::string_view door_text(Lang lang, std::string_view key);

struct InputEvent {
    enum class Kind { scan, key };
    Kind kind = Kind::key;
    std::string text; // scan: the line without its Enter; key: one byte
};

class InputSplitter {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr auto kKeyGap = std::chrono::milliseconds(50);
    static constexpr auto kStaleLine = std::chrono::milliseconds(500);
    static constexpr std::size_t kMinScanLength = 8;

    // Bytes as read; events that are complete now.
    std::vector<InputEvent> feed(std::string_view bytes, Clock::time_point now);
    // Call when no input arrived: a lone character becomes a key after kKeyGap.
    std::vector<InputEvent> tick(Clock::time_point now);
    // Text mode (typing a search): every byte is a key at once, Enter included ('\r').
    void set_text_mode(bool on) { text_mode_ = on; }

  private:
    std::string line_;
    Clock::time_point last_byte_{};
    bool text_mode_ = false;
};

// What the door shows, apart from the engine's status.
struct DoorView {
    enum class Mode { verdict, search_typing, search_results };
    Lang lang = Lang::en;
    Mode mode = Mode::verdict;
    std::string direction = "in";
    std::optional<Verdict> verdict; // none: "ready"
    std::string query;
    std::vector<nlohmann::json> results;
    bool results_offline = false;
    std::string notice; // already in words
};

// The whole screen for this view and status.
term::Frame render_door(const DoorView& view, const DoorStatus& status, term::Size size);
// The banner's style for a verdict (green ok in, blue ok out, amber already_in/not_in, red
// refusals, grey malformed).
term::Style verdict_style(const Verdict& verdict);
// Terminal bells for a verdict: 1 for ok, 2 for a refusal (red or grey), 0 otherwise.
int verdict_bells(const Verdict& verdict);

} // namespace stagedoor::kiosk
