#include "domain/scan_index.hpp"

#include <functional>
#include <stdexcept>
#include <utility>

namespace stagedoor::domain {

std::uint64_t ScanIndex::hash(std::string_view scan_id) {
    return std::hash<std::string_view>{}(scan_id);
}

void ScanIndex::insert(std::uint64_t hash, std::int64_t seq) {
    if (seq <= 0) throw std::invalid_argument("scan index: seq must be positive");
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = hash & mask();
    while (slots_[i].seq != 0)
        i = (i + 1) & mask();
    slots_[i] = Slot{hash, seq};
    ++size_;
}

void ScanIndex::erase(std::uint64_t hash, std::int64_t seq) {
    if (slots_.empty()) return;
    std::size_t hole = hash & mask();
    while (slots_[hole].seq != seq) {
        if (slots_[hole].seq == 0) return;
        hole = (hole + 1) & mask();
    }
    // Backward-shift deletion: move later members of the probe run into the hole, so that
    // lookups never need tombstones.
    for (std::size_t next = (hole + 1) & mask(); slots_[next].seq != 0;
         next = (next + 1) & mask()) {
        std::size_t home = slots_[next].hash & mask();
        // The slot may move into the hole unless its home lies cyclically in (hole, next].
        bool home_after_hole =
            hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (home_after_hole) continue;
        slots_[hole] = slots_[next];
        hole = next;
    }
    slots_[hole] = Slot{};
    --size_;
}

void ScanIndex::grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    for (const Slot& slot : old) {
        if (slot.seq == 0) continue;
        std::size_t i = slot.hash & mask();
        while (slots_[i].seq != 0)
            i = (i + 1) & mask();
        slots_[i] = slot;
    }
}

} // namespace stagedoor::domain
