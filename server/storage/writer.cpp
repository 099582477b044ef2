#include "storage/writer.hpp"

#include <cstdio>
#include <pthread.h>
#include <sched.h>
#include <vector>

namespace stagedoor::storage {

Writer::Writer(const std::filesystem::path& database_path, Post post, std::size_t max_batch)
    : db_(database_path)
    , post_(std::move(post))
    , max_batch_(max_batch) {
    thread_ = std::thread([this] { run(); });
}

Writer::~Writer() {
    stop();
}

void Writer::submit(Write write, Done done) {
    bool post_wake = false;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(Job{std::move(write), std::move(done)});
        // A writer in the middle of a batch picks the job up without a wake-up syscall. An idle
        // one is woken by a task posted behind the handlers the event loop is running now, so
        // that every request that arrived in this turn joins the batch: woken at once, it
        // would take the first write alone (and on a shared core preempt the loop to do so).
        if (idle_ && !wake_posted_) {
            wake_posted_ = true;
            post_wake = true;
        }
    }
    if (post_wake) post_([this] { wake_up(); });
}

void Writer::wake_up() {
    {
        std::lock_guard lock(mutex_);
        wake_posted_ = false;
    }
    wake_.notify_one();
}

void Writer::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

bool Writer::waiting() const {
    std::lock_guard lock(mutex_);
    return idle_;
}

Writer::Stats Writer::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void Writer::run() {
    // SCHED_BATCH: when its fsync returns, the writer does not preempt the event loop it may
    // share a core with; it runs when the loop waits or its time slice ends. Same share of the
    // CPU as before, but far fewer context switches in the middle of a loop turn.
    sched_param batch_param{};
    if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &batch_param) != 0)
        std::fprintf(stderr, "stagedoor: writer thread keeps the default scheduling policy\n");
    // Prepared once: every batch and every write uses them.
    Statement begin = db_.prepare("BEGIN IMMEDIATE");
    Statement commit = db_.prepare("COMMIT");
    Statement rollback = db_.prepare("ROLLBACK");
    Statement savepoint = db_.prepare("SAVEPOINT job");
    Statement release = db_.prepare("RELEASE job");
    Statement rollback_to = db_.prepare("ROLLBACK TO job");
    std::vector<Job> batch;
    std::vector<bool> results;
    for (;;) {
        batch.clear();
        {
            std::unique_lock lock(mutex_);
            idle_ = true;
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            idle_ = false;
            if (queue_.empty() && stopping_) return;
            // Everything that queued up while the last batch was being synced joins this one.
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        results.assign(batch.size(), false);
        bool committed = false;
        try {
            // Fast path: the whole batch in one transaction, no savepoints.
            begin.run();
            try {
                for (auto& job : batch)
                    if (job.write) job.write(db_);
                results.assign(batch.size(), true);
            } catch (const std::exception&) {
                // One write failed: undo the batch and run it again write by write, each in
                // a savepoint, so only the failing write is lost.
                rollback.run();
                begin.run();
                for (std::size_t i = 0; i < batch.size(); ++i) {
                    savepoint.run();
                    try {
                        if (batch[i].write) batch[i].write(db_);
                        release.run();
                        results[i] = true;
                    } catch (const std::exception& error) {
                        std::fprintf(stderr, "stagedoor: write failed and was rolled back: %s\n",
                                     error.what());
                        rollback_to.run();
                        release.run();
                    }
                }
            }
            commit.run();
            committed = true;
        } catch (const std::exception& error) {
            std::fprintf(stderr, "stagedoor: commit failed: %s\n", error.what());
            try {
                rollback.run();
            } catch (...) {
            }
        }
        {
            std::lock_guard lock(mutex_);
            stats_.writes += batch.size();
            stats_.batches += 1;
        }
        // One post per batch; completions run in submission order, after the commit returned.
        std::vector<std::pair<Done, bool>> completions;
        completions.reserve(batch.size());
        for (std::size_t i = 0; i < batch.size(); ++i)
            if (batch[i].done)
                completions.emplace_back(std::move(batch[i].done), committed && results[i]);
        if (!completions.empty())
            post_([completions = std::move(completions)]() mutable {
                for (auto& [done, ok] : completions)
                    done(ok);
            });
    }
}

} // namespace stagedoor::storage
