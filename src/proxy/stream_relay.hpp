// The hand-off between the fiber that calls the upstream and the connection's
// fiber that writes the downstream response (both on one event loop). The upstream side decides when
// the response is committed (its first byte may go out: no failover after
// that) or failed before any byte (the handler then answers an error status);
// bytes written before commit are held and dropped if the attempt fails over.
// After commit, bytes go to the client as they come, one write per push:
// while the writer is parked with nothing queued, the upstream fiber writes
// them itself (no hand-off, no fiber switch per chunk; a slow client then
// holds back the reading of the upstream); otherwise they queue for the writer.
//
// No wait here is open-ended: the handler's wait for a decision and the
// writer's wait for bytes each end at a deadline, and an upstream side that
// ends without deciding or closing (its fiber threw) wakes them at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "megarouter/http/response.hpp"

#include "megarouter/core/error.hpp"
#include "megarouter/io/loop.hpp"

namespace megarouter::proxy {

class StreamRelay {
public:
    enum class Decision { committed, failed };
    enum class PumpEnd {
        closed,      // the upstream side closed the stream: it is complete (or ends with its own error frame)
        client_gone, // a write failed: the upstream is cancelled
        lost,        // the upstream side was abandoned or the deadline passed: the writer must end the stream with an error event
    };

    // Upstream side. Not thread-safe: both sides run on one event loop.
    void commit();                           // the held bytes may go out now
    void write(std::string_view bytes);      // queue bytes (held until commit)
    void discard_uncommitted();              // drop held bytes of a failed attempt
    void fail(Error error);                  // before commit: the handler answers `error`
    void close();                            // after commit: no more bytes
    bool committed() const { return m_committed; }
    // The upstream side ends without close(): before commit the handler
    // answers `error`; after commit the writer's pump() returns lost. A
    // no-op after close(). Cancels the upstream call.
    void abandon(Error error);

    // Set when the client is gone or the server aborts streams; the upstream
    // call watches it.
    const std::atomic<bool>& cancel_flag() const { return m_cancel; }
    void cancel();
    bool client_gone() const { return m_client_gone.load(); }

    // Handler side: parks until commit() or fail() (or abandon()), or until
    // `deadline_us` (core::monotonic_us() time; 0: none) passes, which fails
    // the decision with upstream_timeout and cancels the upstream side.
    Decision wait_decision(std::int64_t deadline_us);
    const Error& error() const { return m_error; } // valid after Decision::failed, and after PumpEnd::lost

    // Writer side (the chunked content provider): writes bytes as they come
    // until close(); after `keepalive_ms` of silence at an event boundary it
    // writes an SSE comment, which also detects a gone client. `abort` is
    // polled to cancel streams on shutdown. At `deadline_us` (0: none)
    // without close(), or when the upstream side is abandoned, it returns
    // lost after writing what was queued, and cancels the upstream.
    PumpEnd pump(http::DataSink& sink, int keepalive_ms, const std::atomic<bool>& abort, std::int64_t deadline_us);

    // Held by the upstream fiber for as long as it runs: leaving its scope
    // without close() (an exception, a fiber torn down) abandons the relay,
    // so neither the handler nor the writer waits for bytes that never come.
    class UpstreamScope {
    public:
        explicit UpstreamScope(StreamRelay& relay) : m_relay(relay) {}
        ~UpstreamScope();
        UpstreamScope(const UpstreamScope&) = delete;
        UpstreamScope& operator=(const UpstreamScope&) = delete;

    private:
        StreamRelay& m_relay;
    };

private:
    bool write_through(std::string_view bytes);

    io::Event m_changed;
    std::string m_pending;
    http::DataSink* m_sink = nullptr; // the writer's, while pump() runs
    bool m_writing = false;              // a write to the client is under way (it may park)
    std::int64_t m_silent_since = 0;     // when bytes last went to the client (keep-alives)
    bool m_at_boundary = true;           // the client has whole events (a keep-alive may go)
    bool m_committed = false;
    bool m_failed = false;
    bool m_closed = false;
    bool m_lost = false;
    Error m_error;
    std::atomic<bool> m_cancel{false};
    std::atomic<bool> m_client_gone{false};
};

} // namespace megarouter::proxy
