#include "domain/roster_csv.hpp"
#include "storage/attendance_store.hpp"
#include "utf16.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace stagedoor::domain;
using stagedoor::protocol::Category;

namespace {

std::string problems(const RosterParse& parse) {
    std::string out;
    for (const auto& error : parse.errors)
        out += std::to_string(error.line) + ": " + error.reason + "\n";
    if (parse.fatal) out += "fatal: " + *parse.fatal;
    return out;
}

} // namespace

TEST_CASE("roster csv: comma file with quoting, embedded newlines and escaped quotes") {
    std::string text =
        "name,organisation,email,sector,category,vip,external_id,notes\n"
        "Jana Köhler,TU Dresden,jana@example.org,Wissenschaft & Forschung,member,"
        "no,M-0001,\n"
        "\"Schmidt, Peter\",\"Firma \"\"Quer\"\" GmbH\",,Wirtschaft,Guest,yes,M-0002,"
        "\"first line\nsecond line\"\n"
        "Zoë Ångström,,,,New member,,M-0003,\n";
    auto parse = parse_roster_csv(text);
    INFO(problems(parse));
    REQUIRE(parse.ok());
    CHECK(parse.delimiter == ',');
    REQUIRE(parse.rows.size() == 3);
    CHECK(parse.rows[0].name == "Jana Köhler");
    CHECK(parse.rows[0].line == 2);
    CHECK(parse.rows[0].sector == "Wissenschaft & Forschung");
    CHECK(parse.rows[1].name == "Schmidt, Peter");
    CHECK(parse.rows[1].organisation == "Firma \"Quer\" GmbH");
    CHECK(parse.rows[1].category == Category::guest);
    CHECK(parse.rows[1].vip);
    CHECK(parse.rows[1].notes == "first line\nsecond line");
    CHECK(parse.rows[1].line == 3);
    // The record after an embedded newline starts on physical line 5.
    CHECK(parse.rows[2].line == 5);
    CHECK(parse.rows[2].name == "Zoë Ångström");
    CHECK(parse.rows[2].category == Category::new_member);
    CHECK_FALSE(parse.rows[2].vip);
    CHECK(parse.warnings.empty());
}

TEST_CASE("roster csv: semicolon delimiter, BOM, CRLF and case-insensitive headers") {
    std::string text = "\xEF\xBB\xBFName;Organisation;E-Mail;VIP;External ID;Kostenstelle\r\n"
                       "Jörg Weiß;Stadt Leipzig, Amt 12;jw@leipzig.de;ja;V-7;4711\r\n"
                       "\r\n"
                       "Ana López;Hafen AG;;nein;V-8;\r\n";
    auto parse = parse_roster_csv(text);
    INFO(problems(parse));
    REQUIRE(parse.ok());
    CHECK(parse.delimiter == ';');
    REQUIRE(parse.rows.size() == 2);
    CHECK(parse.rows[0].name == "Jörg Weiß");
    CHECK(parse.rows[0].organisation == "Stadt Leipzig, Amt 12");
    CHECK(parse.rows[0].email == "jw@leipzig.de");
    CHECK(parse.rows[0].vip);
    CHECK(parse.rows[0].external_id == "V-7");
    CHECK(parse.rows[1].line == 4);
    CHECK(parse.rows[1].category == Category::member); // the default
    REQUIRE(parse.warnings.size() == 1);
    CHECK(parse.warnings[0].find("Kostenstelle") != std::string::npos);
}

TEST_CASE("roster csv: bad rows are reported with their line and reason") {
    std::string text = "name,category,vip,email\n"
                       "Good One,member,no,\n"           // 2
                       ",member,no,\n"                   // 3 missing name
                       "Bad Cat,vip,no,\n"               // 4 bad category
                       "Bad Vip,member,maybe,\n"         // 5 bad vip
                       "Too,Few\n"                       // 6 short row: category 'Few'
                       "Too,many,no,,extra\n"            // 7 field count
                       "Bro\"ken,member,no,\n"           // 8 quote inside unquoted field
                       "\"Closed\"x,member,no,\n"        // 9 text after closing quote
                       "Mail,member,no,not-an-address\n" // 10
                       "Good Two,staff,1,\n"             // 11
                       "\"Never closed,member,no,\n"     // 12 unterminated to the end
                       "Lost,member,no,\n";
    auto parse = parse_roster_csv(text);
    CHECK_FALSE(parse.ok());
    CHECK_FALSE(parse.fatal.has_value());
    REQUIRE(parse.rows.size() == 2);
    CHECK(parse.rows[0].name == "Good One");
    CHECK(parse.rows[1].name == "Good Two");
    CHECK(parse.rows[1].category == Category::staff);
    CHECK(parse.rows[1].vip);
    REQUIRE(parse.errors.size() == 9);
    std::vector<std::size_t> lines;
    for (const auto& error : parse.errors)
        lines.push_back(error.line);
    CHECK(lines == std::vector<std::size_t>{3, 4, 5, 6, 7, 8, 9, 10, 12});
    CHECK(parse.errors[0].reason == "name is missing");
    CHECK(parse.errors[1].reason.find("unknown category 'vip'") != std::string::npos);
    CHECK(parse.errors[2].reason.find("vip must be yes or no") != std::string::npos);
    CHECK(parse.errors[3].reason.find("unknown category 'Few'") != std::string::npos);
    CHECK(parse.errors[4].reason.find("5 fields") != std::string::npos);
    CHECK(parse.errors[5].reason.find("quote") != std::string::npos);
    CHECK(parse.errors[6].reason.find("closing quote") != std::string::npos);
    CHECK(parse.errors[8].reason.find("never closed") != std::string::npos);
}

TEST_CASE("roster csv: duplicates inside one file are bad rows") {
    std::string text = "name,email,external_id\n"
                       "A,a@x.de,M-1\n"
                       "B,b@x.de,M-1\n"
                       "C,C@X.de,\n"
                       "D,c@x.de,\n";
    auto parse = parse_roster_csv(text);
    REQUIRE(parse.errors.size() == 2);
    CHECK(parse.errors[0].line == 3);
    CHECK(parse.errors[0].reason.find("line 2") != std::string::npos);
    CHECK(parse.errors[1].line == 5);
    CHECK(parse.rows.size() == 2);
}

TEST_CASE("roster csv: unusable files") {
    CHECK(parse_roster_csv("").fatal.has_value());
    CHECK(parse_roster_csv("\xEF\xBB\xBF\r\n").fatal.has_value());
    auto no_name = parse_roster_csv("vorname,nachname\nA,B\n");
    REQUIRE(no_name.fatal);
    CHECK(no_name.fatal->find("no 'name' column") != std::string::npos);
    auto broken = parse_roster_csv("name\nJ\xF6rg\n\x90\n");
    REQUIRE(broken.fatal);
    CHECK(*broken.fatal == "line 3: byte 0x90 is neither UTF-8 nor Windows-1252 text (in Excel: "
                           "Save As > CSV UTF-8)");
    auto surrogate = parse_roster_csv("name\nJ\xED\xA0\x80rg\n");
    REQUIRE(surrogate.fatal);
    CHECK(surrogate.fatal->starts_with("line 2: broken UTF-8"));
    auto utf16_without_bom = parse_roster_csv(std::string("n\0a\0m\0e\0\n\0", 10));
    REQUIRE(utf16_without_bom.fatal);
    CHECK(utf16_without_bom.fatal->find("NUL bytes") != std::string::npos);
    CHECK(parse_roster_csv("name,Name\nA,B\n").fatal.has_value());
}

TEST_CASE("roster csv: tolerant details") {
    // Spaces around quoted fields, trailing empty cells and padding whitespace.
    std::string text = "name , category\n"
                       "  \"Lee, Min\"  ,  SPEAKER ,,\n"
                       "Omar, press\n";
    auto parse = parse_roster_csv(text);
    INFO(problems(parse));
    REQUIRE(parse.ok());
    REQUIRE(parse.rows.size() == 2);
    CHECK(parse.rows[0].name == "Lee, Min");
    CHECK(parse.rows[0].category == Category::speaker);
    CHECK(parse.rows[1].category == Category::press);
    CHECK(parse_yes_no("Ja") == true);
    CHECK(parse_yes_no("NEIN") == false);
    CHECK(parse_yes_no("") == false);
    CHECK_FALSE(parse_yes_no("vielleicht").has_value());
    CHECK(parse_category("New-Member") == Category::new_member);
    CHECK_FALSE(parse_category("vip").has_value());
}

TEST_CASE("roster csv: the demo roster parses cleanly") {
    std::ifstream file(std::string(STAGEDOOR_SOURCE_DIR) + "/scripts/demo-roster.csv",
                       std::ios::binary);
    REQUIRE(file);
    std::stringstream buffer;
    buffer << file.rdbuf();
    auto parse = parse_roster_csv(buffer.str());
    INFO(problems(parse));
    REQUIRE(parse.ok());
    CHECK(parse.warnings.empty());
    CHECK(parse.rows.size() >= 140);
    int new_members = 0, vips = 0;
    for (const auto& row : parse.rows) {
        if (row.category == Category::new_member) ++new_members;
        if (row.vip) ++vips;
        CHECK_FALSE(row.external_id.empty());
    }
    CHECK(new_members == 8);
    CHECK(vips >= 1);
}

TEST_CASE("roster csv: Windows-1252 and UTF-16 files from Excel are read, with a warning") {
    // German Excel's "CSV (Trennzeichen-getrennt)": Windows-1252 and semicolons.
    auto latin = parse_roster_csv("Name;Organisation;External ID\r\n"
                                  "J\xFCrgen M\xFCller;Stra\xDF\x65nbau \x84Nord\x93 GmbH;M-1\r\n"
                                  "Zo\xEB \xC5ngstr\xF6m;\x80-Fonds;M-2\r\n");
    INFO(problems(latin));
    REQUIRE(latin.ok());
    CHECK(latin.delimiter == ';');
    REQUIRE(latin.rows.size() == 2);
    CHECK(latin.rows[0].name == "Jürgen Müller");
    CHECK(latin.rows[0].organisation == "Straßenbau „Nord“ GmbH");
    CHECK(latin.rows[1].name == "Zoë Ångström");
    CHECK(latin.rows[1].organisation == "€-Fonds");
    CHECK(latin.warnings == std::vector<std::string>{"read as Windows-1252: line 2 is not UTF-8 "
                                                     "(in Excel: Save As > CSV UTF-8 to be sure)"});

    // Excel's "Unicode text": UTF-16 LE with a byte order mark, tab-separated.
    std::u16string text = u"Name\tE-Mail\r\nJürgen Müller\tjm@example.de\r\n";
    auto unicode = parse_roster_csv(stagedoor::testing::utf16_with_bom(text));
    INFO(problems(unicode));
    REQUIRE(unicode.ok());
    CHECK(unicode.delimiter == '\t');
    REQUIRE(unicode.rows.size() == 1);
    CHECK(unicode.rows[0].name == "Jürgen Müller");
    CHECK(unicode.rows[0].email == "jm@example.de");
    CHECK(unicode.warnings == std::vector<std::string>{"read as UTF-16 LE (Excel's Unicode text)"});
}
