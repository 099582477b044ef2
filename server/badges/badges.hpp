// QR rendering for badges and the terminal, from libqrencode's module matrix.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stagedoor::badges {

struct QrMatrix {
    int size = 0; // modules per side, without quiet zone
    int version = 0;
    std::vector<std::uint8_t> dark; // size*size, 1 = dark module, row-major
    bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * size + x)] != 0; }
};

// Error correction M. std::nullopt if the text does not fit max_version.
std::optional<QrMatrix> encode_qr(std::string_view text, int max_version = 40);

// quiet_zone in modules (4 is the standard).
std::string qr_svg(const QrMatrix& qr, int module_px = 8, int quiet_zone = 4);
// 8-bit greyscale PNG bytes.
std::vector<std::uint8_t> qr_png(const QrMatrix& qr, int module_px = 8, int quiet_zone = 4);
// Two modules per character cell with UTF-8 half blocks, for printing pairing links.
std::string qr_terminal(const QrMatrix& qr, int quiet_zone = 2);

// One badge to print.
struct BadgeCard {
    std::int64_t attendee_id = 0;
    std::string name; // may start with academic titles ("Prof. Dr."): printed on their own line
    std::string organisation;
    std::string category;
    std::string email;
    std::string token;
    bool vip = false; // a gold stripe and stars on the category band
};

// The language of everything printed on a badge or sheet (category bands, sheet toolbar).
enum class Language { en, de };
// "en" or "de"; std::nullopt for anything else.
std::optional<Language> parse_language(std::string_view text);

// A name split into leading academic titles ("Prof. Dr.", "Dr.-Ing.") and the rest. A title
// word is a known one (Prof, Dr, PD) or ends with a dot and has at least two letters before it
// (so initials such as "J." stay in the name); the name keeps at least one word.
struct TitledName {
    std::string titles; // "" when there are none
    std::string name;
};
TitledName split_titles(std::string_view name);

// The printable sheet: badges at 92 x 129.7 mm (A6 scaled to 88 %), four per A4 page inside
// printer-safe margins (nothing within 6 mm of the paper edge), with crop marks in the margin
// along every cut; one self-contained HTML document (QRs inline as SVG).
std::string badge_sheet_html(std::string_view event_name, const std::vector<BadgeCard>& cards,
                             Language language = Language::en);
// One badge as a standalone A6 SVG (titles, name, organisation, QR, category band).
std::string badge_svg(const BadgeCard& card, Language language = Language::en);

// Writes badge-<id>.svg and badge-<id>.png per attendee, badges.html and badges.csv
// (name,email,file,token) into out_dir. Returns the number of badges written.
// csv_only: just badges.csv (tokens for a mail merge or a load tool; milliseconds, not minutes,
// for tens of thousands of attendees).
std::size_t write_badge_set(const std::filesystem::path& out_dir, std::string_view event_name,
                            const std::vector<BadgeCard>& cards, bool csv_only = false,
                            Language language = Language::en);
// name,email,file,token (RFC 4180, CRLF).
std::string badges_csv(const std::vector<BadgeCard>& cards);

} // namespace stagedoor::badges
