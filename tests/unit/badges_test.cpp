#include "badges/badges.hpp"
#include "stagedoor/protocol/badge_token.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <png.h>
#include <random>
#include <regex>
#include <string>
#include <vector>
#include <zbar.h>

using namespace stagedoor::badges;
namespace token = stagedoor::protocol::badge;

namespace {

struct GreyImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
};

GreyImage decode_png(const std::vector<std::uint8_t>& png) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    REQUIRE(png_image_begin_read_from_memory(&image, png.data(), png.size()) != 0);
    image.format = PNG_FORMAT_GRAY;
    GreyImage result;
    result.width = static_cast<int>(image.width);
    result.height = static_cast<int>(image.height);
    result.pixels.resize(PNG_IMAGE_SIZE(image));
    REQUIRE(png_image_finish_read(&image, nullptr, result.pixels.data(), 0, nullptr) != 0);
    return result;
}

// Every QR code libzbar finds in an 8-bit greyscale image.
std::vector<std::string> scan(const GreyImage& image) {
    using namespace zbar; // zbar.h puts its C API in this namespace under C++
    zbar_image_scanner_t* scanner = zbar_image_scanner_create();
    zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    zbar_image_t* frame = zbar_image_create();
    zbar_image_set_format(frame, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(frame, static_cast<unsigned>(image.width),
                        static_cast<unsigned>(image.height));
    zbar_image_set_data(frame, image.pixels.data(), image.pixels.size(), nullptr);
    std::vector<std::string> found;
    if (zbar_scan_image(scanner, frame) > 0) {
        for (const zbar_symbol_t* symbol = zbar_image_first_symbol(frame); symbol;
             symbol = zbar_symbol_next(symbol)) {
            found.emplace_back(zbar_symbol_get_data(symbol), zbar_symbol_get_data_length(symbol));
        }
    }
    zbar_image_destroy(frame);
    zbar_image_scanner_destroy(scanner);
    return found;
}

std::string real_token(std::uint32_t attendee_id = 4242) {
    static const token::SigningKey key = token::SigningKey::generate();
    token::Payload payload;
    payload.event_id = token::random_event_id();
    payload.attendee_id = attendee_id;
    payload.serial = 3;
    payload.issued_at = 1764158400;
    return token::make_token(payload, key);
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size()))
        ++n;
    return n;
}

// Rebuilds the module matrix from the single path of qr_svg.
std::vector<std::uint8_t> modules_from_svg(const std::string& svg, int size, int quiet_zone) {
    std::vector<std::uint8_t> dark(static_cast<std::size_t>(size * size), 0);
    std::regex run(R"(M(\d+) (\d+)h(\d+)v1h-(\d+)z)");
    std::smatch match;
    std::string rest = svg.substr(svg.find(" d=\""));
    while (std::regex_search(rest, match, run)) {
        int x = std::stoi(match[1]) - quiet_zone;
        int y = std::stoi(match[2]) - quiet_zone;
        int length = std::stoi(match[3]);
        REQUIRE(std::stoi(match[4]) == length);
        REQUIRE((x >= 0 && y >= 0 && x + length <= size && y < size));
        for (int i = 0; i < length; ++i) {
            auto& cell = dark[static_cast<std::size_t>(y * size + x + i)];
            REQUIRE(cell == 0); // runs never overlap
            cell = 1;
        }
        rest = match.suffix();
    }
    return dark;
}

using stagedoor::testing::TempDir;

} // namespace

TEST_CASE("badges: a token's QR is version 7 at level M and scans back from the PNG") {
    std::string text = real_token();
    REQUIRE(text.size() == 117);
    auto qr = encode_qr(text, 8);
    REQUIRE(qr);
    CHECK(qr->version <= 8);
    CHECK(qr->version == 7);
    CHECK(qr->size == 45);
    REQUIRE(qr->dark.size() == 45u * 45u);

    for (int module_px : {8, 3}) {
        INFO("module_px " << module_px);
        GreyImage image = decode_png(qr_png(*qr, module_px, 4));
        CHECK(image.width == (45 + 8) * module_px);
        CHECK(image.height == image.width);
        // Pixels are pure black and white and follow the matrix.
        for (int y = 0; y < 45; ++y) {
            for (int x = 0; x < 45; ++x) {
                std::size_t at = static_cast<std::size_t>(((y + 4) * module_px) * image.width +
                                                          (x + 4) * module_px);
                CHECK(image.pixels[at] == (qr->at(x, y) ? 0 : 255));
            }
        }
        CHECK(image.pixels.front() == 255); // quiet zone
        auto found = scan(image);
        REQUIRE(found.size() == 1);
        CHECK(found[0] == text);
    }
}

TEST_CASE("badges: encode_qr limits") {
    CHECK_FALSE(encode_qr(""));
    CHECK_FALSE(encode_qr("x", 0));
    CHECK_FALSE(encode_qr("x", 41));
    CHECK(encode_qr("x")->version == 1);
    CHECK(encode_qr("x")->size == 21);
    CHECK_FALSE(encode_qr(std::string(200, 'a'), 8)); // version 8 M holds 152 bytes
    CHECK(encode_qr(std::string(2331, 'a'))->version == 40);
    CHECK_FALSE(encode_qr(std::string(2332, 'a')));
    // Byte mode keeps NUL bytes instead of cutting the text short.
    auto with_nul = encode_qr(std::string("a\0b", 3));
    REQUIRE(with_nul);
    auto just_a = encode_qr("a");
    CHECK(with_nul->dark != just_a->dark);
}

TEST_CASE("badges: the SVG draws exactly the dark modules in one path") {
    auto qr = encode_qr(real_token());
    REQUIRE(qr);
    std::string svg = qr_svg(*qr, 8, 4);
    CHECK(svg.starts_with("<?xml"));
    CHECK(svg.find("viewBox=\"0 0 53 53\"") != std::string::npos);
    CHECK(svg.find("width=\"424\" height=\"424\"") != std::string::npos);
    CHECK(svg.find("shape-rendering=\"crispEdges\"") != std::string::npos);
    CHECK(count(svg, "<path") == 1);
    CHECK(count(svg, "<svg") == count(svg, "</svg>"));
    CHECK(modules_from_svg(svg, qr->size, 4) == qr->dark);
    // A different quiet zone shifts the modules and the viewBox.
    std::string tight = qr_svg(*qr, 1, 0);
    CHECK(tight.find("viewBox=\"0 0 45 45\"") != std::string::npos);
    CHECK(modules_from_svg(tight, qr->size, 0) == qr->dark);
}

TEST_CASE("badges: the terminal rendering is a scannable code on a dark terminal") {
    std::string text = "http://192.168.1.20:8080/door#key=0123456789abcdef";
    auto qr = encode_qr(text);
    REQUIRE(qr);
    const int quiet = 2;
    const int total = qr->size + 2 * quiet;
    std::string terminal = qr_terminal(*qr, quiet);
    CHECK(count(terminal, "\n") == static_cast<std::size_t>((total + 1) / 2));

    // Paint it as a dark terminal would: glyph parts light, background dark, 4 px per module.
    const int scale = 4;
    GreyImage image;
    image.width = (total + 8) * scale; // the dark terminal around it
    image.height = ((total + 1) / 2 * 2 + 8) * scale;
    image.pixels.assign(static_cast<std::size_t>(image.width * image.height), 0);
    auto paint = [&](int column, int row) {
        for (int dy = 0; dy < scale; ++dy)
            for (int dx = 0; dx < scale; ++dx)
                image.pixels[static_cast<std::size_t>(((row + 4) * scale + dy) * image.width +
                                                      (column + 4) * scale + dx)] = 255;
    };
    int line = 0;
    int column = 0;
    for (std::size_t i = 0; i < terminal.size();) {
        std::string_view rest(terminal.data() + i, terminal.size() - i);
        if (rest.starts_with("\n")) {
            CHECK(column == total);
            ++line;
            column = 0;
            i += 1;
            continue;
        }
        if (rest.starts_with(" ")) {
            i += 1;
        } else if (rest.starts_with("\u2588")) {
            paint(column, 2 * line);
            paint(column, 2 * line + 1);
            i += 3;
        } else if (rest.starts_with("\u2580")) {
            paint(column, 2 * line);
            i += 3;
        } else if (rest.starts_with("\u2584")) {
            paint(column, 2 * line + 1);
            i += 3;
        } else {
            FAIL("unexpected byte in terminal output at " << i);
        }
        ++column;
    }
    auto found = scan(image);
    REQUIRE(found.size() == 1);
    CHECK(found[0] == text);
}

TEST_CASE("badges: a badge SVG shows name, organisation, category and its QR") {
    BadgeCard card{17, "Jana Köhler", "TU Dresden", "speaker", "jana@example.org", real_token(17)};
    std::string svg = badge_svg(card);
    CHECK(svg.find("viewBox=\"0 0 105 148\"") != std::string::npos);
    CHECK(svg.find("width=\"105mm\" height=\"148mm\"") != std::string::npos);
    CHECK(svg.find(">Jana Köhler</text>") != std::string::npos);
    CHECK(svg.find(">TU Dresden</text>") != std::string::npos);
    CHECK(svg.find(">SPEAKER</text>") != std::string::npos);
    CHECK(count(svg, "<svg") == 2); // the card and the nested QR
    CHECK(count(svg, "</svg>") == 2);
    auto qr = encode_qr(card.token);
    CHECK(modules_from_svg(svg, qr->size, 4) == qr->dark);

    BadgeCard hostile{18,
                      "<script>alert(1)</script>\x01",
                      "Müller & Söhne \"KG\"",
                      "new_member",
                      "",
                      real_token(18)};
    std::string escaped = badge_svg(hostile);
    CHECK(escaped.find("<script>") == std::string::npos);
    CHECK(escaped.find("&lt;script&gt;alert(1)&lt;/script&gt; </text>") != std::string::npos);
    CHECK(escaped.find("Müller &amp; Söhne &quot;KG&quot;") != std::string::npos);
    CHECK(escaped.find(">NEW MEMBER</text>") != std::string::npos);
    CHECK(escaped.find('\x01') == std::string::npos);

    // Long names go on two lines instead of running off the card.
    BadgeCard long_name{
        19, "Maximiliane Alexandra von Hohenzollern-Sigmaringen", "", "member", "", real_token(19)};
    std::string two_lines = badge_svg(long_name);
    CHECK(two_lines.find(">Maximiliane Alexandra von</text>") != std::string::npos);
    CHECK(two_lines.find(">Hohenzollern-Sigmaringen</text>") != std::string::npos);

    BadgeCard no_token{20, "Nobody", "", "member", "", ""};
    CHECK_THROWS_AS(badge_svg(no_token), std::invalid_argument);
}

TEST_CASE("badges: the A4 sheet holds four badges per page and escapes everything") {
    std::vector<BadgeCard> cards;
    for (int i = 0; i < 9; ++i) {
        cards.push_back({i + 1, "Person " + std::to_string(i + 1), "Org", "member", "",
                         real_token(static_cast<std::uint32_t>(i + 1))});
    }
    cards[0].name = "<script>alert('x')</script>";
    cards[1].organisation = "Müller & Söhne";
    std::string html = badge_sheet_html("Demo Day <2026> & more", cards);
    CHECK(html.starts_with("<!DOCTYPE html>"));
    CHECK(html.find("@page { size: A4 portrait; margin: 0; }") != std::string::npos);
    CHECK(count(html, "<section class=\"sheet\">") == 3);
    CHECK(count(html, "<div class=\"badge\">") == 9);
    CHECK(html.find("<script>") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") != std::string::npos);
    CHECK(html.find("Müller &amp; Söhne") != std::string::npos);
    CHECK(html.find("<title>Badges \u2013 Demo Day &lt;2026&gt; &amp; more</title>") !=
          std::string::npos);
    CHECK(html.find("9 badges on 3 A4 pages") != std::string::npos);
    // Each page is exactly A4; the badges keep A6 proportions (92 x 129.68 mm) inside margins
    // of 13 mm and 18.82 mm, so nothing needs borderless printing.
    CHECK(html.find("width: 210mm; height: 297mm") != std::string::npos);
    CHECK(html.find("padding: 18.82mm 13mm;") != std::string::npos);
    CHECK(html.find("grid-template-columns: 92mm 92mm; grid-template-rows: 129.68mm 129.68mm") !=
          std::string::npos);
    CHECK(html.find("width: 92mm; height: 129.68mm") != std::string::npos);
    CHECK(count(html, "<svg class=\"crop-marks\"") == 3);

    std::string empty = badge_sheet_html("Empty", {});
    CHECK(count(empty, "<section class=\"sheet\">") == 0);
    CHECK(empty.find("No badges to print.") != std::string::npos);
}

TEST_CASE("badges: write_badge_set writes SVG, PNG, the sheet and an RFC 4180 CSV") {
    TempDir dir;
    std::vector<BadgeCard> cards = {
        {1, "Jana Köhler", "TU Dresden", "speaker", "jana@example.org", real_token(1)},
        {22, "Doe, \"JJ\" Jane", "ACME", "guest", "jj@example.org", real_token(22)},
        {333, "=HYPERLINK(\"http://evil\")", "", "member", "", real_token(333)},
        {4444, "Line\nBreak", "", "press", "lb@example.org", real_token(4444)},
    };
    auto out = dir.path / "badges";
    CHECK(write_badge_set(out, "Demo Day", cards) == 4);
    // Tokens and e-mail addresses: the folder and every file are the owner's only.
    using std::filesystem::perms;
    CHECK((std::filesystem::status(out).permissions() & perms::all) == perms::owner_all);
    for (const auto& entry : std::filesystem::directory_iterator(out))
        CHECK((entry.status().permissions() & perms::all) ==
              (perms::owner_read | perms::owner_write));
    for (const auto& card : cards) {
        std::string stem = "badge-" + std::to_string(card.attendee_id);
        REQUIRE(std::filesystem::exists(out / (stem + ".svg")));
        REQUIRE(std::filesystem::exists(out / (stem + ".png")));
        CHECK(read_text(out / (stem + ".svg")).find(">Demo Day</text>") != std::string::npos);
        std::string png = read_text(out / (stem + ".png"));
        auto found = scan(decode_png(std::vector<std::uint8_t>(png.begin(), png.end())));
        REQUIRE(found.size() == 1);
        CHECK(found[0] == card.token);
    }
    CHECK(read_text(out / "badges.html").find("Jana Köhler") != std::string::npos);
    std::string csv = read_text(out / "badges.csv");
    std::string expected = "name,email,file,token\r\n"
                           "Jana Köhler,jana@example.org,badge-1.png," +
                           cards[0].token +
                           "\r\n"
                           "\"Doe, \"\"JJ\"\" Jane\",jj@example.org,badge-22.png," +
                           cards[1].token +
                           "\r\n"
                           "\"'=HYPERLINK(\"\"http://evil\"\")\",,badge-333.png," +
                           cards[2].token +
                           "\r\n"
                           "\"Line\nBreak\",lb@example.org,badge-4444.png," +
                           cards[3].token + "\r\n";
    CHECK(csv == expected);
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(out)) {
        CHECK(entry.path().extension() != ".tmp");
        ++files;
    }
    CHECK(files == 4 * 2 + 2);
}

TEST_CASE("badges: a card without a usable token writes nothing") {
    TempDir dir;
    std::vector<BadgeCard> cards = {{1, "Ok", "", "member", "", real_token(1)},
                                    {2, "Broken", "", "member", "", std::string(3000, 'x')}};
    CHECK_THROWS_AS(write_badge_set(dir.path / "badges", "Demo", cards), std::invalid_argument);
    CHECK_FALSE(std::filesystem::exists(dir.path / "badges"));
}

namespace {

struct Segment {
    double x1, y1, x2, y2;
};

// The straight lines of the sheet's crop-mark path ("Mx yLx y" pairs).
std::vector<Segment> crop_mark_segments(const std::string& html) {
    std::size_t at = html.find("<svg class=\"crop-marks\"");
    REQUIRE(at != std::string::npos);
    std::size_t d = html.find(" d=\"", at) + 4;
    std::string path = html.substr(d, html.find('"', d) - d);
    std::regex segment(R"(M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+))");
    std::vector<Segment> segments;
    for (std::sregex_iterator it(path.begin(), path.end(), segment), end; it != end; ++it)
        segments.push_back(
            {std::stod((*it)[1]), std::stod((*it)[2]), std::stod((*it)[3]), std::stod((*it)[4])});
    return segments;
}

} // namespace

TEST_CASE("badges: crop marks continue every cut line inside the printable area") {
    std::vector<BadgeCard> cards = {{1, "Ada", "", "member", "", real_token(1)}};
    std::string html = badge_sheet_html("Demo", cards);
    auto segments = crop_mark_segments(html);
    // Three cut lines across (block edges and the middle) and three down, each marked at both
    // ends of the block: 12 marks.
    REQUIRE(segments.size() == 12);
    const std::vector<double> cuts_x = {13, 105, 197};
    const std::vector<double> cuts_y = {18.82, 148.5, 278.18};
    auto near = [](double a, double b) { return std::abs(a - b) < 0.011; };
    auto on_one = [&](double value, const std::vector<double>& cuts) {
        return std::any_of(cuts.begin(), cuts.end(), [&](double c) { return near(c, value); });
    };
    int vertical = 0;
    for (const Segment& s : segments) {
        INFO(s.x1 << "," << s.y1 << " - " << s.x2 << "," << s.y2);
        // Printer-safe: at least 6 mm from every paper edge.
        for (double x : {s.x1, s.x2})
            CHECK((x >= 6 && x <= 204));
        for (double y : {s.y1, s.y2})
            CHECK((y >= 6 && y <= 291));
        if (near(s.x1, s.x2)) {
            ++vertical;
            CHECK(on_one(s.x1, cuts_x));
            // In the top or bottom margin, clear of the badges.
            CHECK(((s.y2 <= 18.82 - 1.9) || (s.y1 >= 278.18 + 1.9)));
        } else {
            CHECK(near(s.y1, s.y2));
            CHECK(on_one(s.y1, cuts_y));
            CHECK(((s.x2 <= 13 - 1.9) || (s.x1 >= 197 + 1.9)));
        }
    }
    CHECK(vertical == 6);
}

TEST_CASE("badges: category bands and the sheet speak the event's language") {
    CHECK(parse_language("de") == Language::de);
    CHECK(parse_language("en") == Language::en);
    CHECK_FALSE(parse_language("fr"));
    CHECK_FALSE(parse_language(""));

    const std::vector<std::pair<std::string, std::string>> german = {
        {"member", "MITGLIED"}, {"guest", "GAST"},   {"new_member", "NEUMITGLIED"},
        {"staff", "TEAM"},      {"press", "PRESSE"}, {"speaker", "SPEAKER"}};
    for (const auto& [category, label] : german) {
        INFO(category);
        BadgeCard card{1, "Ada Lovelace", "", category, "", real_token(1)};
        CHECK(badge_svg(card, Language::de).find(">" + label + "</text>") != std::string::npos);
    }
    BadgeCard member{1, "Ada Lovelace", "", "member", "", real_token(1)};
    CHECK(badge_svg(member).find(">MEMBER</text>") != std::string::npos);
    CHECK(badge_svg(member, Language::de).find("MEMBER<") == std::string::npos);

    std::vector<BadgeCard> cards(5, member);
    std::string de = badge_sheet_html("Treffen", cards, Language::de);
    CHECK(de.find("<html lang=\"de\">") != std::string::npos);
    CHECK(de.find("5 Badges auf 2 A4-Seiten") != std::string::npos);
    CHECK(de.find(">Drucken</button>") != std::string::npos);
    CHECK(de.find("Schnittmarken") != std::string::npos);
    CHECK(de.find(">MITGLIED</text>") != std::string::npos);
    for (const char* english : {"badges on", "A4 pages", ">Print<", "Cut along", ">MEMBER<"}) {
        INFO(english);
        CHECK(de.find(english) == std::string::npos);
    }
    CHECK(badge_sheet_html("Treffen", {}, Language::de).find("Keine Badges zum Drucken.") !=
          std::string::npos);
    CHECK(badge_sheet_html("Meeting", {member}).find("1 badge on 1 A4 page") != std::string::npos);
}

TEST_CASE("badges: a VIP gets a gold mark on the band, others do not") {
    BadgeCard guest{1, "Dr. Ingrid Hoffmann-Albrecht", "Stadt", "guest", "", real_token(1)};
    std::string plain = badge_svg(guest);
    CHECK(plain.find("class=\"vip\"") == std::string::npos);
    CHECK(plain.find("#c9a227") == std::string::npos);
    guest.vip = true;
    std::string vip = badge_svg(guest);
    CHECK(count(vip, "class=\"vip\"") == 1);
    CHECK(count(vip, "<polygon") == 2); // a star at either end of the band
    CHECK(vip.find("aria-label=\"Badge: Dr. Ingrid Hoffmann-Albrecht (VIP)\"") !=
          std::string::npos);
    CHECK(vip.find(">GUEST</text>") != std::string::npos);
    // The QR is untouched by the mark.
    auto qr = encode_qr(guest.token);
    CHECK(modules_from_svg(vip, qr->size, 4) == qr->dark);
}

TEST_CASE("badges: titles go on a smaller line above the name and never shrink it") {
    CHECK(split_titles("Prof. Dr. Konrad Weißenfels").titles == "Prof. Dr.");
    CHECK(split_titles("Prof. Dr. Konrad Weißenfels").name == "Konrad Weißenfels");
    CHECK(split_titles("Dr.-Ing. habil. Eva Lang").titles == "Dr.-Ing. habil.");
    CHECK(split_titles("Prof. Dr. h.c. mult. Ada Byron").titles == "Prof. Dr. h.c. mult.");
    CHECK(split_titles("PD Dr. med. Jan Ott").titles == "PD Dr. med.");
    CHECK(split_titles("J. R. R. Tolkien").titles.empty()); // initials are part of the name
    CHECK(split_titles("  Mehmet   Öztürk ").name == "Mehmet Öztürk");
    CHECK(split_titles("Dr.").name == "Dr."); // the name keeps at least one word
    CHECK(split_titles("Dr.").titles.empty());

    auto name_font_size = [](const std::string& svg, const std::string& name) {
        std::size_t end = svg.find(">" + name + "</text>");
        REQUIRE(end != std::string::npos);
        std::size_t size = svg.rfind("font-size=\"", end) + 11;
        return std::stod(svg.substr(size, svg.find('"', size) - size));
    };
    BadgeCard plain{2, "Jan Öttl", "Universität", "speaker", "", real_token(2)};
    BadgeCard titled = plain;
    titled.name = "Prof. Dr. Jan Öttl";
    std::string svg = badge_svg(titled);
    CHECK(svg.find(">Prof. Dr.</text>") != std::string::npos);
    double title_size = name_font_size(svg, "Prof. Dr.");
    double name_size = name_font_size(svg, "Jan Öttl");
    CHECK(name_size == name_font_size(badge_svg(plain), "Jan Öttl"));
    CHECK(title_size < name_size * 0.6);
    // The title line sits above the name.
    CHECK(svg.find(">Prof. Dr.</text>") < svg.find(">Jan Öttl</text>"));
}
