#include "app/stage_report.hpp"

#include "app/stage_views.hpp"
#include "domain/csv.hpp"

#include <algorithm>
#include <ctime>

namespace stagedoor::app {

using nlohmann::json;
namespace d = domain;

namespace {

std::string local_time(std::optional<std::int64_t> unix_ms) {
    if (!unix_ms) return {};
    std::time_t seconds = static_cast<std::time_t>(*unix_ms / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
    return text;
}

std::string signed_clock(std::int64_t ms) {
    return ms > 0 ? "+" + d::format_clock(ms) : d::format_clock(ms);
}

} // namespace

namespace {

struct ReportRow {
    std::size_t position = 0;
    const d::AgendaItem* item = nullptr;
    std::string status;
    std::optional<std::string> speaker_name;
    std::optional<std::int64_t> actual_duration;
    std::int64_t overtime_ms = 0;
};

std::vector<ReportRow> report_rows(const d::StageState& state, std::int64_t now,
                                   const d::SpeakerLookup& speakers) {
    auto projection = d::project(state, now, speakers);
    std::vector<ReportRow> rows;
    for (std::size_t i = 0; i < state.agenda.items.size(); ++i) {
        const d::AgendaItem& item = state.agenda.items[i];
        ReportRow row;
        row.position = i + 1;
        row.item = &item;
        row.status = std::string(d::to_string(projection.items[i].status));
        if (item.speaker_id) {
            auto speaker = speakers ? speakers(*item.speaker_id) : std::nullopt;
            row.speaker_name = speaker ? speaker->name : fallback_name(*item.speaker_id);
        }
        if (item.actual.start && item.actual.end)
            row.actual_duration = *item.actual.end - *item.actual.start;
        row.overtime_ms = item.actual.overtime_ms;
        // The item on now: its overtime so far.
        if (state.timer.item_id == item.id && d::item_in_progress(state.timer)) {
            std::int64_t remaining = d::remaining_at(state.timer, now);
            if (d::held_at_zero(state.timer))
                row.overtime_ms = now - *state.timer.zero_at;
            else
                row.overtime_ms = std::max<std::int64_t>(0, -remaining);
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

json nullable_ms(std::optional<std::int64_t> value) {
    return value ? json(*value) : json(nullptr);
}

} // namespace

json report_json(const d::StageState& state, std::int64_t now, const d::SpeakerLookup& speakers) {
    json items = json::array();
    std::int64_t planned_total = 0, actual_total = 0, overtime_total = 0, added_total = 0;
    int done = 0, skipped = 0, no_show = 0;
    for (const auto& row : report_rows(state, now, speakers)) {
        const d::AgendaItem& item = *row.item;
        json speaker = nullptr;
        if (item.speaker_id) speaker = {{"id", *item.speaker_id}, {"name", *row.speaker_name}};
        items.push_back({{"position", row.position},
                         {"id", item.id},
                         {"title", item.title},
                         {"kind", std::string(d::to_string(item.kind))},
                         {"speaker", speaker},
                         {"organisation", item.organisation},
                         {"block", item.block.empty() ? json(nullptr) : json(item.block)},
                         {"status", row.status},
                         {"planned_ms", item.duration_ms},
                         {"actual_start", nullable_ms(item.actual.start)},
                         {"actual_end", nullable_ms(item.actual.end)},
                         {"actual_duration_ms", nullable_ms(row.actual_duration)},
                         {"overtime_ms", row.overtime_ms},
                         {"added_ms", item.actual.added_ms},
                         {"skipped", item.skipped},
                         {"no_show", item.no_show}});
        if (item.playable()) planned_total += item.duration_ms;
        if (row.actual_duration) {
            actual_total += *row.actual_duration;
            ++done;
        }
        overtime_total += row.overtime_ms;
        added_total += item.actual.added_ms;
        skipped += item.skipped ? 1 : 0;
        no_show += item.no_show ? 1 : 0;
    }
    json blocks = json::array();
    for (const auto& block : d::project(state, now, speakers).blocks) {
        std::optional<std::int64_t> first_start, last_end;
        std::int64_t planned = 0;
        for (const auto& item : state.agenda.items) {
            if (item.block != block.name || !item.playable()) continue;
            planned += item.duration_ms;
            if (item.actual.start && (!first_start || *item.actual.start < *first_start))
                first_start = item.actual.start;
            if (item.actual.end && (!last_end || *item.actual.end > *last_end))
                last_end = item.actual.end;
        }
        blocks.push_back({{"name", block.name},
                          {"target_end", nullable_ms(block.target_end)},
                          {"planned_ms", planned},
                          {"actual_start", nullable_ms(first_start)},
                          {"actual_end", nullable_ms(last_end)},
                          {"projected_end", nullable_ms(block.projected_end)}});
    }
    return {{"generated_at", now},
            {"seq", state.seq},
            {"timer_state", std::string(d::to_string(state.timer.phase))},
            {"current", state.timer.item_id ? json(*state.timer.item_id) : json(nullptr)},
            {"items", items},
            {"blocks", blocks},
            {"totals",
             {{"planned_ms", planned_total},
              {"actual_ms", actual_total},
              {"overtime_ms", overtime_total},
              {"added_ms", added_total},
              {"items_done", done},
              {"skipped", skipped},
              {"no_show", no_show}}}};
}

std::string report_csv(const d::StageState& state, std::int64_t now,
                       const d::SpeakerLookup& speakers, d::CsvSeparator separator) {
    d::CsvWriter out(separator);
    out.row({"position", "id", "title", "kind", "speaker", "organisation", "block", "status",
             "planned", "actual_start", "actual_end", "actual_duration", "overtime", "added",
             "skipped", "no_show"});
    for (const auto& row : report_rows(state, now, speakers)) {
        const d::AgendaItem& item = *row.item;
        out.plain(std::to_string(row.position))
            .text(item.id)
            .text(item.title)
            .plain(d::to_string(item.kind))
            .text(row.speaker_name.value_or(""))
            .text(item.organisation)
            .text(item.block)
            .plain(row.status)
            .plain(d::format_clock(item.duration_ms))
            .plain(local_time(item.actual.start))
            .plain(local_time(item.actual.end))
            .plain(row.actual_duration ? d::format_clock(*row.actual_duration) : "")
            .plain(row.overtime_ms > 0 ? "+" + d::format_clock(row.overtime_ms) : "0:00")
            .text(signed_clock(item.actual.added_ms), {.neutralise_formulas = false})
            .plain(item.skipped ? "yes" : "no")
            .plain(item.no_show ? "yes" : "no")
            .end_row();
    }
    return out.take();
}

} // namespace stagedoor::app
