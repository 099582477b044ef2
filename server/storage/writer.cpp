#include "storage/writer.hpp"

#include <algorithm>
#include <cstdio>
#include <pthread.h>
#include <sched.h>
#include <vector>

namespace stagedoor::storage {

Writer::Writer(const std::filesystem::path& database_path, Post post, Limits limits)
    : db_(database_path)
    , post_(std::move(post))
    , limits_(limits) {
    if (limits_.max_db_bytes) db_.limit_size(*limits_.max_db_bytes);
    thread_ = std::thread([this] { run(); });
}

Writer::Writer(const std::filesystem::path& database_path, Post post)
    : Writer(database_path, std::move(post), Limits{}) {}

Writer::~Writer() {
    stop();
}

bool Writer::submit(Write write, Done done, Priority priority) {
    bool post_wake = false;
    {
        std::lock_guard lock(mutex_);
        const bool durable = priority == Priority::durable;
        std::deque<Job>& queue = durable ? durable_ : background_;
        if (queue.size() >= (durable ? limits_.max_durable : limits_.max_background)) {
            ++(durable ? stats_.refused_durable : stats_.refused_background);
            if (done) post_([done = std::move(done)] { done(false); });
            return false;
        }
        queue.push_back(Job{std::move(write), std::move(done)});
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
    return true;
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

// The transaction statements every batch and every write uses, prepared once.
struct Writer::Statements {
    explicit Statements(Database& db)
        : begin(db.prepare("BEGIN IMMEDIATE"))
        , commit(db.prepare("COMMIT"))
        , rollback(db.prepare("ROLLBACK"))
        , savepoint(db.prepare("SAVEPOINT job"))
        , release(db.prepare("RELEASE job"))
        , rollback_to(db.prepare("ROLLBACK TO job")) {}
    Statement begin;
    Statement commit;
    Statement rollback;
    Statement savepoint;
    Statement release;
    Statement rollback_to;
};

namespace {

// SCHED_BATCH: when its fsync returns, the writer does not preempt the event loop it may
// share a core with; it runs when the loop waits or its time slice ends. Same share of the
// CPU as before, but far fewer context switches in the middle of a loop turn.
void use_batch_scheduling() {
    sched_param batch_param{};
    if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &batch_param) != 0)
        std::fprintf(stderr, "stagedoor: writer thread keeps the default scheduling policy\n");
}

} // namespace

void Writer::run() {
    use_batch_scheduling();
    Statements statements(db_);
    std::vector<Job> batch;
    std::vector<bool> results;
    while (take_batch(batch)) {
        const bool committed = commit_batch(statements, batch, results);
        {
            std::lock_guard lock(mutex_);
            stats_.writes += batch.size();
            stats_.batches += 1;
        }
        post_completions(batch, results, committed);
    }
}

bool Writer::take_batch(std::vector<Job>& batch) {
    batch.clear();
    std::unique_lock lock(mutex_);
    idle_ = true;
    wake_.wait(lock, [&] { return stopping_ || !durable_.empty() || !background_.empty(); });
    idle_ = false;
    if (durable_.empty() && background_.empty()) return false; // stopping
    // Everything that queued up while the last batch was being synced joins this one, durable
    // writes first: background writes only fill the room they leave.
    for (std::deque<Job>* queue : {&durable_, &background_})
        while (!queue->empty() && batch.size() < limits_.max_batch) {
            batch.push_back(std::move(queue->front()));
            queue->pop_front();
        }
    return true;
}

bool Writer::commit_batch(Statements& statements, std::vector<Job>& batch,
                          std::vector<bool>& results) {
    results.assign(batch.size(), false);
    try {
        // Fast path: the whole batch in one transaction, no savepoints.
        statements.begin.run();
        try {
            for (auto& job : batch)
                if (job.write) job.write(db_);
            results.assign(batch.size(), true);
        } catch (const std::exception&) {
            // A full database fails the whole batch: the other writes would not fit either, and
            // SQLite may have rolled the transaction back already.
            if (db_.last_error_was_full()) throw;
            // One write failed: undo the batch and run it again write by write, so only the
            // failing write is lost.
            statements.rollback.run();
            statements.begin.run();
            write_each_in_savepoint(statements, batch, results);
        }
        statements.commit.run();
        if (std::find(results.begin(), results.end(), true) != results.end()) report_commit();
        return true;
    } catch (const std::exception& error) {
        report_failure("commit failed", error);
        try {
            statements.rollback.run();
        } catch (...) {
        }
        return false;
    }
}

void Writer::write_each_in_savepoint(Statements& statements, std::vector<Job>& batch,
                                     std::vector<bool>& results) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
        statements.savepoint.run();
        try {
            if (batch[i].write) batch[i].write(db_);
            statements.release.run();
            results[i] = true;
        } catch (const std::exception& error) {
            if (db_.last_error_was_full()) throw; // as in commit_batch
            report_failure("write failed and was rolled back", error);
            statements.rollback_to.run();
            statements.release.run();
        }
    }
}

void Writer::report_failure(const char* what, const std::exception& error) {
    if (db_.last_error_was_full()) {
        if (!full_)
            std::fprintf(stderr,
                         "stagedoor: the database is full (--max-db-size or the disk): writes "
                         "fail and check-ins answer 'internal' until space is freed (%s)\n",
                         error.what());
        full_ = true;
        return;
    }
    std::fprintf(stderr, "stagedoor: %s: %s\n", what, error.what());
}

// Called after a commit that stored at least one write.
void Writer::report_commit() {
    if (!full_) return;
    full_ = false;
    std::fprintf(stderr, "stagedoor: the database has space again: writes succeed\n");
}

void Writer::post_completions(std::vector<Job>& batch, const std::vector<bool>& results,
                              bool committed) {
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

} // namespace stagedoor::storage
