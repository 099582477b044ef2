// Text inputs through the real binary: roster and agenda files as Excel writes them on a German
// Windows (Windows-1252, UTF-16 "Unicode text") are read, reported and served as UTF-8; an
// event name that is not text is refused by `stagedoor init`.
#include "../unit/utf16.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;
using stagedoor::client::http_request;
namespace fs = std::filesystem;

namespace {

fs::path write_bytes(const fs::path& path, std::string_view bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

// Windows-1252: "Begrüßung – „Willkommen“" and "Grüße aus München".
constexpr std::string_view kCp1252Agenda = "title;duration;kind\r\n"
                                           "Begr\xFC\xDFung \x96 \x84Willkommen\x93;5:00;talk\r\n"
                                           "Gr\xFC\xDF\x65 aus M\xFCnchen;3:00;pitch\r\n";

// The first agenda frame whose first item has this title (earlier frames are consumed), or null.
json agenda_starting_with(stagedoor::client::Connection& connection, const std::string& title) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto agenda = connection.wait_for("agenda", 1s);
        if (agenda && !(*agenda)["items"].empty() && (*agenda)["items"][0]["title"] == title)
            return *agenda;
    }
    return nullptr;
}

} // namespace

TEST_CASE("encoding: a Windows-1252 agenda from the command line is served as UTF-8") {
    TestEvent event;
    auto imported = run_cli({"agenda", "import", "--data", event.data.string(),
                             write_bytes(event.temp.path / "agenda.csv", kCp1252Agenda).string()});
    INFO(imported.output);
    REQUIRE(imported.exit_code == 0);
    CHECK_THAT(imported.output,
               Catch::Contains("warning: read as Windows-1252: line 2 is not UTF-8"));
    CHECK_THAT(imported.output, Catch::Contains("Begrüßung – „Willkommen“"));
    CHECK_THAT(imported.output, Catch::Contains("Grüße aus München"));

    // serve starts, welcomes and sends the agenda, after a restart too.
    for (int run = 0; run < 2; ++run) {
        ServerProcess server(event.data);
        server.start();
        ClientContext context;
        auto moderator = connect_as(context, server, event, "moderator");
        auto agenda = moderator->wait_for("agenda");
        REQUIRE(agenda);
        REQUIRE((*agenda)["items"].size() == 2);
        CHECK((*agenda)["items"][0]["title"] == "Begrüßung – „Willkommen“");
        CHECK((*agenda)["items"][1]["title"] == "Grüße aus München");
        auto timer = moderator->wait_for("timer");
        REQUIRE(timer);
        CHECK((*timer)["item"]["title"] == "Begrüßung – „Willkommen“");
        CHECK(server.stop() == 0);
    }
}

TEST_CASE("encoding: POST /api/agenda/import reads Windows-1252 and UTF-16") {
    TestEvent event;
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto moderator = connect_as(context, server, event, "moderator");
    std::string key = event.key("organiser");

    auto latin = http_request(server.endpoint(), "POST", "/api/agenda/import",
                              std::string(kCp1252Agenda), key);
    INFO(latin.body);
    REQUIRE(latin.status == 200);
    auto latin_body = json::parse(latin.body);
    CHECK(latin_body["items"] == 2);
    REQUIRE(latin_body["warnings"].size() == 1);
    CHECK(latin_body["warnings"][0].get<std::string>().starts_with("read as Windows-1252"));
    CHECK(agenda_starting_with(*moderator, "Begrüßung – „Willkommen“").is_object());

    // Excel's "Unicode text": UTF-16 LE, tab-separated.
    auto unicode =
        http_request(server.endpoint(), "POST", "/api/agenda/import",
                     utf16_with_bom(u"title\tduration\r\nÜberraschung 🎤\t2:00\r\n"), key);
    INFO(unicode.body);
    REQUIRE(unicode.status == 200);
    auto unicode_body = json::parse(unicode.body);
    CHECK(unicode_body["items"] == 1);
    CHECK(unicode_body["warnings"] == json::array({"read as UTF-16 LE (Excel's Unicode text)"}));
    auto replaced = agenda_starting_with(*moderator, "Überraschung 🎤");
    REQUIRE(replaced.is_object());
    CHECK(replaced["items"].size() == 1);

    // Anything else is refused with its line; the agenda stays and the server keeps serving.
    auto broken = http_request(server.endpoint(), "POST", "/api/agenda/import",
                               std::string("title,duration\nA,1:00\nB\x81,1:00\n"), key);
    INFO(broken.body);
    CHECK(broken.status == 422);
    CHECK_THAT(json::parse(broken.body)["message"].get<std::string>(),
               Catch::Contains("line 3: byte 0x81 is neither UTF-8 nor Windows-1252"));
    auto still = connect_as(context, server, event, "stage");
    CHECK(agenda_starting_with(*still, "Überraschung 🎤").is_object());
}

TEST_CASE("encoding: a Windows-1252 roster is imported and found by lookup") {
    TestEvent event;
    std::string roster = "Name;Organisation;External ID\r\n"
                         "J\xFCrgen M\xFCller;Stra\xDF\x65nbau \x84Nord\x93 GmbH;M-1\r\n"
                         "Zo\xEB \xC5ngstr\xF6m;\x80-Fonds;M-2\r\n";
    auto imported = run_cli({"import", "--data", event.data.string(),
                             write_bytes(event.temp.path / "roster.csv", roster).string()});
    INFO(imported.output);
    REQUIRE(imported.exit_code == 0);
    CHECK_THAT(imported.output, Catch::Contains("warning: read as Windows-1252"));
    CHECK_THAT(imported.output, Catch::Contains("2 added"));

    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto door = connect_as(context, server, event, "door", "Help desk");
    auto found = door->request({{"type", "lookup"}, {"query", "Müller"}});
    INFO(found.dump());
    REQUIRE(found["type"] == "lookup_result");
    REQUIRE(found["attendees"].size() == 1);
    CHECK(found["attendees"][0]["name"] == "Jürgen Müller");
    CHECK(found["attendees"][0]["organisation"] == "Straßenbau „Nord“ GmbH");

    // The organiser upload reads UTF-16 and says so.
    auto upload = http_request(server.endpoint(), "POST", "/api/roster",
                               utf16_with_bom(u"name\texternal_id\r\nÅsa Öberg\tM-3\r\n"),
                               event.key("organiser"));
    INFO(upload.body);
    REQUIRE(upload.status == 200);
    CHECK(json::parse(upload.body)["warnings"] ==
          json::array({"read as UTF-16 LE (Excel's Unicode text)"}));
    auto asa = door->request({{"type", "lookup"}, {"query", "Öberg"}});
    REQUIRE(asa["attendees"].size() == 1);
    CHECK(asa["attendees"][0]["name"] == "Åsa Öberg");
}

TEST_CASE("encoding: init refuses an event name that is not text") {
    TempDir temp;
    for (std::string name :
         {std::string("bad\xFF"), std::string("Gr\xFC\xDF\x65"), std::string("a\xED\xA0\x80"),
          std::string("two\nlines"), std::string("esc\x1B[31m"), std::string("c1 \xC2\x85"),
          std::string("   "), std::string(201, 'x')}) {
        fs::path data = temp.path / "event";
        auto result =
            run_cli({"init", "--data", data.string(), "--name", name, "--date", "2026-11-26"});
        INFO(result.output);
        CHECK(result.exit_code == 2);
        CHECK_THAT(result.output, Catch::Contains("--name"));
        CHECK_FALSE(fs::exists(data));
    }
    // Any language is fine, and it is what every client is welcomed with.
    TestEvent event("Begrüßung – 新年会 🎉", "2026-11-26");
    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto connection = stagedoor::client::Connection::open(context, server.endpoint());
    auto welcome = connection->hello("door", event.key("door"), "Door 1");
    INFO(welcome.dump());
    CHECK(welcome["event"]["name"] == "Begrüßung – 新年会 🎉");
}
