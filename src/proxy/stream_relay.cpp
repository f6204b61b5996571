#include "proxy/stream_relay.hpp"

#include "megarouter/core/clock.hpp"

namespace megarouter::proxy {

namespace {
constexpr std::int64_t k_pump_tick_us = 250'000; // how often the writer looks at `abort` and the keep-alive clock
}

void StreamRelay::commit() {
    if (m_failed) return; // too late: the handler has answered an error (a deadline, an abandon)
    m_committed = true;
    m_changed.notify_all();
}

void StreamRelay::write(std::string_view bytes) {
    if (bytes.empty() || m_lost || m_failed) return;
    m_pending.append(bytes);
    if (m_committed) m_changed.notify_all();
}

void StreamRelay::discard_uncommitted() {
    if (!m_committed) m_pending.clear();
}

void StreamRelay::fail(Error error) {
    if (m_committed || m_failed) return;
    m_failed = true;
    m_pending.clear();
    m_error = std::move(error);
    m_changed.notify_all();
}

void StreamRelay::close() {
    m_closed = true;
    m_changed.notify_all();
}

void StreamRelay::abandon(Error error) {
    if (m_closed || m_lost) return;
    m_cancel.store(true);
    if (!m_committed) {
        fail(std::move(error));
        return;
    }
    m_lost = true;
    m_error = std::move(error);
    m_changed.notify_all();
}

void StreamRelay::cancel() {
    m_cancel.store(true);
    m_changed.notify_all();
}

StreamRelay::Decision StreamRelay::wait_decision(std::int64_t deadline_us) {
    while (!m_committed && !m_failed) {
        if (deadline_us > 0 && core::monotonic_us() >= deadline_us) {
            fail(make_error(ErrorCode::upstream_timeout, "no answer from the upstream before the request's deadline", true));
            m_cancel.store(true);
            break;
        }
        m_changed.wait(deadline_us);
    }
    return m_committed ? Decision::committed : Decision::failed;
}

StreamRelay::PumpEnd StreamRelay::pump(httplib::DataSink& sink, int keepalive_ms, const std::atomic<bool>& abort,
                                       std::int64_t deadline_us) {
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
        if (m_closed) return PumpEnd::closed;
        std::int64_t now = core::monotonic_us();
        if (!m_lost && deadline_us > 0 && now >= deadline_us) {
            m_lost = true;
            m_error = make_error(ErrorCode::upstream_timeout, "the stream passed the request's deadline", true);
        }
        if (m_lost) {
            m_cancel.store(true);
            return PumpEnd::lost;
        }
        if (abort.load()) m_cancel.store(true);
        if (at_boundary && now - silent_since >= std::int64_t{keepalive_ms} * 1000) {
            static constexpr std::string_view k_comment = ": keep-alive\n\n";
            bool ok = sink.write(k_comment.data(), k_comment.size());
            silent_since = now;
            if (!ok) break;
        }
        std::int64_t wake = now + k_pump_tick_us;
        if (deadline_us > 0) wake = std::min(wake, deadline_us);
        m_changed.wait(wake);
    }
    m_client_gone.store(true);
    m_cancel.store(true);
    return PumpEnd::client_gone;
}

StreamRelay::UpstreamScope::~UpstreamScope() {
    m_relay.abandon(make_error(ErrorCode::internal, "the upstream side of this stream ended without an answer"));
}

} // namespace megarouter::proxy
