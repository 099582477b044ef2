// The session report (GET /api/report.json and .csv): planned against actual per item and
// block, with totals. Pure functions of the stage state at time now.
#pragma once

#include "domain/csv.hpp"
#include "domain/timer.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace stagedoor::app {

nlohmann::json report_json(const domain::StageState& state, std::int64_t now,
                           const domain::SpeakerLookup& speakers);
// One row per item, durations as m:ss and times in the server's local time; CRLF line ends.
std::string report_csv(const domain::StageState& state, std::int64_t now,
                       const domain::SpeakerLookup& speakers,
                       domain::CsvSeparator separator = domain::CsvSeparator::comma);

} // namespace stagedoor::app
