// Fuzz target: an agenda file's bytes as `stagedoor agenda import` and POST /api/agenda/import
// get them (CSV in any encoding, or JSON; import_agenda chooses). Importing must never crash;
// an imported agenda must reach every display: the agenda and timer pushes round-trip
// (round_trip.hpp) and the session report serializes without throwing (the German Excel
// agenda of issue 10 crashed `serve` there).
#include "app/stage_report.hpp"
#include "app/stage_views.hpp"
#include "domain/agenda_import.hpp"
#include "round_trip.hpp"

#include <ctime>

namespace {

using namespace stagedoor::domain;
using stagedoor::fuzz::check;

const std::vector<AttendeeRecord>& attendees() {
    static const std::vector<AttendeeRecord> records{
        {1, "Jana Köhler", "Köhler AG", "jana@example.org", "M-1"},
        {2, "Eva Groß", "", "eva@example.org", "N-0009"},
    };
    return records;
}

// Local time read as UTC: the same on every machine, and without mktime's locking.
ImportOptions options() {
    ImportOptions result;
    result.event_date = "2026-11-26";
    result.local_to_unix_ms = [](const std::tm& local) -> std::optional<std::int64_t> {
        std::tm copy = local;
        return static_cast<std::int64_t>(timegm(&copy)) * 1000;
    };
    return result;
}

std::optional<SpeakerInfo> speaker(std::int64_t id) {
    for (const auto& record : attendees())
        if (record.id == id) return SpeakerInfo{id, record.name, record.organisation, id == 1, {}};
    return std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const ImportOptions import_options = options();
    ImportResult result =
        import_agenda(stagedoor::fuzz::as_text(data, size), attendees(), import_options);
    check(stagedoor::protocol::is_valid_utf8(result.describe()), "an import error is not UTF-8");
    for (const auto& warning : result.warnings)
        check(stagedoor::protocol::is_valid_utf8(warning), "an import warning is not UTF-8");
    if (!result.ok()) return 0;

    StageState state;
    state.agenda = result.agenda;
    constexpr std::int64_t now = 1'795'712'400'000;
    stagedoor::fuzz::check_round_trip(stagedoor::app::agenda_message(state, now, speaker));
    stagedoor::fuzz::check_round_trip(stagedoor::app::timer_message(state, now, speaker));
    std::string report = stagedoor::app::report_json(state, now, speaker).dump();
    check(stagedoor::protocol::is_valid_utf8(report), "the report is not UTF-8");
    check(stagedoor::protocol::is_valid_utf8(stagedoor::app::report_csv(state, now, speaker)),
          "the report CSV is not UTF-8");
    return 0;
}
