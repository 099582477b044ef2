// scan_id -> ledger seq, the idempotency index every scan looks up. A flat open-addressing
// table of (hash, seq) pairs: the scan ids themselves stay in the ledger entries, so a lookup
// of a new id touches one slot instead of a bucket, a node and a separately allocated key, and
// an entry costs 16 bytes instead of about 80.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace stagedoor::domain {

class ScanIndex {
  public:
    static std::uint64_t hash(std::string_view scan_id);

    // The seq stored for scan_id, or 0. key_of(seq) gives the scan id stored under seq, to
    // tell apart two ids with the same hash.
    template <typename KeyOf>
    std::int64_t find(std::string_view scan_id, std::uint64_t hash, KeyOf&& key_of) const {
        if (slots_.empty()) return 0;
        for (std::size_t i = hash & mask(); slots_[i].seq != 0; i = (i + 1) & mask()) {
            if (slots_[i].hash == hash && key_of(slots_[i].seq) == scan_id) return slots_[i].seq;
        }
        return 0;
    }
    // Adds seq (> 0) under hash; the caller has checked that its scan id is not there yet.
    void insert(std::uint64_t hash, std::int64_t seq);
    // Removes the slot holding seq, if any.
    void erase(std::uint64_t hash, std::int64_t seq);
    std::size_t size() const { return size_; }

  private:
    struct Slot {
        std::uint64_t hash = 0;
        std::int64_t seq = 0; // 0: empty
    };
    std::size_t mask() const { return slots_.size() - 1; }
    void grow();

    std::vector<Slot> slots_; // a power of two in size, at most half full
    std::size_t size_ = 0;
};

} // namespace stagedoor::domain
