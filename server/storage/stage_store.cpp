#include "storage/stage_store.hpp"

#include <array>

namespace stagedoor::storage {

namespace {

constexpr std::array<Migration, 1> kMigrations{{
    {"stage-001-agenda-timer-log", R"sql(
CREATE TABLE stage_items (
    position     INTEGER NOT NULL,
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    speaker_id   INTEGER,
    organisation TEXT NOT NULL DEFAULT '',
    duration_ms  INTEGER NOT NULL,
    warn_ms      INTEGER NOT NULL,
    danger_ms    INTEGER NOT NULL,
    at_zero      TEXT NOT NULL,
    block        TEXT NOT NULL DEFAULT '',
    skipped      INTEGER NOT NULL DEFAULT 0,
    no_show      INTEGER NOT NULL DEFAULT 0,
    actual_start INTEGER,
    actual_end   INTEGER,
    added_ms     INTEGER NOT NULL DEFAULT 0,
    overtime_ms  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE stage_blocks (
    name       TEXT PRIMARY KEY,
    target_end INTEGER NOT NULL
);
CREATE TABLE stage_timer (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    phase        TEXT NOT NULL,
    item_id      TEXT,
    started_at   INTEGER,
    ends_at      INTEGER,
    remaining_ms INTEGER,
    zero_at      INTEGER,
    added_ms     INTEGER NOT NULL DEFAULT 0,
    seq          INTEGER NOT NULL,
    saved_at     INTEGER NOT NULL
);
CREATE TABLE stage_screen (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    message_text TEXT,
    message_tone TEXT,
    flash        INTEGER NOT NULL DEFAULT 0,
    message_at   INTEGER,
    blackout     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE stage_control_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    device  TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    seq     INTEGER
);
CREATE INDEX stage_control_log_at ON stage_control_log (at);
)sql"},
}};

template <class T>
T parse_or_throw(std::optional<T> value, std::string_view what, const std::string& text) {
    if (!value)
        throw DatabaseError("stage tables hold an unknown " + std::string(what) + " '" + text +
                            "'");
    return *value;
}

} // namespace

std::span<const Migration> stage_migrations() {
    return kMigrations;
}

StoredStage load_stage(const Database& db) {
    using namespace domain;
    StoredStage stored;
    auto items =
        db.prepare("SELECT id, title, kind, speaker_id, organisation, duration_ms, warn_ms, "
                   "danger_ms, at_zero, "
                   "block, skipped, no_show, actual_start, actual_end, added_ms, overtime_ms "
                   "FROM stage_items ORDER BY position");
    while (items.step()) {
        AgendaItem item;
        item.id = items.text(0);
        item.title = items.text(1);
        item.kind =
            parse_or_throw(item_kind_from_string(items.text(2)), "item kind", items.text(2));
        item.speaker_id = items.optional_int64(3);
        item.organisation = items.text(4);
        item.duration_ms = items.int64(5);
        item.warn_ms = items.int64(6);
        item.danger_ms = items.int64(7);
        item.at_zero = parse_or_throw(at_zero_from_string(items.text(8)), "at_zero", items.text(8));
        item.block = items.text(9);
        item.skipped = items.int64(10) != 0;
        item.no_show = items.int64(11) != 0;
        item.actual.start = items.optional_int64(12);
        item.actual.end = items.optional_int64(13);
        item.actual.added_ms = items.int64(14);
        item.actual.overtime_ms = items.int64(15);
        stored.state.agenda.items.push_back(std::move(item));
    }
    auto blocks = db.prepare("SELECT name, target_end FROM stage_blocks");
    while (blocks.step())
        stored.state.agenda.block_targets[blocks.text(0)] = blocks.int64(1);

    auto timer = db.prepare("SELECT phase, item_id, started_at, ends_at, remaining_ms, zero_at, "
                            "added_ms, seq, saved_at FROM stage_timer WHERE id = 1");
    if (timer.step()) {
        TimerState& out = stored.state.timer;
        out.phase =
            parse_or_throw(timer_phase_from_string(timer.text(0)), "timer phase", timer.text(0));
        out.item_id = timer.optional_text(1);
        out.started_at = timer.optional_int64(2);
        out.ends_at = timer.optional_int64(3);
        out.remaining_ms = timer.optional_int64(4);
        out.zero_at = timer.optional_int64(5);
        out.added_ms = timer.int64(6);
        stored.state.seq = static_cast<std::uint64_t>(timer.int64(7));
        stored.saved_at = timer.int64(8);
        if (out.item_id && !stored.state.agenda.index_of(*out.item_id))
            throw DatabaseError("stage timer points at a missing item '" + *out.item_id + "'");
    } else {
        // Never saved: idle on the first playable item.
        StageState fresh;
        if (!replace_agenda(fresh, stored.state.agenda)) stored.state = fresh;
        stored.state.seq = 0;
    }

    auto screen = db.prepare("SELECT message_text, message_tone, flash, message_at, blackout "
                             "FROM stage_screen WHERE id = 1");
    if (screen.step()) {
        if (auto text = screen.optional_text(0)) {
            SpeakerMessage message;
            message.text = *text;
            std::string tone = screen.optional_text(1).value_or("info");
            message.tone = parse_or_throw(tone_from_string(tone), "tone", tone);
            message.flash = screen.int64(2) != 0;
            message.at = screen.optional_int64(3).value_or(0);
            stored.screen.message = std::move(message);
        }
        stored.screen.blackout = screen.int64(4) != 0;
    }
    return stored;
}

void save_stage(Database& db, const domain::StageState& state, std::int64_t saved_at) {
    using namespace domain;
    db.exec("DELETE FROM stage_items");
    auto insert = db.prepare(
        "INSERT INTO stage_items (position, id, title, kind, speaker_id, organisation, "
        "duration_ms, "
        "warn_ms, danger_ms, at_zero, block, skipped, no_show, actual_start, actual_end, added_ms, "
        "overtime_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    std::int64_t position = 0;
    for (const auto& item : state.agenda.items) {
        insert.bind(1, position++)
            .bind(2, item.id)
            .bind(3, item.title)
            .bind(4, to_string(item.kind))
            .bind(5, item.speaker_id)
            .bind(6, item.organisation)
            .bind(7, item.duration_ms)
            .bind(8, item.warn_ms)
            .bind(9, item.danger_ms)
            .bind(10, to_string(item.at_zero))
            .bind(11, item.block)
            .bind(12, item.skipped ? 1 : 0)
            .bind(13, item.no_show ? 1 : 0)
            .bind(14, item.actual.start)
            .bind(15, item.actual.end)
            .bind(16, item.actual.added_ms)
            .bind(17, item.actual.overtime_ms);
        insert.run();
    }
    db.exec("DELETE FROM stage_blocks");
    auto block = db.prepare("INSERT INTO stage_blocks (name, target_end) VALUES (?, ?)");
    for (const auto& [name, target] : state.agenda.block_targets) {
        block.bind(1, name).bind(2, target);
        block.run();
    }
    const TimerState& timer = state.timer;
    auto row =
        db.prepare("INSERT OR REPLACE INTO stage_timer (id, phase, item_id, started_at, ends_at, "
                   "remaining_ms, "
                   "zero_at, added_ms, seq, saved_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    row.bind(1, to_string(timer.phase))
        .bind(2, timer.item_id)
        .bind(3, timer.started_at)
        .bind(4, timer.ends_at)
        .bind(5, timer.remaining_ms)
        .bind(6, timer.zero_at)
        .bind(7, timer.added_ms)
        .bind(8, static_cast<std::int64_t>(state.seq))
        .bind(9, saved_at);
    row.run();
}

void save_screen(Database& db, const domain::ScreenState& screen) {
    auto row = db.prepare("INSERT OR REPLACE INTO stage_screen (id, message_text, message_tone, "
                          "flash, message_at, blackout) VALUES (1, ?, ?, ?, ?, ?)");
    if (screen.message) {
        row.bind(1, screen.message->text)
            .bind(2, domain::to_string(screen.message->tone))
            .bind(3, screen.message->flash ? 1 : 0)
            .bind(4, screen.message->at);
    } else {
        row.bind_null(1).bind_null(2).bind(3, 0).bind_null(4);
    }
    row.bind(5, screen.blackout ? 1 : 0);
    row.run();
}

void append_control(Database& db, const ControlEntry& entry) {
    auto insert = db.prepare("INSERT INTO stage_control_log (at, device, role, action, detail, "
                             "outcome, seq) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, entry.at)
        .bind(2, entry.device)
        .bind(3, entry.role)
        .bind(4, entry.action)
        .bind(5, entry.detail)
        .bind(6, entry.outcome)
        .bind(7, entry.seq);
    insert.run();
}

std::vector<ControlEntry> load_control_log(const Database& db, std::size_t limit) {
    auto query =
        db.prepare("SELECT at, device, role, action, detail, outcome, seq FROM "
                   "(SELECT * FROM stage_control_log ORDER BY id DESC LIMIT ?) ORDER BY id");
    query.bind(1, static_cast<std::int64_t>(limit));
    std::vector<ControlEntry> entries;
    while (query.step())
        entries.push_back({query.int64(0), query.text(1), query.text(2), query.text(3),
                           query.text(4), query.text(5), query.optional_int64(6)});
    return entries;
}

std::vector<domain::AttendeeRecord> load_attendee_records(const Database& db) {
    std::vector<domain::AttendeeRecord> records;
    auto exists =
        db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attendees'");
    if (!exists.step()) return records;
    auto query = db.prepare("SELECT id, name, organisation, email, COALESCE(external_id, '') "
                            "FROM attendees ORDER BY id");
    while (query.step())
        records.push_back(
            {query.int64(0), query.text(1), query.text(2), query.text(3), query.text(4)});
    return records;
}

} // namespace stagedoor::storage
