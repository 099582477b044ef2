// The group-commit writer: completions only after the commit, in order; a failing write is
// rolled back alone; writes that queue up share one transaction.
#include "storage/database.hpp"
#include "storage/writer.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <unistd.h>

using namespace stagedoor::storage;
namespace fs = std::filesystem;

namespace {
struct TempDatabase {
    fs::path dir;
    TempDatabase() {
        std::random_device random;
        dir = fs::temp_directory_path() /
              ("stagedoor-writer-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
        fs::create_directories(dir);
        Database db(dir / "test.db", true);
        db.exec("CREATE TABLE rows (n INTEGER PRIMARY KEY)");
    }
    ~TempDatabase() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    fs::path path() const { return dir / "test.db"; }
    std::int64_t count() const {
        Database db(path());
        auto query = db.prepare("SELECT COUNT(*) FROM rows");
        query.step();
        return query.int64(0);
    }
};

// Collects completions as the event loop would run them.
struct Loop {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::pair<int, bool>> done;
    void post(std::function<void()> task) {
        std::lock_guard lock(mutex);
        task();
        changed.notify_all();
    }
    bool wait_for(std::size_t n) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(10), [&] { return done.size() >= n; });
    }
};

void insert(Database& db, int n) {
    auto statement = db.prepare("INSERT INTO rows (n) VALUES (?)");
    statement.bind(1, n);
    statement.run();
}
} // namespace

TEST_CASE("writer: completions follow the commit, in order, and a failing write is lost alone") {
    TempDatabase database;
    Loop loop;
    {
        Writer writer(database.path(),
                      [&](std::function<void()> task) { loop.post(std::move(task)); });
        // Hold the writer in its first batch until every write is queued behind it.
        std::promise<void> all_queued;
        std::shared_future<void> released = all_queued.get_future().share();
        writer.submit([released](Database&) { released.wait(); }, {});
        for (int i = 1; i <= 200; ++i) {
            writer.submit(
                [i](Database& db) {
                    if (i == 57) throw std::runtime_error("disk says no");
                    // A duplicate key fails inside SQLite, not in our code.
                    insert(db, i == 120 ? 119 : i);
                },
                [&loop, i](bool ok) { loop.done.emplace_back(i, ok); });
        }
        all_queued.set_value();
        REQUIRE(loop.wait_for(200));
        // By the time a completion runs, its row is readable from another connection.
        CHECK(database.count() == 198);
        auto stats = writer.stats();
        CHECK(stats.writes == 201);
        CHECK(stats.batches <= 3); // the writes that queued up shared one commit
    }
    for (int i = 1; i <= 200; ++i) {
        INFO(i);
        CHECK(loop.done[static_cast<std::size_t>(i - 1)].first == i);
        CHECK(loop.done[static_cast<std::size_t>(i - 1)].second == (i != 57 && i != 120));
    }
    Database db(database.path());
    auto missing = db.prepare("SELECT COUNT(*) FROM rows WHERE n IN (57, 120)");
    missing.step();
    CHECK(missing.int64(0) == 0);
}

TEST_CASE("writer: stop commits what is queued") {
    TempDatabase database;
    Loop loop;
    {
        Writer writer(database.path(),
                      [&](std::function<void()> task) { loop.post(std::move(task)); });
        for (int i = 1; i <= 50; ++i)
            writer.submit([i](Database& db) { insert(db, i); }, {});
        writer.stop();
    }
    CHECK(database.count() == 50);
}

TEST_CASE("writer: an idle writer is woken after the loop's turn, so the turn's writes share a "
          "commit") {
    TempDatabase database;
    // A loop that runs posted tasks only when asked, as the event loop runs them after the
    // handler that is running now.
    std::mutex mutex;
    std::vector<std::function<void()>> queued;
    auto run_queued = [&] {
        std::vector<std::function<void()>> tasks;
        {
            std::lock_guard lock(mutex);
            tasks.swap(queued);
        }
        for (auto& task : tasks)
            task();
        return tasks.size();
    };
    std::atomic<int> completed{0};
    Writer writer(database.path(), [&](std::function<void()> task) {
        std::lock_guard lock(mutex);
        queued.push_back(std::move(task));
    });
    // Wait until the writer thread is idle: a first write, committed and completed.
    writer.submit([](Database& db) { insert(db, 1000); }, [&](bool) { ++completed; });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (completed < 1 && std::chrono::steady_clock::now() < deadline)
        run_queued();
    REQUIRE(completed == 1);
    while (!writer.waiting() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    REQUIRE(writer.waiting());
    auto before = writer.stats();
    for (int i = 1; i <= 50; ++i)
        writer.submit([i](Database& db) { insert(db, i); }, [&](bool ok) { completed += ok; });
    // One wake-up is queued for the whole turn; until it runs the writer does not start.
    while (completed < 51 && std::chrono::steady_clock::now() < deadline)
        run_queued();
    REQUIRE(completed == 51);
    auto after = writer.stats();
    CHECK(after.writes - before.writes == 50);
    CHECK(after.batches - before.batches == 1);
}

TEST_CASE("writer: durable writes go first; full queues refuse at once and are counted") {
    TempDatabase database;
    Loop loop;
    std::mutex ran_mutex;
    std::vector<int> ran; // the order in which the writer ran the writes
    auto write = [&](int n) {
        return [&, n](Database& db) {
            insert(db, n);
            std::lock_guard lock(ran_mutex);
            ran.push_back(n);
        };
    };
    auto done = [&loop](int n) { return [&loop, n](bool ok) { loop.done.emplace_back(n, ok); }; };
    Writer::Limits limits;
    limits.max_batch = 4;
    limits.max_durable = 5;
    limits.max_background = 3;
    {
        Writer writer(
            database.path(), [&](std::function<void()> task) { loop.post(std::move(task)); },
            limits);
        // Hold the writer in a first batch of its own while the rest queues up behind it.
        std::promise<void> started;
        std::promise<void> release;
        std::shared_future<void> released = release.get_future().share();
        writer.submit(
            [&started, released](Database&) {
                started.set_value();
                released.wait();
            },
            {});
        started.get_future().wait();
        // Background writes are queued first, durable ones after them; 104 and 105 (and 6
        // and 7) find their queue full.
        for (int n = 101; n <= 105; ++n)
            CHECK(writer.submit(write(n), done(n), Writer::Priority::background) == (n <= 103));
        for (int n = 1; n <= 7; ++n)
            CHECK(writer.submit(write(n), done(n)) == (n <= 5));
        {
            // The refusals were answered at once, before anything queued was written.
            std::lock_guard lock(loop.mutex);
            CHECK(loop.done == std::vector<std::pair<int, bool>>{
                                   {104, false}, {105, false}, {6, false}, {7, false}});
        }
        auto stats = writer.stats();
        CHECK(stats.refused_durable == 2);
        CHECK(stats.refused_background == 2);
        release.set_value();
        REQUIRE(loop.wait_for(12));
    }
    // Durable writes ran first (a batch holds 4), background ones filled the room after them.
    CHECK(ran == std::vector<int>{1, 2, 3, 4, 5, 101, 102, 103});
    CHECK(database.count() == 8);
    std::vector<std::pair<int, bool>> committed(loop.done.begin() + 4, loop.done.end());
    CHECK(committed == std::vector<std::pair<int, bool>>{{1, true},
                                                         {2, true},
                                                         {3, true},
                                                         {4, true},
                                                         {5, true},
                                                         {101, true},
                                                         {102, true},
                                                         {103, true}});
}
