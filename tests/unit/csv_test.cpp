#include "domain/csv.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor::domain;

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
    CHECK(trim_csv_blanks(" \t a b \t") == "a b");
    CHECK(trim_csv_blanks(" \t").empty());
    CHECK(trim_csv_blanks("\na\n") == "\na\n"); // only spaces and tabs
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
