#include "net/limits.hpp"

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>
#include <unordered_map>
#include <utility>

namespace stagedoor::net {

namespace {

// The kernel refuses a soft limit above fs.nr_open, which is what "unlimited" amounts to.
rlim_t kernel_descriptor_cap() {
    std::ifstream in("/proc/sys/fs/nr_open");
    rlim_t cap = 0;
    if (in >> cap && cap > 0) return cap;
    return 1024 * 1024;
}

} // namespace

DescriptorLimit raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
    DescriptorLimit result{limit.rlim_cur, limit.rlim_cur};
    rlim_t target = limit.rlim_max;
    if (target == RLIM_INFINITY) target = kernel_descriptor_cap();
    if (target <= limit.rlim_cur) return result;
    rlimit raised{target, limit.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) result.now = target;
    return result;
}

std::size_t connections_for_descriptors(std::uint64_t descriptors) {
    std::uint64_t reserve = 64 + descriptors / 16;
    if (descriptors <= reserve) return 1;
    return static_cast<std::size_t>(descriptors - reserve);
}

struct ConnectionLimits::Counts {
    std::size_t max_total;
    std::size_t max_per_address;
    std::size_t total = 0;
    std::size_t refusing = 0;
    std::unordered_map<std::string, std::size_t> by_address;
};

// The refusal slots use an address no peer has, so they share the release path.
static const std::string kRefusalAddress = "(refusing)";

ConnectionLimits::ConnectionLimits(std::size_t max_total, std::size_t max_per_address)
    : counts_(std::make_shared<Counts>(Counts{max_total, max_per_address, 0, 0, {}})) {}

std::optional<ConnectionLimits::Slot> ConnectionLimits::admit(const std::string& address) {
    if (counts_->total >= counts_->max_total) return std::nullopt;
    auto it = counts_->by_address.find(address);
    if (it != counts_->by_address.end() && it->second >= counts_->max_per_address)
        return std::nullopt;
    if (counts_->max_per_address == 0) return std::nullopt;
    ++counts_->by_address[address];
    ++counts_->total;
    return Slot(counts_, address);
}

std::optional<ConnectionLimits::Slot> ConnectionLimits::admit_refusal() {
    if (counts_->refusing >= kMaxRefusing) return std::nullopt;
    ++counts_->refusing;
    return Slot(counts_, kRefusalAddress);
}

std::size_t ConnectionLimits::open_connections() const {
    return counts_->total;
}
std::size_t ConnectionLimits::max_total() const {
    return counts_->max_total;
}
std::size_t ConnectionLimits::max_per_address() const {
    return counts_->max_per_address;
}

ConnectionLimits::Slot::Slot(std::shared_ptr<Counts> counts, std::string address)
    : counts_(std::move(counts))
    , address_(std::move(address)) {}

ConnectionLimits::Slot& ConnectionLimits::Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        release();
        counts_ = std::move(other.counts_);
        address_ = std::move(other.address_);
    }
    return *this;
}

ConnectionLimits::Slot::~Slot() {
    release();
}

void ConnectionLimits::Slot::release() {
    if (!counts_) return;
    if (address_ == kRefusalAddress) {
        --counts_->refusing;
    } else {
        --counts_->total;
        auto it = counts_->by_address.find(address_);
        if (it != counts_->by_address.end() && --it->second == 0) counts_->by_address.erase(it);
    }
    counts_.reset();
}

std::chrono::milliseconds AcceptBackoff::on_failure() {
    delay_ = delay_.count() == 0 ? kFirstDelay : std::min(kMaxDelay, delay_ * 2);
    return delay_;
}

bool DescriptorReserve::acquire() {
    while (descriptors_.size() < kSize) {
        int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            release();
            return false;
        }
        descriptors_.push_back(fd);
    }
    return true;
}

void DescriptorReserve::release() {
    for (int fd : descriptors_)
        ::close(fd);
    descriptors_.clear();
}

std::uint64_t LogThrottle::note(Clock::time_point now) {
    ++unreported_;
    if (last_line_ && now - *last_line_ < std::chrono::seconds(1)) return 0;
    last_line_ = now;
    return std::exchange(unreported_, 0);
}

} // namespace stagedoor::net
