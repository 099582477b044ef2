#include "domain/attendance.hpp"

#include <catch2/catch.hpp>

using namespace stagedoor::domain;

namespace {

constexpr std::int64_t kStart = 1764158400000; // 2026-11-26 12:00 UTC, a 5-minute boundary

Attendee person(std::int64_t id, std::string name, std::string organisation = "",
                Category category = Category::member, std::string sector = "") {
    Attendee attendee;
    attendee.id = id;
    attendee.name = std::move(name);
    attendee.organisation = std::move(organisation);
    attendee.category = category;
    attendee.sector = std::move(sector);
    attendee.serial = 1;
    attendee.token = "SD1.token-" + std::to_string(id) + ".sig";
    return attendee;
}

struct Door {
    Attendance& state;
    std::string device = "Door 1";
    std::string role = "door";
    int counter = 0;
    int signature_checks = 0;
    std::optional<ScanOutcome> offline = std::nullopt; // what the door showed, when offline
    std::int64_t kiosk_lag = 5;                        // the door's time is now - kiosk_lag

    ScanContext context(std::int64_t now, std::string scan_id = {}) {
        if (scan_id.empty()) scan_id = device + "-" + std::to_string(++counter);
        return ScanContext{scan_id, device, role, now - kiosk_lag, now, offline};
    }
    // A genuine badge as issued, a re-signed badge (verifies, other text) or a forgery.
    const LedgerEntry& scan(std::int64_t id, std::int64_t now, Direction direction = Direction::in,
                            std::uint16_t serial = 1, bool signature_ok = true,
                            std::string text = {}) {
        const Attendee* attendee = state.attendee(id);
        if (text.empty() && attendee && serial == attendee->serial) text = attendee->token;
        if (text.empty()) text = "SD1.other-" + std::to_string(id) + ".sig";
        TokenFacts facts{true, true, id, serial};
        auto verify = [&] {
            ++signature_checks;
            return signature_ok;
        };
        return state.append(state.judge_scan(context(now), direction, text, facts, verify));
    }
    const LedgerEntry& manual(std::int64_t id, std::int64_t now, Direction direction) {
        return state.append(state.judge_manual(context(now), direction, id));
    }
};

Counts counts(std::int64_t expected, std::int64_t arrived, std::int64_t present,
              std::int64_t walk_ins = 0) {
    return Counts{expected, arrived, present, walk_ins};
}

// judge_undo's answer in one word: reverse, already_undone, or the failure's kind.
std::string undo_verdict(const std::variant<UndoTarget, Failure>& decision) {
    if (const auto* target = std::get_if<UndoTarget>(&decision))
        return target->already_undone ? "already_undone" : "reverse";
    switch (std::get<Failure>(decision).kind) {
    case Failure::Kind::invalid:
        return "invalid";
    case Failure::Kind::not_found:
        return "not_found";
    case Failure::Kind::conflict:
        return "conflict";
    case Failure::Kind::forbidden:
        return "forbidden";
    }
    return "?";
}

} // namespace

TEST_CASE("ledger: every verdict of a scan") {
    Attendance state;
    state.put_attendee(person(1, "Jana Köhler"));
    Attendee blocked = person(2, "Bernd Block");
    blocked.blocked = true;
    state.put_attendee(blocked);
    Attendee reissued = person(3, "Rita Neu");
    reissued.serial = 2;
    reissued.token = "SD1.token-3-v2.sig";
    state.put_attendee(reissued);
    Door door{state};

    SECTION("ok, then already_in with where and when the entry was") {
        const auto& first = door.scan(1, kStart);
        CHECK(first.result == ScanOutcome::ok);
        CHECK(first.attendee_id == 1);
        CHECK(door.signature_checks == 0); // the issued text needs no signature check
        CHECK(first.payload.empty());      // the badge table has it; attendee + serial name it
        CHECK(first.badge_serial == 1);
        const auto& second = door.scan(1, kStart + 1000);
        CHECK(second.result == ScanOutcome::already_in);
        auto entry_info = state.first_entry(second);
        REQUIRE(entry_info);
        CHECK(entry_info->at == kStart);
        CHECK(entry_info->device == "Door 1");
        CHECK(state.reason(second) == "Already checked in (at Door 1)");
    }
    SECTION("not_in when leaving without having entered, ok when leaving after entering") {
        CHECK(door.scan(1, kStart, Direction::out).result == ScanOutcome::not_in);
        CHECK(door.scan(1, kStart + 1, Direction::in).result == ScanOutcome::ok);
        CHECK(door.scan(1, kStart + 2, Direction::out).result == ScanOutcome::ok);
        CHECK(door.scan(1, kStart + 3, Direction::out).result == ScanOutcome::not_in);
        CHECK(door.scan(1, kStart + 4, Direction::in).result == ScanOutcome::ok);
    }
    SECTION("unknown_badge: a genuine signature for nobody on the roster") {
        const auto& entry = door.scan(99, kStart);
        CHECK(entry.result == ScanOutcome::unknown_badge);
        CHECK_FALSE(entry.attendee_id.has_value());
        CHECK(door.signature_checks == 1);
    }
    SECTION("unknown_badge: a serial newer than any issued") {
        CHECK(door.scan(1, kStart, Direction::in, 5).result == ScanOutcome::unknown_badge);
    }
    SECTION("bad_signature: a forged token is checked and refused, naming nobody") {
        const auto& entry = door.scan(1, kStart, Direction::in, 1, false, "SD1.forged.sig");
        CHECK(entry.result == ScanOutcome::bad_signature);
        CHECK_FALSE(entry.attendee_id.has_value());
        CHECK(door.signature_checks == 1);
        CHECK(entry.payload == "SD1.forged.sig"); // anything but the issued text is kept
    }
    SECTION("revoked: an older serial, and a blocked attendee") {
        const auto& old_badge = door.scan(3, kStart, Direction::in, 1);
        CHECK(old_badge.result == ScanOutcome::revoked);
        CHECK(old_badge.payload == "SD1.other-3.sig");
        CHECK(old_badge.attendee_id == 3);
        CHECK(state.reason(old_badge).find("replaced") != std::string::npos);
        CHECK(door.scan(3, kStart + 1, Direction::in, 2).result == ScanOutcome::ok);
        const auto& blocked_entry = door.scan(2, kStart + 2);
        CHECK(blocked_entry.result == ScanOutcome::revoked);
        CHECK(state.reason(blocked_entry).find("blocked") != std::string::npos);
        CHECK(door.manual(2, kStart + 3, Direction::in).result == ScanOutcome::revoked);
    }
    SECTION("wrong_event and malformed") {
        TokenFacts other_event{true, false, 1, 1};
        auto never = [] { return true; };
        const auto& wrong = state.append(
            state.judge_scan(door.context(kStart), Direction::in, "SD1.x.y", other_event, never));
        CHECK(wrong.result == ScanOutcome::wrong_event);
        CHECK_FALSE(wrong.attendee_id.has_value());

        std::string garbage(1000, 'g');
        const auto& malformed = state.append(
            state.judge_scan(door.context(kStart), Direction::in, garbage, TokenFacts{}, never));
        CHECK(malformed.result == ScanOutcome::malformed);
        CHECK(malformed.payload.size() == 200);
    }
    SECTION("manual check-in of an unknown id") {
        const auto& entry = door.manual(42, kStart, Direction::in);
        CHECK(entry.result == ScanOutcome::unknown_badge);
        CHECK(state.reason(entry) == "No attendee with this id");
    }
    // Every attempt is in the ledger, including the refused ones.
    for (const auto& entry : state.ledger())
        CHECK(entry.seq > 0);
    CHECK(state.ledger().size() >= 1);
}

TEST_CASE("ledger: scan_id index finds the original entry for a retry") {
    Attendance state;
    state.put_attendee(person(1, "Jana Köhler"));
    Door door{state};
    const auto& entry =
        state.append(state.judge_manual(door.context(kStart, "desk-1"), Direction::in, 1));
    std::int64_t seq = entry.seq;
    const LedgerEntry* found = state.find_scan("desk-1");
    REQUIRE(found);
    CHECK(found->seq == seq);
    CHECK(found->result == ScanOutcome::ok);
    CHECK(state.find_scan("desk-2") == nullptr);
    // A retry is answered from the index: nothing is judged or appended again.
    CHECK(state.ledger().size() == 1);
}

TEST_CASE("ledger: entry, exit and present counts with undo following") {
    Attendance state;
    state.put_attendee(person(1, "A"));
    state.put_attendee(person(2, "B"));
    state.put_attendee(person(3, "C"));
    Door door{state};
    CHECK(state.counts() == counts(3, 0, 0));

    const auto& in_a = door.scan(1, kStart);
    std::string a_scan = in_a.scan_id;
    door.scan(2, kStart + 10);
    CHECK(state.counts() == counts(3, 2, 2));
    door.scan(2, kStart + 20, Direction::out);
    CHECK(state.counts() == counts(3, 2, 1));
    door.scan(1, kStart + 30); // already_in changes nothing
    CHECK(state.counts() == counts(3, 2, 1));

    SECTION("undo of an admission") {
        auto decision = state.judge_undo(a_scan, "door", "Door 1", kStart + 60'000);
        REQUIRE(undo_verdict(decision) == "reverse");
        state.append(state.make_reversal(door.context(kStart + 60'000, "u"),
                                         std::get<UndoTarget>(decision).target_seq));
        CHECK(state.counts() == counts(3, 1, 0));
        CHECK_FALSE(state.presence(1)->present);
        CHECK_FALSE(state.presence(1)->arrived_at.has_value());
        // Undoing twice is harmless.
        CHECK(undo_verdict(state.judge_undo(a_scan, "door", "Door 1", kStart + 61'000)) ==
              "already_undone");
        // After the undo, the person can be admitted again.
        CHECK(door.scan(1, kStart + 70'000).result == ScanOutcome::ok);
        CHECK(state.counts() == counts(3, 2, 1));
        CHECK(state.presence(1)->arrived_at == kStart + 70'000);
    }
    SECTION("undo of an exit makes the person present again") {
        const LedgerEntry* exit_entry = nullptr;
        for (const auto& entry : state.ledger())
            if (entry.direction == Direction::out) exit_entry = &entry;
        REQUIRE(exit_entry);
        auto decision = state.judge_undo(exit_entry->scan_id, "organiser", "Laptop", kStart + 1);
        REQUIRE(undo_verdict(decision) == "reverse");
        state.append(state.make_reversal(door.context(kStart + 100),
                                         std::get<UndoTarget>(decision).target_seq));
        CHECK(state.counts() == counts(3, 2, 2));
        CHECK(state.presence(2)->present);
    }
    SECTION("undo rules: doors undo their own recent scans, organisers anything") {
        CHECK(undo_verdict(state.judge_undo(a_scan, "door", "Door 2", kStart + 1)) == "forbidden");
        CHECK(undo_verdict(state.judge_undo(a_scan, "door", "Door 1",
                                            kStart + kDoorUndoWindowMs + 1)) == "forbidden");
        CHECK(undo_verdict(state.judge_undo(a_scan, "door", "Door 1",
                                            kStart + kDoorUndoWindowMs)) == "reverse");
        CHECK(undo_verdict(state.judge_undo(a_scan, "organiser", "Laptop", kStart + 86'400'000)) ==
              "reverse");
        CHECK(undo_verdict(state.judge_undo(a_scan, "stage", "Screen", kStart + 1)) == "forbidden");
        CHECK(undo_verdict(state.judge_undo("nope", "organiser", "Laptop", kStart)) == "not_found");
        // already_in is not an admission: nothing to undo.
        const auto& rejected = state.ledger().back();
        REQUIRE(rejected.result == ScanOutcome::already_in);
        CHECK(undo_verdict(state.judge_undo(rejected.scan_id, "organiser", "Laptop", kStart)) ==
              "conflict");
    }
}

TEST_CASE("ledger: a discarded entry (failed commit) leaves no trace") {
    Attendance state;
    state.put_attendee(person(1, "A"));
    Door door{state};
    const auto& entry = door.scan(1, kStart);
    std::int64_t seq = entry.seq;
    std::string scan_id = entry.scan_id;
    CHECK(state.counts() == counts(1, 1, 1));
    state.discard(seq);
    CHECK(state.counts() == counts(1, 0, 0));
    CHECK(state.find_scan(scan_id) == nullptr);
    CHECK(state.ledger().empty());
    CHECK(door.scan(1, kStart + 1).result == ScanOutcome::ok);
}

TEST_CASE("ledger: entries stay findable by seq and scan_id around a discarded one") {
    Attendance state;
    for (std::int64_t id = 1; id <= 5; ++id)
        state.put_attendee(person(id, "P" + std::to_string(id)));
    Door door{state};
    std::vector<std::pair<std::int64_t, std::string>> kept;
    std::int64_t dropped = 0;
    for (std::int64_t id = 1; id <= 5; ++id) {
        const auto& entry = door.scan(id, kStart + id);
        if (id == 3)
            dropped = entry.seq;
        else
            kept.emplace_back(entry.seq, entry.scan_id);
    }
    state.discard(dropped); // a gap in the middle: lookups by seq can no longer be positional
    CHECK(state.entry(dropped) == nullptr);
    CHECK(door.scan(3, kStart + 10).result == ScanOutcome::ok); // a new seq after the gap
    for (const auto& [seq, scan_id] : kept) {
        INFO(scan_id);
        REQUIRE(state.entry(seq));
        CHECK(state.entry(seq)->scan_id == scan_id);
        REQUIRE(state.find_scan(scan_id));
        CHECK(state.find_scan(scan_id)->seq == seq);
    }
    CHECK(state.entry(state.next_seq()) == nullptr);
    CHECK(state.entry(0) == nullptr);
    // The ledger is kept in seq order: an explicit seq below the last one is refused.
    LedgerEntry late = state.judge_manual(door.context(kStart + 20), Direction::in, 1);
    late.seq = kept.front().first;
    CHECK_THROWS(state.append(late));
}

TEST_CASE("ledger: walk-ins, blocked attendees and roster updates keep counts right") {
    Attendance state;
    state.put_attendee(person(1, "A"));
    Attendee walk_in = person(state.next_attendee_id(), "Walk In");
    walk_in.walk_in = true;
    state.put_attendee(walk_in);
    Door door{state};
    CHECK(state.counts() == counts(1, 0, 0, 1));
    const auto& entry = state.append(
        state.judge_manual(door.context(kStart), Direction::in, walk_in.id, Method::walk_in));
    CHECK(entry.result == ScanOutcome::ok);
    CHECK(state.reason(entry) == "Registered and checked in");
    CHECK(state.counts() == counts(1, 1, 1, 1));

    Attendee updated = *state.attendee(1);
    updated.blocked = true;
    state.put_attendee(updated);
    CHECK(state.counts() == counts(0, 1, 1, 1));
}

TEST_CASE("ledger: attendance snapshot") {
    Attendance state;
    state.put_attendee(person(1, "Anna", "TU", Category::member, "Wissenschaft & Forschung"));
    state.put_attendee(person(2, "Bert", "Firma", Category::new_member, "Wirtschaft"));
    Attendee vip = person(3, "Dr. Eva Groß", "Rathaus", Category::guest, "Verwaltung");
    vip.vip = true;
    state.put_attendee(vip);
    Attendee missing_vip = person(4, "Zora VIP", "", Category::guest, "Verwaltung");
    missing_vip.vip = true;
    state.put_attendee(missing_vip);
    Door door{state};
    Door door2{state, "Door 2"};

    door.scan(1, kStart + 1000);            // bucket 0
    door2.scan(2, kStart + 2 * 60'000);     // bucket 0
    door.scan(3, kStart + 16 * 60'000);     // bucket 3
    door.scan(1, kStart + 16 * 60'000 + 5); // already_in
    door2.scan(99, kStart + 16 * 60'000 + 10, Direction::in, 1, false, "SD1.bad.sig");
    door.scan(2, kStart + 16 * 60'000 + 20, Direction::out);

    auto snapshot = state.snapshot(kStart + 16 * 60'000 + 30);
    CHECK(snapshot.counts == counts(4, 3, 2));
    CHECK(snapshot.by_category.at(Category::member) == GroupCounts{1, 1, 1});
    CHECK(snapshot.by_category.at(Category::new_member) == GroupCounts{1, 1, 0});
    CHECK(snapshot.by_category.at(Category::press) == GroupCounts{0, 0, 0});
    CHECK(snapshot.by_sector.at("Verwaltung") == GroupCounts{2, 1, 1});
    REQUIRE(snapshot.arrivals.size() == 4); // zero buckets in between are filled
    CHECK(snapshot.arrivals[0].t == kStart);
    CHECK(snapshot.arrivals[0].count == 2);
    CHECK(snapshot.arrivals[1].count == 0);
    CHECK(snapshot.arrivals[2].count == 0);
    CHECK(snapshot.arrivals[3].t == kStart + 15 * 60'000);
    CHECK(snapshot.arrivals[3].count == 1);
    REQUIRE(snapshot.recent.size() == 3);
    CHECK(snapshot.recent[0].attendee->id == 3); // newest first
    CHECK(snapshot.recent[2].attendee->id == 1);
    REQUIRE(snapshot.vips_arrived.size() == 1);
    CHECK(snapshot.vips_arrived[0].attendee->name == "Dr. Eva Groß");
    REQUIRE(snapshot.vips_missing.size() == 1);
    CHECK(snapshot.vips_missing[0]->id == 4);
    CHECK(snapshot.rejected.at(ScanOutcome::already_in) == 1);
    CHECK(snapshot.rejected.at(ScanOutcome::bad_signature) == 1);
    REQUIRE(snapshot.devices.size() == 2);
    CHECK(snapshot.devices[0].device == "Door 1");
    CHECK(snapshot.devices[0].admitted == 2);
    CHECK(snapshot.devices[0].rejected == 1);
    CHECK(snapshot.devices[0].per_minute == 3);
    CHECK(snapshot.devices[0].last_seen == kStart + 16 * 60'000 + 20);
    CHECK(snapshot.devices[1].admitted == 1);
    CHECK(snapshot.devices[1].per_minute == 1);

    // Undo of the VIP's admission moves her back to missing.
    auto decision = state.judge_undo(snapshot.recent[0].entry->scan_id, "organiser", "Laptop",
                                     kStart + 20 * 60'000);
    REQUIRE(undo_verdict(decision) == "reverse");
    state.append(state.make_reversal(door.context(kStart + 20 * 60'000),
                                     std::get<UndoTarget>(decision).target_seq));
    auto after = state.snapshot(kStart + 20 * 60'000);
    CHECK(after.vips_arrived.empty());
    CHECK(after.vips_missing.size() == 2);
    CHECK(after.recent.size() == 2);
    CHECK(after.arrivals.size() == 1);
}

TEST_CASE("ledger: an undone admission no longer counts for the door that made it") {
    Attendance state;
    state.put_attendee(person(1, "Anna"));
    state.put_attendee(person(2, "Bert"));
    Door door{state};
    Door laptop{state, "Laptop", "organiser"};
    door.scan(1, kStart);
    const LedgerEntry& second = door.scan(2, kStart + 1000);
    door.scan(1, kStart + 2000, Direction::out); // an exit is no admission
    auto admitted = [&](std::string_view device) {
        for (const auto& stats : state.snapshot(kStart + 10'000).devices)
            if (stats.device == device) return stats.admitted;
        return std::int64_t{-1};
    };
    REQUIRE(admitted("Door 1") == 2);

    // Undone from the organiser's laptop: the door's count drops, the laptop admitted nobody.
    auto decision = state.judge_undo(second.scan_id, "organiser", "Laptop", kStart + 3000);
    REQUIRE(undo_verdict(decision) == "reverse");
    const LedgerEntry& reversal = state.append(state.make_reversal(
        laptop.context(kStart + 3000), std::get<UndoTarget>(decision).target_seq));
    CHECK(admitted("Door 1") == 1);
    CHECK(admitted("Laptop") == 0);
    CHECK(state.counts() == counts(2, 1, 0));

    // A reversal whose commit failed gives the admission back.
    state.discard(reversal.seq);
    CHECK(admitted("Door 1") == 2);
}

TEST_CASE("ledger: recent admissions keep the newest 50") {
    Attendance state;
    for (int id = 1; id <= 60; ++id)
        state.put_attendee(person(id, "P" + std::to_string(id)));
    Door door{state};
    for (int id = 1; id <= 60; ++id)
        door.scan(id, kStart + id * 1000);
    auto snapshot = state.snapshot(kStart + 61'000);
    REQUIRE(snapshot.recent.size() == 50);
    CHECK(snapshot.recent.front().attendee->id == 60);
    CHECK(snapshot.recent.back().attendee->id == 11);
}

TEST_CASE("ledger: lookup folds case, accents and German spellings") {
    Attendance state;
    state.put_attendee(person(1, "Jana Müller", "TU Dresden"));
    state.put_attendee(person(2, "José Núñez", "Hafen AG"));
    state.put_attendee(person(3, "Karl Groß", "Amt für Straßenbau"));
    state.put_attendee(person(4, "Jörg Schäfer-Öztürk", "Stadtwerke"));
    state.put_attendee(person(5, "Maria Mueller", "Rathaus"));
    state.put_attendee(person(6, "Sean O'Brien", "Dublin Labs"));

    auto ids = [&](std::string_view query) {
        std::vector<std::int64_t> out;
        for (const auto& match : state.lookup(query))
            out.push_back(match.attendee->id);
        return out;
    };
    auto has = [&](std::string_view query, std::int64_t id) {
        auto found = ids(query);
        return std::find(found.begin(), found.end(), id) != found.end();
    };
    CHECK(has("Muller", 1));
    CHECK(has("mueller", 1));
    CHECK(has("MÜLLER", 1));
    CHECK(has("Müller", 5)); // Mueller and Müller are the same to a volunteer
    CHECK(has("strasse", 3));
    CHECK(has("Straße", 3));
    CHECK(has("gross", 3));
    CHECK(has("Jose", 2));
    CHECK(has("nunez", 2));
    CHECK(has("oeztuerk", 4));
    CHECK(has("ozturk", 4));
    CHECK(has("schafer", 4));
    CHECK(has("obrien", 6));
    CHECK(has("dresden", 1)); // organisation
    CHECK(has("jan mul", 1)); // word prefixes
    CHECK(ids("zzz").empty());
    CHECK(ids("   ").empty());
    // Best match first: the name before an organisation match.
    state.put_attendee(person(7, "Hafen Petersen", "Freie Presse"));
    auto hafen = ids("hafen");
    REQUIRE(hafen.size() == 2);
    CHECK(hafen[0] == 7);
    CHECK(hafen[1] == 2);
    // At most 20.
    for (int id = 100; id < 130; ++id)
        state.put_attendee(person(id, "Schmidt " + std::to_string(id)));
    CHECK(state.lookup("schmidt").size() == 20);
    // Presence travels with the match.
    Door door{state};
    door.scan(1, kStart);
    auto matches = state.lookup("jana");
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].present);
    CHECK(matches[0].arrived_at == kStart);
}

TEST_CASE("ledger: fold") {
    CHECK(fold("Müller") == "muller");
    CHECK(fold("Mueller") == "muller");
    CHECK(fold("Straße") == "strasse");
    CHECK(fold("STRASSE") == "strasse");
    CHECK(fold("José") == "jose");
    CHECK(fold("Jose\xCC\x81") == "jose"); // decomposed accent
    CHECK(fold("Łukasz Wałęsa") == "lukasz walesa");
    CHECK(fold("Ærø Œuvre") == "aro ouvre");
    CHECK(fold("İstanbul Şişli") == "istanbul sisli");
}

TEST_CASE("ledger: CSV exports") {
    Attendance state;
    state.put_attendee(person(1, "Jana \"JK\" Köhler", "=cmd()", Category::speaker, "Wirtschaft"));
    state.put_attendee(person(2, "Nobody"));
    Door door{state};
    door.scan(1, kStart);
    door.scan(1, kStart + 60'000, Direction::out);
    std::string attendance = attendance_csv(state);
    CHECK(attendance.find("\"Jana \"\"JK\"\" Köhler\"") != std::string::npos);
    CHECK(attendance.find(",'=cmd(),") != std::string::npos);
    CHECK(attendance.find(iso_local_time(kStart)) != std::string::npos);
    CHECK(attendance.find(iso_local_time(kStart + 60'000)) != std::string::npos);
    CHECK(std::count(attendance.begin(), attendance.end(), '\n') == 3);

    std::string ledger = ledger_csv(state);
    CHECK(std::count(ledger.begin(), ledger.end(), '\n') == 3);
    CHECK(ledger.find(",Door 1,door,scan,out,ok,1,") != std::string::npos);

    auto iso = iso_local_time(kStart);
    CHECK(iso.size() == 25);
    CHECK(iso[10] == 'T');
    CHECK(iso[22] == ':');
}

TEST_CASE("ledger: offline attempts follow the offline rule (PROTOCOL.md 5.12)") {
    Attendance state;
    state.put_attendee(person(1, "Jana Köhler"));
    Attendee blocked = person(2, "Bernd Block");
    blocked.blocked = true;
    state.put_attendee(blocked);
    Attendee reissued = person(3, "Rita Neu");
    reissued.serial = 2;
    reissued.token = "SD1.token-3-v2.sig";
    state.put_attendee(reissued);
    Door door1{state};
    door1.offline = ScanOutcome::ok;
    door1.kiosk_lag = 60'000; // synced a minute after the door decided
    Door door2{state, "Door 2"};
    door2.offline = ScanOutcome::ok;
    door2.kiosk_lag = 30'000;

    SECTION("shown ok, judged ok: admitted at the door's time, no conflict") {
        const auto& entry = door1.scan(1, kStart + 60'000);
        CHECK(entry.result == ScanOutcome::ok);
        CHECK(entry.offline_verdict == ScanOutcome::ok);
        CHECK(state.presence(1)->present);
        CHECK(state.presence(1)->arrived_at == kStart);
        CHECK(state.first_entry(door2.scan(1, kStart + 90'000))->at == kStart);
        CHECK_FALSE(state.verdict(entry).conflict);
    }
    SECTION("shown ok, judged already_in by another door: admitted_twice, counted once") {
        const auto& first = door1.scan(1, kStart + 60'000);
        const auto& second = door2.scan(1, kStart + 70'000);
        CHECK(second.result == ScanOutcome::already_in);
        CHECK(second.offline_verdict == ScanOutcome::ok);
        CHECK(state.counts() == counts(2, 1, 1));
        CHECK(state.verdict(second).conflict == ConflictKind::admitted_twice);
        CHECK(state.reason(second) == "Admitted offline; Already checked in (at Door 1)");
        auto list = state.offline_conflicts();
        REQUIRE(list.size() == 1);
        CHECK(list[0].kind == ConflictKind::admitted_twice);
        CHECK(list[0].entry == &second);
        CHECK(list[0].admission == &first);
        CHECK(list[0].attendee == state.attendee(1));
        CHECK(list[0].entry->happened_at() == kStart + 40'000);
        CHECK(state.snapshot(kStart + 80'000).conflicts.size() == 1);
    }
    SECTION("shown ok, judged already_in by the same door: no conflict") {
        door1.scan(1, kStart + 60'000);
        const auto& again = door1.scan(1, kStart + 61'000);
        CHECK(again.result == ScanOutcome::already_in);
        CHECK_FALSE(state.conflict_kind(again));
        CHECK(state.offline_conflicts().empty());
    }
    SECTION("shown ok, judged revoked or unknown_badge: revoked_meanwhile, nobody counted") {
        const auto& blocked_entry = door1.scan(2, kStart + 60'000);
        const auto& replaced = door1.scan(3, kStart + 60'001, Direction::in, 1);
        const auto& unknown = door1.scan(99, kStart + 60'002);
        CHECK(blocked_entry.result == ScanOutcome::revoked);
        CHECK(replaced.result == ScanOutcome::revoked);
        CHECK(unknown.result == ScanOutcome::unknown_badge);
        CHECK(state.counts() == counts(2, 0, 0));
        auto list = state.offline_conflicts();
        REQUIRE(list.size() == 3);
        CHECK(list[0].entry == &unknown); // newest first
        CHECK(list[0].attendee == nullptr);
        CHECK(list[2].attendee == state.attendee(2));
        for (const auto& conflict : list) {
            CHECK(conflict.kind == ConflictKind::revoked_meanwhile);
            CHECK(conflict.admission == nullptr);
            CHECK(conflict.reason.starts_with("Admitted offline, but the server refused"));
        }
        CHECK(state.verdict(replaced).conflict == ConflictKind::revoked_meanwhile);
    }
    SECTION("shown a refusal, judged ok: the door's refusal is recorded, nobody admitted") {
        for (ScanOutcome shown :
             {ScanOutcome::revoked, ScanOutcome::bad_signature, ScanOutcome::unknown_badge,
              ScanOutcome::malformed, ScanOutcome::wrong_event}) {
            door1.offline = shown;
            const auto& entry = door1.scan(1, kStart + 60'000);
            CHECK(entry.result == shown);
            CHECK(entry.offline_verdict == shown);
            CHECK_FALSE(state.presence(1)->present);
            CHECK_FALSE(state.conflict_kind(entry));
        }
        CHECK(state.counts() == counts(2, 0, 0));
        CHECK(state.offline_conflicts().empty());
    }
    SECTION("shown a refusal, judged a refusal or already_in: the server's verdict stands") {
        door2.offline = ScanOutcome::ok;
        door2.scan(1, kStart + 10'000);
        door1.offline = ScanOutcome::bad_signature;
        CHECK(door1.scan(1, kStart + 60'000).result == ScanOutcome::already_in);
        door1.offline = ScanOutcome::unknown_badge;
        CHECK(door1.scan(2, kStart + 60'000).result == ScanOutcome::revoked);
        CHECK(state.offline_conflicts().empty());
    }
    SECTION("shown already_in (the person went in): the server's verdict stands") {
        door1.offline = ScanOutcome::already_in;
        const auto& entry = door1.scan(1, kStart + 60'000);
        CHECK(entry.result == ScanOutcome::ok);
        CHECK(state.presence(1)->present);
        CHECK_FALSE(state.conflict_kind(entry));
    }
    SECTION("an exit: shown not_in is kept unless the server saw the person inside") {
        door1.offline = ScanOutcome::not_in;
        CHECK(door1.scan(1, kStart + 60'000, Direction::out).result == ScanOutcome::not_in);
        door2.offline = std::nullopt;
        door2.scan(1, kStart + 61'000);
        const auto& out = door1.scan(1, kStart + 62'000, Direction::out);
        CHECK(out.result == ScanOutcome::ok);
        CHECK_FALSE(state.presence(1)->present);
        CHECK(state.presence(1)->last_out_at == kStart + 2'000);
    }
    SECTION("a help-desk check-in offline collides like a scan") {
        door1.scan(1, kStart + 60'000);
        door2.offline = ScanOutcome::ok;
        const auto& manual = door2.manual(1, kStart + 70'000, Direction::in);
        CHECK(manual.method == Method::manual);
        CHECK(state.conflict_kind(manual) == ConflictKind::admitted_twice);
    }
    SECTION("the door's time is kept within the last 7 days up to now") {
        door1.kiosk_lag = 30LL * 24 * 60 * 60 * 1000;
        const auto& old_entry = door1.scan(1, kStart);
        CHECK(old_entry.kiosk_time == kStart - kOfflineHorizonMs);
        door2.kiosk_lag = -3'600'000; // a door clock an hour ahead
        const auto& ahead = door2.scan(3, kStart + 5);
        CHECK(ahead.kiosk_time == kStart + 5);
        // Online scans keep the kiosk's time as it came (it only feeds the ledger export).
        Door online{state, "Door 3"};
        online.kiosk_lag = -3'600'000;
        CHECK(online.scan(1, kStart + 10, Direction::out).kiosk_time == kStart + 3'600'010);
    }
    SECTION("a discarded conflict (failed commit) is no conflict any more") {
        door1.scan(1, kStart + 60'000);
        const auto& second = door2.scan(1, kStart + 70'000);
        REQUIRE(state.offline_conflicts().size() == 1);
        state.discard(second.seq);
        CHECK(state.offline_conflicts().empty());
    }
    SECTION("the ledger export says what the offline door showed") {
        door1.scan(1, kStart + 60'000);
        door2.offline = std::nullopt;
        door2.scan(1, kStart + 61'000, Direction::out);
        auto csv = ledger_csv(state);
        auto header_end = csv.find("\r\n");
        auto first_end = csv.find("\r\n", header_end + 2);
        auto second_end = csv.find("\r\n", first_end + 2);
        CHECK(csv.substr(0, header_end).ends_with(",payload,offline"));
        CHECK(csv.substr(header_end + 2, first_end - header_end - 2).ends_with(",ok"));
        CHECK(csv.substr(first_end + 2, second_end - first_end - 2)
                  .ends_with(",out,ok,1,"
                             "Jana Köhler,,1,,"));
    }
}
