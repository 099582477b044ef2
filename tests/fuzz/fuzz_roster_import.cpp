// Fuzz target: a roster file's bytes as `stagedoor import` and POST /api/roster/import get
// them (any encoding: csv_text_from_bytes decides). Parsing and planning against a small
// roster must never crash; every text taken from the file is valid UTF-8, and every person the
// plan adds or changes reaches the wire as an attendee a client can decode (round_trip.hpp).
#include "app/attendance_views.hpp"
#include "domain/csv.hpp"
#include "domain/roster_import.hpp"
#include "round_trip.hpp"

namespace {

using namespace stagedoor::domain;
using stagedoor::fuzz::check;
using stagedoor::protocol::is_valid_utf8;

// Two known people, so rows can match by external_id and by e-mail.
Attendance known_roster() {
    Attendance state;
    Attendee jana;
    jana.id = 1;
    jana.name = "Jana Köhler";
    jana.external_id = "M-1";
    jana.email = "jana@example.org";
    jana.serial = 1;
    state.put_attendee(jana);
    Attendee eva = jana;
    eva.id = 7;
    eva.name = "Eva Groß";
    eva.external_id = "";
    eva.email = "Eva@Example.org";
    state.put_attendee(eva);
    return state;
}

void check_person(const Attendee& person) {
    for (const std::string* text : {&person.name, &person.organisation, &person.email,
                                    &person.sector, &person.external_id, &person.notes})
        check(is_valid_utf8(*text), "an imported text is not valid UTF-8");
    stagedoor::protocol::ScanResult reply;
    reply.scan_id = "fuzz";
    reply.attendee = stagedoor::app::views::attendee_info(person);
    stagedoor::fuzz::check_round_trip(reply);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes = stagedoor::fuzz::as_text(data, size);
    CsvText text = csv_text_from_bytes(bytes);
    if (!text.error) check(is_valid_utf8(text.text), "csv_text_from_bytes gave invalid UTF-8");

    RosterParse roster = parse_roster_csv(bytes);
    for (const auto& warning : roster.warnings)
        check(is_valid_utf8(warning), "a roster warning is not valid UTF-8");
    for (const auto& problem : roster.errors)
        check(is_valid_utf8(problem.reason), "a roster error is not valid UTF-8");

    static const Attendance known = known_roster();
    for (bool skip_bad : {false, true}) {
        RosterPlan plan = plan_roster_import(known, roster, {skip_bad, 1'795'712'400'000, 1});
        for (const auto& person : plan.added)
            check_person(person);
        for (const auto& person : plan.updated)
            check_person(person);
        if (!plan.writable()) continue;
        Attendance state = known_roster();
        apply_roster_plan(state, plan);
        check(state.attendee_count() == known.attendee_count() + plan.added.size(),
              "applying a plan lost or duplicated people");
    }
    return 0;
}
