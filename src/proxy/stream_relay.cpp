#include "proxy/stream_relay.hpp"

#include "megarouter/core/clock.hpp"

namespace megarouter::proxy {

namespace {
constexpr std::int64_t k_pump_tick_us = 250'000; // how often the writer looks at `abort` and the keep-alive clock
}

void StreamRelay::commit() {
    m_committed = true;
    m_changed.notify_all();
}

void StreamRelay::write(std::string_view bytes) {
    if (bytes.empty()) return;
    m_pending.append(bytes);
    if (m_committed) m_changed.notify_all();
}

void StreamRelay::discard_uncommitted() {
    if (!m_committed) m_pending.clear();
}

void StreamRelay::fail(Error error) {
    if (m_committed) return;
    m_failed = true;
    m_pending.clear();
    m_error = std::move(error);
    m_changed.notify_all();
}

void StreamRelay::close() {
    m_closed = true;
    m_changed.notify_all();
}

void StreamRelay::cancel() {
    m_cancel.store(true);
    m_changed.notify_all();
}

StreamRelay::Decision StreamRelay::wait_decision() {
    while (!m_committed && !m_failed) m_changed.wait(0);
    return m_committed ? Decision::committed : Decision::failed;
}

bool StreamRelay::pump(httplib::DataSink& sink, int keepalive_ms, const std::atomic<bool>& abort) {
    bool at_boundary = true;
    std::int64_t silent_since = core::monotonic_us();
    std::string chunk;
    for (;;) {
        if (!m_pending.empty()) {
            chunk.swap(m_pending);
            m_pending.clear();
            at_boundary = chunk.ends_with("\n\n");
            bool ok = sink.write(chunk.data(), chunk.size()); // may park while the client is slow
            chunk.clear();
            silent_since = core::monotonic_us();
            if (!ok) break;
            continue;
        }
        if (m_closed) return true;
        if (abort.load()) m_cancel.store(true);
        std::int64_t now = core::monotonic_us();
        if (at_boundary && now - silent_since >= std::int64_t{keepalive_ms} * 1000) {
            static constexpr std::string_view k_comment = ": keep-alive\n\n";
            bool ok = sink.write(k_comment.data(), k_comment.size());
            silent_since = now;
            if (!ok) break;
        }
        m_changed.wait(now + k_pump_tick_us);
    }
    m_client_gone.store(true);
    m_cancel.store(true);
    return false;
}

} // namespace megarouter::proxy
