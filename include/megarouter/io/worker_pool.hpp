// A fixed set of worker threads with a bounded queue, for work that blocks
// (SQLite, getaddrinfo) and must not run on an event loop. A fiber hands
// work over with run() and parks until a worker has done it; the other
// fibers of its loop go on meanwhile. The bounds are the point: a flood of
// slow requests queues up to the limit and is then refused, instead of
// starting one OS thread per request. Threads start when work needs them
// (up to the limit) and end after 5 s without work, so an idle gateway holds
// none.
//
// Thread-safety: run() from any fiber or thread. Destroy the pool only when
// no run() is in progress (the destructor finishes queued work, then joins).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace megarouter::io {

class WorkerPool {
public:
    // At most `threads` workers (at least one); at most `queue_limit` calls
    // wait for a free worker.
    WorkerPool(std::size_t threads, std::size_t queue_limit);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // In a fiber: runs `work` on a worker and parks the fiber until it has
    // returned; returns false, without running `work`, when queue_limit
    // calls are already waiting. Outside a fiber: runs `work` on the calling
    // thread. An exception escaping `work` is logged to stderr and dropped.
    bool run(const std::function<void()>& work);

    std::size_t threads() const { return m_max_threads; }

    struct Job;

private:
    void work_loop();

    std::mutex m_mutex;
    std::condition_variable m_wake;  // work queued, or stopping
    std::condition_variable m_gone;  // a worker ended
    std::deque<Job*> m_queue;
    std::size_t m_max_threads;
    std::size_t m_queue_limit;
    std::size_t m_live = 0;  // worker threads running
    std::size_t m_idle = 0;  // of which waiting for work
    bool m_stopping = false;
};

} // namespace megarouter::io
