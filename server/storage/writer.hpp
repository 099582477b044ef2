// Group commit: one writer thread owns the write connection and runs every submitted write
// inside a shared transaction. A batch is committed with synchronous=FULL and only then are
// the completions posted back to the event loop, so an acknowledgement always follows a
// durable commit while throughput is not bounded by one fsync per write.
#pragma once

#include "storage/database.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace stagedoor::storage {

class Writer {
  public:
    using Write = std::function<void(Database&)>;
    // committed is false when this write threw (it was rolled back alone) or the commit failed.
    using Done = std::function<void(bool committed)>;
    using Post = std::function<void(std::function<void()>)>;

    // post delivers completions and wake-ups to the event loop (Transport::post). The writer
    // must outlive every task it posted that the loop may still run. max_db_bytes caps the
    // database file (Database::limit_size): writes beyond it fail, and are logged once, until
    // pages are freed.
    Writer(const std::filesystem::path& database_path, Post post, std::size_t max_batch = 1024,
           std::optional<std::uint64_t> max_db_bytes = std::nullopt);
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Thread-safe. write runs on the writer thread; done is posted after the commit. write must
    // touch nothing but the database: when another write of its batch fails, the batch is
    // rolled back and run again with a savepoint per write.
    void submit(Write write, Done done);
    // Commits what is queued and joins the thread. Idempotent.
    void stop();

    struct Stats {
        std::uint64_t writes = 0;
        std::uint64_t batches = 0;
    };
    Stats stats() const;
    // The writer thread waits for work (nothing queued or being written).
    bool waiting() const;

  private:
    struct Job {
        Write write;
        Done done;
    };
    struct Statements;
    void run();
    // Waits for work and moves up to max_batch_ queued jobs into batch; false once stopping
    // with nothing left to write.
    bool take_batch(std::vector<Job>& batch);
    // Runs batch in one transaction and commits it; results[i] tells whether job i's write
    // took effect. Returns whether the commit succeeded.
    bool commit_batch(Statements& statements, std::vector<Job>& batch, std::vector<bool>& results);
    // The slow path after a failed write: each write in its own savepoint, so only the
    // failing ones are rolled back.
    void write_each_in_savepoint(Statements& statements, std::vector<Job>& batch,
                                 std::vector<bool>& results);
    // Posts the batch's completions to the event loop in one task.
    void post_completions(std::vector<Job>& batch, const std::vector<bool>& results,
                          bool committed);
    void wake_up();
    // Logs a failed write or commit; a full database only once until a commit succeeds again.
    void report_failure(const char* what, const std::exception& error);
    void report_commit();

    Database db_;
    Post post_;
    std::size_t max_batch_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    bool idle_ = false;        // the writer waits for work (guarded by mutex_)
    bool wake_posted_ = false; // a wake_up() is queued on the event loop (guarded by mutex_)
    bool full_ = false;        // writes fail for lack of space (writer thread only)
    Stats stats_;
    std::thread thread_;
};

} // namespace stagedoor::storage
