// The audit log's views: the CSV export (RFC 4180, both separators, formula cells neutralised,
// read back by the importers' reader), the JSON with refusals per device, the query filters.
#include "app/audit_module.hpp"
#include "domain/csv.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor;

namespace {

std::vector<storage::AuditEntry> tricky_rows() {
    return {
        {2, 1764158400000, 7, "=HYPERLINK(\"http://evil\")", "door", "192.0.2.7", "walkin", "12",
         R"({"name":"Zoë \"Z\" Walker, Jr.","category":"guest"})", "ok"},
        {1, 1764158400000, 0, "Tür; Süd\r\nzwei", "organiser", "::1", "export.ledger_csv", "", "",
         "ok"},
        {3, 1764158400000, 0, "+1", "moderator", "", "stage.message", "-1", "@SUM(A1)", "ok"},
    };
}

} // namespace

TEST_CASE("audit csv: RFC 4180 with CRLF, read back cell for cell, formulas neutralised") {
    for (char separator : {',', ';'}) {
        auto rows = tricky_rows();
        std::string text = app::audit_csv(rows, separator);
        CHECK(text.find("\r\n") != std::string::npos);
        CHECK(text.ends_with("\r\n"));
        auto records = domain::read_csv_records(text, separator);
        REQUIRE(records.size() == rows.size() + 1);
        CHECK(records[0].fields == std::vector<std::string>{"seq", "time", "device_id", "device",
                                                            "role", "address", "action", "target",
                                                            "detail", "outcome"});
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& fields = records[i + 1].fields;
            REQUIRE_FALSE(records[i + 1].error);
            REQUIRE(fields.size() == 10);
            CHECK(fields[0] == std::to_string(rows[i].seq));
            CHECK(fields[2] == std::to_string(rows[i].device_id));
            CHECK(fields[6] == rows[i].action);
            CHECK(fields[8].ends_with(rows[i].detail));
        }
        // A cell a spreadsheet would run as a formula starts with an apostrophe.
        CHECK(records[1].fields[3] == "'=HYPERLINK(\"http://evil\")");
        CHECK(records[3].fields[3] == "'+1");
        CHECK(records[3].fields[7] == "'-1");
        CHECK(records[3].fields[8] == "'@SUM(A1)");
        // Line breaks and separators stay inside their cell (the reader keeps breaks as \n).
        CHECK(records[2].fields[3] == "Tür; Süd\nzwei");
        CHECK(records[1].fields[8] == R"({"name":"Zoë \"Z\" Walker, Jr.","category":"guest"})");
        CHECK(records[1].fields[1].starts_with("2025-11-26T"));
    }
}

TEST_CASE("audit csv: the semicolon variant quotes semicolons, the comma one commas") {
    std::vector<storage::AuditEntry> rows{{1, 0, 0, "a;b", "door", "", "undo", "x,y", "", "ok"}};
    std::string semicolon = app::audit_csv(rows, ';');
    CHECK(semicolon.find(";\"a;b\";") != std::string::npos);
    std::string comma = app::audit_csv(rows, ',');
    CHECK(comma.find(",a;b,") != std::string::npos);
    CHECK(comma.find(",\"x,y\",") != std::string::npos);
}

TEST_CASE("audit json: entries with their detail as JSON, refusals summed per device") {
    app::RefusalCounts refusals;
    refusals.count(1000, "Door 2", "timer_control", protocol::ErrorCode::forbidden);
    refusals.count(1000, "Door 2", "timer_control", protocol::ErrorCode::forbidden);
    refusals.count(1000, "Door 2", "agenda_add", protocol::ErrorCode::forbidden);
    refusals.count(1000, "Stage", "scan", protocol::ErrorCode::forbidden);
    auto body = app::audit_json(tricky_rows(), refusals);
    REQUIRE(body["entries"].size() == 3);
    CHECK(body["entries"][0]["detail"]["category"] == "guest");
    CHECK(body["entries"][1]["detail"].is_null());
    CHECK(body["entries"][2]["detail"] == "@SUM(A1)"); // not JSON: kept as text
    CHECK(body["entries"][0]["address"] == "192.0.2.7");
    CHECK(body["refusals"]["total"] == 4);
    REQUIRE(body["refusals"]["devices"].size() == 2);
    CHECK(body["refusals"]["devices"][0]["device"] == "Door 2");
    CHECK(body["refusals"]["devices"][0]["count"] == 3);
    CHECK(body["refusals"]["devices"][0]["refused"].size() == 2);
    CHECK(body["refusals"]["devices"][1]["count"] == 1);
}

TEST_CASE("audit filter: parameters are checked, unknown ones ignored") {
    using Query = std::map<std::string, std::string>;
    auto filter = app::audit_filter(Query{{"action", "timer"},
                                          {"device", "Door 1"},
                                          {"since", "5"},
                                          {"limit", "10"},
                                          {"before", "99"},
                                          {"sep", "semicolon"}},
                                    200, 1000);
    REQUIRE(std::holds_alternative<storage::AuditFilter>(filter));
    const auto& f = std::get<storage::AuditFilter>(filter);
    CHECK(f.action == "timer");
    CHECK(f.device == "Door 1");
    CHECK(f.since == 5);
    CHECK(f.before_seq == 99);
    CHECK(f.limit == 10);
    CHECK(std::get<storage::AuditFilter>(app::audit_filter({}, 200, 1000)).limit == 200);
    CHECK_FALSE(
        std::get<storage::AuditFilter>(app::audit_filter(Query{{"action", ""}}, 200, 1000)).action);
    for (const auto& bad :
         {Query{{"limit", "0"}}, Query{{"limit", "1001"}}, Query{{"since", "yesterday"}},
          Query{{"before", "-1"}}, Query{{"device", std::string(201, 'x')}}}) {
        auto refused = app::audit_filter(bad, 200, 1000);
        REQUIRE(std::holds_alternative<std::string>(refused));
        CHECK(std::get<std::string>(refused).starts_with(bad.begin()->first + ":"));
    }
}
