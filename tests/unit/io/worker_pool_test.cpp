// io::WorkerPool: work runs on its threads while the loop's other fibers go
// on, the queue is bounded (run() refuses at once beyond it), outside a fiber
// work runs inline, and an exception in work does not kill a worker.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "megarouter/core/clock.hpp"
#include "megarouter/io/loop.hpp"
#include "megarouter/io/worker_pool.hpp"

using namespace megarouter;
using namespace std::chrono_literals;

namespace {

std::int64_t after_ms(std::int64_t ms) { return core::monotonic_us() + ms * 1000; }

// Runs the loop until it has no fibers, or 5 s pass.
bool drain(io::Loop& loop) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    std::atomic<bool> finished{false};
    std::thread watchdog([&] {
        while (!finished && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
        if (!finished) loop.post([] {});
    });
    loop.run([&] { return loop.fibers() == 0 || std::chrono::steady_clock::now() >= deadline; });
    finished = true;
    watchdog.join();
    return loop.fibers() == 0;
}

} // namespace

TEST_CASE("worker pool: work runs on the pool's threads, bounded by the queue") {
    auto created = io::Loop::create();
    REQUIRE(created);
    io::Loop& loop = **created;
    io::WorkerPool pool(2, 3);
    CHECK(pool.threads() == 2);

    std::mutex mutex;
    std::condition_variable changed;
    bool open = false;
    int running = 0;
    std::set<std::thread::id> threads;
    auto blocked = [&] {
        std::unique_lock lock(mutex);
        threads.insert(std::this_thread::get_id());
        ++running;
        changed.notify_all();
        changed.wait_for(lock, 5s, [&] { return open; });
    };
    // 2 run, 3 wait, the 6th and 7th are refused without running.
    std::atomic<int> accepted{0}, refused{0};
    auto runner = [&] { (pool.run(blocked) ? accepted : refused)++; };
    auto running_now = [&] {
        std::lock_guard lock(mutex);
        return running;
    };
    int ticks = 0;
    loop.spawn([&] { // the loop keeps running fibers meanwhile
        loop.spawn(runner);
        loop.spawn(runner);
        for (int i = 0; i < 500 && running_now() < 2; ++i) io::sleep_until(after_ms(2));
        for (int i = 0; i < 5; ++i) loop.spawn(runner);
        for (int i = 0; i < 20; ++i) {
            io::sleep_until(after_ms(5));
            ++ticks;
        }
        std::lock_guard lock(mutex);
        open = true;
        changed.notify_all();
    });
    REQUIRE(drain(loop));
    CHECK(accepted == 5);
    CHECK(refused == 2);
    CHECK(running == 5);
    CHECK(ticks == 20);
    CHECK(threads.size() <= 2);
    CHECK(threads.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("worker pool: outside a fiber work runs inline; exceptions do not kill workers") {
    io::WorkerPool pool(1, 1);
    std::thread::id ran_on;
    CHECK(pool.run([&] { ran_on = std::this_thread::get_id(); }));
    CHECK(ran_on == std::this_thread::get_id());

    auto created = io::Loop::create();
    REQUIRE(created);
    io::Loop& loop = **created;
    bool first = false, second = false;
    loop.spawn([&] {
        first = pool.run([] { throw std::runtime_error("work failed"); });
        std::thread::id worker;
        second = pool.run([&] { worker = std::this_thread::get_id(); });
        second = second && worker != std::this_thread::get_id();
    });
    REQUIRE(drain(loop));
    CHECK(first);
    CHECK(second);
}

TEST_CASE("worker pool: run_blocking uses a bounded shared pool and reports whether the work ran") {
    auto created = io::Loop::create();
    REQUIRE(created);
    io::Loop& loop = **created;
    std::atomic<int> ran{0};
    int ok = 0;
    for (int i = 0; i < 8; ++i)
        loop.spawn([&] { ok += io::run_blocking([&] { ++ran; }) ? 1 : 0; });
    REQUIRE(drain(loop));
    CHECK(ok == 8);
    CHECK(ran == 8);
}
