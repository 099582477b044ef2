#include "terminal.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <stdexcept>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <utility>

namespace stagedoor::kiosk::term {

// ---- colours and size -------------------------------------------------------------------------

namespace {

void append_colour(std::string& out, int colour, bool background) {
    if (colour < 0) return;
    if (colour < 8) {
        out += ';' + std::to_string((background ? 40 : 30) + colour);
    } else if (colour < 16) {
        out += ';' + std::to_string((background ? 100 : 90) + colour - 8);
    } else {
        out += (background ? ";48;5;" : ";38;5;") + std::to_string(std::min(colour, 255));
    }
}

int env_int(const char* name) {
    const char* value = std::getenv(name);
    if (!value) return 0;
    int parsed = std::atoi(value);
    return parsed > 0 ? parsed : 0;
}

} // namespace

std::string sgr(const Style& style) {
    std::string out = "\x1b[0";
    if (style.bold) out += ";1";
    append_colour(out, style.fg, false);
    append_colour(out, style.bg, true);
    out += 'm';
    return out;
}

Size terminal_size(int fd) {
    winsize window{};
    if (::ioctl(fd, TIOCGWINSZ, &window) == 0 && window.ws_row > 0 && window.ws_col > 0)
        return {window.ws_row, window.ws_col};
    Size size;
    if (int rows = env_int("LINES")) size.rows = rows;
    if (int cols = env_int("COLUMNS")) size.cols = cols;
    return size;
}

// ---- raw mode ---------------------------------------------------------------------------------

namespace {

constexpr std::string_view kEnterScreen = "\x1b[?1049h\x1b[?25l\x1b[0m\x1b[2J";
constexpr std::string_view kLeaveScreen = "\x1b[0m\x1b[?25h\x1b[?1049l";

// Shared with the signal handlers, so plain data and async-signal-safe calls only.
struct RawState {
    termios saved{};
    int in_fd = -1;
    int out_fd = -1;
    bool has_termios = false;
    bool has_screen = false;
};
RawState raw_state;
std::atomic<bool> raw_active{false};
volatile std::sig_atomic_t stop_signal = 0;
volatile std::sig_atomic_t resized_flag = 0;
struct sigaction previous_int {
}, previous_term{}, previous_winch{};

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
}

// Async-signal-safe: tcsetattr and write only.
void restore_terminal() {
    if (!raw_active.exchange(false)) return;
    if (raw_state.has_termios) ::tcsetattr(raw_state.in_fd, TCSAFLUSH, &raw_state.saved);
    if (raw_state.has_screen) write_all(raw_state.out_fd, kLeaveScreen);
}

void on_stop_signal(int signal_number) {
    if (stop_signal) { // a second Ctrl-C while the program winds down: leave now
        std::signal(signal_number, SIG_DFL);
        std::raise(signal_number);
        return;
    }
    stop_signal = signal_number;
    restore_terminal();
}

void on_resize(int) {
    resized_flag = 1;
}

void install(int signal_number, void (*handler)(int), struct sigaction* previous) {
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal_number, &action, previous);
}

} // namespace

RawMode::RawMode(int in_fd, int out_fd) {
    if (raw_active.load()) throw std::logic_error("terminal: a RawMode guard is already active");
    raw_state = RawState{};
    raw_state.in_fd = in_fd;
    raw_state.out_fd = out_fd;
    stop_signal = 0;
    resized_flag = 0;
    if (::isatty(in_fd) && ::tcgetattr(in_fd, &raw_state.saved) == 0) {
        termios raw = raw_state.saved;
        raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
        raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        raw_state.has_termios = ::tcsetattr(in_fd, TCSAFLUSH, &raw) == 0;
    }
    raw_state.has_screen = ::isatty(out_fd) != 0;
    static bool at_exit_registered = false;
    if (!at_exit_registered) {
        std::atexit(restore_terminal);
        at_exit_registered = true;
    }
    install(SIGINT, on_stop_signal, &previous_int);
    install(SIGTERM, on_stop_signal, &previous_term);
    install(SIGWINCH, on_resize, &previous_winch);
    raw_active.store(true);
    if (raw_state.has_screen) write_all(out_fd, kEnterScreen);
}

RawMode::~RawMode() {
    restore_terminal();
    ::sigaction(SIGINT, &previous_int, nullptr);
    ::sigaction(SIGTERM, &previous_term, nullptr);
    ::sigaction(SIGWINCH, &previous_winch, nullptr);
}

bool RawMode::stop_requested() {
    return stop_signal != 0;
}

bool RawMode::take_resized() {
    if (!resized_flag) return false;
    resized_flag = 0;
    return true;
}

std::string read_available(int fd, int timeout_ms, bool& eof) {
    eof = false;
    pollfd wanted{fd, POLLIN, 0};
    if (::poll(&wanted, 1, timeout_ms) <= 0) return {};
    std::array<char, 4096> buffer{};
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got == 0) eof = true;
    if (got <= 0) return {};
    return std::string(buffer.data(), static_cast<std::size_t>(got));
}

// ---- UTF-8 ------------------------------------------------------------------------------------

namespace {

// The next code point's bytes at text[pos] (pos advances); "?" for a control character or
// an invalid sequence.
std::string next_glyph(std::string_view text, std::size_t& pos) {
    auto lead = static_cast<unsigned char>(text[pos]);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    bool valid = length > 0 && pos + length <= text.size();
    for (std::size_t i = 1; valid && i < length; ++i)
        valid = (static_cast<unsigned char>(text[pos + i]) & 0xC0) == 0x80;
    if (!valid) {
        ++pos;
        return "?";
    }
    std::string glyph(text.substr(pos, length));
    pos += length;
    if (length == 1 && (lead < 0x20 || lead == 0x7F)) return "?";
    // C1 controls (U+0080-U+009F) are escape sequences on some terminals.
    if (length == 2 && lead == 0xC2 && static_cast<unsigned char>(glyph[1]) < 0xA0) return "?";
    return glyph;
}

} // namespace

int text_width(std::string_view text) {
    int width = 0;
    for (std::size_t pos = 0; pos < text.size(); ++width)
        next_glyph(text, pos);
    return width;
}

std::vector<std::string> wrap_text(std::string_view text, int width) {
    std::vector<std::string> lines;
    if (width <= 0) return lines;
    std::string line, word;
    int line_width = 0, word_width = 0;
    auto flush_word = [&] {
        if (word.empty()) return;
        if (line_width > 0 && line_width + 1 + word_width > width) {
            lines.push_back(line);
            line.clear();
            line_width = 0;
        }
        if (line_width > 0) {
            line += ' ';
            ++line_width;
        }
        line += word;
        line_width += word_width;
        word.clear();
        word_width = 0;
    };
    for (std::size_t pos = 0; pos < text.size();) {
        if (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\t') {
            flush_word();
            ++pos;
            continue;
        }
        if (word_width == width) flush_word(); // a word longer than the line is cut
        word += next_glyph(text, pos);
        ++word_width;
    }
    flush_word();
    if (!line.empty()) lines.push_back(line);
    return lines;
}

// ---- frames -----------------------------------------------------------------------------------

Frame::Frame(Size size)
    : size_{std::max(size.rows, 0), std::max(size.cols, 0)}
    , cells_(static_cast<std::size_t>(size_.rows) * static_cast<std::size_t>(size_.cols)) {}

const Frame::Cell& Frame::cell(int row, int col) const {
    return cells_[static_cast<std::size_t>(row) * static_cast<std::size_t>(size_.cols) +
                  static_cast<std::size_t>(col)];
}

Frame::Cell& Frame::cell(int row, int col) {
    return const_cast<Cell&>(std::as_const(*this).cell(row, col));
}

int Frame::put(int row, int col, std::string_view text, const Style& style) {
    for (std::size_t pos = 0; pos < text.size(); ++col) {
        std::string glyph = next_glyph(text, pos);
        if (row < 0 || row >= size_.rows || col >= size_.cols) break;
        if (col < 0) continue;
        Cell& target = cell(row, col);
        target.glyph = std::move(glyph);
        target.style = style;
    }
    return col;
}

void Frame::put_centred(int row, std::string_view text, const Style& style) {
    put(row, std::max(0, (size_.cols - text_width(text)) / 2), text, style);
}

void Frame::fill_row(int row, const Style& style) {
    if (row < 0 || row >= size_.rows) return;
    put(row, 0, std::string(static_cast<std::size_t>(size_.cols), ' '), style);
}

void Frame::fill(const Style& style) {
    for (int row = 0; row < size_.rows; ++row)
        fill_row(row, style);
}

std::string Frame::row_text(int row) const {
    std::string text;
    for (int col = 0; col < size_.cols; ++col)
        text += glyph(row, col);
    return text;
}

std::string render_diff(const Frame* before, const Frame& after) {
    std::string out;
    bool whole = !before || before->size() != after.size();
    if (whole) out += "\x1b[0m\x1b[2J";
    const Style* current = nullptr;
    int cursor_row = -1, cursor_col = -1;
    for (int row = 0; row < after.size().rows; ++row) {
        for (int col = 0; col < after.size().cols; ++col) {
            const Style& style = after.style(row, col);
            const std::string& glyph = after.glyph(row, col);
            if (!whole && before->glyph(row, col) == glyph && before->style(row, col) == style)
                continue;
            if (row != cursor_row || col != cursor_col)
                out += "\x1b[" + std::to_string(row + 1) + ';' + std::to_string(col + 1) + 'H';
            if (!current || !(*current == style)) out += sgr(style);
            current = &style;
            out += glyph;
            cursor_row = row;
            cursor_col = col + 1;
        }
    }
    if (current) out += "\x1b[0m";
    return out;
}

std::size_t Screen::show(const Frame& frame) {
    std::string bytes = render_diff(shown_.empty() ? nullptr : &shown_.front(), frame);
    write_all(fd_, bytes);
    shown_.assign(1, frame);
    return bytes.size();
}

// ---- big digits -------------------------------------------------------------------------------

namespace {

struct BigGlyph {
    char character;
    int width;
    std::array<std::string_view, 5> rows; // '#' is a set pixel
};

constexpr std::array<BigGlyph, 14> kFont{{
    {'0', 3, {"###", "# #", "# #", "# #", "###"}},
    {'1', 3, {"## ", " # ", " # ", " # ", "###"}},
    {'2', 3, {"###", "  #", "###", "#  ", "###"}},
    {'3', 3, {"###", "  #", "###", "  #", "###"}},
    {'4', 3, {"# #", "# #", "###", "  #", "  #"}},
    {'5', 3, {"###", "#  ", "###", "  #", "###"}},
    {'6', 3, {"###", "#  ", "###", "# #", "###"}},
    {'7', 3, {"###", "  #", "  #", "  #", "  #"}},
    {'8', 3, {"###", "# #", "###", "# #", "###"}},
    {'9', 3, {"###", "# #", "###", "  #", "###"}},
    {':', 1, {" ", "#", " ", "#", " "}},
    {'+', 3, {"   ", " # ", "###", " # ", "   "}},
    {'-', 3, {"   ", "   ", "###", "   ", "   "}},
    {' ', 3, {"   ", "   ", "   ", "   ", "   "}},
}};
constexpr int kFontHeight = 5;
constexpr std::string_view kBlock = "\u2588"; // █

const BigGlyph* find_glyph(char character) {
    for (const auto& glyph : kFont)
        if (glyph.character == character) return &glyph;
    return nullptr;
}

std::vector<const BigGlyph*> glyphs_of(std::string_view text) {
    std::vector<const BigGlyph*> glyphs;
    for (char character : text)
        if (const BigGlyph* glyph = find_glyph(character)) glyphs.push_back(glyph);
    return glyphs;
}

int pixel_width(const std::vector<const BigGlyph*>& glyphs) {
    int width = 0;
    for (const BigGlyph* glyph : glyphs)
        width += glyph->width;
    return glyphs.empty() ? 0 : width + static_cast<int>(glyphs.size()) - 1;
}

// The lines as grids of code points, '█' set.
std::vector<std::vector<bool>> block_grid(const std::vector<std::string>& lines) {
    std::vector<std::vector<bool>> grid;
    for (const auto& line : lines) {
        std::vector<bool> cells;
        for (std::size_t pos = 0; pos < line.size();)
            cells.push_back(next_glyph(line, pos) == kBlock);
        grid.push_back(std::move(cells));
    }
    return grid;
}

// Greedy parse of a pixel grid (one glyph after the other, one blank column between them).
std::string parse_pixels(const std::vector<std::vector<bool>>& pixels) {
    std::string text;
    int width = static_cast<int>(pixels.front().size());
    for (int x = 0; x < width;) {
        const BigGlyph* match = nullptr;
        for (const auto& glyph : kFont) {
            if (glyph.character == ' ' || x + glyph.width > width) continue;
            bool same = true;
            for (int y = 0; same && y < kFontHeight; ++y)
                for (int dx = 0; same && dx < glyph.width; ++dx)
                    same = pixels[y][x + dx] == (glyph.rows[y][dx] == '#');
            if (same) {
                match = &glyph;
                break;
            }
        }
        if (!match) return "";
        text += match->character;
        x += match->width + 1;
    }
    return text;
}

} // namespace

std::vector<std::string> big_digits_scaled(std::string_view text, int scale_x, int scale_y) {
    auto glyphs = glyphs_of(text);
    std::vector<std::string> rows;
    if (glyphs.empty() || scale_x < 1 || scale_y < 1) return rows;
    for (int y = 0; y < kFontHeight; ++y) {
        std::string row;
        for (std::size_t i = 0; i < glyphs.size(); ++i) {
            if (i > 0) row.append(static_cast<std::size_t>(scale_x), ' ');
            for (char pixel : glyphs[i]->rows[y])
                for (int repeat = 0; repeat < scale_x; ++repeat)
                    row += pixel == '#' ? kBlock : " ";
        }
        for (int repeat = 0; repeat < scale_y; ++repeat)
            rows.push_back(row);
    }
    return rows;
}

std::vector<std::string> big_digits(std::string_view text, int max_rows, int max_cols) {
    int width = pixel_width(glyphs_of(text));
    if (width == 0) return {};
    for (int scale_y = max_rows / kFontHeight; scale_y >= 1; --scale_y) {
        int scale_x = std::min(2 * scale_y, max_cols / width);
        if (scale_x >= scale_y || (scale_y == 1 && scale_x == 1))
            return big_digits_scaled(text, scale_x, scale_y);
    }
    return {};
}

std::string read_big_digits(const std::vector<std::string>& lines) {
    auto grid = block_grid(lines);
    auto has_block = [](const std::vector<bool>& row) {
        return std::find(row.begin(), row.end(), true) != row.end();
    };
    auto first = std::find_if(grid.begin(), grid.end(), has_block);
    auto last = std::find_if_not(first, grid.end(), has_block);
    int height = static_cast<int>(last - first);
    if (height == 0 || height % kFontHeight != 0) return "";
    std::size_t left = SIZE_MAX, right = 0;
    for (auto row = first; row != last; ++row)
        for (std::size_t col = 0; col < row->size(); ++col)
            if ((*row)[col]) left = std::min(left, col), right = std::max(right, col);
    int scale_y = height / kFontHeight;
    int span = static_cast<int>(right - left + 1);
    for (int scale_x = 1; scale_x <= span; ++scale_x) {
        if (span % scale_x != 0) continue;
        std::vector<std::vector<bool>> pixels(kFontHeight);
        for (int y = 0; y < kFontHeight; ++y)
            for (int x = 0; x < span / scale_x; ++x) {
                const auto& row = *(first + y * scale_y);
                std::size_t col = left + static_cast<std::size_t>(x * scale_x);
                pixels[y].push_back(col < row.size() && row[col]);
            }
        std::string text = parse_pixels(pixels);
        if (text.empty()) continue;
        // The scale is right only if drawing the text again gives the same cells.
        auto redrawn = block_grid(big_digits_scaled(text, scale_x, scale_y));
        bool same = static_cast<int>(redrawn.size()) == height;
        for (int y = 0; same && y < height; ++y) {
            const auto& row = *(first + y);
            same = static_cast<int>(redrawn[y].size()) == span;
            for (int x = 0; same && x < span; ++x) {
                std::size_t col = left + static_cast<std::size_t>(x);
                same = redrawn[y][x] == (col < row.size() && row[col]);
            }
        }
        if (same) return text;
    }
    return "";
}

} // namespace stagedoor::kiosk::term
