#include "domain/agenda_import.hpp"
#include "utf16.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

using namespace stagedoor::domain;
using stagedoor::testing::utf16_with_bom;

namespace {

std::vector<AttendeeRecord> attendees() {
    return {
        {1, "Jana Köhler", "TU Dresden", "jana@tu-dresden.de", "N-0001"},
        {2, "Ben Okafor", "SunCo", "ben@sunco.example", "N-0002"},
        {3, "Ben Okafor", "Other Ben GmbH", "ben2@other.example", ""},
        {4, "Ida Graf", "Stadt Lindenau", "ida@lindenau.de", "ida@tu-dresden.de"},
        {5, "Jana Köhler", "Namesake AG", "jana.k@namesake.example", "G-0001"},
    };
}

// Event day 2026-11-26 with a fixed UTC+1 zone, so the test does not depend on TZ.
ImportOptions options() {
    ImportOptions result;
    result.event_date = "2026-11-26";
    result.local_to_unix_ms = [](const std::tm& local) -> std::optional<std::int64_t> {
        std::tm copy = local;
        return (static_cast<std::int64_t>(timegm(&copy)) - 3600) * 1000;
    };
    return result;
}

constexpr std::int64_t k1910 = 1'795'716'600'000; // 2026-11-26T19:10:00+01:00

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

} // namespace

TEST_CASE("agenda import: durations") {
    CHECK(parse_clock_duration("3:00") == 180'000);
    CHECK(parse_clock_duration("0:30") == 30'000);
    CHECK(parse_clock_duration("90") == 90'000);
    CHECK(parse_clock_duration("60:00") == 3'600'000);
    CHECK(parse_clock_duration("1:02:03") == 3'723'000);
    CHECK(parse_clock_duration(" 4:05 ") == 245'000);
    CHECK_FALSE(parse_clock_duration("3:7"));
    CHECK_FALSE(parse_clock_duration("3:60"));
    CHECK_FALSE(parse_clock_duration("3m"));
    CHECK_FALSE(parse_clock_duration("-30"));
    CHECK_FALSE(parse_clock_duration("1.5"));
    CHECK_FALSE(parse_clock_duration(""));
    CHECK_FALSE(parse_clock_duration("1:2:3:4"));
}

TEST_CASE("agenda import: blank lines, BOM, tabs and broken quoting in CSV") {
    auto result = import_agenda("\xEF\xBB\xBFtitle\tduration\r\n\r\n\"Two\r\nlines\"\t3:00\r\n"
                                "\r\nLast\t1:00",
                                attendees());
    INFO(result.describe());
    REQUIRE(result.ok());
    REQUIRE(result.agenda.items.size() == 2);
    CHECK(result.agenda.items[0].title == "Two\nlines");
    CHECK(result.agenda.items[1].title == "Last");
    auto late_header =
        import_agenda_csv("\n \n\r\ntitle,duration\nA,1:00,x\nB,1:00\n", attendees());
    CHECK(late_header.describe() == "line 5: has 3 fields, the header has 2");
    // Empty extra cells are spreadsheet padding; missing trailing cells are empty.
    auto padded = import_agenda_csv("title,duration,kind\nA,1:00,,,\nB,1:00\n", attendees());
    INFO(padded.describe());
    REQUIRE(padded.ok());
    CHECK(padded.agenda.items.size() == 2);
    auto broken =
        import_agenda_csv("title,duration\nA,1:00\nB\"ad,1:00\nC,1:00\n\"Open,1:00\n", attendees());
    REQUIRE(broken.errors.size() == 2);
    CHECK(broken.errors[0].line == 3);
    CHECK(broken.errors[0].message.find("quote") != std::string::npos);
    CHECK(broken.errors[1].line == 5);
    CHECK(broken.errors[1].message == "a quoted field opened on line 5 is never closed");
    CHECK(broken.agenda.items.empty());
    CHECK(import_agenda_csv("\"title,duration\n", attendees()).describe() ==
          "line 1: a quoted field opened on line 1 is never closed");
}

TEST_CASE("agenda import: CSV with speakers, blocks and defaults") {
    auto result =
        import_agenda_csv("Title,Kind,Speaker,Duration,warn,danger,at_zero,block,block_target\n"
                          "Welcome,talk,,5:00,,,,,\n"
                          "Pitch one,pitch,N-0001,3:00,20,5,stop,New member pitches,19:10\n"
                          "Pitch two,PITCH,ben@sunco.example,180,,,next,New member pitches,\n"
                          "Changeover,break,,0:20,,,next,New member pitches,\n"
                          "Networking,other,Ida Graf,60:00,,,,,\n",
                          attendees(), options());
    INFO(result.describe());
    REQUIRE(result.ok());
    const auto& items = result.agenda.items;
    REQUIRE(items.size() == 5);
    CHECK(items[0].id == "item-1");
    CHECK(items[0].kind == ItemKind::talk);
    CHECK(items[0].warn_ms == 30'000);
    CHECK(items[0].danger_ms == 10'000);
    CHECK_FALSE(items[0].speaker_id);
    CHECK(items[1].speaker_id == 1);
    CHECK(items[1].organisation == "TU Dresden"); // from the speaker
    CHECK(items[1].warn_ms == 20'000);
    CHECK(items[1].danger_ms == 5'000);
    CHECK(items[1].at_zero == AtZero::stop);
    CHECK(items[1].block == "New member pitches");
    CHECK(items[2].speaker_id == 2); // by email
    CHECK(items[2].kind == ItemKind::pitch);
    CHECK(items[2].at_zero == AtZero::next);
    CHECK(items[3].kind == ItemKind::break_slot);
    CHECK(items[3].warn_ms == 20'000); // default capped at the duration
    CHECK(items[4].speaker_id == 4);   // by exact name
    CHECK(result.agenda.block_target("New member pitches") == k1910);
}

TEST_CASE("agenda import: speaker matching order") {
    auto import_one = [](const std::string& speaker) {
        return import_agenda_csv("title,speaker,duration\nTalk," + speaker + ",60\n", attendees(),
                                 options());
    };
    // Ida's external_id looks like Jana's email: external_id wins.
    CHECK(import_one("ida@tu-dresden.de").agenda.items.at(0).speaker_id == 4);
    CHECK(import_one("jana@tu-dresden.de").agenda.items.at(0).speaker_id == 1);
    CHECK(import_one("n-0001").agenda.items.at(0).speaker_id == 1); // ids are case-insensitive
    auto ambiguous = import_one("Ben Okafor");
    REQUIRE_FALSE(ambiguous.ok());
    CHECK(ambiguous.describe() ==
          "line 2: speaker 'Ben Okafor' matches 2 attendees; use the external id or email");
    CHECK(import_one("\"Ben Okafor\"").errors.size() == 1);
}

TEST_CASE("agenda import: errors carry line numbers and nothing is imported") {
    auto result = import_agenda_csv("title,speaker,duration,kind\n"
                                    "Fine,N-0001,3:00,pitch\n"
                                    "\"Multi\nline title\",N-0002,3:00,pitch\n"
                                    "Ghost,N-0009,3:00,pitch\n"
                                    "Too long,,8:00:01,talk\n"
                                    "Bad kind,,3:00,song\n"
                                    ",,3:00,talk\n"
                                    "No duration,,,talk\n",
                                    attendees(), options());
    REQUIRE_FALSE(result.ok());
    CHECK(result.agenda.items.empty());
    REQUIRE(result.errors.size() == 5);
    CHECK(result.errors[0].line == 5);
    CHECK(result.errors[0].message ==
          "speaker 'N-0009' matches no attendee (by external id, email or name)");
    CHECK(result.errors[1].line == 6);
    CHECK(result.errors[1].message.find("duration") != std::string::npos);
    CHECK(result.errors[2].line == 7);
    CHECK(result.errors[3].line == 8);
    CHECK(result.errors[3].message == "title is required");
    CHECK(result.errors[4].line == 9);
    CHECK(result.describe().find("line 5: speaker 'N-0009'") == 0);
}

TEST_CASE("agenda import: header problems") {
    auto unknown = import_agenda_csv("title,length\nA,3:00\n", attendees());
    CHECK(unknown.describe() ==
          "line 1: the header has no 'duration' column (found 2 column(s) separated by ',')");
    CHECK(unknown.warnings == std::vector<std::string>{"unknown column 'length' is ignored"});
    CHECK(import_agenda_csv("title,kind\nA,talk\n", attendees()).describe() ==
          "line 1: the header has no 'duration' column (found 2 column(s) separated by ',')");
    CHECK(import_agenda_csv("title,duration,Title\nA,3:00,B\n", attendees()).describe() ==
          "line 1: column 'Title' appears twice");
    CHECK(import_agenda_csv("title,duration\nJ\xF6rg,3:00\n\x8D,1:00\n", attendees()).describe() ==
          "line 3: byte 0x8D is neither UTF-8 nor Windows-1252 text (in Excel: Save As > CSV "
          "UTF-8)");
    CHECK(import_agenda_csv("", attendees()).describe() ==
          "the file is empty; the first row must name the columns");
    CHECK(import_agenda_csv("title,duration\n", attendees()).describe() ==
          "the agenda has no items");
    CHECK(import_agenda_csv("title,duration\nA,3:00,extra\n", attendees()).describe() ==
          "line 2: has 3 fields, the header has 2");
}

TEST_CASE("agenda import: unknown columns are warnings, as in the roster") {
    auto result = import_agenda_csv("Title;Duration;Raum;Speaker Notes;Organization\n"
                                    "Welcome;5:00;Saal 1;bring water;Stadt Lindenau\n",
                                    attendees());
    INFO(result.describe());
    REQUIRE(result.ok());
    REQUIRE(result.agenda.items.size() == 1);
    CHECK(result.agenda.items[0].organisation == "Stadt Lindenau");
    CHECK(result.warnings == std::vector<std::string>{"unknown column 'Raum' is ignored",
                                                      "unknown column 'Speaker Notes' is ignored"});
    CHECK(import_agenda(R"([{"title":"Only","duration":"1:00"}])", attendees()).warnings.empty());
}

TEST_CASE("agenda import: ids, thresholds and block targets are validated") {
    CHECK(import_agenda_csv("id,title,duration\na,A,60\na,B,60\n", attendees()).describe() ==
          "line 3: id 'a' is used twice");
    CHECK(import_agenda_csv("title,duration,warn\nA,60,61\n", attendees()).errors.at(0).line == 2);
    CHECK(import_agenda_csv("title,duration,warn,danger\nA,60,10,20\n", attendees())
              .describe()
              .find("danger threshold") != std::string::npos);
    CHECK(import_agenda_csv("title,duration,block,block_target\nA,60,,19:00\n", attendees())
              .describe() == "line 2: block_target needs a block name");
    CHECK(import_agenda_csv("title,duration,block,block_target\nA,60,B,19:00\nC,60,B,19:30\n",
                            attendees(), options())
              .describe() == "line 3: block 'B' already has another block_target");
    CHECK(
        import_agenda_csv("title,duration,block,block_target\nA,60,B,7pm\n", attendees(), options())
            .describe()
            .find("block_target '7pm'") != std::string::npos);
    auto iso = import_agenda_csv("title,duration,block,block_target\nA,60,B,2026-11-26T18:10:00Z\n",
                                 attendees(), options());
    REQUIRE(iso.ok());
    CHECK(iso.agenda.block_target("B") == k1910);
    auto offset =
        import_agenda_csv("title,duration,block,block_target\nA,60,B,2026-11-26T19:10+01:00\n",
                          attendees(), options());
    REQUIRE(offset.ok());
    CHECK(offset.agenda.block_target("B") == k1910);
    // A year that is a typo is refused with its line, not stored as a time before 1970 that
    // no agenda message could carry.
    for (const char* target :
         {"1013-11-26T18:30:00+01:00", "1970-01-01T00:30+01:00", "2200-01-01T00:00:00Z"}) {
        INFO(target);
        auto typo = import_agenda_csv(std::string("title,duration,block,block_target\nA,60,B,") +
                                          target + "\n",
                                      attendees(), options());
        CHECK_FALSE(typo.ok());
        CHECK(typo.describe().find("line 2: block_target") == 0);
    }
}

TEST_CASE("agenda import: JSON") {
    auto result = import_agenda(R"({
        "blocks": [{"name": "Pitches", "target_end": "19:10"}],
        "items": [
            {"title": "Welcome", "duration": "5:00"},
            {"id": "p1", "title": "Pitch", "kind": "pitch", "speaker": "N-0002", "duration": 180,
             "warn": "0:20", "at_zero": "stop", "block": "Pitches"},
            {"title": "Direct", "speaker_id": 5, "duration_ms": 90000, "warn_ms": 15000, "danger_ms": 5000,
             "organisation": "", "block": "Pitches"}
        ]})",
                                attendees(), options());
    INFO(result.describe());
    REQUIRE(result.ok());
    REQUIRE(result.agenda.items.size() == 3);
    CHECK(result.agenda.items[0].duration_ms == 300'000);
    CHECK(result.agenda.items[1].id == "p1");
    CHECK(result.agenda.items[1].speaker_id == 2);
    CHECK(result.agenda.items[1].warn_ms == 20'000);
    CHECK(result.agenda.items[1].danger_ms == 10'000);
    CHECK(result.agenda.items[2].speaker_id == 5);
    CHECK(result.agenda.items[2].organisation.empty()); // explicit empty wins
    CHECK(result.agenda.block_target("Pitches") == k1910);

    auto array = import_agenda(R"([{"title":"Only","duration":"1:00"}])", attendees());
    REQUIRE(array.ok());
    CHECK(array.agenda.items.size() == 1);

    auto bad = import_agenda(
        R"({"items":[{"title":"A","duration":"3:00"},{"title":"B","speaker":"nobody","duration":60},{"title":"C","length":5}]})",
        attendees());
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.describe() ==
          "item 2: speaker 'nobody' matches no attendee (by external id, email or name)\n"
          "item 3: unknown field 'length'");
    CHECK(import_agenda("{\"items\": [", attendees()).describe() == "the file is not valid JSON");
    CHECK(import_agenda(R"({"items":[],"agenda":1})", attendees()).describe() ==
          "unknown key 'agenda' (known: items, blocks)");
    CHECK(import_agenda(R"({"items":[{"title":"A","duration":true}]})", attendees()).describe() ==
          "item 1: duration must be a string");
}

TEST_CASE("agenda import: the demo agenda matches the demo roster's ids") {
    std::vector<AttendeeRecord> roster;
    for (int i = 1; i <= 14; ++i) {
        char id[8];
        std::snprintf(id, sizeof id, "M-%04d", i);
        roster.push_back({i, "Person " + std::to_string(i), "Org " + std::to_string(i), "", id});
    }
    auto result = import_agenda(read_text(STAGEDOOR_SOURCE_DIR "/scripts/demo-agenda.csv"), roster,
                                options());
    INFO(result.describe());
    REQUIRE(result.ok());
    const auto& items = result.agenda.items;
    REQUIRE(items.size() == 19);
    int pitches = 0, changeovers = 0;
    std::int64_t block_ms = 0;
    for (const auto& item : items) {
        if (item.block != "New member pitches") continue;
        block_ms += item.duration_ms;
        if (item.kind == ItemKind::pitch) {
            ++pitches;
            CHECK(item.duration_ms == 180'000);
            CHECK(item.speaker_id);
        } else {
            ++changeovers;
            CHECK(item.duration_ms == 30'000);
            CHECK(item.at_zero == AtZero::next);
        }
    }
    CHECK(pitches == 8);
    CHECK(changeovers == 7);
    CHECK(block_ms == 8 * 180'000 + 7 * 30'000);
    CHECK(items[1].speaker_id == 1); // the guest of honour is M-0001
    CHECK(result.agenda.block_target("New member pitches") == k1910);
}

TEST_CASE("agenda import: a German Excel file in Windows-1252 is read, with a warning") {
    std::string csv = "Titel;title;duration;speaker\r\n"
                      ";Begr\xFC\xDFung \x96 \x84Willkommen\x93;3:00;N-0001\r\n"
                      ";Gr\xFC\xDF\x65 aus M\xFCnchen;1:00;\r\n";
    for (auto* import : {&import_agenda, &import_agenda_csv}) {
        auto result = (*import)(csv, attendees(), {});
        INFO(result.describe());
        REQUIRE(result.ok());
        REQUIRE(result.agenda.items.size() == 2);
        CHECK(result.agenda.items[0].title == "Begrüßung – „Willkommen“");
        CHECK(result.agenda.items[0].speaker_id == 1);
        CHECK(result.agenda.items[1].title == "Grüße aus München");
        CHECK(result.warnings ==
              std::vector<std::string>{"read as Windows-1252: line 2 is not UTF-8 (in Excel: Save "
                                       "As > CSV UTF-8 to be sure)",
                                       "unknown column 'Titel' is ignored"});
    }
    // The same in JSON.
    auto json = import_agenda("{\"items\":[{\"title\":\"Begr\xFC\xDFung\",\"duration\":\"3:00\"}]}",
                              attendees());
    INFO(json.describe());
    REQUIRE(json.ok());
    CHECK(json.agenda.items.at(0).title == "Begrüßung");
    CHECK(json.warnings.size() == 1);
    CHECK(json.warnings.at(0).starts_with("read as Windows-1252"));
    CHECK(import_agenda_json("[{\"title\":\"\xC0\xAF\",\"duration\":\"3:00\"}]", attendees())
              .describe() ==
          "line 1: broken UTF-8: a surrogate, an overlong form or a code point above U+10FFFF");
}

TEST_CASE("agenda import: UTF-16 (Excel's Unicode text) as CSV or JSON") {
    std::string csv = utf16_with_bom(u"title\tduration\tkind\r\nBegrüßung\t3:00\ttalk\r\n");
    for (auto* import : {&import_agenda, &import_agenda_csv}) {
        auto result = (*import)(csv, attendees(), {});
        INFO(result.describe());
        REQUIRE(result.ok());
        REQUIRE(result.agenda.items.size() == 1);
        CHECK(result.agenda.items[0].title == "Begrüßung");
        CHECK(result.agenda.items[0].duration_ms == 180'000);
        CHECK(result.warnings ==
              std::vector<std::string>{"read as UTF-16 LE (Excel's Unicode text)"});
    }
    std::string json = utf16_with_bom(u"  {\"items\":[{\"title\":\"Grüße 🎤\",\"duration\":90}]}");
    for (auto* import : {&import_agenda, &import_agenda_json}) {
        auto result = (*import)(json, attendees(), {});
        INFO(result.describe());
        REQUIRE(result.ok());
        CHECK(result.agenda.items.at(0).title == "Grüße 🎤");
        CHECK(result.warnings ==
              std::vector<std::string>{"read as UTF-16 LE (Excel's Unicode text)"});
    }
    CHECK(import_agenda(utf16_with_bom(u"title\tduration\r\n\xDC00"), attendees()).describe() ==
          "line 2: broken UTF-16: a surrogate without its pair");
}
