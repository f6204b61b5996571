// An elastic thread pool for the HTTP listener: it starts a thread when a task
// arrives and no thread is idle, up to a maximum, and lets a thread exit after
// it has been idle for a while, so an idle gateway holds almost no threads
// (and little memory) while a busy one holds hundreds of concurrent streams.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

#include <httplib.h>

namespace megarouter::proxy {

struct TaskPoolOptions {
    std::size_t max_threads = 2048;   // tasks beyond this wait in a queue
    int idle_exit_ms = 5'000;         // an idle thread exits after this long
    std::size_t stack_bytes = 1 << 20; // per-thread stack reservation
};

// A httplib::TaskQueue whose threads come and go with the load. enqueue() never
// blocks: it hands the task to an idle thread, starts a new one, or (at the
// maximum) queues it. All member functions are thread-safe.
class ElasticTaskPool final : public httplib::TaskQueue {
public:
    explicit ElasticTaskPool(TaskPoolOptions options = {});
    ~ElasticTaskPool() override; // calls shutdown()

    // Runs `fn` on a pool thread as soon as one is free. After shutdown() the
    // task runs on the calling thread (so a socket handed over is still closed).
    void enqueue(std::function<void()> fn) override;

    // Lets queued and running tasks finish, then waits until every thread
    // has exited. Safe to call more than once.
    void shutdown() override;

    // Waits up to `timeout_ms` for running and queued tasks to finish, without
    // shutting down. Returns true when the pool is idle.
    bool wait_idle(int timeout_ms);

    std::size_t threads() const;      // live threads
    std::size_t busy() const;         // threads running a task
    std::size_t queued() const;       // tasks waiting for a thread

private:
    void worker_loop();
    bool spawn_locked();

    TaskPoolOptions m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_work;  // tasks arrived or shutting down
    std::condition_variable m_state; // a thread exited or went idle
    std::deque<std::function<void()>> m_tasks;
    std::size_t m_threads = 0;
    std::size_t m_idle = 0;
    bool m_shutdown = false;
};

} // namespace megarouter::proxy
