// Ledger rows as servers before the offline_verdict column (attendance-007) wrote them, for
// tests that build an older event and check that it still migrates and loads.
#pragma once

#include "domain/attendance.hpp"
#include "storage/database.hpp"

namespace stagedoor::testing {

// Inserts entry with the columns every ledger schema since attendance-002 has.
inline void insert_old_ledger_row(storage::Database& db, const domain::LedgerEntry& entry) {
    auto insert = db.prepare(
        "INSERT INTO ledger (seq, scan_id, attendee_id, result, direction, method, device, role, "
        "kiosk_time, server_time, reverses_seq, first_entry_seq, badge_serial, payload) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    insert.bind(1, entry.seq).bind(2, entry.scan_id).bind(3, entry.attendee_id);
    insert.bind(4, protocol::to_string(entry.result)).bind(5, protocol::to_string(entry.direction));
    insert.bind(6, protocol::to_string(entry.method)).bind(7, entry.device).bind(8, entry.role);
    insert.bind(9, entry.kiosk_time).bind(10, entry.server_time).bind(11, entry.reverses_seq);
    insert.bind(12, entry.first_entry_seq).bind(13, entry.badge_serial).bind(14, entry.payload);
    insert.run();
}

} // namespace stagedoor::testing
