#include "badges/badges.hpp"

#include "domain/csv.hpp"
#include "stagedoor/protocol/text.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <numbers>
#include <png.h>
#include <qrencode.h>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace stagedoor::badges {

namespace {

// QR byte mode at level M holds at most 2331 bytes (version 40).
constexpr std::size_t kMaxQrBytes = 2331;

// A6 portrait card, in millimetres (the SVG user unit of a badge).
constexpr double kCardWidth = 105;
constexpr double kCardHeight = 148;
constexpr double kQrSize = 54; // about 1 mm per module for a version 7 token with quiet zone

std::string format_number(double value) {
    // Two decimals are plenty for millimetres; drop trailing zeros for compact SVG.
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(2);
    out << value;
    std::string text = out.str();
    while (!text.empty() && text.back() == '0')
        text.pop_back();
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text == "-0" ? "0" : text;
}

// Escapes text for HTML and XML content and attribute values. C0 control characters are not
// allowed in XML 1.0, so they become spaces instead of breaking the whole document.
std::string escape_markup(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                out += ' ';
            } else {
                out += c;
            }
        }
    }
    return out;
}

// Characters as a reader counts them (UTF-8 continuation bytes do not start a character).
std::size_t display_length(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    }));
}

// Splits a long name into two lines at the space closest to the middle.
std::vector<std::string> name_lines(std::string_view name, std::size_t single_line_chars) {
    name = protocol::trim(name);
    if (display_length(name) <= single_line_chars) return {std::string(name)};
    std::size_t middle = name.size() / 2;
    std::size_t best = std::string_view::npos;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] != ' ') continue;
        auto distance = [middle](std::size_t at) {
            return at > middle ? at - middle : middle - at;
        };
        if (best == std::string_view::npos || distance(i) < distance(best)) best = i;
    }
    if (best == std::string_view::npos) return {std::string(name)};
    return {std::string(protocol::trim(name.substr(0, best))),
            std::string(protocol::trim(name.substr(best + 1)))};
}

// Bold sans-serif glyphs average about 0.6 em; the size is chosen so the longest line fits.
double fitting_font_size(std::size_t chars, double width, double largest, double smallest) {
    if (chars == 0) return largest;
    double size = width / (0.6 * static_cast<double>(chars));
    return std::clamp(size, smallest, largest);
}

// One <text> line; when even the smallest size is too wide, the renderer squeezes it into
// the width (textLength) rather than letting it run off the card.
std::string text_line(const std::string& text, double y, double font_size, double max_width,
                      const char* weight, const char* fill) {
    double estimated = 0.6 * font_size * static_cast<double>(display_length(text));
    std::string squeeze;
    if (estimated > max_width) {
        squeeze =
            " textLength=\"" + format_number(max_width) + "\" lengthAdjust=\"spacingAndGlyphs\"";
    }
    return "<text x=\"" + format_number(kCardWidth / 2) + "\" y=\"" + format_number(y) +
           "\" font-size=\"" + format_number(font_size) + "\" font-weight=\"" + weight +
           "\" fill=\"" + fill + "\" text-anchor=\"middle\"" + squeeze + ">" + escape_markup(text) +
           "</text>";
}

struct CategoryStyle {
    std::string label;
    const char* colour;
};

// Band labels in capitals, as the views name the categories (kiosk/web/js/i18n.js).
CategoryStyle category_style(std::string_view category, Language language) {
    const bool de = language == Language::de;
    if (category == "speaker") return {"SPEAKER", "#b0124f"};
    if (category == "staff") return {de ? "TEAM" : "STAFF", "#212121"};
    if (category == "press") return {de ? "PRESSE" : "PRESS", "#0d47a1"};
    if (category == "guest") return {de ? "GAST" : "GUEST", "#1b5e20"};
    if (category == "new_member") return {de ? "NEUMITGLIED" : "NEW MEMBER", "#e65100"};
    if (category == "member" || category.empty()) return {de ? "MITGLIED" : "MEMBER", "#37474f"};
    std::string label;
    for (char c : category) {
        label += c == '_' ? ' ' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    return {label, "#455a64"};
}

bool is_title_word(std::string_view word) {
    static constexpr std::string_view kKnown[] = {"Prof", "Prof.", "Dr", "Dr.", "PD"};
    if (std::find(std::begin(kKnown), std::end(kKnown), word) != std::end(kKnown)) return true;
    if (word.size() < 3 || word.back() != '.') return false;
    auto letters = std::count_if(word.begin(), word.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
    return letters >= 2;
}

// The dark modules as one path in module units: horizontal runs, one subpath each.
std::string qr_path_data(const QrMatrix& qr, int quiet_zone) {
    std::string d;
    for (int y = 0; y < qr.size; ++y) {
        int x = 0;
        while (x < qr.size) {
            if (!qr.at(x, y)) {
                ++x;
                continue;
            }
            int start = x;
            while (x < qr.size && qr.at(x, y))
                ++x;
            d += "M" + std::to_string(start + quiet_zone) + " " + std::to_string(y + quiet_zone) +
                 "h" + std::to_string(x - start) + "v1h-" + std::to_string(x - start) + "z";
        }
    }
    return d;
}

// An <svg> element drawing the code with its quiet zone at the given place and size.
std::string qr_svg_element(const QrMatrix& qr, int quiet_zone, const std::string& placement) {
    std::string total = std::to_string(qr.size + 2 * quiet_zone);
    return "<svg " + placement + " viewBox=\"0 0 " + total + " " + total +
           "\" shape-rendering=\"crispEdges\"><rect width=\"" + total + "\" height=\"" + total +
           "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + qr_path_data(qr, quiet_zone) +
           "\"/></svg>";
}

QrMatrix badge_qr(const BadgeCard& card) {
    auto qr = encode_qr(card.token, 10);
    if (!qr) {
        throw std::invalid_argument("badge for attendee " + std::to_string(card.attendee_id) +
                                    " has no token that fits a QR code");
    }
    return *qr;
}

constexpr const char* kFontFamily = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";
constexpr double kTextWidth = 93;
constexpr double kBandTop = 126;
constexpr const char* kVipGold = "#c9a227";

// Event name, titles, name (one or two lines) and organisation above the QR.
std::string badge_text(const BadgeCard& card, std::string_view event_name) {
    std::string out = "<g font-family=\"" + std::string(kFontFamily) + "\">";
    if (!protocol::trim(event_name).empty()) {
        std::string event(protocol::trim(event_name));
        double size = fitting_font_size(display_length(event), kTextWidth, 4.5, 3);
        out += text_line(event, 11, size, kTextWidth, "normal", "#616161");
    }
    // Titles go on a smaller line of their own, so "Prof. Dr." never shrinks the name.
    TitledName titled = split_titles(card.name);
    bool has_titles = !titled.titles.empty();
    if (has_titles) {
        double size = fitting_font_size(display_length(titled.titles), kTextWidth, 5.5, 3.5);
        out += text_line(titled.titles, 21, size, kTextWidth, "normal", "#424242");
    }
    // Name: one line when it fits at a good size, else two lines.
    auto lines = name_lines(titled.name, 14);
    std::size_t longest = 0;
    for (const auto& line : lines)
        longest = std::max(longest, display_length(line));
    double name_size = fitting_font_size(longest, kTextWidth, lines.size() == 1 ? 11 : 9.5, 6);
    double y = lines.size() == 1 ? (has_titles ? 35 : 34) : (has_titles ? 31 : 29);
    for (const auto& line : lines) {
        out += text_line(line, y, name_size, kTextWidth, "bold", "#000");
        y += name_size * 1.15;
    }
    std::string organisation(protocol::trim(card.organisation));
    if (!organisation.empty()) {
        double size = fitting_font_size(display_length(organisation), kTextWidth, 6, 3.5);
        out += text_line(organisation, y + 2.5, size, kTextWidth, "normal", "#212121");
    }
    return out + "</g>";
}

// A five-pointed star as a polygon (glyphs such as U+2605 are missing from some fonts).
std::string star(double centre_x, double centre_y, double radius) {
    std::string points;
    for (int i = 0; i < 10; ++i) {
        double r = i % 2 == 0 ? radius : radius * 0.4;
        double angle = -std::numbers::pi / 2 + i * std::numbers::pi / 5;
        points += (i ? " " : "") + format_number(centre_x + r * std::cos(angle)) + "," +
                  format_number(centre_y + r * std::sin(angle));
    }
    return "<polygon points=\"" + points + "\" fill=\"" + kVipGold + "\"/>";
}

// The coloured category band at the bottom; a VIP gets a gold stripe above it and a star at
// either end.
std::string category_band(const BadgeCard& card, Language language) {
    CategoryStyle style = category_style(card.category, language);
    const double band_height = kCardHeight - kBandTop;
    std::string out = "<rect y=\"" + format_number(kBandTop) + "\" width=\"" +
                      format_number(kCardWidth) + "\" height=\"" + format_number(band_height) +
                      "\" fill=\"" + style.colour + "\"/>";
    double label_width = kTextWidth;
    if (card.vip) {
        const double centre_y = kBandTop + band_height / 2;
        out += "<g class=\"vip\"><rect y=\"" + format_number(kBandTop - 2.5) + "\" width=\"" +
               format_number(kCardWidth) + "\" height=\"2.5\" fill=\"" + kVipGold + "\"/>" +
               star(11, centre_y, 5.5) + star(kCardWidth - 11, centre_y, 5.5) + "</g>";
        label_width -= 2 * 14; // keep the label clear of the stars
    }
    double label_size = fitting_font_size(display_length(style.label), label_width, 8, 4);
    out += "<g font-family=\"" + std::string(kFontFamily) + "\" letter-spacing=\"0.6\">" +
           text_line(style.label, kBandTop + band_height / 2 + label_size * 0.36, label_size,
                     label_width, "bold", "#fff") +
           "</g>";
    return out;
}

std::string badge_svg_body(const BadgeCard& card, std::string_view event_name, Language language) {
    QrMatrix qr = badge_qr(card);
    std::string out = "<rect width=\"" + format_number(kCardWidth) + "\" height=\"" +
                      format_number(kCardHeight) + "\" fill=\"#fff\"/>";
    out += badge_text(card, event_name);
    double qr_x = (kCardWidth - kQrSize) / 2;
    double qr_y = 64;
    out += qr_svg_element(qr, 4,
                          "x=\"" + format_number(qr_x) + "\" y=\"" + format_number(qr_y) +
                              "\" width=\"" + format_number(kQrSize) + "\" height=\"" +
                              format_number(kQrSize) + "\"");
    return out + category_band(card, language);
}

std::string badge_svg_element(const BadgeCard& card, std::string_view event_name, Language language,
                              const std::string& size_attributes) {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" " + size_attributes + " viewBox=\"0 0 " +
           format_number(kCardWidth) + " " + format_number(kCardHeight) + "\" role=\"img\" " +
           "aria-label=\"" + escape_markup("Badge: " + card.name + (card.vip ? " (VIP)" : "")) +
           "\">" + badge_svg_body(card, event_name, language) + "</svg>";
}

// A standalone SVG file of one badge, with the event name printed small at the top.
std::string badge_svg_document(const BadgeCard& card, std::string_view event_name,
                               Language language) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
           badge_svg_element(card, event_name, language, "width=\"105mm\" height=\"148mm\"") + "\n";
}

// Quotes a leading or trailing space too, so a mail merge keeps names exactly as printed.
std::string csv_field(std::string_view value) {
    return domain::csv_field(value, {.quote_edge_spaces = true});
}

// Writes via a temporary file and rename, so a reader never sees half a file. Badges carry
// tokens and the CSV carries e-mail addresses: the file is the owner's only (0600) from the
// moment it exists.
void write_file(const std::filesystem::path& path, std::string_view data) {
    std::filesystem::path temporary = path;
    temporary += ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        throw std::runtime_error("cannot write " + temporary.string() + ": " +
                                 std::strerror(errno));
    // O_CREAT's mode applies only to a new file; one left over from a crash is narrowed too.
    bool ok = ::fchmod(fd, 0600) == 0;
    for (std::size_t done = 0; ok && done < data.size();) {
        ssize_t written = ::write(fd, data.data() + done, data.size() - done);
        if (written < 0 && errno == EINTR) continue;
        ok = written > 0;
        if (ok) done += static_cast<std::size_t>(written);
    }
    int saved = errno;
    ::close(fd);
    if (!ok)
        throw std::runtime_error("cannot write " + temporary.string() + ": " +
                                 std::strerror(saved));
    std::filesystem::rename(temporary, path);
}

void write_file(const std::filesystem::path& path, const std::vector<std::uint8_t>& data) {
    write_file(path, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

std::string badge_file_stem(const BadgeCard& card) {
    return "badge-" + std::to_string(card.attendee_id);
}

// The sheet: A4 with four badges in a 2 x 2 block, scaled from A6 so that the block, and the
// crop marks in the margin around it, stay clear of the 6 mm most printers cannot print.
constexpr std::size_t kBadgesPerSheet = 4;
constexpr double kPageWidth = 210;
constexpr double kPageHeight = 297;
constexpr double kSheetCardWidth = 92;
constexpr double kSheetCardHeight = kSheetCardWidth * kCardHeight / kCardWidth; // 129.68
constexpr double kMarginX = (kPageWidth - 2 * kSheetCardWidth) / 2;             // 13
constexpr double kMarginY = (kPageHeight - 2 * kSheetCardHeight) / 2;           // 18.82
constexpr double kUnprintable = 6; // nothing is drawn closer than this to the paper edge
constexpr double kMarkGap = 2;     // between a crop mark and the badge block

struct SheetText {
    const char* lang;
    const char* badge; // after the count
    const char* badges;
    const char* page;
    const char* pages;
    const char* print;
    const char* hint;
    const char* empty;
};

const SheetText& sheet_text(Language language) {
    static const SheetText en{
        "en",
        " badge on ",
        " badges on ",
        " A4 page",
        " A4 pages",
        "Print",
        "Print at 100 % (actual size); margins may stay on. Cut along the crop marks.",
        "No badges to print."};
    static const SheetText de{
        "de",
        " Badge auf ",
        " Badges auf ",
        " A4-Seite",
        " A4-Seiten",
        "Drucken",
        "Mit 100 % (Originalgröße) drucken; Ränder dürfen bleiben. An den Schnittmarken "
        "schneiden.",
        "Keine Badges zum Drucken."};
    return language == Language::de ? de : en;
}

// Short lines in the page margin that continue every cut line (the block's edges and the cut
// between the badges), as one SVG over the whole page, in millimetres.
std::string crop_marks_svg() {
    std::string d;
    auto line = [&d](double x1, double y1, double x2, double y2) {
        d += "M" + format_number(x1) + " " + format_number(y1) + "L" + format_number(x2) + " " +
             format_number(y2);
    };
    for (int i = 0; i <= 2; ++i) {
        double x = kMarginX + i * kSheetCardWidth;
        line(x, kUnprintable, x, kMarginY - kMarkGap);
        line(x, kPageHeight - kMarginY + kMarkGap, x, kPageHeight - kUnprintable);
        double y = kMarginY + i * kSheetCardHeight;
        line(kUnprintable, y, kMarginX - kMarkGap, y);
        line(kPageWidth - kMarginX + kMarkGap, y, kPageWidth - kUnprintable, y);
    }
    return "<svg class=\"crop-marks\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
           format_number(kPageWidth) + " " + format_number(kPageHeight) +
           "\" aria-hidden=\"true\"><path d=\"" + d +
           "\" stroke=\"#000\" stroke-width=\"0.2\" fill=\"none\"/></svg>\n";
}

std::string sheet_style() {
    std::string card_width = format_number(kSheetCardWidth) + "mm";
    std::string card_height = format_number(kSheetCardHeight) + "mm";
    return R"(<style>
@page { size: A4 portrait; margin: 0; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { background: #9e9e9e; font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.toolbar { position: sticky; top: 0; z-index: 1; display: flex; gap: 1em; align-items: center;
           padding: 0.6em 1em; background: #212121; color: #fff; }
.toolbar button { font: inherit; padding: 0.3em 1em; cursor: pointer; }
.toolbar .hint { color: #bdbdbd; font-size: 0.9em; }
.sheet { position: relative; width: 210mm; height: 297mm; margin: 8mm auto; background: #fff;
         padding: )" +
           format_number(kMarginY) + "mm " + format_number(kMarginX) + R"(mm;
         display: grid; grid-template-columns: )" +
           card_width + " " + card_width + "; grid-template-rows: " + card_height + " " +
           card_height + R"(;
         overflow: hidden; box-shadow: 0 2px 8px rgba(0, 0, 0, 0.4);
         break-after: page; page-break-after: always; }
.sheet:last-of-type { break-after: auto; page-break-after: auto; }
.crop-marks { position: absolute; left: 0; top: 0; width: 210mm; height: 297mm;
              pointer-events: none; }
.badge { break-inside: avoid; }
.badge svg { display: block; width: )" +
           card_width + "; height: " + card_height + R"(; }
.empty { padding: 2em; text-align: center; color: #fff; }
@media print {
  body { background: none; }
  .toolbar, .empty { display: none; }
  .sheet { margin: 0; box-shadow: none; }
}
</style>
)";
}

} // namespace

std::optional<QrMatrix> encode_qr(std::string_view text, int max_version) {
    if (text.empty() || text.size() > kMaxQrBytes || max_version < 1 || max_version > 40)
        return std::nullopt;
    // Byte mode for all of the text (NUL included), smallest version that fits, level M.
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeData(static_cast<int>(text.size()),
                          reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M),
        &QRcode_free);
    if (!code || code->version > max_version) return std::nullopt;
    QrMatrix matrix;
    matrix.size = code->width;
    matrix.version = code->version;
    std::size_t cells =
        static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
    matrix.dark.resize(cells);
    for (std::size_t i = 0; i < cells; ++i)
        matrix.dark[i] = code->data[i] & 1;
    return matrix;
}

std::string qr_svg(const QrMatrix& qr, int module_px, int quiet_zone) {
    module_px = std::max(module_px, 1);
    quiet_zone = std::max(quiet_zone, 0);
    std::string pixels = std::to_string((qr.size + 2 * quiet_zone) * module_px);
    std::string svg = qr_svg_element(qr, quiet_zone,
                                     "xmlns=\"http://www.w3.org/2000/svg\" width=\"" + pixels +
                                         "\" height=\"" + pixels + "\"");
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg + "\n";
}

std::vector<std::uint8_t> qr_png(const QrMatrix& qr, int module_px, int quiet_zone) {
    module_px = std::max(module_px, 1);
    quiet_zone = std::max(quiet_zone, 0);
    const int side = (qr.size + 2 * quiet_zone) * module_px;
    std::vector<std::uint8_t> pixels(
        static_cast<std::size_t>(side) * static_cast<std::size_t>(side), 0xff);
    for (int y = 0; y < qr.size; ++y) {
        for (int x = 0; x < qr.size; ++x) {
            if (!qr.at(x, y)) continue;
            for (int dy = 0; dy < module_px; ++dy) {
                std::size_t row = static_cast<std::size_t>((y + quiet_zone) * module_px + dy);
                std::size_t column = static_cast<std::size_t>((x + quiet_zone) * module_px);
                std::fill_n(pixels.begin() + static_cast<std::ptrdiff_t>(row * side + column),
                            module_px, 0x00);
            }
        }
    }

    // libpng's simplified API: errors come back as return values, no longjmp into C++.
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(side);
    image.height = static_cast<png_uint_32>(side);
    image.format = PNG_FORMAT_GRAY;
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data(), side, nullptr)) {
        std::string message = image.message;
        png_image_free(&image);
        throw std::runtime_error("PNG encoding failed: " + message);
    }
    std::vector<std::uint8_t> png(size);
    if (!png_image_write_to_memory(&image, png.data(), &size, 0, pixels.data(), side, nullptr)) {
        std::string message = image.message;
        png_image_free(&image);
        throw std::runtime_error("PNG encoding failed: " + message);
    }
    png.resize(size);
    return png;
}

std::string qr_terminal(const QrMatrix& qr, int quiet_zone) {
    quiet_zone = std::max(quiet_zone, 0);
    const int total = qr.size + 2 * quiet_zone;
    // Terminals draw glyphs light on dark, so light modules are the drawn ones; the terminal
    // background then supplies the dark modules and phone cameras see a normal code.
    auto light = [&](int x, int y) {
        if (y >= total) return false; // below the code: terminal background
        int qx = x - quiet_zone;
        int qy = y - quiet_zone;
        if (qx < 0 || qy < 0 || qx >= qr.size || qy >= qr.size) return true;
        return !qr.at(qx, qy);
    };
    std::string out;
    for (int y = 0; y < total; y += 2) {
        for (int x = 0; x < total; ++x) {
            bool top = light(x, y);
            bool bottom = light(x, y + 1);
            if (top && bottom) {
                out += "\u2588"; // █
            } else if (top) {
                out += "\u2580"; // ▀
            } else if (bottom) {
                out += "\u2584"; // ▄
            } else {
                out += ' ';
            }
        }
        out += '\n';
    }
    return out;
}

std::optional<Language> parse_language(std::string_view text) {
    if (text == "en") return Language::en;
    if (text == "de") return Language::de;
    return std::nullopt;
}

TitledName split_titles(std::string_view name) {
    std::vector<std::string_view> words;
    for (std::string_view rest = protocol::trim(name); !rest.empty();) {
        std::size_t space = rest.find(' ');
        words.push_back(rest.substr(0, space));
        rest = space == std::string_view::npos ? std::string_view{}
                                               : protocol::trim(rest.substr(space + 1));
    }
    std::size_t titles = 0;
    while (titles + 1 < words.size() && is_title_word(words[titles]))
        ++titles;
    TitledName result;
    for (std::size_t i = 0; i < words.size(); ++i) {
        std::string& part = i < titles ? result.titles : result.name;
        if (!part.empty()) part += ' ';
        part += words[i];
    }
    return result;
}

std::string badge_svg(const BadgeCard& card, Language language) {
    return badge_svg_document(card, {}, language);
}

std::string badge_sheet_html(std::string_view event_name, const std::vector<BadgeCard>& cards,
                             Language language) {
    const std::size_t pages = (cards.size() + kBadgesPerSheet - 1) / kBadgesPerSheet;
    const SheetText& text = sheet_text(language);
    std::string title = escape_markup(event_name.empty() ? "Badges" : event_name);
    std::string html = "<!DOCTYPE html>\n<html lang=\"" + std::string(text.lang) +
                       "\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<title>Badges \u2013 " + title + "</title>\n" + sheet_style() + "</head>\n<body>\n";
    html += "<div class=\"toolbar\"><strong>" + title + "</strong><span>" +
            std::to_string(cards.size()) + (cards.size() == 1 ? text.badge : text.badges) +
            std::to_string(pages) + (pages == 1 ? text.page : text.pages) +
            "</span><button type=\"button\" onclick=\"window.print()\">" + text.print +
            "</button><span class=\"hint\">" + text.hint + "</span></div>\n";
    if (cards.empty()) html += "<p class=\"empty\">" + std::string(text.empty) + "</p>\n";
    const std::string marks = crop_marks_svg();
    for (std::size_t page = 0; page < pages; ++page) {
        html += "<section class=\"sheet\">\n" + marks;
        std::size_t end = std::min(cards.size(), (page + 1) * kBadgesPerSheet);
        for (std::size_t i = page * kBadgesPerSheet; i < end; ++i) {
            html += "<div class=\"badge\">" +
                    badge_svg_element(cards[i], event_name, language,
                                      "width=\"105mm\" height=\"148mm\"") +
                    "</div>\n";
        }
        html += "</section>\n";
    }
    html += "</body>\n</html>\n";
    return html;
}

std::string badges_csv(const std::vector<BadgeCard>& cards) {
    std::string csv = "name,email,file,token\r\n";
    for (const BadgeCard& card : cards)
        csv += csv_field(card.name) + "," + csv_field(card.email) + "," +
               csv_field(badge_file_stem(card) + ".png") + "," + csv_field(card.token) + "\r\n";
    return csv;
}

std::size_t write_badge_set(const std::filesystem::path& out_dir, std::string_view event_name,
                            const std::vector<BadgeCard>& cards, bool csv_only, Language language) {
    // Check every token first, so a bad one leaves no half-written set behind.
    if (!csv_only)
        for (const BadgeCard& card : cards)
            badge_qr(card);
    // A folder we create is the owner's only; an existing one the user chose keeps its mode.
    if (std::filesystem::create_directories(out_dir))
        std::filesystem::permissions(out_dir, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::replace);
    if (!csv_only) {
        for (const BadgeCard& card : cards) {
            std::string stem = badge_file_stem(card);
            write_file(out_dir / (stem + ".svg"), badge_svg_document(card, event_name, language));
            write_file(out_dir / (stem + ".png"), qr_png(badge_qr(card)));
        }
        write_file(out_dir / "badges.html", badge_sheet_html(event_name, cards, language));
    }
    write_file(out_dir / "badges.csv", badges_csv(cards));
    return cards.size();
}

} // namespace stagedoor::badges
