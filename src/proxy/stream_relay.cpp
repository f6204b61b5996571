#include "proxy/stream_relay.hpp"

#include <chrono>

namespace megarouter::proxy {

void StreamRelay::wake() { m_cv.notify_all(); }

void StreamRelay::commit() {
    std::lock_guard lock(m_mutex);
    m_committed = true;
    m_cv.notify_all();
}

void StreamRelay::write(std::string_view bytes) {
    if (bytes.empty()) return;
    std::lock_guard lock(m_mutex);
    m_pending.append(bytes);
    if (m_committed) m_cv.notify_all();
}

void StreamRelay::discard_uncommitted() {
    std::lock_guard lock(m_mutex);
    if (!m_committed) m_pending.clear();
}

void StreamRelay::fail(Error error) {
    std::lock_guard lock(m_mutex);
    if (m_committed) return;
    m_failed = true;
    m_pending.clear();
    m_error = std::move(error);
    m_cv.notify_all();
}

void StreamRelay::close() {
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_cv.notify_all();
}

bool StreamRelay::committed() const {
    std::lock_guard lock(m_mutex);
    return m_committed;
}

StreamRelay::Decision StreamRelay::wait_decision() {
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return m_committed || m_failed; });
    return m_committed ? Decision::committed : Decision::failed;
}

Error StreamRelay::error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

bool StreamRelay::pump(httplib::DataSink& sink, int keepalive_ms, const std::atomic<bool>& abort) {
    bool at_boundary = true;
    auto silent_since = std::chrono::steady_clock::now();
    std::string chunk;
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_cv.wait_for(lock, std::chrono::milliseconds(250), [this] { return !m_pending.empty() || m_closed; });
        if (!m_pending.empty()) {
            chunk.swap(m_pending);
            m_pending.clear();
            lock.unlock();
            at_boundary = chunk.ends_with("\n\n");
            bool ok = sink.write(chunk.data(), chunk.size());
            chunk.clear();
            silent_since = std::chrono::steady_clock::now();
            lock.lock();
            if (!ok) break;
            continue;
        }
        if (m_closed) return true;
        if (abort.load()) m_cancel.store(true);
        auto now = std::chrono::steady_clock::now();
        if (at_boundary && now - silent_since >= std::chrono::milliseconds(keepalive_ms)) {
            lock.unlock();
            static constexpr std::string_view k_comment = ": keep-alive\n\n";
            bool ok = sink.write(k_comment.data(), k_comment.size());
            silent_since = now;
            lock.lock();
            if (!ok) break;
        }
    }
    m_client_gone.store(true);
    m_cancel.store(true);
    return false;
}

} // namespace megarouter::proxy
