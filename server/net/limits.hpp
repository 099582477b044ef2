// Bounded work per client in the network layer: the process's descriptor limit, connection
// caps in total and per remote address, and the back-off of a listener that runs out of
// descriptors. Plain logic without Asio, so the listener stays short.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace stagedoor::net {

struct DescriptorLimit {
    std::uint64_t before = 0; // soft limit found at start
    std::uint64_t now = 0;    // soft limit after raising it
};

// Raises the soft RLIMIT_NOFILE to the hard limit (to the kernel's nr_open when the hard limit
// is unlimited). Never throws; when raising fails, before == now.
DescriptorLimit raise_descriptor_limit();

// Connections a descriptor limit leaves room for: the limit minus a reserve for the database
// and its WAL, the log, the listener, TLS files, static files being sent and refusals in
// flight (64 plus 1/16 of the limit). At least 1.
std::size_t connections_for_descriptors(std::uint64_t descriptors);

// Counts open connections in total and per remote address. A Slot is held for a connection's
// whole life (its sessions pass it on) and gives its place back when destroyed; it shares
// ownership of the counts, so it may outlive the ConnectionLimits that made it.
class ConnectionLimits {
    struct Counts;

  public:
    ConnectionLimits(std::size_t max_total, std::size_t max_per_address);

    class Slot {
      public:
        Slot() = default;
        Slot(Slot&& other) noexcept = default;
        Slot& operator=(Slot&& other) noexcept;
        ~Slot();

      private:
        friend class ConnectionLimits;
        Slot(std::shared_ptr<Counts> counts, std::string address);
        void release();
        std::shared_ptr<Counts> counts_;
        std::string address_;
    };

    // A slot for a connection from address, or nullopt when the total or that address's cap is
    // reached.
    std::optional<Slot> admit(const std::string& address);
    // A place for answering a refused connection (503), or nullopt when kMaxRefusing of them
    // are already in flight: then the connection is closed without an answer.
    std::optional<Slot> admit_refusal();

    std::size_t open_connections() const;
    std::size_t max_total() const;
    std::size_t max_per_address() const;

    static constexpr std::size_t kMaxRefusing = 32;

  private:
    std::shared_ptr<Counts> counts_;
};

// The listener's pause after a failed accept (EMFILE, ENFILE, ENOBUFS...): 50 ms, doubling to
// 1 s while failures go on, back to 50 ms after a success.
class AcceptBackoff {
  public:
    // Records a failure; returns how long to wait before accepting again.
    std::chrono::milliseconds on_failure();
    void on_success() { delay_ = std::chrono::milliseconds(0); }

    static constexpr std::chrono::milliseconds kFirstDelay{50};
    static constexpr std::chrono::milliseconds kMaxDelay{1000};

  private:
    std::chrono::milliseconds delay_{0};
};

// A few descriptors the listener holds back while it accepts, and gives up when accepting runs
// out (EMFILE): the database, the log and static files then still get descriptors, and accepting
// resumes only once the reserve could be taken again.
class DescriptorReserve {
  public:
    DescriptorReserve() = default;
    ~DescriptorReserve() { release(); }
    DescriptorReserve(const DescriptorReserve&) = delete;
    DescriptorReserve& operator=(const DescriptorReserve&) = delete;

    // Opens the reserve (kSize descriptors on /dev/null); false, holding none, when it cannot.
    bool acquire();
    void release();
    bool held() const { return !descriptors_.empty(); }

    static constexpr std::size_t kSize = 16;

  private:
    std::vector<int> descriptors_;
};

// Keeps a repeated event to one log line per second: note() counts an event and, when a line
// is due, returns how many events it reports (this one included); otherwise 0.
class LogThrottle {
  public:
    using Clock = std::chrono::steady_clock;
    std::uint64_t note(Clock::time_point now);

  private:
    std::uint64_t unreported_ = 0;
    std::optional<Clock::time_point> last_line_;
};

} // namespace stagedoor::net
