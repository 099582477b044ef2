// `stagedoor purge`: removes or anonymises the personal data of an event after it is over.
//
// Personal data lives in: attendees (names, organisations, e-mails, external ids, notes, also of
// walk-ins typed at the door), badges (signed tokens), ledger (device names chosen at the door,
// the scanned text of refused scans, and who came when), stage_control_log (device names and
// the requests, speaker messages among them), stage_screen (the last speaker message),
// stage_items.speaker_id (the link from a pitch to a person on the roster), audit_log (device
// names, addresses and what they did: names of walk-ins, speaker messages; emptied in both modes,
// it holds no counts worth keeping), devices (names given to paired devices, their last address)
// and pairing_codes, and the files of DIR/badges (badges.csv with names, e-mails and tokens;
// badge images and sheets). Devices are deleted, or with keep_stats kept as "device <id>" rows,
// revoked; pairing codes always go.
//
// The purge is ONE transaction, opened only with the append-only triggers' permission (the
// purge_in_progress row, set and cleared inside it) and recorded in purge_log. Then VACUUM
// rewrites the file without the deleted text and the WAL is truncated, and DIR/badges goes.
// The caller holds the folder's DataDirLock, so no server is running. A second purge finds
// nothing left and only adds its own purge_log row.
#pragma once

#include "storage/data_dir.hpp"
#include "storage/database.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace stagedoor::storage {

enum class PurgeMode {
    delete_all, // every trace of a person goes: roster, badges, ledger, control log
    keep_stats, // the roster and ledger stay as anonymous rows, so the counts stay right
};
std::string_view to_string(PurgeMode mode);

// What a purge removed (or, from preview_purge, would remove).
struct PurgeCounts {
    std::int64_t attendees_deleted = 0;
    std::int64_t attendees_anonymised = 0; // keep_stats: no name, contact or id left
    std::int64_t badges_deleted = 0;       // issued badge rows, each holding a token
    std::int64_t ledger_deleted = 0;
    std::int64_t ledger_anonymised = 0; // keep_stats: device renamed, scanned text dropped
    std::int64_t control_log_deleted = 0;
    std::int64_t speaker_links_removed = 0; // agenda items that pointed at a roster entry
    std::int64_t badge_files_deleted = 0;
    std::int64_t audit_log_deleted = 0;
    bool operator==(const PurgeCounts&) const = default;
};

struct PurgeRecord {
    std::int64_t at = 0; // unix ms
    PurgeMode mode = PurgeMode::delete_all;
    PurgeCounts counts;
};

// What purge_data_dir would remove or anonymise now, without changing anything.
PurgeCounts preview_purge(const DataDir& dir, PurgeMode mode);

// Purges the event in dir (see the top of this file) and returns what it did. The caller must
// hold DataDirLock for dir. Throws DatabaseError, with the database unchanged, when the
// transaction fails. Once it is committed, throws DatabaseError when compacting fails and
// DataDirError when the badge files cannot be deleted; running the purge again finishes both.
PurgeCounts purge_data_dir(const DataDir& dir, PurgeMode mode, std::int64_t now_ms);

// Every purge of this database, oldest first (empty when it was never purged).
std::vector<PurgeRecord> load_purge_log(const Database& db);

} // namespace stagedoor::storage
