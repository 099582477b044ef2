#include "domain/timer.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor::domain;

namespace {

constexpr std::int64_t T0 = 1'764'158'400'000; // 2025-11-26 12:00 UTC
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;

AgendaItem item(std::string id, std::int64_t duration, AtZero at_zero = AtZero::count_up,
                std::string block = {}) {
    AgendaItem result;
    result.id = id;
    result.title = "Title " + id;
    result.kind = ItemKind::pitch;
    result.duration_ms = duration;
    result.warn_ms = std::min(kDefaultWarnMs, duration);
    result.danger_ms = std::min(kDefaultDangerMs, result.warn_ms);
    result.at_zero = at_zero;
    result.block = std::move(block);
    return result;
}

// a (3 min, count_up), b (2 min, stop), c (1 min, next), d (5 min, count_up)
StageState fresh() {
    StageState state;
    Agenda agenda;
    agenda.items = {item("a", 3 * kMinute), item("b", 2 * kMinute, AtZero::stop),
                    item("c", 1 * kMinute, AtZero::next), item("d", 5 * kMinute)};
    REQUIRE_FALSE(replace_agenda(state, agenda));
    return state;
}

TimerCommand cmd(TimerAction action, std::optional<std::string> target = std::nullopt,
                 std::optional<std::int64_t> ms = std::nullopt) {
    return TimerCommand{action, std::move(target), ms};
}

void ok(StageState& state, TimerCommand command, std::int64_t now) {
    auto before = state.seq;
    auto failure = apply_timer(state, command, now);
    INFO("action " << to_string(command.action) << ": " << (failure ? failure->message : ""));
    REQUIRE_FALSE(failure);
    CHECK(state.seq == before + 1);
}

Failure::Kind refused(StageState& state, TimerCommand command, std::int64_t now) {
    StageState before = state;
    auto failure = apply_timer(state, command, now);
    REQUIRE(failure);
    CHECK(state == before); // a refused command changes nothing, not even seq
    return failure->kind;
}

StageState running_a() {
    auto state = fresh();
    ok(state, cmd(TimerAction::start), T0);
    return state;
}

} // namespace

TEST_CASE("timer: a fresh agenda waits in idle on the first item") {
    auto state = fresh();
    CHECK(state.timer.phase == TimerPhase::idle);
    CHECK(state.timer.item_id == "a");
    CHECK(state.timer.remaining_ms == 3 * kMinute);
    CHECK_FALSE(state.timer.ends_at);
    CHECK_FALSE(deadline(state));
}

TEST_CASE("timer: start anchors ends_at and records the actual start") {
    auto state = running_a();
    CHECK(state.timer.phase == TimerPhase::running);
    CHECK(state.timer.started_at == T0);
    CHECK(state.timer.ends_at == T0 + 3 * kMinute);
    CHECK_FALSE(state.timer.remaining_ms);
    CHECK(remaining_at(state.timer, T0 + 70 * kSecond) == 110 * kSecond);
    CHECK(deadline(state) == T0 + 3 * kMinute);
    CHECK(state.agenda.find("a")->actual.start == T0);
}

TEST_CASE("timer: idle transitions") {
    SECTION("start a given item") {
        auto state = fresh();
        ok(state, cmd(TimerAction::start, "c"), T0);
        CHECK(state.timer.item_id == "c");
        CHECK(state.timer.phase == TimerPhase::running);
    }
    SECTION("pause, resume and stop are refused") {
        auto state = fresh();
        CHECK(refused(state, cmd(TimerAction::pause), T0) == Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::resume), T0) == Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::stop), T0) == Failure::Kind::conflict);
    }
    SECTION("next loads the next item without starting it") {
        auto state = fresh();
        ok(state, cmd(TimerAction::next), T0);
        CHECK(state.timer.item_id == "b");
        CHECK(state.timer.phase == TimerPhase::idle);
        CHECK(state.timer.remaining_ms == 2 * kMinute);
        CHECK_FALSE(state.agenda.find("a")->actual.end); // never ran, so nothing recorded
    }
    SECTION("previous on the first item is refused") {
        auto state = fresh();
        CHECK(refused(state, cmd(TimerAction::previous), T0) == Failure::Kind::conflict);
    }
    SECTION("goto loads an item") {
        auto state = fresh();
        ok(state, cmd(TimerAction::go_to, "d"), T0);
        CHECK(state.timer.item_id == "d");
        CHECK(state.timer.phase == TimerPhase::idle);
        CHECK(refused(state, cmd(TimerAction::go_to, "d"), T0) == Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::go_to, "zz"), T0) == Failure::Kind::not_found);
        CHECK(refused(state, cmd(TimerAction::go_to), T0) == Failure::Kind::invalid);
    }
    SECTION("add_time changes what the item will start with") {
        auto state = fresh();
        ok(state, cmd(TimerAction::add_time, std::nullopt, 30 * kSecond), T0);
        CHECK(state.timer.remaining_ms == 3 * kMinute + 30 * kSecond);
        ok(state, cmd(TimerAction::start), T0 + kMinute);
        CHECK(state.timer.ends_at == T0 + kMinute + 3 * kMinute + 30 * kSecond);
        CHECK(state.timer.added_ms == 30 * kSecond);
        CHECK(state.agenda.find("a")->actual.added_ms == 30 * kSecond);
    }
    SECTION("reset keeps it idle with the planned duration") {
        auto state = fresh();
        ok(state, cmd(TimerAction::add_time, std::nullopt, 30 * kSecond), T0);
        ok(state, cmd(TimerAction::reset), T0);
        CHECK(state.timer.remaining_ms == 3 * kMinute);
        CHECK(state.timer.added_ms == 0);
    }
}

TEST_CASE("timer: running transitions") {
    SECTION("start again is refused") {
        auto state = running_a();
        CHECK(refused(state, cmd(TimerAction::start), T0 + 1) == Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::resume), T0 + 1) == Failure::Kind::conflict);
    }
    SECTION("start another item ends this one") {
        auto state = running_a();
        ok(state, cmd(TimerAction::start, "d"), T0 + kMinute);
        CHECK(state.agenda.find("a")->actual.end == T0 + kMinute);
        CHECK(state.timer.item_id == "d");
        CHECK(state.timer.ends_at == T0 + kMinute + 5 * kMinute);
    }
    SECTION("pause keeps the remaining time") {
        auto state = running_a();
        ok(state, cmd(TimerAction::pause), T0 + 50 * kSecond);
        CHECK(state.timer.phase == TimerPhase::paused);
        CHECK(state.timer.remaining_ms == 130 * kSecond);
        CHECK_FALSE(state.timer.ends_at);
        CHECK_FALSE(deadline(state));
    }
    SECTION("next hands over running") {
        auto state = running_a();
        ok(state, cmd(TimerAction::next), T0 + 2 * kMinute);
        CHECK(state.agenda.find("a")->actual.end == T0 + 2 * kMinute);
        CHECK(state.agenda.find("a")->actual.overtime_ms == 0);
        CHECK(state.timer.item_id == "b");
        CHECK(state.timer.phase == TimerPhase::running);
        CHECK(state.timer.started_at == T0 + 2 * kMinute);
        CHECK(state.timer.ends_at == T0 + 4 * kMinute);
    }
    SECTION("previous hands over running") {
        auto state = fresh();
        ok(state, cmd(TimerAction::start, "b"), T0);
        ok(state, cmd(TimerAction::previous), T0 + kSecond);
        CHECK(state.timer.item_id == "a");
        CHECK(state.timer.phase == TimerPhase::running);
        CHECK(state.timer.ends_at == T0 + kSecond + 3 * kMinute);
    }
    SECTION("goto hands over running") {
        auto state = running_a();
        ok(state, cmd(TimerAction::go_to, "d"), T0 + kSecond);
        CHECK(state.timer.item_id == "d");
        CHECK(state.timer.phase == TimerPhase::running);
    }
    SECTION("add_time moves ends_at, negative stops at 0:00") {
        auto state = running_a();
        ok(state, cmd(TimerAction::add_time, std::nullopt, kMinute), T0 + kSecond);
        CHECK(state.timer.ends_at == T0 + 4 * kMinute);
        ok(state, cmd(TimerAction::add_time, std::nullopt, -10 * kMinute), T0 + kMinute);
        // Clamped to what was left (3 min): the item is at zero now, count_up -> overtime.
        CHECK(state.timer.ends_at == T0 + kMinute);
        CHECK(state.timer.phase == TimerPhase::overtime);
        CHECK(state.timer.added_ms == kMinute - 3 * kMinute);
        CHECK(refused(state, cmd(TimerAction::add_time, std::nullopt, -kSecond), T0 + kMinute) ==
              Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::add_time, std::nullopt, 0), T0 + kMinute) ==
              Failure::Kind::invalid);
    }
    SECTION("add_time is capped at 12 hours in total per item, and a refusal changes nothing") {
        auto state = running_a();
        constexpr std::int64_t kHour = 60 * kMinute;
        ok(state, cmd(TimerAction::add_time, std::nullopt, 8 * kHour), T0 + kSecond);
        ok(state, cmd(TimerAction::add_time, std::nullopt, 4 * kHour), T0 + kSecond);
        CHECK(state.timer.added_ms == kMaxAddedMs);
        auto before = state;
        CHECK(refused(state, cmd(TimerAction::add_time, std::nullopt, 1), T0 + 2 * kSecond) ==
              Failure::Kind::invalid);
        CHECK(state.timer.ends_at == before.timer.ends_at);
        CHECK(state.timer.added_ms == kMaxAddedMs);
        // Taking time away is still possible, and then adding it back.
        ok(state, cmd(TimerAction::add_time, std::nullopt, -kHour), T0 + 2 * kSecond);
        ok(state, cmd(TimerAction::add_time, std::nullopt, kHour), T0 + 2 * kSecond);
    }
    SECTION("reset goes back to idle with the planned duration and clears the actuals") {
        auto state = running_a();
        ok(state, cmd(TimerAction::add_time, std::nullopt, kMinute), T0 + kSecond);
        ok(state, cmd(TimerAction::reset), T0 + 2 * kSecond);
        CHECK(state.timer.phase == TimerPhase::idle);
        CHECK(state.timer.remaining_ms == 3 * kMinute);
        CHECK(state.timer.added_ms == 0);
        CHECK(state.agenda.find("a")->actual == ItemActuals{});
    }
    SECTION("stop ends the item and shows what was left") {
        auto state = running_a();
        ok(state, cmd(TimerAction::stop), T0 + kMinute);
        CHECK(state.timer.phase == TimerPhase::stopped);
        CHECK(state.timer.remaining_ms == 2 * kMinute);
        CHECK_FALSE(held_at_zero(state.timer));
        CHECK(state.agenda.find("a")->actual.end == T0 + kMinute);
    }
}

TEST_CASE("timer: paused transitions") {
    auto paused = [] {
        auto state = running_a();
        ok(state, cmd(TimerAction::pause), T0 + kMinute); // 2:00 left
        return state;
    };
    SECTION("pause and start are refused") {
        auto state = paused();
        CHECK(refused(state, cmd(TimerAction::pause), T0 + 2 * kMinute) == Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::start), T0 + 2 * kMinute) == Failure::Kind::conflict);
    }
    SECTION("resume re-anchors from the remaining time") {
        auto state = paused();
        ok(state, cmd(TimerAction::resume), T0 + 10 * kMinute);
        CHECK(state.timer.phase == TimerPhase::running);
        CHECK(state.timer.ends_at == T0 + 12 * kMinute);
        CHECK(state.timer.started_at == T0); // the run's start is kept
    }
    SECTION("add_time while paused") {
        auto state = paused();
        ok(state, cmd(TimerAction::add_time, std::nullopt, -30 * kSecond), T0 + 5 * kMinute);
        CHECK(state.timer.remaining_ms == 90 * kSecond);
        CHECK(state.timer.phase == TimerPhase::paused);
        ok(state, cmd(TimerAction::add_time, std::nullopt, -5 * kMinute), T0 + 5 * kMinute);
        CHECK(state.timer.remaining_ms == 0);
        CHECK(state.timer.added_ms == -2 * kMinute);
    }
    SECTION("next from paused loads the next item in idle") {
        auto state = paused();
        ok(state, cmd(TimerAction::next), T0 + 3 * kMinute);
        CHECK(state.timer.item_id == "b");
        CHECK(state.timer.phase == TimerPhase::idle);
        CHECK(state.agenda.find("a")->actual.end == T0 + 3 * kMinute);
        CHECK(state.agenda.find("a")->actual.overtime_ms == 0);
    }
    SECTION("previous and goto from paused load in idle") {
        auto state = fresh();
        ok(state, cmd(TimerAction::start, "b"), T0);
        ok(state, cmd(TimerAction::pause), T0 + kSecond);
        ok(state, cmd(TimerAction::previous), T0 + 2 * kSecond);
        CHECK(state.timer.item_id == "a");
        CHECK(state.timer.phase == TimerPhase::idle);
        ok(state, cmd(TimerAction::start), T0 + 3 * kSecond);
        ok(state, cmd(TimerAction::pause), T0 + 4 * kSecond);
        ok(state, cmd(TimerAction::go_to, "d"), T0 + 5 * kSecond);
        CHECK(state.timer.item_id == "d");
        CHECK(state.timer.phase == TimerPhase::idle);
    }
    SECTION("stop from paused") {
        auto state = paused();
        ok(state, cmd(TimerAction::stop), T0 + 9 * kMinute);
        CHECK(state.timer.phase == TimerPhase::stopped);
        CHECK(state.timer.remaining_ms == 2 * kMinute);
        CHECK(state.agenda.find("a")->actual.end == T0 + 9 * kMinute);
    }
    SECTION("reset from paused") {
        auto state = paused();
        ok(state, cmd(TimerAction::reset), T0 + 9 * kMinute);
        CHECK(state.timer.phase == TimerPhase::idle);
        CHECK(state.timer.remaining_ms == 3 * kMinute);
    }
}

TEST_CASE("timer: pause at zero and in overtime") {
    SECTION("pausing exactly at zero holds 0:00") {
        auto state = running_a();
        // The zero transition (overtime) is due at ends_at; pausing at that instant keeps 0.
        ok(state, cmd(TimerAction::pause), T0 + 3 * kMinute);
        CHECK(state.timer.phase == TimerPhase::paused);
        CHECK(state.timer.remaining_ms == 0);
        ok(state, cmd(TimerAction::resume), T0 + 4 * kMinute);
        CHECK(state.timer.phase == TimerPhase::overtime);
        CHECK(state.timer.ends_at == T0 + 4 * kMinute);
    }
    SECTION("pausing in overtime keeps the overtime as negative remaining") {
        auto state = running_a();
        CHECK(settle(state, T0 + 3 * kMinute));
        ok(state, cmd(TimerAction::pause), T0 + 3 * kMinute + 15 * kSecond);
        CHECK(state.timer.remaining_ms == -15 * kSecond);
        ok(state, cmd(TimerAction::resume), T0 + 5 * kMinute);
        CHECK(state.timer.phase == TimerPhase::overtime);
        CHECK(remaining_at(state.timer, T0 + 5 * kMinute + 5 * kSecond) == -20 * kSecond);
        ok(state, cmd(TimerAction::next), T0 + 5 * kMinute + 5 * kSecond);
        CHECK(state.agenda.find("a")->actual.overtime_ms == 20 * kSecond);
    }
    SECTION("paused at zero with at_zero=next advances on resume") {
        auto state = fresh();
        ok(state, cmd(TimerAction::start, "c"), T0);
        ok(state, cmd(TimerAction::pause), T0 + kMinute);
        CHECK(state.timer.remaining_ms == 0);
        ok(state, cmd(TimerAction::resume), T0 + 2 * kMinute);
        CHECK(state.timer.item_id == "d");
        CHECK(state.timer.phase == TimerPhase::running);
        CHECK(state.timer.started_at == T0 + 2 * kMinute);
    }
}

TEST_CASE("timer: overtime counts up and is recorded") {
    auto state = running_a();
    CHECK_FALSE(settle(state, T0 + 3 * kMinute - 1));
    auto seq = state.seq;
    CHECK(settle(state, T0 + 3 * kMinute));
    CHECK(state.seq == seq + 1);
    CHECK(state.timer.phase == TimerPhase::overtime);
    CHECK_FALSE(deadline(state)); // nothing more to do until a command
    CHECK_FALSE(settle(state, T0 + 4 * kMinute));
    CHECK(remaining_at(state.timer, T0 + 3 * kMinute + 42 * kSecond) == -42 * kSecond);

    SECTION("add_time in overtime brings it back to running") {
        ok(state, cmd(TimerAction::add_time, std::nullopt, kMinute),
           T0 + 3 * kMinute + 20 * kSecond);
        CHECK(state.timer.phase == TimerPhase::running);
        CHECK(state.timer.ends_at == T0 + 4 * kMinute);
        CHECK(deadline(state) == T0 + 4 * kMinute);
    }
    SECTION("a small add_time in overtime stays in overtime") {
        ok(state, cmd(TimerAction::add_time, std::nullopt, 5 * kSecond),
           T0 + 3 * kMinute + 20 * kSecond);
        CHECK(state.timer.phase == TimerPhase::overtime);
        CHECK(state.timer.added_ms == 5 * kSecond);
    }
    SECTION("taking time away in overtime is refused") {
        CHECK(refused(state, cmd(TimerAction::add_time, std::nullopt, -kSecond),
                      T0 + 4 * kMinute) == Failure::Kind::conflict);
    }
    SECTION("pause, stop, reset and next from overtime") {
        auto copy = state;
        ok(copy, cmd(TimerAction::pause), T0 + 4 * kMinute);
        CHECK(copy.timer.remaining_ms == -kMinute);
        copy = state;
        ok(copy, cmd(TimerAction::stop), T0 + 4 * kMinute);
        CHECK(copy.timer.remaining_ms == -kMinute);
        CHECK(copy.agenda.find("a")->actual.overtime_ms == kMinute);
        copy = state;
        ok(copy, cmd(TimerAction::reset), T0 + 4 * kMinute);
        CHECK(copy.timer.phase == TimerPhase::idle);
        copy = state;
        ok(copy, cmd(TimerAction::next), T0 + 4 * kMinute);
        CHECK(copy.timer.phase == TimerPhase::running); // overtime hands over running
        CHECK(copy.timer.item_id == "b");
        CHECK(copy.agenda.find("a")->actual.overtime_ms == kMinute);
        CHECK(refused(state, cmd(TimerAction::start), T0 + 4 * kMinute) == Failure::Kind::conflict);
    }
}

TEST_CASE("timer: at_zero=stop holds 0:00 until the moderator acts") {
    auto state = fresh();
    ok(state, cmd(TimerAction::start, "b"), T0);
    CHECK(deadline(state) == T0 + 2 * kMinute);
    CHECK(settle(state, T0 + 2 * kMinute + 3)); // the scheduler fired 3 ms late
    CHECK(state.timer.phase == TimerPhase::stopped);
    CHECK(held_at_zero(state.timer));
    CHECK(state.timer.zero_at == T0 + 2 * kMinute);
    CHECK(state.timer.remaining_ms == 0);
    CHECK_FALSE(state.agenda.find("b")->actual.end); // the speaker is still on

    SECTION("next records the end and the time past zero") {
        ok(state, cmd(TimerAction::next), T0 + 2 * kMinute + 20 * kSecond);
        CHECK(state.agenda.find("b")->actual.end == T0 + 2 * kMinute + 20 * kSecond);
        CHECK(state.agenda.find("b")->actual.overtime_ms == 20 * kSecond);
        CHECK(state.timer.item_id == "c");
        CHECK(state.timer.phase == TimerPhase::idle); // held is not running: next waits
    }
    SECTION("add_time gives the speaker more time") {
        ok(state, cmd(TimerAction::add_time, std::nullopt, 30 * kSecond),
           T0 + 2 * kMinute + 5 * kSecond);
        CHECK(state.timer.phase == TimerPhase::running);
        CHECK(state.timer.ends_at == T0 + 2 * kMinute + 35 * kSecond);
    }
    SECTION("stop ends it at 0:00; pause and resume are refused") {
        CHECK(refused(state, cmd(TimerAction::pause), T0 + 3 * kMinute) == Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::resume), T0 + 3 * kMinute) ==
              Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::add_time, std::nullopt, -kSecond),
                      T0 + 3 * kMinute) == Failure::Kind::conflict);
        ok(state, cmd(TimerAction::stop), T0 + 3 * kMinute);
        CHECK_FALSE(held_at_zero(state.timer));
        CHECK(state.timer.remaining_ms == 0);
        CHECK(state.agenda.find("b")->actual.overtime_ms == kMinute);
    }
}

TEST_CASE("timer: stopped transitions") {
    auto stopped = [] {
        auto state = running_a();
        ok(state, cmd(TimerAction::stop), T0 + kMinute);
        return state;
    };
    SECTION("stop, pause, resume and add_time are refused") {
        auto state = stopped();
        CHECK(refused(state, cmd(TimerAction::stop), T0 + 2 * kMinute) == Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::pause), T0 + 2 * kMinute) == Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::resume), T0 + 2 * kMinute) ==
              Failure::Kind::conflict);
        CHECK(refused(state, cmd(TimerAction::add_time, std::nullopt, kSecond), T0 + 2 * kMinute) ==
              Failure::Kind::conflict);
    }
    SECTION("start runs the current item again from its planned duration") {
        auto state = stopped();
        ok(state, cmd(TimerAction::start), T0 + 2 * kMinute);
        CHECK(state.timer.phase == TimerPhase::running);
        CHECK(state.timer.ends_at == T0 + 5 * kMinute);
        CHECK(state.agenda.find("a")->actual.start == T0 + 2 * kMinute);
        CHECK_FALSE(state.agenda.find("a")->actual.end);
    }
    SECTION("next, previous, goto and reset load in idle") {
        auto state = stopped();
        ok(state, cmd(TimerAction::next), T0 + 2 * kMinute);
        CHECK(state.timer.item_id == "b");
        CHECK(state.timer.phase == TimerPhase::idle);
        CHECK(state.agenda.find("a")->actual.end == T0 + kMinute); // not overwritten
        ok(state, cmd(TimerAction::start), T0 + 3 * kMinute);
        ok(state, cmd(TimerAction::stop), T0 + 4 * kMinute);
        ok(state, cmd(TimerAction::previous), T0 + 5 * kMinute);
        CHECK(state.timer.item_id == "a");
        CHECK(state.timer.phase == TimerPhase::idle);
        ok(state, cmd(TimerAction::go_to, "d"), T0 + 5 * kMinute);
        CHECK(state.timer.phase == TimerPhase::idle);
        state = stopped();
        ok(state, cmd(TimerAction::reset), T0 + 2 * kMinute);
        CHECK(state.timer.phase == TimerPhase::idle);
        CHECK(state.agenda.find("a")->actual == ItemActuals{});
    }
}

TEST_CASE("timer: next on the last item") {
    auto state = fresh();
    ok(state, cmd(TimerAction::start, "d"), T0);
    SECTION("while running it ends the item and stops") {
        ok(state, cmd(TimerAction::next), T0 + 6 * kMinute);
        CHECK(state.timer.phase == TimerPhase::stopped);
        CHECK(state.timer.item_id == "d");
        CHECK(state.timer.remaining_ms == -kMinute);
        CHECK(state.agenda.find("d")->actual.end == T0 + 6 * kMinute);
        CHECK(state.agenda.find("d")->actual.overtime_ms == kMinute);
        CHECK(refused(state, cmd(TimerAction::next), T0 + 7 * kMinute) == Failure::Kind::conflict);
    }
    SECTION("while idle it is refused") {
        ok(state, cmd(TimerAction::reset), T0);
        CHECK(refused(state, cmd(TimerAction::next), T0) == Failure::Kind::conflict);
    }
}

TEST_CASE("timer: auto-advance starts the next item exactly at zero") {
    auto state = fresh();
    ok(state, cmd(TimerAction::start, "c"), T0);
    CHECK(deadline(state) == T0 + kMinute);
    CHECK(settle(state, T0 + kMinute + 40)); // fired 40 ms late: the anchors do not drift
    CHECK(state.timer.item_id == "d");
    CHECK(state.timer.phase == TimerPhase::running);
    CHECK(state.timer.started_at == T0 + kMinute);
    CHECK(state.timer.ends_at == T0 + 6 * kMinute);
    CHECK(state.agenda.find("c")->actual.end == T0 + kMinute);
    CHECK(state.agenda.find("c")->actual.overtime_ms == 0);
    CHECK(state.agenda.find("d")->actual.start == T0 + kMinute);

    SECTION("auto-advance on the last item stops at 0:00") {
        Agenda agenda;
        agenda.items = {item("x", kMinute, AtZero::next)};
        StageState single;
        REQUIRE_FALSE(replace_agenda(single, agenda));
        ok(single, cmd(TimerAction::start), T0);
        CHECK(settle(single, T0 + kMinute));
        CHECK(single.timer.phase == TimerPhase::stopped);
        CHECK_FALSE(held_at_zero(single.timer));
        CHECK(single.timer.remaining_ms == 0);
        CHECK(single.agenda.find("x")->actual.end == T0 + kMinute);
    }
    SECTION("skipped items are passed over") {
        Agenda agenda;
        agenda.items = {item("x", kMinute, AtZero::next), item("y", kMinute), item("z", kMinute)};
        agenda.items[1].skipped = true;
        StageState skipping;
        REQUIRE_FALSE(replace_agenda(skipping, agenda));
        ok(skipping, cmd(TimerAction::start), T0);
        CHECK(settle(skipping, T0 + kMinute));
        CHECK(skipping.timer.item_id == "z");
    }
}

TEST_CASE("timer: restart recovery from stored anchors") {
    SECTION("a running item kept running while the server was down") {
        auto stored = running_a();
        auto restarted = stored; // what the store gives back
        CHECK_FALSE(settle(restarted, T0 + 90 * kSecond));
        CHECK(restarted.timer.phase == TimerPhase::running);
        CHECK(remaining_at(restarted.timer, T0 + 90 * kSecond) == 90 * kSecond);
    }
    SECTION("into overtime") {
        auto restarted = running_a();
        CHECK(settle(restarted, T0 + 4 * kMinute));
        CHECK(restarted.timer.phase == TimerPhase::overtime);
        CHECK(remaining_at(restarted.timer, T0 + 4 * kMinute) == -kMinute);
    }
    SECTION("across several auto-advancing items") {
        Agenda agenda;
        agenda.items = {item("x", kMinute, AtZero::next), item("y", kMinute, AtZero::next),
                        item("z", kMinute, AtZero::stop), item("w", kMinute)};
        StageState state;
        REQUIRE_FALSE(replace_agenda(state, agenda));
        ok(state, cmd(TimerAction::start), T0);
        auto seq = state.seq;
        CHECK(settle(state, T0 + 10 * kMinute));
        CHECK(state.seq == seq + 1);
        CHECK(state.timer.item_id == "z");
        CHECK(held_at_zero(state.timer));
        CHECK(state.timer.zero_at == T0 + 3 * kMinute);
        CHECK(state.agenda.find("x")->actual.end == T0 + kMinute);
        CHECK(state.agenda.find("y")->actual.start == T0 + kMinute);
        CHECK(state.agenda.find("y")->actual.end == T0 + 2 * kMinute);
        CHECK(state.agenda.find("z")->actual.start == T0 + 2 * kMinute);
    }
    SECTION("a paused item stays paused with its remaining time") {
        auto state = running_a();
        ok(state, cmd(TimerAction::pause), T0 + kMinute);
        auto restarted = state;
        CHECK_FALSE(settle(restarted, T0 + 60 * kMinute));
        CHECK(restarted == state);
        CHECK(restarted.timer.remaining_ms == 2 * kMinute);
    }
}

TEST_CASE("timer: projected block end") {
    Agenda agenda;
    agenda.items = {item("open", 5 * kMinute), item("p1", 3 * kMinute, AtZero::count_up, "Pitches"),
                    item("p2", 3 * kMinute, AtZero::count_up, "Pitches"),
                    item("p3", 3 * kMinute, AtZero::count_up, "Pitches"),
                    item("close", 5 * kMinute)};
    agenda.block_targets["Pitches"] = T0 + 15 * kMinute;
    StageState state;
    REQUIRE_FALSE(replace_agenda(state, agenda));

    auto before = project(state, T0, {});
    REQUIRE(before.blocks.size() == 1);
    CHECK(before.blocks[0].name == "Pitches");
    CHECK(before.blocks[0].projected_end == T0 + 14 * kMinute);
    CHECK(before.items[1].projected_start == T0 + 5 * kMinute);
    CHECK(before.items[0].status == ItemStatus::current);
    CHECK(before.warnings.empty());

    ok(state, cmd(TimerAction::start, "p1"), T0 + 6 * kMinute);
    auto running = project(state, T0 + 7 * kMinute, {});
    // now + 2:00 left of p1 + 3:00 (p2) + 3:00 (p3)
    CHECK(running.blocks[0].projected_end == T0 + 15 * kMinute);
    CHECK(running.items[2].projected_start == T0 + 9 * kMinute);
    CHECK(running.items[1].projected_start == T0 + 6 * kMinute);
    CHECK(running.items[0].status == ItemStatus::pending); // passed over, never run

    ok(state, cmd(TimerAction::add_time, std::nullopt, kMinute), T0 + 7 * kMinute);
    auto late = project(state, T0 + 7 * kMinute, {});
    CHECK(late.blocks[0].projected_end == T0 + 16 * kMinute);
    REQUIRE(late.warnings.size() == 1);
    CHECK(late.warnings[0].item_id == "p3");
    CHECK(late.warnings[0].text.find("overrun by 1:00") != std::string::npos);
    CHECK(late.warnings[0].kind == WarningKind::block_overrun);
    CHECK(late.warnings[0].block == "Pitches");
    CHECK(late.warnings[0].overrun_ms == 60000);

    // Overtime counts as 0 remaining: the current item may end any moment.
    auto overtime = project(state, T0 + 12 * kMinute, {});
    CHECK(overtime.blocks[0].projected_end == T0 + 18 * kMinute);

    // Skipped items are excluded.
    REQUIRE_FALSE(set_skipped(state, "p3", true));
    auto skipped = project(state, T0 + 7 * kMinute, {});
    CHECK(skipped.blocks[0].projected_end == T0 + 13 * kMinute);
    CHECK(skipped.items[3].status == ItemStatus::skipped);
    CHECK_FALSE(skipped.items[3].projected_start);

    // Done items keep their actual times.
    ok(state, cmd(TimerAction::next), T0 + 10 * kMinute);
    auto after = project(state, T0 + 10 * kMinute, {});
    CHECK(after.items[1].status == ItemStatus::done);
    CHECK(after.items[1].projected_end == T0 + 10 * kMinute);
    CHECK(after.items[2].status == ItemStatus::current);
}
