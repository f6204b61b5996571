// The worker pool: a mutex-guarded queue of jobs, each naming the parked
// fiber to wake (through its loop's post()) when the job is done.
#include "megarouter/io/worker_pool.hpp"

#include <cstdio>
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

WorkerPool::WorkerPool(std::size_t threads, std::size_t queue_limit) : m_queue_limit(queue_limit) {
    if (threads == 0) threads = 1;
    m_threads.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) m_threads.emplace_back([this] { work_loop(); });
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    for (auto& thread : m_threads) thread.join();
}

void WorkerPool::work_loop() {
    for (;;) {
        Job* job = nullptr;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty()) return; // stopping, and nothing left to do
            job = m_queue.front();
            m_queue.pop_front();
        }
        run_logged(*job->work);
        // After this post the job (on the parked fiber's stack) is gone.
        Loop* loop = job->loop;
        Fiber* fiber = job->fiber;
        std::uint64_t generation = job->generation;
        loop->post([loop, fiber, generation] { loop->impl().wake(fiber, generation, false); });
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
        if (m_stopping || m_queue.size() >= m_queue_limit) return false;
        m_queue.push_back(&job);
    }
    m_wake.notify_one();
    // Only the worker's post wakes this park (no deadline): `job` and `work` stay valid until then.
    while (impl.park(0) == Ready::timeout) {
    }
    return true;
}

} // namespace megarouter::io
