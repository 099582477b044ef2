// scan_id -> ledger seq, the idempotency index every scan looks up. A flat open-addressing
// table of (hash, seq) pairs: the scan ids themselves stay in the ledger entries, so a lookup
// of a new id touches one slot instead of a bucket, a node and a separately allocated key, and
// an entry costs 16 bytes instead of about 80.
//
// Growing moves the entries a few per insert instead of all at once: rehashing a million
// entries in one go paused the event loop for 50 ms.
#pragma once

#include <cstdint>
#include <string_view>

namespace stagedoor::domain {

class ScanIndex {
  public:
    static std::uint64_t hash(std::string_view scan_id);

    // The seq stored for scan_id, or 0. key_of(seq) gives the scan id stored under seq, to
    // tell apart two ids with the same hash.
    template <typename KeyOf>
    std::int64_t find(std::string_view scan_id, std::uint64_t hash, KeyOf&& key_of) const {
        if (std::int64_t seq = find_in(slots_, scan_id, hash, key_of)) return seq;
        return old_.empty() ? 0 : find_in(old_, scan_id, hash, key_of);
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
    static_assert(sizeof(std::uint64_t) + sizeof(std::int64_t) == 16);
    // A power of two of slots, zero-filled (= empty). Mapped from the kernel rather than
    // allocated and cleared: clearing 32 MiB at once was most of a 30 ms pause; mapped pages
    // are zeroed when first touched, a few at a time.
    class Table {
      public:
        Table() = default;
        explicit Table(std::size_t slots);
        Table(Table&& other) noexcept;
        Table& operator=(Table&& other) noexcept;
        Table(const Table&) = delete;
        Table& operator=(const Table&) = delete;
        ~Table();
        std::size_t size() const { return size_; }
        bool empty() const { return size_ == 0; }
        Slot& operator[](std::size_t i) { return data_[i]; }
        const Slot& operator[](std::size_t i) const { return data_[i]; }

      private:
        Slot* data_ = nullptr;
        std::size_t size_ = 0;
    };

    template <typename KeyOf>
    static std::int64_t find_in(const Table& table, std::string_view scan_id, std::uint64_t hash,
                                KeyOf& key_of) {
        if (table.empty()) return 0;
        std::size_t mask = table.size() - 1;
        for (std::size_t i = hash & mask; table[i].seq != 0; i = (i + 1) & mask) {
            if (table[i].hash == hash && key_of(table[i].seq) == scan_id) return table[i].seq;
        }
        return 0;
    }
    static void place(Table& table, const Slot& slot);
    static bool remove_from(Table& table, std::uint64_t hash, std::int64_t seq);
    // Moves up to `slots` slots of old_ into slots_.
    void migrate(std::size_t slots);

    Table slots_;              // at most half full, counting what old_ still holds
    Table old_;                // the previous table while its entries move over
    std::size_t old_next_ = 0; // the first slot of old_ not moved yet
    std::size_t size_ = 0;
};

} // namespace stagedoor::domain
