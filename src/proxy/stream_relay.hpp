// The hand-off between the fiber that calls the upstream and the connection's
// fiber that writes the downstream response (both on one event loop). The upstream side decides when
// the response is committed (its first byte may go out: no failover after
// that) or failed before any byte (the handler then answers an error status);
// bytes written before commit are held and dropped if the attempt fails over.
// After commit, bytes go to the client as they come, one write per push.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include <httplib.h>

#include "megarouter/core/error.hpp"
#include "megarouter/io/loop.hpp"

namespace megarouter::proxy {

class StreamRelay {
public:
    enum class Decision { committed, failed };

    // Upstream side. Not thread-safe: both sides run on one event loop.
    void commit();                           // the held bytes may go out now
    void write(std::string_view bytes);      // queue bytes (held until commit)
    void discard_uncommitted();              // drop held bytes of a failed attempt
    void fail(Error error);                  // before commit: the handler answers `error`
    void close();                            // after commit: no more bytes
    bool committed() const { return m_committed; }

    // Set when the client is gone or the server aborts streams; the upstream
    // call watches it.
    const std::atomic<bool>& cancel_flag() const { return m_cancel; }
    void cancel();
    bool client_gone() const { return m_client_gone.load(); }

    // Handler side: parks until commit() or fail().
    Decision wait_decision();
    const Error& error() const { return m_error; } // valid after Decision::failed

    // Writer side (the chunked content provider): writes bytes as they come
    // until close(); after `keepalive_ms` of silence at an event boundary it
    // writes an SSE comment, which also detects a gone client. Returns false
    // when the client is gone (then the upstream is cancelled). `abort` is
    // polled to cancel streams on shutdown.
    bool pump(httplib::DataSink& sink, int keepalive_ms, const std::atomic<bool>& abort);

private:
    io::Event m_changed;
    std::string m_pending;
    bool m_committed = false;
    bool m_failed = false;
    bool m_closed = false;
    Error m_error;
    std::atomic<bool> m_cancel{false};
    std::atomic<bool> m_client_gone{false};
};

} // namespace megarouter::proxy
