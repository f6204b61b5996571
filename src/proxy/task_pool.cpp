// Elastic pool: threads are detached pthreads with a bounded stack; the pool
// counts them and shutdown() waits for the count to reach zero.
#include "megarouter/proxy/task_pool.hpp"

#include <chrono>
#include <malloc.h>
#include <pthread.h>

namespace megarouter::proxy {

ElasticTaskPool::ElasticTaskPool(TaskPoolOptions options) : m_options(options) {
    if (m_options.max_threads == 0) m_options.max_threads = 1;
}

ElasticTaskPool::~ElasticTaskPool() { shutdown(); }

namespace {
void* thread_entry(void* arg) {
    auto* pool_loop = static_cast<std::function<void()>*>(arg);
    (*pool_loop)();
    delete pool_loop;
    return nullptr;
}
} // namespace

bool ElasticTaskPool::spawn_locked() {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, m_options.stack_bytes);
    auto* loop = new std::function<void()>([this] { worker_loop(); });
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, thread_entry, loop);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        delete loop;
        return false;
    }
    ++m_threads;
    return true;
}

void ElasticTaskPool::enqueue(std::function<void()> fn) {
    std::unique_lock lock(m_mutex);
    if (m_shutdown) {
        lock.unlock();
        fn();
        return;
    }
    m_tasks.push_back(std::move(fn));
    // Idle threads take queued tasks first; start a thread only when every
    // idle one already has a task waiting for it.
    if (m_tasks.size() > m_idle && m_threads < m_options.max_threads) {
        if (spawn_locked()) return;
    }
    m_work.notify_one();
}

void ElasticTaskPool::worker_loop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        if (!m_tasks.empty()) {
            auto task = std::move(m_tasks.front());
            m_tasks.pop_front();
            lock.unlock();
            task();
            task = nullptr; // release captures before taking the lock again
            lock.lock();
            continue;
        }
        if (m_shutdown) break;
        ++m_idle;
        m_state.notify_all();
        bool woke = m_work.wait_for(lock, std::chrono::milliseconds(m_options.idle_exit_ms),
                                    [this] { return !m_tasks.empty() || m_shutdown; });
        --m_idle;
        if (!woke) break; // idle too long
    }
    bool last = --m_threads == 0;
    // Notify while holding the lock so the pool outlives this access.
    m_state.notify_all();
    lock.unlock();
    // After a burst, hand the freed per-thread heap memory back to the OS so
    // an idle gateway returns near its starting footprint.
    if (last) malloc_trim(0);
}

void ElasticTaskPool::shutdown() {
    std::unique_lock lock(m_mutex);
    m_shutdown = true;
    m_work.notify_all();
    m_state.wait(lock, [this] { return m_threads == 0; });
    // Tasks queued while no thread could take them run here.
    while (!m_tasks.empty()) {
        auto task = std::move(m_tasks.front());
        m_tasks.pop_front();
        lock.unlock();
        task();
        lock.lock();
    }
}

bool ElasticTaskPool::wait_idle(int timeout_ms) {
    std::unique_lock lock(m_mutex);
    return m_state.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                            [this] { return m_tasks.empty() && m_idle == m_threads; });
}

std::size_t ElasticTaskPool::threads() const {
    std::lock_guard lock(m_mutex);
    return m_threads;
}

std::size_t ElasticTaskPool::busy() const {
    std::lock_guard lock(m_mutex);
    return m_threads - m_idle;
}

std::size_t ElasticTaskPool::queued() const {
    std::lock_guard lock(m_mutex);
    return m_tasks.size();
}

} // namespace megarouter::proxy
