// Time as a dependency: the routing core, budgets and health take a Clock so
// that tests can use a fake one and never sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace megarouter::core {

// Milliseconds since the Unix epoch.
using Millis = std::int64_t;

class Clock {
public:
    virtual ~Clock() = default;
    // Wall-clock time, ms since the epoch. Thread-safe.
    virtual Millis now_ms() const = 0;
};

class SystemClock final : public Clock {
public:
    Millis now_ms() const override {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    }
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
public:
    explicit FakeClock(Millis start = 1'700'000'000'000) : m_now(start) {}
    Millis now_ms() const override { return m_now.load(); }
    void advance_ms(Millis delta) { m_now += delta; }
    void set_ms(Millis value) { m_now = value; }

private:
    std::atomic<Millis> m_now;
};

// The process-wide system clock.
const Clock& system_clock();

// Monotonic microseconds, for measuring durations.
std::int64_t monotonic_us();

} // namespace megarouter::core
