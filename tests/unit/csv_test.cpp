#include "domain/csv.hpp"
#include "stagedoor/protocol/text.hpp"
#include "utf16.hpp"

#include <catch2/catch.hpp>
#include <random>

using namespace stagedoor::domain;
using stagedoor::testing::utf16_with_bom;

namespace {

std::vector<std::string> fields(std::initializer_list<const char*> values) {
    return {values.begin(), values.end()};
}

} // namespace

TEST_CASE("csv: RFC 4180 reader") {
    std::string_view text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\r\n1,2,3";
    CHECK(detect_csv_delimiter(text) == ',');
    auto records = read_csv_records(text, ',');
    REQUIRE(records.size() == 4);
    for (const auto& record : records)
        CHECK_FALSE(record.error);
    CHECK(records[0].fields == fields({"a", "b", "c"}));
    CHECK(records[1].fields == fields({"x, y", "say \"hi\"", "two\nlines"}));
    CHECK(records[1].quoted == std::vector<bool>{true, true, true});
    CHECK(records[1].line == 2);
    CHECK(records[2].fields == fields({""})); // a blank line is one empty field
    CHECK(records[2].line == 4);
    CHECK(records[3].line == 5); // the quoted newline and the blank line count
    CHECK(records[3].fields == fields({"1", "2", "3"}));
    CHECK(records[3].quoted == std::vector<bool>{false, false, false});
}

TEST_CASE("csv: BOM and semicolon or tab delimiters") {
    std::string_view text = strip_utf8_bom("\xEF\xBB\xBFtitle;duration\n\"A; B\";3:00\n");
    CHECK(text.starts_with("title")); // BOM removed
    CHECK(strip_utf8_bom("title") == "title");
    CHECK(strip_utf8_bom("\xEF\xBB") == "\xEF\xBB");
    REQUIRE(detect_csv_delimiter(text) == ';');
    auto records = read_csv_records(text, ';');
    REQUIRE(records.size() == 2);
    CHECK(records[0].fields == fields({"title", "duration"}));
    CHECK(records[1].fields == fields({"A; B", "3:00"}));

    CHECK(detect_csv_delimiter("name\torganisation\temail\nA,B\tC\tD\n") == '\t');
    auto tabs = read_csv_records("name\torganisation\nLee, Min\t  Hafen AG \n", '\t');
    REQUIRE(tabs.size() == 2);
    CHECK(tabs[1].fields == fields({"Lee, Min", "Hafen AG"}));
    // Blank lines before the header are skipped.
    CHECK(detect_csv_delimiter("\r\n \t\n\na;b\n") == ';');
    // Delimiters inside quotes and on later lines do not count; a tie is a comma.
    CHECK(detect_csv_delimiter("\"a;b;c\",d\ne;f;g;h\n") == ',');
    CHECK(detect_csv_delimiter("a;b,c\n") == ',');
    CHECK(detect_csv_delimiter("name\n") == ',');
    CHECK(detect_csv_delimiter("") == ',');
}

TEST_CASE("csv: line numbers count CRLF, LF and a lone CR once each") {
    auto records = read_csv_records("a\r\nb\rc\n\"d\r\ne\"\r\nf", ',');
    REQUIRE(records.size() == 5);
    CHECK(records[0].line == 1);
    CHECK(records[1].line == 2);
    CHECK(records[2].line == 3);
    CHECK(records[3].line == 4);
    CHECK(records[3].fields == fields({"d\ne"})); // embedded line breaks become \n
    CHECK(records[4].line == 6);
    CHECK(records[4].fields == fields({"f"}));
    CHECK(read_csv_records("", ',').empty());
    CHECK(read_csv_records("a,b\n", ',').size() == 1);
}

TEST_CASE("csv: unquoted fields are trimmed, quoted ones kept") {
    auto records = read_csv_records("  a  ,  \" b \"  ,\t,\"\"\n", ',');
    REQUIRE(records.size() == 1);
    CHECK_FALSE(records[0].error);
    CHECK(records[0].fields == fields({"a", " b ", "", ""}));
    CHECK(records[0].quoted == std::vector<bool>{false, true, false, true});
    // Unquoted fields are trimmed with protocol::trim (tested in text_test.cpp).
    auto padded = read_csv_records(" \t a b \t, \t\n", ',');
    REQUIRE(padded.size() == 1);
    CHECK(padded[0].fields == fields({"a b", ""}));
}

TEST_CASE("csv: broken quoting is an error of its record, with the record's line") {
    auto broken = read_csv_records("a,b\n\"open,2\n3,4\n", ',');
    REQUIRE(broken.size() == 2);
    CHECK_FALSE(broken[0].error);
    REQUIRE(broken[1].error);
    CHECK(broken[1].line == 2);
    CHECK(*broken[1].error == "a quoted field opened on line 2 is never closed");

    // The other errors skip only the rest of their line; reading goes on after it.
    auto records = read_csv_records("Bro\"ken,1\n\"Closed\"x,2\n\"Fine\" ,3\n", ',');
    REQUIRE(records.size() == 3);
    REQUIRE(records[0].error);
    CHECK(records[0].error->find("quote inside an unquoted field") != std::string::npos);
    REQUIRE(records[1].error);
    CHECK(*records[1].error == "unexpected text after a closing quote");
    CHECK(records[1].line == 2);
    CHECK_FALSE(records[2].error);
    CHECK(records[2].line == 3);
    CHECK(records[2].fields == fields({"Fine", "3"}));
}

TEST_CASE("csv: fields are quoted when needed and formulas neutralised") {
    CHECK(csv_field("plain") == "plain");
    CHECK(csv_field("") == "");
    CHECK(csv_field("Doe, Jane") == "\"Doe, Jane\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_field("two\nlines") == "\"two\nlines\"");
    CHECK(csv_field("cr\rhere") == "\"cr\rhere\"");
    CHECK(csv_field("=cmd()") == "'=cmd()");
    CHECK(csv_field("+1") == "'+1");
    CHECK(csv_field("-1") == "'-1");
    CHECK(csv_field("@SUM(A1)") == "'@SUM(A1)");
    CHECK(csv_field("\tx") == "'\tx");
    CHECK(csv_field("=HYPERLINK(\"http://evil\")") == "\"'=HYPERLINK(\"\"http://evil\"\")\"");
    CHECK(csv_field("a=b") == "a=b");

    CHECK(csv_field("+0:05", {.neutralise_formulas = false}) == "+0:05");
    CHECK(csv_field("a;b") == "a;b");
    CHECK(csv_field("a;b", {.quote_semicolons = true}) == "\"a;b\"");
    CHECK(csv_field(" padded ") == " padded ");
    CHECK(csv_field(" padded", {.quote_edge_spaces = true}) == "\" padded\"");
    CHECK(csv_field("padded ", {.quote_edge_spaces = true}) == "\"padded \"");

    // What is written reads back the same (apart from the apostrophe guard).
    std::string row =
        csv_field("Doe, \"JJ\"\nJane") + "," + csv_field(" x ", {.quote_edge_spaces = true});
    auto records = read_csv_records(row, ',');
    REQUIRE(records.size() == 1);
    CHECK(records[0].fields == fields({"Doe, \"JJ\"\nJane", " x "}));
}

namespace {

enum class Col : std::size_t { name, organisation, email, external_id };

const std::vector<CsvColumn> kColumns = {
    {"name", {}, true},
    {"organisation", {"organization"}},
    {"email", {"e_mail"}},
    {"external_id", {}},
};

std::vector<std::string> messages(const CsvTable& table) {
    std::vector<std::string> out;
    for (const auto& problem : table.errors)
        out.push_back(problem.describe());
    return out;
}

} // namespace

TEST_CASE("csv table: titles fold case, spaces and hyphens, and aliases name the same column") {
    CHECK(fold_csv_key("  External ID\t") == "external_id");
    CHECK(fold_csv_key("E-Mail") == "e_mail");
    CHECK(fold_csv_key("New-Member") == "new_member");
    CHECK(fold_csv_key("Zoë") == "zoë");

    auto table = read_csv_table("\xEF\xBB\xBF\r\n NAME ;E-Mail;ORGANIZATION;External ID\r\n"
                                "Jörg;j@x.de;Hafen AG;V-7\r\n",
                                kColumns);
    REQUIRE(table.ok());
    CHECK(table.delimiter == ';');
    CHECK(table.warnings.empty());
    CHECK(table.has(Col::organisation));
    CHECK(table.has(Col::external_id));
    REQUIRE(table.rows.size() == 1);
    const CsvRow& row = table.rows[0];
    CHECK(row.line == 3); // the BOM line before the header was blank
    CHECK(row.cell(Col::name) == "Jörg");
    CHECK(row.cell(Col::email) == "j@x.de");
    CHECK(row.cell(Col::organisation) == "Hafen AG");
    CHECK(row.cell(Col::external_id) == "V-7");
}

TEST_CASE("csv table: unknown columns are warnings, absent columns read as empty") {
    auto table = read_csv_table("name,Kostenstelle,,Raum\nA,4711,x,12\n", kColumns);
    REQUIRE(table.ok());
    CHECK(table.warnings == std::vector<std::string>{"unknown column 'Kostenstelle' is ignored",
                                                     "unknown column 'Raum' is ignored"});
    CHECK_FALSE(table.has(Col::email));
    REQUIRE(table.rows.size() == 1);
    CHECK(table.rows[0].cells == fields({"A", "", "", ""}));
}

TEST_CASE("csv table: short rows, padded rows, long rows and blank lines") {
    auto table = read_csv_table("name,email,external_id\n"
                                "Short\n"                // 2: missing trailing cells are empty
                                "Padded,p@x.de,P-1,,\n"  // 3: empty extra cells are padding
                                "\n"                     // 4: blank, left out
                                " , ,\n"                 // 5: blank too
                                "Long,l@x.de,L-1,oops\n" // 6: an extra non-empty cell
                                "Last,,\"L-2\"\n",       // 7
                                kColumns);
    REQUIRE(table.ok());
    REQUIRE(table.rows.size() == 4);
    CHECK(table.rows[0].line == 2);
    CHECK_FALSE(table.rows[0].error);
    CHECK(table.rows[0].cells == fields({"Short", "", "", ""}));
    CHECK(table.rows[1].line == 3);
    CHECK_FALSE(table.rows[1].error);
    CHECK(table.rows[1].cell(Col::external_id) == "P-1");
    CHECK(table.rows[2].line == 6);
    REQUIRE(table.rows[2].error);
    CHECK(*table.rows[2].error == "has 4 fields, the header has 3");
    CHECK(table.rows[2].cells == fields({"", "", "", ""}));
    CHECK(table.rows[3].line == 7);
    CHECK(table.rows[3].cell(Col::external_id) == "L-2");
}

TEST_CASE("csv table: broken quoting is an error with its line") {
    auto table = read_csv_table("name,email\nA,a@x.de\nB\"ad,b@x.de\n\"Open,c@x.de\n", kColumns);
    REQUIRE(table.ok());
    REQUIRE(table.rows.size() == 3);
    CHECK_FALSE(table.rows[0].error);
    REQUIRE(table.rows[1].error);
    CHECK(table.rows[1].line == 3);
    CHECK(table.rows[1].error->find("quote inside an unquoted field") != std::string::npos);
    REQUIRE(table.rows[2].error);
    CHECK(*table.rows[2].error == "a quoted field opened on line 4 is never closed");

    auto header = read_csv_table("\n\"name,email\n", kColumns);
    CHECK(messages(header) ==
          std::vector<std::string>{"line 2: a quoted field opened on line 2 is never closed"});
    CHECK(header.rows.empty());
}

TEST_CASE("csv table: unusable files are errors and give no rows") {
    CHECK(messages(read_csv_table("", kColumns)) ==
          std::vector<std::string>{"the file is empty; the first row must name the columns"});
    CHECK(messages(read_csv_table("\xEF\xBB\xBF\r\n \n", kColumns)) ==
          std::vector<std::string>{"the file is empty; the first row must name the columns"});
    auto undefined = read_csv_table("name\nJ\xF6rg\n\x81\n", kColumns);
    CHECK(messages(undefined) ==
          std::vector<std::string>{"line 3: byte 0x81 is neither UTF-8 nor Windows-1252 text (in "
                                   "Excel: Save As > CSV UTF-8)"});
    CHECK(undefined.rows.empty());

    auto twice = read_csv_table("name,Organisation,organization\nA,B,C\n", kColumns);
    CHECK(messages(twice) ==
          std::vector<std::string>{"line 1: column 'organization' appears twice"});
    CHECK(twice.rows.empty());

    auto missing = read_csv_table("vorname;nachname\nA;B\n", kColumns);
    CHECK(messages(missing) ==
          std::vector<std::string>{
              "line 1: the header has no 'name' column (found 2 column(s) separated by ';')"});
    CHECK(missing.warnings.size() == 2);
    CHECK(read_csv_table("name\tx\n", kColumns).warnings.size() == 1);
    CHECK(messages(read_csv_table("email\tx\n", kColumns)).at(0).find("separated by tab") !=
          std::string::npos);
}

TEST_CASE("csv table: bytes become text at one entry point") {
    CsvText text = csv_text_from_bytes("\xEF\xBB\xBFname\n");
    CHECK_FALSE(text.error);
    CHECK(text.text == "name\n");
    CHECK(csv_text_from_bytes("a,b\n").text == "a,b\n");
    CHECK(csv_text_from_bytes("\xED\xA0\x80").error); // a surrogate
    CHECK(csv_text_from_bytes("\xC0\xAF").error);     // an overlong '/'
    CHECK_FALSE(csv_text_from_bytes("a,b\n").warning);
    CHECK_FALSE(csv_text_from_bytes("Begr\xC3\xBC\xC3\x9Fung").warning);
}

namespace {

// The error of csv_text_from_bytes as "line N: message" (CsvProblem::describe).
std::string decode_error(std::string_view bytes) {
    CsvText text = csv_text_from_bytes(bytes);
    REQUIRE(text.error);
    CHECK(text.text.empty());
    return CsvProblem{text.error_line, *text.error}.describe();
}

} // namespace

TEST_CASE("csv text: Windows-1252 when the bytes are not UTF-8, with a warning") {
    CsvText text = csv_text_from_bytes("title\nBegr\xFC\xDFung\n\x80 5,\x84Gr\xFC\xDF\x65\x93 "
                                       "\x96 \x97 \x85\n");
    REQUIRE_FALSE(text.error);
    CHECK(text.text == "title\nBegrüßung\n€ 5,„Grüße“ – — …\n");
    REQUIRE(text.warning);
    CHECK(*text.warning ==
          "read as Windows-1252: line 2 is not UTF-8 (in Excel: Save As > CSV UTF-8 to be sure)");
    CHECK(csv_text_from_bytes("\x80").text == "€");

    // Every defined byte from 0x80 up, against Python's cp1252 codec.
    std::string high;
    for (int byte = 0x80; byte <= 0xFF; ++byte)
        if (byte != 0x81 && byte != 0x8D && byte != 0x8F && byte != 0x90 && byte != 0x9D)
            high += static_cast<char>(byte);
    CHECK(
        csv_text_from_bytes(high).text ==
        "\xE2\x82\xAC\xE2\x80\x9A\xC6\x92\xE2\x80\x9E\xE2\x80\xA6\xE2\x80\xA0\xE2\x80\xA1\xCB\x86"
        "\xE2\x80\xB0\xC5\xA0\xE2\x80\xB9\xC5\x92\xC5\xBD\xE2\x80\x98\xE2\x80\x99\xE2\x80\x9C"
        "\xE2\x80\x9D\xE2\x80\xA2\xE2\x80\x93\xE2\x80\x94\xCB\x9C\xE2\x84\xA2\xC5\xA1\xE2\x80\xBA"
        "\xC5\x93\xC5\xBE\xC5\xB8\xC2\xA0\xC2\xA1\xC2\xA2\xC2\xA3\xC2\xA4\xC2\xA5\xC2\xA6\xC2\xA7"
        "\xC2\xA8\xC2\xA9\xC2\xAA\xC2\xAB\xC2\xAC\xC2\xAD\xC2\xAE\xC2\xAF\xC2\xB0\xC2\xB1\xC2\xB2"
        "\xC2\xB3\xC2\xB4\xC2\xB5\xC2\xB6\xC2\xB7\xC2\xB8\xC2\xB9\xC2\xBA\xC2\xBB\xC2\xBC\xC2\xBD"
        "\xC2\xBE\xC2\xBF\xC3\x80\xC3\x81\xC3\x82\xC3\x83\xC3\x84\xC3\x85\xC3\x86\xC3\x87\xC3\x88"
        "\xC3\x89\xC3\x8A\xC3\x8B\xC3\x8C\xC3\x8D\xC3\x8E\xC3\x8F\xC3\x90\xC3\x91\xC3\x92\xC3\x93"
        "\xC3\x94\xC3\x95\xC3\x96\xC3\x97\xC3\x98\xC3\x99\xC3\x9A\xC3\x9B\xC3\x9C\xC3\x9D\xC3\x9E"
        "\xC3\x9F\xC3\xA0\xC3\xA1\xC3\xA2\xC3\xA3\xC3\xA4\xC3\xA5\xC3\xA6\xC3\xA7\xC3\xA8\xC3\xA9"
        "\xC3\xAA\xC3\xAB\xC3\xAC\xC3\xAD\xC3\xAE\xC3\xAF\xC3\xB0\xC3\xB1\xC3\xB2\xC3\xB3\xC3\xB4"
        "\xC3\xB5\xC3\xB6\xC3\xB7\xC3\xB8\xC3\xB9\xC3\xBA\xC3\xBB\xC3\xBC\xC3\xBD\xC3\xBE\xC3\xBF");
    // A "UTF-8 sequence" that is really two Windows-1252 letters (ß then “) stays Windows-1252.
    CHECK(csv_text_from_bytes("\x84Gr\xFC\xDF\x93").text == "„Grüß“");

    // The five bytes Windows-1252 leaves undefined are an error, with their line.
    for (const char* byte : {"\x81", "\x8D", "\x8F", "\x90", "\x9D"})
        CHECK(decode_error(std::string("a\r\nb\xFC\r\nc") + byte).starts_with("line 3: byte 0x"));
    CHECK(decode_error("a\rb\n\x9D") ==
          "line 3: byte 0x9D is neither UTF-8 nor Windows-1252 text (in Excel: Save As > CSV "
          "UTF-8)");
}

TEST_CASE("csv text: UTF-16 with a byte order mark, little and big endian") {
    std::u16string text = u"title\tduration\r\nBegrüßung 🎤\t3:00\r\n";
    for (bool big_endian : {false, true}) {
        CsvText decoded = csv_text_from_bytes(utf16_with_bom(text, big_endian));
        REQUIRE_FALSE(decoded.error);
        CHECK(decoded.text == "title\tduration\r\nBegrüßung 🎤\t3:00\r\n");
        REQUIRE(decoded.warning);
        CHECK(*decoded.warning == (big_endian ? "read as UTF-16 BE (Excel's Unicode text)"
                                              : "read as UTF-16 LE (Excel's Unicode text)"));
    }
    // Excel's "Unicode text" is tab-separated: the table reads its columns.
    auto table =
        read_csv_table(utf16_with_bom(text, false), {{"title", {}, true}, {"duration", {}, false}});
    REQUIRE(table.ok());
    CHECK(table.delimiter == '\t');
    REQUIRE(table.rows.size() == 1);
    CHECK(table.rows[0].cells == std::vector<std::string>{"Begrüßung 🎤", "3:00"});
    CHECK(table.warnings == std::vector<std::string>{"read as UTF-16 LE (Excel's Unicode text)"});

    CHECK(decode_error(utf16_with_bom(u"a\nb", false) + "x") ==
          "line 2: the file ends in the middle of a UTF-16 character");
    CHECK(decode_error(utf16_with_bom(u"a\nb\xD800"
                                      u"c",
                                      false)) ==
          "line 2: broken UTF-16: a surrogate without its pair");
    CHECK(decode_error(utf16_with_bom(u"a\n\n\xDC00", true)) ==
          "line 3: broken UTF-16: a surrogate without its pair");
    CHECK(decode_error(utf16_with_bom(std::u16string(u"a\n") + u'\0', false)) ==
          "line 2: the file holds a NUL character");
}

TEST_CASE("csv text: other encodings and broken UTF-8 are errors with a line") {
    using namespace std::string_view_literals;
    CHECK(decode_error("\xFF\xFE\0\0t\0\0\0"sv) ==
          "the file is UTF-32, which stagedoor does not read (in Excel: Save As > CSV UTF-8)");
    CHECK(decode_error("\0\0\xFE\xFF\0\0\0t"sv).starts_with("the file is UTF-32"));
    // UTF-16 without a byte order mark: NUL bytes.
    CHECK(decode_error("n\0a\0\n\0x\0"sv) ==
          "line 1: the file holds NUL bytes: UTF-16 or UTF-32 without a byte order mark? (in "
          "Excel: Save As > CSV UTF-8)");
    CHECK(decode_error("name\nA\0"sv).starts_with("line 2: the file holds NUL bytes"));
    // A UTF-8 byte order mark promises UTF-8.
    CHECK(decode_error("\xEF\xBB\xBFname\nJ\xF6rg\n") ==
          "line 2: not UTF-8, though the file starts with a UTF-8 byte order mark");
    // Surrogates, overlong forms and code points above U+10FFFF are broken UTF-8, not
    // Windows-1252, even after a byte that only Windows-1252 explains.
    for (const char* broken :
         {"\xED\xA0\x80", "\xED\xBF\xBF", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF",
          "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80"}) {
        CHECK(decode_error(std::string("name\n") + broken) ==
              "line 2: broken UTF-8: a surrogate, an overlong form or a code point above U+10FFFF");
        CHECK(decode_error(std::string("J\xF6rg\n\n") + broken).starts_with("line 3: broken"));
    }
}

TEST_CASE("csv text: whatever the bytes, the text is valid UTF-8 without NUL, or an error") {
    std::mt19937 random(20261127);
    std::uniform_int_distribution<int> byte(0, 255), length(0, 40);
    const std::vector<std::string> starts = {"", "\xEF\xBB\xBF", "\xFF\xFE", "\xFE\xFF"};
    std::size_t read = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string bytes = starts[static_cast<std::size_t>(round) % starts.size()];
        for (int i = length(random); i > 0; --i) {
            int value = byte(random);
            // Mostly text-like bytes, so that many rounds are read rather than refused.
            bytes += static_cast<char>(value < 160 ? 'a' + value % 26 : value);
        }
        CsvText text = csv_text_from_bytes(bytes);
        if (text.error) {
            CHECK(text.text.empty());
            continue;
        }
        ++read;
        if (!stagedoor::protocol::is_valid_utf8(text.text) ||
            text.text.find('\0') != std::string::npos)
            FAIL_CHECK("bytes of length " << bytes.size() << " gave invalid text");
    }
    CHECK(read > 5000);
}

TEST_CASE("csv: the writer joins cells by its separator and quotes a ';' for Excel") {
    CsvWriter comma;
    comma.row({"name", "note"}).text("Köhler, Jana").text("a;b").end_row();
    CHECK(comma.take() == "name,note\r\n\"Köhler, Jana\",a;b\r\n");
    CHECK(comma.take().empty()); // take empties the writer

    CsvWriter excel(CsvSeparator::semicolon);
    excel.row({"name", "note", "n"}).text("Köhler, Jana").text("a;b").plain("3").end_row();
    excel.text("=1+1").text("+0:05", {.neutralise_formulas = false}).plain("").end_row();
    CHECK(excel.take() == "name;note;n\r\n\"Köhler, Jana\";\"a;b\";3\r\n'=1+1;+0:05;\r\n");
}
