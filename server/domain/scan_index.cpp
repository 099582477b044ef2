#include "domain/scan_index.hpp"

#include <functional>
#include <new>
#include <stdexcept>
#include <sys/mman.h>
#include <utility>

namespace stagedoor::domain {

namespace {
constexpr std::size_t kFirstSize = 1024;
// Slots of the old table moved per insert. The new table is twice the old one's size and the
// old one at most half full, so the next growth comes after old.size() / 2 inserts at the
// earliest, and four slots per insert have moved every old slot by then.
constexpr std::size_t kMovedPerInsert = 4;
} // namespace

ScanIndex::Table::Table(std::size_t slots) {
    void* memory = ::mmap(nullptr, slots * sizeof(Slot), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<Slot*>(memory);
    size_ = slots;
}

ScanIndex::Table::Table(Table&& other) noexcept
    : data_(std::exchange(other.data_, nullptr))
    , size_(std::exchange(other.size_, 0)) {}

ScanIndex::Table& ScanIndex::Table::operator=(Table&& other) noexcept {
    if (this != &other) {
        Table gone(std::move(*this));
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

ScanIndex::Table::~Table() {
    if (data_) ::munmap(data_, size_ * sizeof(Slot));
}

std::uint64_t ScanIndex::hash(std::string_view scan_id) {
    return std::hash<std::string_view>{}(scan_id);
}

void ScanIndex::place(Table& table, const Slot& slot) {
    std::size_t mask = table.size() - 1;
    std::size_t i = slot.hash & mask;
    while (table[i].seq != 0)
        i = (i + 1) & mask;
    table[i] = slot;
}

void ScanIndex::insert(std::uint64_t hash, std::int64_t seq) {
    if (seq <= 0) throw std::invalid_argument("scan index: seq must be positive");
    if ((size_ + 1) * 2 > slots_.size()) {
        migrate(old_.size()); // only if inserts outran the schedule; see kMovedPerInsert
        old_ = std::move(slots_);
        old_next_ = 0;
        slots_ = Table(old_.empty() ? kFirstSize : old_.size() * 2);
    }
    place(slots_, Slot{hash, seq});
    ++size_;
    migrate(kMovedPerInsert);
}

void ScanIndex::migrate(std::size_t slots) {
    for (; slots > 0 && old_next_ < old_.size(); --slots, ++old_next_) {
        if (old_[old_next_].seq != 0) place(slots_, old_[old_next_]);
    }
    if (old_next_ >= old_.size()) {
        old_ = Table();
        old_next_ = 0;
    }
}

bool ScanIndex::remove_from(Table& table, std::uint64_t hash, std::int64_t seq) {
    if (table.empty()) return false;
    std::size_t mask = table.size() - 1;
    std::size_t hole = hash & mask;
    while (table[hole].seq != seq) {
        if (table[hole].seq == 0) return false;
        hole = (hole + 1) & mask;
    }
    // Backward-shift deletion: move later members of the probe run into the hole, so that
    // lookups never need tombstones.
    for (std::size_t next = (hole + 1) & mask; table[next].seq != 0; next = (next + 1) & mask) {
        std::size_t home = table[next].hash & mask;
        // The slot may move into the hole unless its home lies cyclically in (hole, next].
        bool home_after_hole =
            hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (home_after_hole) continue;
        table[hole] = table[next];
        hole = next;
    }
    table[hole] = Slot{};
    return true;
}

void ScanIndex::erase(std::uint64_t hash, std::int64_t seq) {
    // Rare (a failed commit): finish moving first, so that no shift in the old table can carry
    // an entry back behind the point already moved.
    migrate(old_.size());
    if (remove_from(slots_, hash, seq)) --size_;
}

} // namespace stagedoor::domain
