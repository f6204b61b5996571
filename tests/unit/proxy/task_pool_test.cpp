#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "megarouter/proxy/task_pool.hpp"

using megarouter::proxy::ElasticTaskPool;
using megarouter::proxy::TaskPoolOptions;

TEST_CASE("proxy: the elastic pool grows with concurrent tasks and lets idle threads exit") {
    ElasticTaskPool pool(TaskPoolOptions{.max_threads = 64, .idle_exit_ms = 100, .stack_bytes = 256 * 1024});
    CHECK(pool.threads() == 0);
    std::atomic<int> running{0}, peak{0};
    std::atomic<bool> release{false};
    for (int i = 0; i < 40; ++i)
        pool.enqueue([&] {
            int now = ++running;
            int seen = peak.load();
            while (now > seen && !peak.compare_exchange_weak(seen, now)) {}
            while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            --running;
        });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (peak < 40 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(peak == 40); // all 40 ran at once: no task waited for another
    release = true;
    CHECK(pool.wait_idle(2000));
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (pool.threads() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(pool.threads() == 0);
}

TEST_CASE("proxy: the elastic pool queues beyond its maximum and runs everything before shutdown returns") {
    std::atomic<int> done{0};
    {
        ElasticTaskPool pool(TaskPoolOptions{.max_threads = 2, .idle_exit_ms = 1000, .stack_bytes = 256 * 1024});
        for (int i = 0; i < 20; ++i)
            pool.enqueue([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                ++done;
            });
        CHECK(pool.threads() <= 2);
        pool.shutdown();
        CHECK(pool.threads() == 0);
    }
    CHECK(done == 20);
}
