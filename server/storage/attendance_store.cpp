#include "storage/attendance_store.hpp"

#include "stagedoor/protocol/text.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <set>
#include <sqlite3.h>

namespace stagedoor::storage {

namespace {

constexpr std::string_view kRosterSchema = R"sql(
CREATE TABLE attendees (
    id INTEGER PRIMARY KEY,
    external_id TEXT,
    name TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    sector TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'member'
        CHECK (category IN ('member','guest','new_member','speaker','staff','press')),
    vip INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '',
    blocked INTEGER NOT NULL DEFAULT 0,
    walk_in INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX attendees_external_id ON attendees(external_id)
    WHERE external_id IS NOT NULL AND external_id <> '';
CREATE INDEX attendees_email ON attendees(email COLLATE NOCASE);
CREATE TABLE badges (
    attendee_id INTEGER NOT NULL REFERENCES attendees(id),
    serial INTEGER NOT NULL CHECK (serial BETWEEN 1 AND 65535),
    token TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    PRIMARY KEY (attendee_id, serial)
);
CREATE TRIGGER badges_append_only_update BEFORE UPDATE ON badges
    BEGIN SELECT RAISE(ABORT, 'issued badges are never changed'); END;
CREATE TRIGGER badges_append_only_delete BEFORE DELETE ON badges
    BEGIN SELECT RAISE(ABORT, 'issued badges are never deleted'); END;
)sql";

constexpr std::string_view kLedgerSchema = R"sql(
CREATE TABLE ledger (
    seq INTEGER PRIMARY KEY,
    scan_id TEXT NOT NULL,
    attendee_id INTEGER REFERENCES attendees(id),
    result TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in','out')),
    method TEXT NOT NULL CHECK (method IN ('scan','manual','walk_in')),
    device TEXT NOT NULL,
    role TEXT NOT NULL,
    kiosk_time INTEGER,
    server_time INTEGER NOT NULL,
    reverses_seq INTEGER REFERENCES ledger(seq),
    first_entry_seq INTEGER REFERENCES ledger(seq),
    badge_serial INTEGER,
    payload TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX ledger_scan_id ON ledger(scan_id) WHERE reverses_seq IS NULL;
CREATE UNIQUE INDEX ledger_reversal ON ledger(reverses_seq) WHERE reverses_seq IS NOT NULL;
CREATE INDEX ledger_attendee ON ledger(attendee_id);
CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
)sql";

// Nothing reads the ledger by attendee (the server keeps it in memory), and every index is
// one more B-tree insert per scan on the hot path.
constexpr std::string_view kDropLedgerAttendeeIndex = "DROP INDEX IF EXISTS ledger_attendee;";

// Two costs per scan on the writer thread, found by profiling the check-in benchmark:
// - The unique index on scan_id is keyed by random UUIDs, so every row of a batch dirtied a
//   different 4 KiB index page, and each of those went to the WAL at every commit. The server
//   holds the data folder's lock and is the ledger's only writer; its in-memory scan_id index
//   (rebuilt from the ledger at start) is what answers retries, so the database index only
//   repeated it at the price of about a third of the writer's time.
// - A CHECK of the form `x IN ('a','b','c')` builds a temporary B-tree for every row inserted;
//   the same check written with `=` and OR costs a few comparisons.
// SQLite cannot change a CHECK in place, so the table is rebuilt (12-step recipe of the
// ALTER TABLE documentation). Rows are copied as they are; the ledger stays append-only.
constexpr std::string_view kLeanLedger = R"sql(
CREATE TABLE ledger_v2 (
    seq INTEGER PRIMARY KEY,
    scan_id TEXT NOT NULL,
    attendee_id INTEGER REFERENCES attendees(id),
    result TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction = 'in' OR direction = 'out'),
    method TEXT NOT NULL CHECK (method = 'scan' OR method = 'manual' OR method = 'walk_in'),
    device TEXT NOT NULL,
    role TEXT NOT NULL,
    kiosk_time INTEGER,
    server_time INTEGER NOT NULL,
    reverses_seq INTEGER REFERENCES ledger_v2(seq),
    first_entry_seq INTEGER REFERENCES ledger_v2(seq),
    badge_serial INTEGER,
    payload TEXT NOT NULL DEFAULT ''
);
INSERT INTO ledger_v2 (seq, scan_id, attendee_id, result, direction, method, device, role,
                       kiosk_time, server_time, reverses_seq, first_entry_seq, badge_serial,
                       payload)
    SELECT seq, scan_id, attendee_id, result, direction, method, device, role, kiosk_time,
           server_time, reverses_seq, first_entry_seq, badge_serial, payload
    FROM ledger ORDER BY seq;
DROP TABLE ledger;
ALTER TABLE ledger_v2 RENAME TO ledger;
CREATE UNIQUE INDEX ledger_reversal ON ledger(reverses_seq) WHERE reverses_seq IS NOT NULL;
CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
)sql";

// The one audited way around the append-only triggers (`stagedoor purge`, storage/purge.hpp):
// the ledger and issued badges may be changed only while purge_in_progress holds its row, which
// the purge inserts and deletes inside its own transaction, so no committed state ever has it.
// Each purge leaves a row in purge_log, which nothing may change. Inserts (the scan hot path)
// are not affected: the triggers are on UPDATE and DELETE only.
// (IF NOT EXISTS: the audit log's migration creates the same marker when it runs first.)
constexpr std::string_view kAuditedPurgePath = R"sql(
CREATE TABLE IF NOT EXISTS purge_in_progress (id INTEGER PRIMARY KEY CHECK (id = 1));
CREATE TABLE purge_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    mode TEXT NOT NULL CHECK (mode = 'delete' OR mode = 'keep_stats'),
    attendees_deleted INTEGER NOT NULL,
    attendees_anonymised INTEGER NOT NULL,
    badges_deleted INTEGER NOT NULL,
    ledger_deleted INTEGER NOT NULL,
    ledger_anonymised INTEGER NOT NULL,
    control_log_deleted INTEGER NOT NULL,
    speaker_links_removed INTEGER NOT NULL,
    badge_files_deleted INTEGER NOT NULL
);
CREATE TRIGGER purge_log_append_only_update BEFORE UPDATE ON purge_log
    BEGIN SELECT RAISE(ABORT, 'the purge log is append-only'); END;
CREATE TRIGGER purge_log_append_only_delete BEFORE DELETE ON purge_log
    BEGIN SELECT RAISE(ABORT, 'the purge log is append-only'); END;
DROP TRIGGER ledger_append_only_update;
DROP TRIGGER ledger_append_only_delete;
DROP TRIGGER badges_append_only_update;
DROP TRIGGER badges_append_only_delete;
CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
    WHEN NOT EXISTS (SELECT 1 FROM purge_in_progress)
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
    WHEN NOT EXISTS (SELECT 1 FROM purge_in_progress)
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER badges_append_only_update BEFORE UPDATE ON badges
    WHEN NOT EXISTS (SELECT 1 FROM purge_in_progress)
    BEGIN SELECT RAISE(ABORT, 'issued badges are never changed'); END;
CREATE TRIGGER badges_append_only_delete BEFORE DELETE ON badges
    WHEN NOT EXISTS (SELECT 1 FROM purge_in_progress)
    BEGIN SELECT RAISE(ABORT, 'issued badges are never deleted'); END;
)sql";

// The purge also empties the audit log (storage/audit_store.hpp); its row says how much.
constexpr std::string_view kPurgeCountsAudit =
    "ALTER TABLE purge_log ADD COLUMN audit_log_deleted INTEGER NOT NULL DEFAULT 0;";

// Offline doors (PROTOCOL.md 5.12): the result the door showed for an attempt it decided
// offline; NULL for every entry decided by the server (all entries before this migration).
constexpr std::string_view kOfflineVerdict = "ALTER TABLE ledger ADD COLUMN offline_verdict TEXT;";

const std::array<Migration, 7> kMigrations{{
    {"attendance-001-roster-and-badges", kRosterSchema},
    {"attendance-002-ledger", kLedgerSchema},
    {"attendance-003-drop-ledger-attendee-index", kDropLedgerAttendeeIndex},
    {"attendance-004-lean-ledger-inserts", kLeanLedger},
    {"attendance-005-audited-purge-path", kAuditedPurgePath},
    {"attendance-006-purge-counts-audit-log", kPurgeCountsAudit},
    {"attendance-007-ledger-offline-verdict", kOfflineVerdict},
}};

void bind_attendee_fields(Statement& statement, const domain::Attendee& attendee, int first) {
    statement.bind(first, attendee.external_id.empty() ? std::optional<std::string>()
                                                       : std::optional(attendee.external_id));
    statement.bind(first + 1, attendee.name);
    statement.bind(first + 2, attendee.organisation);
    statement.bind(first + 3, attendee.email);
    statement.bind(first + 4, attendee.sector);
    statement.bind(first + 5, protocol::to_string(attendee.category));
    statement.bind(first + 6, attendee.vip ? 1 : 0);
    statement.bind(first + 7, attendee.notes);
    statement.bind(first + 8, attendee.blocked ? 1 : 0);
}

// Prepared once per database connection on each thread (the writer's is the hot one).
struct LedgerInsertCache {
    sqlite3* handle = nullptr;
    std::unique_ptr<Statement> statement;
};

domain::Attendee attendee_from_row(const Statement& row) {
    domain::Attendee attendee;
    attendee.id = row.int64(0);
    attendee.external_id = row.optional_text(1).value_or("");
    attendee.name = row.text(2);
    attendee.organisation = row.text(3);
    attendee.email = row.text(4);
    attendee.sector = row.text(5);
    attendee.category =
        protocol::category_from_string(row.text(6)).value_or(protocol::Category::member);
    attendee.vip = row.int64(7) != 0;
    attendee.notes = row.text(8);
    attendee.blocked = row.int64(9) != 0;
    attendee.walk_in = row.int64(10) != 0;
    attendee.created_at = row.int64(11);
    return attendee;
}

} // namespace

void migrate_attendance(Database& db) {
    db.migrate(kMigrations);
}

std::span<const Migration> attendance_migrations() {
    return kMigrations;
}

domain::Attendance load_attendance(Database& db) {
    domain::Attendance state;
    std::map<std::int64_t, domain::Attendee> attendees;
    auto people = db.prepare("SELECT id, external_id, name, organisation, email, sector, category, "
                             "vip, notes, blocked, walk_in, created_at FROM attendees ORDER BY id");
    while (people.step()) {
        domain::Attendee attendee = attendee_from_row(people);
        attendees.emplace(attendee.id, std::move(attendee));
    }
    auto badges = db.prepare(
        "SELECT attendee_id, serial, token, issued_at FROM badges ORDER BY attendee_id, serial");
    while (badges.step()) {
        auto it = attendees.find(badges.int64(0));
        if (it == attendees.end()) continue;
        it->second.serial = static_cast<std::uint16_t>(badges.int64(1));
        it->second.token = badges.text(2);
        it->second.token_issued_at = badges.int64(3);
    }
    for (auto& [id, attendee] : attendees)
        state.put_attendee(std::move(attendee));

    auto ledger = db.prepare("SELECT seq, scan_id, attendee_id, result, direction, method, device, "
                             "role, kiosk_time, server_time, reverses_seq, first_entry_seq, "
                             "badge_serial, payload, offline_verdict FROM ledger ORDER BY seq");
    while (ledger.step()) {
        domain::LedgerEntry entry;
        entry.seq = ledger.int64(0);
        entry.scan_id = ledger.text(1);
        entry.attendee_id = ledger.optional_int64(2);
        entry.result = protocol::scan_outcome_from_string(ledger.text(3))
                           .value_or(protocol::ScanOutcome::malformed);
        entry.direction =
            protocol::direction_from_string(ledger.text(4)).value_or(protocol::Direction::in);
        entry.method =
            protocol::method_from_string(ledger.text(5)).value_or(protocol::Method::scan);
        entry.device = ledger.text(6);
        entry.role = ledger.text(7);
        entry.kiosk_time = ledger.optional_int64(8);
        entry.server_time = ledger.int64(9);
        entry.reverses_seq = ledger.optional_int64(10);
        entry.first_entry_seq = ledger.optional_int64(11);
        entry.badge_serial = ledger.optional_int64(12);
        entry.payload = ledger.text(13);
        if (auto shown = ledger.optional_text(14))
            entry.offline_verdict = protocol::scan_outcome_from_string(*shown);
        state.append(std::move(entry));
    }
    return state;
}

std::optional<domain::Attendee> read_attendee(Database& db, std::int64_t attendee_id) {
    auto people =
        db.prepare("SELECT id, external_id, name, organisation, email, sector, category, "
                   "vip, notes, blocked, walk_in, created_at FROM attendees WHERE id = ?");
    people.bind(1, attendee_id);
    if (!people.step()) return std::nullopt;
    domain::Attendee attendee = attendee_from_row(people);
    auto badge = db.prepare("SELECT serial, token, issued_at FROM badges WHERE attendee_id = ? "
                            "ORDER BY serial DESC LIMIT 1");
    badge.bind(1, attendee_id);
    if (badge.step()) {
        attendee.serial = static_cast<std::uint16_t>(badge.int64(0));
        attendee.token = badge.text(1);
        attendee.token_issued_at = badge.int64(2);
    }
    return attendee;
}

std::int64_t max_attendee_id(Database& db) {
    auto query = db.prepare("SELECT COALESCE(MAX(id), 0) FROM attendees");
    return query.step() ? query.int64(0) : 0;
}

void insert_attendee(Database& db, const domain::Attendee& attendee) {
    auto statement = db.prepare(
        "INSERT INTO attendees (id, external_id, name, organisation, email, sector, category, vip, "
        "notes, blocked, walk_in, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)");
    statement.bind(1, attendee.id);
    bind_attendee_fields(statement, attendee, 2);
    statement.bind(11, attendee.walk_in ? 1 : 0);
    statement.bind(12, attendee.created_at);
    statement.run();
}

void update_attendee(Database& db, const domain::Attendee& attendee, std::int64_t now_ms) {
    auto statement = db.prepare(
        "UPDATE attendees SET external_id = ?2, name = ?3, organisation = ?4, email = ?5, "
        "sector = ?6, category = ?7, vip = ?8, notes = ?9, blocked = ?10, updated_at = ?11 "
        "WHERE id = ?1");
    statement.bind(1, attendee.id);
    bind_attendee_fields(statement, attendee, 2);
    statement.bind(11, now_ms);
    statement.run();
}

void insert_badge(Database& db, const domain::Attendee& attendee) {
    auto statement = db.prepare(
        "INSERT INTO badges (attendee_id, serial, token, issued_at) VALUES (?1, ?2, ?3, ?4)");
    statement.bind(1, attendee.id);
    statement.bind(2, static_cast<std::int64_t>(attendee.serial));
    statement.bind(3, attendee.token);
    statement.bind(4, attendee.token_issued_at);
    statement.run();
}

void insert_ledger_entry(Database& db, const domain::LedgerEntry& entry) {
    static thread_local LedgerInsertCache cache;
    if (cache.handle != db.handle() || !cache.statement) {
        cache.statement = std::make_unique<Statement>(db.prepare(
            "INSERT INTO ledger (seq, scan_id, attendee_id, result, direction, method, device, "
            "role, kiosk_time, server_time, reverses_seq, first_entry_seq, badge_serial, payload, "
            "offline_verdict) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"));
        cache.handle = db.handle();
    }
    Statement& statement = *cache.statement;
    statement.reset();
    // The entry outlives the insert, so its text is bound without copies (seven per row).
    statement.bind(1, entry.seq);
    statement.bind_borrowed(2, entry.scan_id);
    statement.bind(3, entry.attendee_id);
    statement.bind_borrowed(4, protocol::to_string(entry.result));
    statement.bind_borrowed(5, protocol::to_string(entry.direction));
    statement.bind_borrowed(6, protocol::to_string(entry.method));
    statement.bind_borrowed(7, entry.device);
    statement.bind_borrowed(8, entry.role);
    statement.bind(9, entry.kiosk_time);
    statement.bind(10, entry.server_time);
    statement.bind(11, entry.reverses_seq);
    statement.bind(12, entry.first_entry_seq);
    statement.bind(13, entry.badge_serial);
    statement.bind_borrowed(14, entry.payload);
    if (entry.offline_verdict)
        statement.bind_borrowed(15, protocol::to_string(*entry.offline_verdict));
    else
        statement.bind_null(15);
    try {
        statement.run();
    } catch (...) {
        statement.reset();
        statement.clear_bindings();
        throw;
    }
    statement.clear_bindings(); // no pointer into entry outlives this call
}

void BadgeIssuer::issue(domain::Attendee& attendee, std::uint16_t serial,
                        std::int64_t now_ms) const {
    protocol::badge::Payload payload;
    payload.event_id = event_id_;
    payload.attendee_id = static_cast<std::uint32_t>(attendee.id);
    payload.serial = serial;
    payload.issued_at = static_cast<std::uint32_t>(now_ms / 1000);
    attendee.serial = serial;
    attendee.token = protocol::badge::make_token(payload, key_);
    attendee.token_issued_at = now_ms;
}

// ---- import ----

void commit_roster_plan(Database& db, domain::RosterPlan& plan, const BadgeIssuer& issuer,
                        std::int64_t now_ms) {
    std::map<std::int64_t, domain::Attendee*> added;
    for (auto& person : plan.added)
        added.emplace(person.id, &person);
    for (const auto& order : plan.badges) {
        auto it = added.find(order.attendee_id);
        if (it == added.end())
            throw DatabaseError("the roster plan orders a badge for attendee " +
                                std::to_string(order.attendee_id) + ", who is not added");
        issuer.issue(*it->second, order.serial, now_ms);
    }
    db.exec("BEGIN IMMEDIATE");
    try {
        for (const auto& person : plan.added) {
            insert_attendee(db, person);
            if (person.serial != 0) insert_badge(db, person);
        }
        for (const auto& person : plan.updated)
            update_attendee(db, person, now_ms);
        db.exec("COMMIT");
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
}

const domain::Attendee* find_attendee(const domain::Attendance& state, std::string_view text) {
    if (text.empty()) return nullptr;
    if (text.find_first_not_of("0123456789") == std::string_view::npos && text.size() < 12) {
        if (const auto* person = state.attendee(std::stoll(std::string(text)))) return person;
    }
    if (const auto* person = state.find_by_external_id(text)) return person;
    if (text.find('@') != std::string_view::npos)
        return state.find_by_email(protocol::ascii_lower(text));
    return nullptr;
}

domain::Attendee reissue_badge(Database& db, domain::Attendance& state, std::int64_t attendee_id,
                               const BadgeIssuer& issuer, std::int64_t now_ms) {
    const domain::Attendee* current = state.attendee(attendee_id);
    if (!current) throw DatabaseError("no attendee with id " + std::to_string(attendee_id));
    if (current->serial == 65535) throw DatabaseError("this badge cannot be reissued again");
    domain::Attendee person = *current;
    issuer.issue(person, static_cast<std::uint16_t>(current->serial + 1), now_ms);
    db.exec("BEGIN IMMEDIATE");
    try {
        insert_badge(db, person);
        db.exec("COMMIT");
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
    state.put_attendee(person);
    return person;
}

} // namespace stagedoor::storage
