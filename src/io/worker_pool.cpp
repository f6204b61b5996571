// The worker pool: a mutex-guarded queue of jobs, each naming the parked
// fiber to wake (through its loop's post()) when the job is done.
#include "megarouter/io/worker_pool.hpp"

#include <chrono>
#include <cstdio>
#include <thread>
#include <exception>

#include "io/loop_impl.hpp"

namespace megarouter::io {

struct WorkerPool::Job {
    const std::function<void()>* work;
    Loop* loop;
    Fiber* fiber;
    std::uint64_t generation;
};

namespace {

constexpr auto k_idle_exit = std::chrono::seconds(5);

void run_logged(const std::function<void()>& work) {
    try {
        work();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "megarouter: blocking work ended with an exception: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "megarouter: blocking work ended with an exception that is not a std::exception\n");
    }
}

} // namespace

WorkerPool::WorkerPool(std::size_t threads, std::size_t queue_limit)
    : m_max_threads(threads == 0 ? 1 : threads), m_queue_limit(queue_limit) {}

// The workers are detached; the pool waits here until the last has left.
WorkerPool::~WorkerPool() {
    std::unique_lock lock(m_mutex);
    m_stopping = true;
    m_wake.notify_all();
    m_gone.wait(lock, [&] { return m_live == 0; });
}

void WorkerPool::work_loop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        while (m_queue.empty() && !m_stopping) {
            ++m_idle;
            auto waited = m_wake.wait_for(lock, k_idle_exit);
            --m_idle;
            if (waited == std::cv_status::timeout && m_queue.empty()) break;
        }
        if (m_queue.empty()) { // idle long enough, or stopping with nothing left to do
            --m_live;
            m_gone.notify_all();
            return;
        }
        Job* job = m_queue.front();
        m_queue.pop_front();
        lock.unlock();
        run_logged(*job->work);
        // After this post the job (on the parked fiber's stack) is gone.
        Loop* loop = job->loop;
        Fiber* fiber = job->fiber;
        std::uint64_t generation = job->generation;
        loop->post([loop, fiber, generation] { loop->impl().wake(fiber, generation, false); });
        lock.lock();
    }
}

bool WorkerPool::run(const std::function<void()>& work) {
    if (!in_fiber()) {
        run_logged(work);
        return true;
    }
    Loop* loop = Loop::current();
    Loop::Impl& impl = loop->impl();
    Fiber* self = impl.running;
    Job job{&work, loop, self, self->generation + 1};
    {
        std::lock_guard lock(m_mutex);
        // Waiting means queued beyond the idle workers that will take them.
        if (m_stopping || m_queue.size() >= m_queue_limit + m_idle) return false;
        m_queue.push_back(&job);
        if (m_queue.size() > m_idle && m_live < m_max_threads) {
            ++m_live;
            std::thread([this] { work_loop(); }).detach();
        }
        m_wake.notify_one();
    }
    // Only the worker's post wakes this park (no deadline): `job` and `work` stay valid until then.
    while (impl.park(0) == Ready::timeout) {
    }
    return true;
}

} // namespace megarouter::io
