#include "proxy/stream_relay.hpp"

#include "megarouter/core/clock.hpp"

namespace megarouter::proxy {

namespace {
// How often the writer looks at `abort` and the keep-alive clock: each look
// is a loop timer per open stream.
constexpr std::int64_t k_pump_tick_us = 1'000'000;
}

void StreamRelay::commit() {
    if (m_failed) return; // too late: the handler has answered an error (a deadline, an abandon)
    m_committed = true;
    m_changed.notify_all();
}

void StreamRelay::write(std::string_view bytes) {
    if (bytes.empty() || m_lost || m_failed) return;
    if (m_committed && m_sink && !m_writing && m_pending.empty() && !m_client_gone.load() && write_through(bytes))
        return;
    m_pending.append(bytes);
    if (m_committed) m_changed.notify_all();
}

// The upstream fiber writes to the client itself; false when the client is
// gone (the writer is woken to end the stream).
bool StreamRelay::write_through(std::string_view bytes) {
    m_writing = true;
    bool ok = m_sink->write(bytes.data(), bytes.size()); // may park while the client is slow
    m_writing = false;
    m_at_boundary = bytes.ends_with("\n\n");
    m_silent_since = core::monotonic_us();
    if (ok) {
        if (!m_pending.empty() || m_closed) m_changed.notify_all(); // queued meanwhile: the writer's turn
        return true;
    }
    m_client_gone.store(true);
    m_cancel.store(true);
    m_changed.notify_all();
    return true; // nothing more to queue: the stream is over
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

StreamRelay::PumpEnd StreamRelay::pump(http::DataSink& sink, int keepalive_ms, const std::atomic<bool>& abort,
                                       std::int64_t deadline_us) {
    m_at_boundary = true;
    m_silent_since = core::monotonic_us();
    std::string chunk;
    m_sink = &sink;
    struct Detach {
        StreamRelay& relay;
        ~Detach() { relay.m_sink = nullptr; }
    } detach{*this};
    for (;;) {
        // The upstream fiber is writing through: wait for it to finish.
        if (m_writing) {
            m_changed.wait(core::monotonic_us() + k_pump_tick_us);
            continue;
        }
        if (m_client_gone.load()) break; // a write-through failed
        if (!m_pending.empty()) {
            chunk.swap(m_pending);
            m_pending.clear();
            m_at_boundary = chunk.ends_with("\n\n");
            m_writing = true;
            bool ok = sink.write(chunk.data(), chunk.size()); // may park while the client is slow
            m_writing = false;
            chunk.clear();
            m_silent_since = core::monotonic_us();
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
        if (m_at_boundary && now - m_silent_since >= std::int64_t{keepalive_ms} * 1000) {
            static constexpr std::string_view k_comment = ": keep-alive\n\n";
            m_writing = true;
            bool ok = sink.write(k_comment.data(), k_comment.size());
            m_writing = false;
            m_silent_since = now;
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
