// Fibers on an event loop. A Loop owns one epoll instance and runs on one
// thread; the code it runs is ordinary blocking-style code in fibers (stackful
// coroutines, each with its own stack). Where a fiber would block (a socket
// that is not ready, a sleep, a wait for another fiber) it parks, and the loop
// runs other fibers until an epoll event, a timer or a notify makes it ready
// again. So one thread serves thousands of connections without a thread (and
// two context switches) per request, and the handlers above it keep reading
// like straight-line code.
//
// The free functions below work in and out of fibers: outside a fiber they
// block the calling thread (poll(2), sleep), so the same upstream client
// serves `megarouter prompt` and the proxy.
//
// Thread-safety: a Loop, its Watches and Events belong to the loop's thread,
// except post() and wake(), which any thread may call. A fiber must not park
// while holding a lock another fiber of its loop may take.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "megarouter/core/error.hpp"

namespace megarouter::io {

enum class Ready { yes, timeout };

class Loop {
public:
    struct Impl;

    // A loop for the calling thread (it becomes Loop::current() there). Fails
    // with io when epoll or eventfd cannot be created.
    static Result<std::unique_ptr<Loop>> create();
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    // Starts `body` in a new fiber; it first runs on the next turn of the loop.
    // An exception escaping `body` is caught at the fiber's entry and logged
    // to stderr with what it was; the loop goes on. Code that must turn a
    // failure into an answer (a connection's 500, a stream's error) catches
    // inside `body`. Returns false, with `body` not run, when no stack can be
    // mapped. Loop thread only.
    bool spawn(std::function<void()> body);

    // Runs fibers, timers and events until `until()` is true at the end of a
    // turn with no fiber left ready. `until` is checked after every turn.
    void run(const std::function<bool()>& until);

    // Runs `task` on the loop thread at its next turn (not in a fiber: it must
    // not park). Thread-safe; wakes the loop.
    void post(std::function<void()> task);

    // Runs `task` when the loop is destroyed, before its epoll instance
    // closes (for per-loop caches holding registrations). Loop thread only.
    void at_exit(std::function<void()> task);

    // Fibers alive (started and not finished).
    std::size_t fibers() const;

    // The loop running on this thread, or nullptr.
    static Loop* current();

    Impl& impl() { return *m_impl; }

private:
    Loop();
    std::unique_ptr<Impl> m_impl;
};

// Whether the caller runs in a fiber (and may park).
bool in_fiber();

// A file descriptor registered with the current loop for as long as the
// Watch lives (edge-triggered, read and write). After a read or write returned
// EAGAIN, wait() parks the fiber until the descriptor is ready in that
// direction or the deadline passes. Outside a fiber it polls. The descriptor
// stays owned by the caller; destroy the Watch before closing it.
class Watch {
public:
    explicit Watch(int fd);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

    // `events`: EPOLLIN and/or EPOLLOUT. `deadline_us`: core::monotonic_us()
    // time, 0 for none.
    Ready wait(std::uint32_t events, std::int64_t deadline_us);
    // Wakes a fiber parked in wait() as if its deadline had passed. Loop thread.
    void interrupt();
    // Whether the descriptor became readable (data, end of stream, error)
    // since the last wait() or forget_readable(): a pooled connection uses it
    // to notice that its peer spoke or closed while it sat idle. Always true
    // without a loop (nothing is watched).
    bool readable_seen() const;
    void forget_readable();

    int fd() const { return m_fd; }
    struct State;

private:
    int m_fd;
    std::unique_ptr<State> m_state;
};

// A level-triggered registration of `fd` with the current loop, for as long
// as the Interest lives: `on_ready` runs on the loop thread with the epoll
// events (not in a fiber: it must not park). Without a current loop nothing
// is registered (registered() is false).
class Interest {
public:
    Interest(int fd, std::uint32_t events, std::function<void(std::uint32_t)> on_ready);
    ~Interest();
    Interest(const Interest&) = delete;
    Interest& operator=(const Interest&) = delete;

    void change(std::uint32_t events);
    bool registered() const;

    struct State;

private:
    int m_fd;
    std::unique_ptr<State> m_state;
};

// A wake-up for fibers of one loop: wait() parks until notify_all() or the
// deadline. Not thread-safe: waiters and notifier share the loop's thread.
// Outside a fiber, wait() sleeps until the deadline (or 1 ms when none).
class Event {
public:
    Event();
    ~Event();
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

    Ready wait(std::int64_t deadline_us);
    void notify_all();

    struct State;

private:
    std::unique_ptr<State> m_state;
};

// Parks the fiber (or sleeps the thread) until `deadline_us`.
void sleep_until(std::int64_t deadline_us);

// Runs `work` on a small process-wide WorkerPool (worker_pool.hpp: 4
// threads, 256 waiting calls) and parks the fiber until it returns, so a
// blocking call (getaddrinfo) does not stall the loop. Outside a fiber it
// simply calls `work`. Returns false, without running `work`, when the pool's
// queue is full. Routes use the server's own pool ([server] blocking_workers).
bool run_blocking(const std::function<void()>& work);

} // namespace megarouter::io
