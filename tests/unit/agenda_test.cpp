#include "domain/timer.hpp"

#include <catch2/catch.hpp>
#include <map>

using namespace stagedoor::domain;

namespace {

constexpr std::int64_t T0 = 1'764'158'400'000;
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;

ItemChanges changes(std::string title, std::int64_t duration) {
    ItemChanges result;
    result.title = std::move(title);
    result.duration_ms = duration;
    return result;
}

AgendaItem made(std::string id, std::int64_t duration, std::optional<std::int64_t> speaker = {},
                std::string block = {}) {
    ItemChanges draft = changes("Item " + id, duration);
    draft.kind = ItemKind::pitch;
    if (speaker) draft.speaker_id = speaker;
    draft.block = std::move(block);
    AgendaItem item;
    REQUIRE_FALSE(make_item(std::move(id), draft, item));
    return item;
}

std::vector<std::string> order(const StageState& state) {
    std::vector<std::string> ids;
    for (const auto& item : state.agenda.items)
        ids.push_back(item.id);
    return ids;
}

StageState with_items(std::vector<AgendaItem> items) {
    StageState state;
    Agenda agenda;
    agenda.items = std::move(items);
    REQUIRE_FALSE(replace_agenda(state, agenda));
    return state;
}

// Presence the way the attendance module would answer.
struct FakePresence {
    std::map<std::int64_t, SpeakerInfo> people;
    void add(std::int64_t id, std::string name, bool present) {
        people[id] = SpeakerInfo{id, std::move(name), "Org", present,
                                 present ? std::optional<std::int64_t>(T0) : std::nullopt};
    }
    SpeakerLookup lookup() const {
        return [this](std::int64_t id) -> std::optional<SpeakerInfo> {
            auto it = people.find(id);
            if (it == people.end()) return std::nullopt;
            return it->second;
        };
    }
};

} // namespace

TEST_CASE("agenda: defaults fit the item") {
    AgendaItem item;
    REQUIRE_FALSE(make_item("a", changes("Welcome", 5 * kMinute), item));
    CHECK(item.kind == ItemKind::talk);
    CHECK(item.warn_ms == 30 * kSecond);
    CHECK(item.danger_ms == 10 * kSecond);
    CHECK(item.at_zero == AtZero::count_up);
    REQUIRE_FALSE(make_item("b", changes("Short", 20 * kSecond), item));
    CHECK(item.warn_ms == 20 * kSecond);
    CHECK(item.danger_ms == 10 * kSecond);
    REQUIRE_FALSE(make_item("c", changes("Shorter", 5 * kSecond), item));
    CHECK(item.warn_ms == 5 * kSecond);
    CHECK(item.danger_ms == 5 * kSecond);
}

TEST_CASE("agenda: validation errors name the field") {
    AgendaItem item;
    auto field_of = [&](std::string id, ItemChanges draft) {
        auto failure = make_item(std::move(id), draft, item);
        REQUIRE(failure);
        CHECK(failure->kind == Failure::Kind::invalid);
        return failure->field;
    };
    CHECK(field_of("a", changes("T", 999)) == "duration_ms");
    CHECK(field_of("a", changes("T", 8 * 3600 * kSecond + 1)) == "duration_ms");
    CHECK(field_of("a", changes("", kMinute)) == "title");
    CHECK(field_of("a", changes("   ", kMinute)) == "title");
    CHECK(field_of("a", changes(std::string(201, 'x'), kMinute)) == "title");
    CHECK(field_of("has space", changes("T", kMinute)) == "id");
    CHECK(field_of("", changes("T", kMinute)) == "id");
    CHECK(field_of(std::string(65, 'a'), changes("T", kMinute)) == "id");
    auto warn_over = changes("T", kMinute);
    warn_over.warn_ms = kMinute + 1;
    CHECK(field_of("a", warn_over) == "warn_ms");
    auto danger_over = changes("T", kMinute);
    danger_over.warn_ms = 20 * kSecond;
    danger_over.danger_ms = 21 * kSecond;
    CHECK(field_of("a", danger_over) == "danger_ms");
    auto negative = changes("T", kMinute);
    negative.danger_ms = -1;
    CHECK(field_of("a", negative) == "danger_ms");
    ItemChanges untitled;
    untitled.duration_ms = kMinute;
    CHECK(field_of("a", untitled) == "title");
    ItemChanges no_duration;
    no_duration.title = "T";
    CHECK(field_of("a", no_duration) == "duration_ms");
    REQUIRE_FALSE(make_item("a", changes("T", kMinute), item));
    REQUIRE_FALSE(make_item("b", changes("T", 8 * 3600 * kSecond), item));
    REQUIRE_FALSE(make_item("c", changes("T", kSecond), item));
}

TEST_CASE("agenda: duplicate ids are refused") {
    Agenda agenda;
    agenda.items = {made("a", kMinute), made("a", kMinute)};
    auto failure = validate_agenda(agenda);
    REQUIRE(failure);
    CHECK(failure->field == "id");
    StageState state;
    CHECK(replace_agenda(state, agenda));

    auto ok_state = with_items({made("a", kMinute)});
    auto added = add_item(ok_state, made("a", kMinute), std::nullopt);
    REQUIRE(added);
    CHECK(added->kind == Failure::Kind::invalid);
    CHECK(ok_state.agenda.fresh_id() == "item-2");
}

TEST_CASE("agenda: add, update, remove and move") {
    auto state = with_items({made("a", kMinute), made("b", kMinute), made("c", kMinute)});
    auto seq = state.seq;
    REQUIRE_FALSE(add_item(state, made("x", kMinute), std::string("a")));
    CHECK(order(state) == std::vector<std::string>{"a", "x", "b", "c"});
    CHECK(state.seq == seq + 1);
    REQUIRE_FALSE(add_item(state, made("y", kMinute), std::nullopt));
    CHECK(order(state).back() == "y");
    CHECK(add_item(state, made("z", kMinute), std::string("nope"))->kind ==
          Failure::Kind::not_found);

    ItemChanges rename;
    rename.title = "Renamed";
    rename.speaker_id = std::optional<std::int64_t>(42);
    REQUIRE_FALSE(update_item(state, "x", rename, T0));
    CHECK(state.agenda.find("x")->title == "Renamed");
    CHECK(state.agenda.find("x")->speaker_id == 42);
    ItemChanges clear_speaker;
    clear_speaker.speaker_id = std::optional<std::int64_t>();
    REQUIRE_FALSE(update_item(state, "x", clear_speaker, T0));
    CHECK_FALSE(state.agenda.find("x")->speaker_id);
    ItemChanges bad;
    bad.duration_ms = 0;
    auto before = state;
    CHECK(update_item(state, "x", bad, T0)->field == "duration_ms");
    CHECK(state == before);
    CHECK(update_item(state, "nope", rename, T0)->kind == Failure::Kind::not_found);

    REQUIRE_FALSE(move_item(state, "c", std::string("a")));
    CHECK(order(state) == std::vector<std::string>{"c", "a", "x", "b", "y"});
    REQUIRE_FALSE(move_item(state, "c", std::nullopt));
    CHECK(order(state) == std::vector<std::string>{"a", "x", "b", "y", "c"});
    CHECK(move_item(state, "c", std::string("c"))->kind == Failure::Kind::invalid);
    CHECK(move_item(state, "c", std::string("nope"))->kind == Failure::Kind::not_found);

    REQUIRE_FALSE(remove_item(state, "x"));
    CHECK(order(state) == std::vector<std::string>{"a", "b", "y", "c"});
    CHECK(remove_item(state, "x")->kind == Failure::Kind::not_found);
}

TEST_CASE("agenda: shortening an item lowers thresholds that no longer fit") {
    auto state = with_items({made("a", 5 * kMinute)});
    ItemChanges shorter;
    shorter.duration_ms = 20 * kSecond;
    REQUIRE_FALSE(update_item(state, "a", shorter, T0));
    CHECK(state.agenda.find("a")->warn_ms == 20 * kSecond);
    CHECK(state.agenda.find("a")->danger_ms == 10 * kSecond);
    CHECK(state.timer.remaining_ms == 20 * kSecond); // idle current item follows
}

TEST_CASE("agenda: updating the running item shifts its end") {
    auto state = with_items({made("a", 3 * kMinute), made("b", kMinute)});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));
    ItemChanges longer;
    longer.duration_ms = 4 * kMinute;
    REQUIRE_FALSE(update_item(state, "a", longer, T0 + kMinute));
    CHECK(state.timer.ends_at == T0 + 4 * kMinute);
    ItemChanges shorter;
    shorter.duration_ms = 30 * kSecond;
    REQUIRE_FALSE(update_item(state, "a", shorter, T0 + kMinute));
    CHECK(state.timer.ends_at == T0 + 30 * kSecond);
    CHECK(state.timer.phase == TimerPhase::overtime);
}

TEST_CASE("agenda: switching the overrunning item to auto-advance hands over now") {
    auto state = with_items({made("a", kMinute), made("b", kMinute)});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));
    REQUIRE(settle(state, T0 + 2 * kMinute));
    ItemChanges advance;
    advance.at_zero = AtZero::next;
    REQUIRE_FALSE(update_item(state, "a", advance, T0 + 3 * kMinute));
    CHECK(state.timer.item_id == "b");
    CHECK(state.timer.started_at == T0 + 3 * kMinute);
    CHECK(state.timer.ends_at == T0 + 4 * kMinute);
    CHECK(state.agenda.find("a")->actual.overtime_ms == 2 * kMinute);
}

TEST_CASE("agenda: an auto-advancing item resumed past zero hands over at the resume") {
    auto state = with_items({made("a", kMinute), made("b", kMinute)});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));
    REQUIRE(settle(state, T0 + kMinute + 10 * kSecond));
    REQUIRE_FALSE(apply_timer(state, {TimerAction::pause, {}, {}}, T0 + kMinute + 10 * kSecond));
    ItemChanges advance;
    advance.at_zero = AtZero::next;
    REQUIRE_FALSE(update_item(state, "a", advance, T0 + 2 * kMinute));
    CHECK(state.timer.phase == TimerPhase::paused); // still paused: nothing runs
    REQUIRE_FALSE(apply_timer(state, {TimerAction::resume, {}, {}}, T0 + 5 * kMinute));
    CHECK(state.timer.item_id == "b");
    CHECK(state.timer.started_at == T0 + 5 * kMinute);
    CHECK(state.agenda.find("a")->actual.overtime_ms == 10 * kSecond);
}

TEST_CASE("agenda: the item in progress cannot be removed, skipped or marked no-show") {
    auto state = with_items({made("a", kMinute), made("b", kMinute)});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));
    CHECK(remove_item(state, "a")->kind == Failure::Kind::conflict);
    CHECK(set_skipped(state, "a", true)->kind == Failure::Kind::conflict);
    CHECK(set_no_show(state, "a", true)->kind == Failure::Kind::conflict);
    REQUIRE_FALSE(apply_timer(state, {TimerAction::stop, {}, {}}, T0 + kSecond));
    REQUIRE_FALSE(remove_item(state, "a"));
    CHECK(state.timer.item_id == "b");
    CHECK(state.timer.phase == TimerPhase::idle);
}

TEST_CASE("agenda: reordering the running item keeps it running") {
    auto state = with_items({made("a", kMinute), made("b", kMinute), made("c", kMinute)});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));
    auto anchors = state.timer;
    REQUIRE_FALSE(move_item(state, "a", std::nullopt));
    CHECK(order(state) == std::vector<std::string>{"b", "c", "a"});
    CHECK(state.timer == anchors);
    // Next now follows the new order: a is last.
    REQUIRE_FALSE(apply_timer(state, {TimerAction::next, {}, {}}, T0 + kSecond));
    CHECK(state.timer.phase == TimerPhase::stopped);
    CHECK(state.agenda.find("a")->actual.end == T0 + kSecond);
}

TEST_CASE("agenda: skip and no-show") {
    auto state = with_items({made("a", kMinute), made("b", kMinute), made("c", kMinute)});
    SECTION("skipping the waiting current item moves to the next") {
        REQUIRE_FALSE(set_skipped(state, "a", true));
        CHECK(state.timer.item_id == "b");
        REQUIRE_FALSE(set_no_show(state, "b", true));
        CHECK(state.timer.item_id == "c");
        REQUIRE_FALSE(set_skipped(state, "c", true));
        CHECK_FALSE(state.timer.item_id); // nothing left to play
        CHECK(apply_timer(state, {TimerAction::start, {}, {}}, T0)->kind ==
              Failure::Kind::conflict);
        REQUIRE_FALSE(set_skipped(state, "a", false));
        CHECK(state.timer.item_id == "a");
    }
    SECTION("next passes over skipped and no-show items") {
        REQUIRE_FALSE(set_skipped(state, "b", true));
        REQUIRE_FALSE(apply_timer(state, {TimerAction::next, {}, {}}, T0));
        CHECK(state.timer.item_id == "c");
        REQUIRE_FALSE(apply_timer(state, {TimerAction::previous, {}, {}}, T0));
        CHECK(state.timer.item_id == "a");
        auto failure = apply_timer(state, {TimerAction::go_to, std::string("b"), {}}, T0);
        REQUIRE(failure);
        CHECK(failure->kind == Failure::Kind::conflict);
    }
    SECTION("statuses") {
        REQUIRE_FALSE(set_skipped(state, "b", true));
        REQUIRE_FALSE(set_no_show(state, "c", true));
        auto projection = project(state, T0, {});
        CHECK(projection.items[0].status == ItemStatus::current);
        CHECK(projection.items[1].status == ItemStatus::skipped);
        CHECK(projection.items[2].status == ItemStatus::no_show);
        CHECK(set_skipped(state, "zz", true)->kind == Failure::Kind::not_found);
    }
}

TEST_CASE("agenda: swap_next brings the next present speaker forward") {
    FakePresence presence;
    presence.add(1, "Ada", true);
    presence.add(2, "Ben", false);
    presence.add(3, "Cem", false);
    presence.add(4, "Dora", true);
    presence.add(5, "Eve", true);
    auto state =
        with_items({made("p1", 3 * kMinute, 1, "Pitches"), made("p2", 3 * kMinute, 2, "Pitches"),
                    made("p3", 3 * kMinute, 3, "Pitches"), made("p4", 3 * kMinute, 4, "Pitches"),
                    made("net", 30 * kMinute, 5)});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));

    auto warnings = project(state, T0, presence.lookup()).warnings;
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].item_id == "p2");
    CHECK(warnings[0].text == "Next speaker Ben is not checked in");
    CHECK(warnings[0].kind == WarningKind::speaker_not_checked_in);

    REQUIRE_FALSE(swap_next(state, presence.lookup()));
    CHECK(order(state) == std::vector<std::string>{"p1", "p4", "p2", "p3", "net"});
    CHECK(state.timer.item_id == "p1");
    CHECK(state.timer.phase == TimerPhase::running);
    CHECK(project(state, T0, presence.lookup()).warnings.empty());

    // The next speaker is present now: nothing to swap.
    CHECK(swap_next(state, presence.lookup())->kind == Failure::Kind::conflict);

    // After p4, Ben and Cem are both missing and nobody later in the block is present;
    // the networking speaker (another block) is not pulled in.
    REQUIRE_FALSE(apply_timer(state, {TimerAction::next, {}, {}}, T0 + 3 * kMinute));
    auto before = state;
    auto failure = swap_next(state, presence.lookup());
    REQUIRE(failure);
    CHECK(failure->message == "no later speaker in this block is present");
    CHECK(state == before);

    // Cem arrives: swapping brings p3 in front of p2.
    presence.add(3, "Cem", true);
    REQUIRE_FALSE(swap_next(state, presence.lookup()));
    CHECK(order(state) == std::vector<std::string>{"p1", "p4", "p3", "p2", "net"});
}

TEST_CASE("agenda: swap_next while the next item waits in idle makes the swapped item current") {
    FakePresence presence;
    presence.add(1, "Ada", false);
    presence.add(2, "Ben", true);
    auto state = with_items({made("p1", 3 * kMinute, 1), made("p2", 2 * kMinute, 2)});
    REQUIRE_FALSE(swap_next(state, presence.lookup()));
    CHECK(state.timer.item_id == "p2");
    CHECK(state.timer.remaining_ms == 2 * kMinute);
    CHECK(order(state) == std::vector<std::string>{"p2", "p1"});
}

TEST_CASE("agenda: an unknown speaker is flagged") {
    FakePresence presence;
    auto state = with_items({made("p1", 3 * kMinute, 99)});
    auto warnings = project(state, T0, presence.lookup()).warnings;
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].text.find("not in the attendee list") != std::string::npos);
    CHECK(warnings[0].kind == WarningKind::speaker_unknown);
}

TEST_CASE("agenda: the pitch queue counts items that are not breaks") {
    auto state = with_items({made("p1", kMinute), made("p2", kMinute), made("p3", kMinute)});
    AgendaItem changeover;
    ItemChanges draft = changes("Changeover", 30 * kSecond);
    draft.kind = ItemKind::break_slot;
    REQUIRE_FALSE(make_item("c1", draft, changeover));
    REQUIRE_FALSE(add_item(state, changeover, std::string("p1")));
    auto queue = queue_after_current(state, 2);
    REQUIRE(queue.size() == 2);
    CHECK(state.agenda.items[queue[0]].id == "p2");
    CHECK(state.agenda.items[queue[1]].id == "p3");
}

namespace {

AgendaItem changeover(std::string id, std::string block = "Pitches",
                      std::int64_t duration = 30 * kSecond) {
    AgendaItem item = made(std::move(id), duration, std::nullopt, std::move(block));
    item.title = "Changeover";
    item.kind = ItemKind::break_slot;
    item.at_zero = AtZero::next;
    return item;
}

// The items that will play, in order.
std::vector<std::string> playable_order(const StageState& state) {
    std::vector<std::string> ids;
    for (const auto& item : state.agenda.items)
        if (item.playable()) ids.push_back(item.id);
    return ids;
}

// p1 c1 p2 c2 p3 c3 p4 c4 p5 in block "Pitches"; speakers 1-5, present as given.
StageState pitches_with_changeovers(FakePresence& presence, std::vector<bool> present) {
    const char* names[] = {"Ada", "Ben", "Cem", "Dora", "Eve"};
    std::vector<AgendaItem> items;
    for (int n = 1; n <= 5; ++n) {
        presence.add(n, names[n - 1], present[static_cast<std::size_t>(n - 1)]);
        items.push_back(made("p" + std::to_string(n), 3 * kMinute, n, "Pitches"));
        if (n < 5) items.push_back(changeover("c" + std::to_string(n)));
    }
    return with_items(std::move(items));
}

} // namespace

TEST_CASE("agenda: warning and swap look past the changeover for the next pitcher") {
    FakePresence presence;
    auto state = pitches_with_changeovers(presence, {true, false, false, true, true});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));
    // c1 is upcoming; the pitcher after it is missing.
    auto warnings = project(state, T0, presence.lookup()).warnings;
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].item_id == "p2");
    CHECK(state.agenda.items[*next_speaker_index(state)].id == "p2");

    // Dora's pitch comes forward with its changeover: still one changeover between pitches.
    REQUIRE_FALSE(swap_next(state, presence.lookup()));
    CHECK(order(state) ==
          std::vector<std::string>{"p1", "c1", "p4", "c4", "p2", "c2", "p3", "c3", "p5"});
    CHECK(project(state, T0, presence.lookup()).warnings.empty());

    // The same with the changeover itself running.
    REQUIRE_FALSE(apply_timer(state, {TimerAction::next, {}, {}}, T0 + 3 * kMinute));
    REQUIRE(state.timer.item_id == "c1");
    REQUIRE_FALSE(apply_timer(state, {TimerAction::next, {}, {}}, T0 + 3 * kMinute + kSecond));
    REQUIRE_FALSE(apply_timer(state, {TimerAction::next, {}, {}}, T0 + 6 * kMinute));
    REQUIRE(state.timer.item_id == "c4");
    warnings = project(state, T0 + 6 * kMinute, presence.lookup()).warnings;
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].item_id == "p2");
    // Eve's is the last pitch: the changeover before it (c3) comes along, after it.
    REQUIRE_FALSE(swap_next(state, presence.lookup()));
    CHECK(order(state) ==
          std::vector<std::string>{"p1", "c1", "p4", "c4", "p5", "c3", "p2", "c2", "p3"});
    CHECK(state.timer.item_id == "c4");
}

TEST_CASE("agenda: the block's last pitch swaps forward with the changeover before it") {
    FakePresence presence;
    presence.add(1, "Ada", true);
    presence.add(2, "Ben", false);
    presence.add(3, "Cem", true);
    auto state = with_items({made("p1", 3 * kMinute, 1, "Pitches"), changeover("c1"),
                             made("p2", 3 * kMinute, 2, "Pitches"), changeover("c2"),
                             made("p3", 3 * kMinute, 3, "Pitches"), made("net", 30 * kMinute)});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));
    REQUIRE_FALSE(swap_next(state, presence.lookup()));
    CHECK(order(state) == std::vector<std::string>{"p1", "c1", "p3", "c2", "p2", "net"});
}

TEST_CASE("agenda: a no-show between changeovers skips one of them, and un-marking restores it") {
    FakePresence presence;
    auto state = pitches_with_changeovers(presence, {true, false, true, true, true});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));
    REQUIRE_FALSE(set_no_show(state, "p2", true));
    CHECK(playable_order(state) ==
          std::vector<std::string>{"p1", "c1", "p3", "c3", "p4", "c4", "p5"});
    CHECK(state.agenda.find("c2")->skipped);
    REQUIRE_FALSE(set_no_show(state, "p2", false));
    CHECK(playable_order(state) ==
          std::vector<std::string>{"p1", "c1", "p2", "c2", "p3", "c3", "p4", "c4", "p5"});

    // While c1 runs it stays; the changeover after the missing pitch goes.
    REQUIRE_FALSE(apply_timer(state, {TimerAction::next, {}, {}}, T0 + 3 * kMinute));
    REQUIRE(state.timer.item_id == "c1");
    REQUIRE_FALSE(set_no_show(state, "p2", true));
    CHECK(playable_order(state) ==
          std::vector<std::string>{"p1", "c1", "p3", "c3", "p4", "c4", "p5"});
    // The last pitch has only one changeover next to it: nothing else changes.
    REQUIRE_FALSE(set_no_show(state, "p5", true));
    CHECK(playable_order(state) == std::vector<std::string>{"p1", "c1", "p3", "c3", "p4", "c4"});
}

TEST_CASE("agenda: a no-show between a changeover and a long break keeps the long break") {
    FakePresence presence;
    presence.add(1, "Ada", true);
    presence.add(2, "Ben", false);
    auto state = with_items({made("p1", 3 * kMinute, 1, "Pitches"), changeover("c1"),
                             made("p2", 3 * kMinute, 2, "Pitches"),
                             changeover("lunch", "Pitches", 45 * kMinute)});
    REQUIRE_FALSE(set_no_show(state, "p2", true));
    CHECK(playable_order(state) == std::vector<std::string>{"p1", "lunch"});
}

TEST_CASE("agenda: undo_next puts back the item a mistaken Next ended") {
    auto state = with_items({made("p1", 3 * kMinute), made("p2", 2 * kMinute)});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));
    REQUIRE_FALSE(apply_timer(state, {TimerAction::add_time, {}, 30 * kSecond}, T0 + kSecond));
    auto before = state;
    REQUIRE_FALSE(apply_timer(state, {TimerAction::next, {}, {}}, T0 + kMinute));
    auto undo = undo_record(before, state);
    REQUIRE(state.timer.item_id == "p2");

    auto seq = state.seq;
    REQUIRE_FALSE(undo_next(state, undo, T0 + kMinute + 20 * kSecond));
    CHECK(state.seq == seq + 1);
    CHECK(state.timer == before.timer); // p1 kept its anchors: its time ran on meanwhile
    CHECK(state.timer.ends_at == T0 + 3 * kMinute + 30 * kSecond);
    CHECK_FALSE(state.agenda.find("p1")->actual.end);
    CHECK_FALSE(state.agenda.find("p2")->actual.start);

    // Only once, and only while nothing else changed.
    auto failure = undo_next(state, undo, T0 + 2 * kMinute);
    REQUIRE(failure);
    CHECK(failure->kind == Failure::Kind::conflict);
    before = state;
    REQUIRE_FALSE(apply_timer(state, {TimerAction::next, {}, {}}, T0 + 2 * kMinute));
    undo = undo_record(before, state);
    REQUIRE_FALSE(apply_timer(state, {TimerAction::pause, {}, {}}, T0 + 2 * kMinute));
    auto unchanged = state;
    CHECK(undo_next(state, undo, T0 + 2 * kMinute)->kind == Failure::Kind::conflict);
    CHECK(state == unchanged);
}

TEST_CASE("agenda: undo_next after p1's zero passed applies its at_zero") {
    auto first = made("p1", kMinute);
    first.at_zero = AtZero::stop;
    auto state = with_items({first, made("p2", 2 * kMinute)});
    REQUIRE_FALSE(apply_timer(state, {TimerAction::start, {}, {}}, T0));
    auto before = state;
    REQUIRE_FALSE(apply_timer(state, {TimerAction::next, {}, {}}, T0 + 30 * kSecond));
    REQUIRE_FALSE(undo_next(state, undo_record(before, state), T0 + 90 * kSecond));
    CHECK(state.timer.item_id == "p1");
    CHECK(held_at_zero(state.timer));
}

TEST_CASE("agenda: format_clock") {
    CHECK(format_clock(0) == "0:00");
    CHECK(format_clock(65'000) == "1:05");
    CHECK(format_clock(-9'999) == "-0:09");
    CHECK(format_clock(3'600'000 + 61'000) == "1:01:01");
}
