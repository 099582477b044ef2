// Full-screen terminal output for the native kiosks (door and stage), plain ANSI/VT100 and no
// ncurses: a raw-mode guard that always restores the terminal, the terminal size and its
// changes, colours, a frame buffer that writes only the cells that changed, and big block
// digits for the stage countdown.
//
// Limits: one column per Unicode code point (wide CJK/emoji glyphs would shift a row; the
// kiosks show Latin names), and control characters in shown text become '?' so that text from
// the server can never move the cursor or change the terminal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::kiosk::term {

// Colours are xterm-256 indices; 0-15 are written as the classic ANSI codes (30-37, 90-97), so
// they work on 16-colour consoles too. kDefault leaves the terminal's own colour.
namespace colour {
inline constexpr int kDefault = -1;
inline constexpr int kBlack = 0, kRed = 1, kGreen = 2, kYellow = 3, kBlue = 4, kMagenta = 5,
                     kCyan = 6, kWhite = 7, kGrey = 8, kBrightRed = 9, kBrightGreen = 10,
                     kBrightYellow = 11, kBrightWhite = 15, kOrange = 208, kDarkGrey = 238;
} // namespace colour

struct Style {
    int fg = colour::kDefault;
    int bg = colour::kDefault;
    bool bold = false;
    bool operator==(const Style&) const = default;
};

// The SGR escape sequence that sets exactly this style (it resets first).
std::string sgr(const Style& style);

struct Size {
    int rows = 24;
    int cols = 80;
    bool operator==(const Size&) const = default;
};

// The size of the terminal on fd; LINES/COLUMNS from the environment, else 24x80, when fd is
// not a terminal.
Size terminal_size(int fd);

// Full-screen mode for as long as it lives: raw input (no echo, no line buffering; Ctrl-C
// still sends SIGINT), the alternate screen, a hidden cursor. The terminal is restored by the
// destructor, at exit(), and on SIGINT/SIGTERM (the handler restores it and records the
// signal; the program then leaves its loop on stop_requested()). SIGWINCH is recorded for
// take_resized(). At most one guard exists at a time. Input or output that is not a terminal
// is left alone, so the kiosks also run with redirected streams.
class RawMode {
  public:
    RawMode(int in_fd, int out_fd);
    ~RawMode();
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;

    // True once SIGINT or SIGTERM arrived (the terminal is already restored then).
    static bool stop_requested();
    // True if the terminal was resized since the last call.
    static bool take_resized();
};

// Waits up to timeout_ms for input on fd and returns what is available right now (empty on
// timeout, EINTR or end of input; eof is set on end of input).
std::string read_available(int fd, int timeout_ms, bool& eof);

// A screen's worth of cells, each one code point (UTF-8) and a style.
class Frame {
  public:
    explicit Frame(Size size);

    Size size() const { return size_; }
    // Writes text from (row, col) to the right, cut at the row's end; cells outside the frame
    // are ignored. Control characters and invalid UTF-8 become '?'. Returns the column after
    // the last cell written.
    int put(int row, int col, std::string_view text, const Style& style = {});
    // Writes text centred in the row.
    void put_centred(int row, std::string_view text, const Style& style = {});
    // Paints the whole row (or the whole frame) with spaces in this style.
    void fill_row(int row, const Style& style);
    void fill(const Style& style);

    const std::string& glyph(int row, int col) const { return cell(row, col).glyph; }
    const Style& style(int row, int col) const { return cell(row, col).style; }
    // A row's glyphs as UTF-8 text (trailing spaces kept).
    std::string row_text(int row) const;

  private:
    struct Cell {
        std::string glyph = " ";
        Style style;
    };
    const Cell& cell(int row, int col) const;
    Cell& cell(int row, int col);
    Size size_;
    std::vector<Cell> cells_;
};

// The bytes that turn a terminal showing `before` into one showing `after`: only changed cells
// are written (cursor moves, styles, glyphs), nothing at all when both are equal. With no
// `before`, or one of another size, the screen is cleared and drawn whole.
std::string render_diff(const Frame* before, const Frame& after);

// Writes frames to an output fd, remembering what is on screen so that each frame costs only
// its changes. invalidate() forces the next frame to be drawn whole (after a resize).
class Screen {
  public:
    explicit Screen(int out_fd)
        : fd_(out_fd) {}
    // Returns the number of bytes written (0 when nothing changed).
    std::size_t show(const Frame& frame);
    void invalidate() { shown_.clear(); }

  private:
    int fd_;
    std::vector<Frame> shown_; // zero or one frame
};

// Number of code points in UTF-8 text (its width on the kiosks' screens).
int text_width(std::string_view text);
// Greedy word wrap to lines of at most width code points (longer words are cut).
std::vector<std::string> wrap_text(std::string_view text, int width);

// Big block-glyph text for "0-9 : + -" (and space): each glyph is a 3x5 (':' 1x5) pixel font,
// one blank pixel between glyphs, every pixel `scale_x` cells wide and `scale_y` rows high.
// big_digits picks the largest scale that fits max_rows x max_cols (pixels about twice as wide
// as high, as terminal cells are tall); rows are '█' and ' ', all the same width. Other
// characters are left out. Returns no rows if even scale 1x1 does not fit.
std::vector<std::string> big_digits(std::string_view text, int max_rows, int max_cols);
std::vector<std::string> big_digits_scaled(std::string_view text, int scale_x, int scale_y);
// Reads big_digits back from screen lines (e.g. `tmux capture-pane`): the text of the first
// block of rows holding '█' cells, or "" when none or the glyphs are not recognised.
std::string read_big_digits(const std::vector<std::string>& lines);

} // namespace stagedoor::kiosk::term
