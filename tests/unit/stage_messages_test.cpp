#include "message_checks.hpp"
#include "stagedoor/protocol/messages_stage.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor::protocol;
using nlohmann::json;

namespace {

using stagedoor::testing::accepted;
using stagedoor::testing::round_trip;

// Every refusal of a well-formed envelope is a bad_message.
template <class M> Error refused(std::string_view text) {
    auto error = stagedoor::testing::refused<M>(text);
    CHECK(error.code == ErrorCode::bad_message);
    return error;
}

TimerMessage sample_timer() {
    TimerMessage timer;
    timer.seq = 41;
    timer.state = TimerState::running;
    timer.item = TimerItem{"p3", "Solar roofs for schools", ItemKind::pitch,
                           SpeakerRef{12, "Jana Köhler", "TU Dresden"}, "TU Dresden"};
    timer.duration_ms = 180000;
    timer.started_at = 1764158400000;
    timer.ends_at = 1764158580000;
    timer.warn_ms = 30000;
    timer.danger_ms = 10000;
    timer.at_zero = AtZero::count_up;
    timer.added_ms = -5000;
    timer.next = TimerNext{"c3", "Changeover", std::nullopt};
    timer.block = TimerBlock{"New member pitches", 1764160200000, 1764160260000};
    timer.server_time = 1764158401234;
    return timer;
}

} // namespace

TEST_CASE("stage messages: requests round-trip") {
    round_trip(TimerControl{7, TimerAction::start, std::string("p1"), std::nullopt});
    round_trip(TimerControl{8, TimerAction::add_time, std::nullopt, -30000});
    round_trip(TimerControl{9, TimerAction::pause, std::nullopt, std::nullopt});

    AgendaAdd add;
    add.id = 3;
    add.item.title = "Pitch: Solar roofs";
    add.item.kind = ItemKind::pitch;
    add.item.speaker_id = std::optional<std::int64_t>(12);
    add.item.organisation = "SunCo";
    add.item.duration_ms = 180000;
    add.item.warn_ms = 30000;
    add.item.danger_ms = 10000;
    add.item.at_zero = AtZero::stop;
    add.item.block = "New member pitches";
    add.after = "p2";
    auto decoded_add = round_trip(add);
    CHECK(decoded_add.item.speaker_id == std::optional<std::optional<std::int64_t>>(12));

    AgendaUpdate update;
    update.id = 4;
    update.item_id = "p3";
    update.changes.speaker_id = std::optional<std::int64_t>(); // clears the speaker
    update.changes.block = "";
    auto decoded_update = round_trip(update);
    REQUIRE(decoded_update.changes.speaker_id.has_value());
    CHECK_FALSE(decoded_update.changes.speaker_id->has_value());
    CHECK(decoded_update.changes.block == "");
    CHECK_FALSE(decoded_update.changes.title);

    round_trip(AgendaRemove{5, "p3"});
    round_trip(AgendaMove{6, "p3", std::string("p1")});
    round_trip(AgendaMove{6, "p3", std::nullopt});
    round_trip(AgendaSkip{7, "p3", true});
    round_trip(NoShow{8, "p3", false});
    round_trip(SwapNext{9});
    round_trip(UndoNext{9});
    round_trip(StageMessageRequest{10, "One minute left — please wrap up", Tone::wrap_up, true});
    round_trip(StageClear{11});
    round_trip(Blackout{12, true});
    auto report = round_trip(SyncReport{13, -12.5, 3.25, 1500});
    CHECK(report.offset_ms == -12.5);
}

TEST_CASE("stage messages: pushes round-trip") {
    auto timer = round_trip(sample_timer());
    CHECK(timer.item->speaker->name == "Jana Köhler");

    TimerMessage idle;
    idle.server_time = 1;
    idle.remaining_ms = 0;
    auto decoded_idle = round_trip(idle);
    CHECK_FALSE(decoded_idle.item);
    auto idle_json = json::parse(serialize(idle));
    CHECK(idle_json["item"].is_null());
    CHECK(idle_json["ends_at"].is_null()); // nullable fields are always sent

    AgendaMessage agenda;
    agenda.seq = 41;
    agenda.current = "p3";
    AgendaEntry entry;
    entry.id = "p3";
    entry.title = "Solar roofs";
    entry.kind = ItemKind::pitch;
    entry.speaker = AgendaSpeaker{12, "Jana Köhler", "TU Dresden", true, 1764150000000};
    entry.organisation = "TU Dresden";
    entry.duration_ms = 180000;
    entry.warn_ms = 30000;
    entry.danger_ms = 10000;
    entry.block = "New member pitches";
    entry.status = ItemStatus::current;
    entry.actual_start = 1764158400000;
    entry.projected_start = 1764158400000;
    agenda.items = {entry, entry};
    agenda.items[1].id = "p4";
    agenda.items[1].speaker.reset();
    agenda.items[1].status = ItemStatus::pending;
    agenda.items[1].block.reset();
    agenda.blocks = {TimerBlock{"New member pitches", std::nullopt, 1764160260000}};
    agenda.warnings = {AgendaWarningEntry{.item_id = "p4",
                                          .text = "Block 'Pitches' is projected to overrun by 1:30",
                                          .kind = AgendaWarningKind::block_overrun,
                                          .block = "Pitches",
                                          .overrun_ms = 90000}};
    auto decoded_agenda = round_trip(agenda);
    REQUIRE(decoded_agenda.items.size() == 2);
    CHECK(decoded_agenda.items[0].speaker->present);

    round_trip(StageScreen{StageText{"Wrap up", Tone::wrap_up, true, 1764158400000}, false});
    round_trip(StageScreen{std::nullopt, true});
    round_trip(OnDeck{OnDeckItem{"p5", "Pitch 5"}, OnDeckSpeaker{14, "Ben", "Org", false}, 2});
    Displays displays;
    displays.displays = {
        DisplayHealth{"Stage left", Role::stage, 1.5, 4.0, 2000.0, 1764158400000, true},
        DisplayHealth{"Stage right", Role::stage, std::nullopt, std::nullopt, std::nullopt,
                      std::nullopt, false}};
    round_trip(displays);
}

TEST_CASE("stage messages: timer_control is checked per action") {
    CHECK(refused<TimerControl>(R"({"type":"timer_control","id":1,"action":"jump"})").field ==
          "action");
    CHECK(refused<TimerControl>(R"({"type":"timer_control","id":1,"action":"goto"})").field ==
          "item");
    CHECK(refused<TimerControl>(R"({"type":"timer_control","id":1,"action":"add_time"})").field ==
          "ms");
    CHECK(refused<TimerControl>(R"({"type":"timer_control","id":1,"action":"add_time","ms":0})")
              .field == "ms");
    CHECK(refused<TimerControl>(R"({"type":"timer_control","id":1,"action":"add_time","ms":1.5})")
              .field == "ms");
    CHECK(refused<TimerControl>(
              R"({"type":"timer_control","id":1,"action":"add_time","ms":28800001})")
              .field == "ms");
    CHECK(
        refused<TimerControl>(R"({"type":"timer_control","id":1,"action":"pause","ms":5})").field ==
        "ms");
    CHECK(refused<TimerControl>(R"({"type":"timer_control","id":1,"action":"pause","item":"a"})")
              .field == "item");
    CHECK(refused<TimerControl>(R"({"type":"timer_control","id":1,"action":"start","item":""})")
              .field == "item");
    CHECK(refused<TimerControl>(R"({"type":"timer_control","id":1,"action":"start","extra":1})")
              .field == "extra");
    CHECK(refused<TimerControl>(R"({"type":"timer_control","action":"start"})").field == "id");
    auto start =
        accepted<TimerControl>(R"({"type":"timer_control","id":1,"action":"start","item":null})");
    CHECK_FALSE(start.item);
    accepted<TimerControl>(R"({"type":"timer_control","id":1,"action":"add_time","ms":-60000.0})");
}

TEST_CASE("stage messages: agenda edits are strict") {
    CHECK(
        refused<AgendaAdd>(R"({"type":"agenda_add","id":1,"item":{"duration_ms":60000}})").field ==
        "item.title");
    CHECK(refused<AgendaAdd>(R"({"type":"agenda_add","id":1,"item":{"title":"T"}})").field ==
          "item.duration_ms");
    CHECK(
        refused<AgendaAdd>(R"({"type":"agenda_add","id":1,"item":{"title":"T","duration_ms":999}})")
            .field == "item.duration_ms");
    CHECK(
        refused<AgendaAdd>(
            R"({"type":"agenda_add","id":1,"item":{"title":"T","duration_ms":60000,"kind":"song"}})")
            .field == "item.kind");
    CHECK(refused<AgendaAdd>(
              R"({"type":"agenda_add","id":1,"item":{"title":"T","duration_ms":60000,"id":"x"}})")
              .field == "item.id");
    CHECK(
        refused<AgendaAdd>(
            R"({"type":"agenda_add","id":1,"item":{"title":"T","duration_ms":60000,"speaker_id":0}})")
            .field == "item.speaker_id");
    CHECK(refused<AgendaAdd>(R"({"type":"agenda_add","id":1,"item":"T"})").field == "item");
    auto long_title = R"({"type":"agenda_add","id":1,"item":{"title":")" + std::string(201, 'x') +
                      R"(","duration_ms":60000}})";
    CHECK(refused<AgendaAdd>(long_title).field == "item.title");
    auto add = accepted<AgendaAdd>(
        R"({"type":"agenda_add","id":1,"item":{"title":"T","duration_ms":60000,"speaker_id":null,"block":null}})");
    CHECK(add.item.speaker_id ==
          std::optional<std::optional<std::int64_t>>(std::optional<std::int64_t>()));
    CHECK(add.item.block == "");

    CHECK(refused<AgendaUpdate>(R"({"type":"agenda_update","id":1,"item_id":"a","changes":{}})")
              .field == "changes");
    CHECK(refused<AgendaUpdate>(
              R"({"type":"agenda_update","id":1,"item_id":"a","changes":{"title":""}})")
              .field == "changes.title");
    CHECK(
        refused<AgendaUpdate>(R"({"type":"agenda_update","id":1,"changes":{"title":"x"}})").field ==
        "item_id");
    CHECK(refused<AgendaMove>(R"({"type":"agenda_move","id":1,"item_id":"a","before":5})").field ==
          "before");
    CHECK(refused<AgendaSkip>(R"({"type":"agenda_skip","id":1,"item_id":"a"})").field == "skipped");
    CHECK(refused<AgendaSkip>(R"({"type":"agenda_skip","id":1,"item_id":"a","skipped":1})").field ==
          "skipped");
    CHECK(refused<NoShow>(R"({"type":"no_show","id":1,"item_id":"a","skipped":true})").field ==
          "no_show");
    CHECK(refused<AgendaRemove>(
              (R"({"type":"agenda_remove","id":1,"item_id":")" + std::string(65, 'a') + R"("})"))
              .field == "item_id");
    CHECK(refused<SwapNext>(R"({"type":"swap_next","id":1,"item_id":"a"})").field == "item_id");
}

TEST_CASE("stage messages: speaker messages and sync reports are strict") {
    CHECK(refused<StageMessageRequest>(
              R"({"type":"stage_message","id":1,"text":"","tone":"info","flash":false})")
              .field == "text");
    auto long_text = R"({"type":"stage_message","id":1,"text":")" + std::string(281, 'x') +
                     R"(","tone":"info","flash":false})";
    CHECK(refused<StageMessageRequest>(long_text).field == "text");
    CHECK(refused<StageMessageRequest>(
              R"({"type":"stage_message","id":1,"text":"Hi","tone":"loud","flash":false})")
              .field == "tone");
    CHECK(
        refused<StageMessageRequest>(R"({"type":"stage_message","id":1,"text":"Hi","tone":"info"})")
            .field == "flash");
    CHECK(refused<Blackout>(R"({"type":"blackout","id":1,"on":"yes"})").field == "on");
    CHECK(refused<SyncReport>(
              R"({"type":"sync_report","id":1,"offset_ms":1,"delay_ms":-1,"sample_age_ms":0})")
              .field == "delay_ms");
    CHECK(refused<SyncReport>(
              R"({"type":"sync_report","id":1,"offset_ms":"1","delay_ms":1,"sample_age_ms":0})")
              .field == "offset_ms");
    CHECK(refused<SyncReport>(
              R"({"type":"sync_report","id":1,"offset_ms":1e13,"delay_ms":1,"sample_age_ms":0})")
              .field == "offset_ms");
    CHECK(
        refused<SyncReport>(R"({"type":"sync_report","id":1,"offset_ms":1,"delay_ms":1})").field ==
        "sample_age_ms");
}

TEST_CASE("stage messages: nested push errors carry the full path") {
    json agenda = json::parse(serialize(AgendaMessage{}));
    agenda["items"] = json::array({json::parse(
        R"({"id":"a","title":"T","kind":"talk","speaker":{"id":1,"organisation":"","present":true,"arrived_at":null},"organisation":"","duration_ms":60000,"warn_ms":0,"danger_ms":0,"at_zero":"stop","block":null,"status":"pending","actual_start":null,"actual_end":null,"added_ms":0,"projected_start":null})")});
    auto error = refused<AgendaMessage>(agenda.dump());
    CHECK(error.field == "items[0].speaker.name");
    CHECK(error.message == "field 'items[0].speaker.name' is required");

    json timer = json::parse(serialize(sample_timer()));
    timer["state"] = "ticking";
    CHECK(refused<TimerMessage>(timer.dump()).field == "state");
    timer = json::parse(serialize(sample_timer()));
    timer["block"]["surprise"] = true;
    CHECK(refused<TimerMessage>(timer.dump()).field == "block.surprise");
    timer = json::parse(serialize(sample_timer()));
    timer.erase("seq");
    CHECK(refused<TimerMessage>(timer.dump()).field == "seq");
}
