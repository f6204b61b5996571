// Helpers for the io::Loop unit tests: time in microseconds, a fresh loop,
// and run_for(), which bounds every run of a loop in time.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "megarouter/core/clock.hpp"
#include "megarouter/io/loop.hpp"

namespace loop_test {

using namespace megarouter;
using namespace std::chrono_literals;

inline std::int64_t now_us() { return core::monotonic_us(); }
inline std::int64_t after_ms(std::int64_t ms) { return now_us() + ms * 1000; }
inline std::int64_t ms_since(std::int64_t start_us) { return (now_us() - start_us) / 1000; }

inline std::unique_ptr<io::Loop> make_loop() {
    auto loop = io::Loop::create();
    REQUIRE(loop);
    return std::move(*loop);
}

// Runs `loop` until `done()` holds or `limit` has passed; a watchdog thread
// posts a no-op at the limit so a loop idle in epoll_wait rechecks. Returns
// whether `done()` held.
inline bool run_for(io::Loop& loop, const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::mutex mutex;
    std::condition_variable cv;
    bool finished = false;
    std::thread watchdog([&] {
        std::unique_lock lock(mutex);
        if (!cv.wait_until(lock, deadline, [&] { return finished; })) loop.post([] {});
    });
    loop.run([&] { return done() || std::chrono::steady_clock::now() >= deadline; });
    {
        std::lock_guard lock(mutex);
        finished = true;
    }
    cv.notify_all();
    watchdog.join();
    return done();
}

} // namespace loop_test
