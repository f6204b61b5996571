// Sends finished spans to an OTLP/HTTP collector from a thread of its own:
// requests hand their spans over (a lock and a move) and never wait for the
// collector. Spans are batched (up to `batch_spans` per POST, at least every
// `interval_ms`); when the queue is full, or a POST fails, spans are
// dropped and counted, never retried into a growing backlog.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "megarouter/telemetry/otlp.hpp"

namespace megarouter::telemetry {

struct ExporterOptions {
    std::size_t queue_spans = 8192; // spans waiting at most; more are dropped
    std::size_t batch_spans = 512;
    int interval_ms = 1000;
    int timeout_ms = 5000;          // one POST, connect included
    int shutdown_ms = 2000;         // the last flush at destruction
};

struct ExporterStats {
    std::uint64_t exported = 0;       // spans the collector accepted (2xx)
    std::uint64_t dropped_full = 0;   // queue full when handed over
    std::uint64_t dropped_failed = 0; // in a POST that failed or was refused
    std::size_t queued = 0;           // waiting, or in the POST under way
};

class SpanExporter {
public:
    SpanExporter(ExportSettings settings, ExporterOptions options = {});
    // Flushes what is queued (within shutdown_ms) and joins the thread.
    ~SpanExporter();
    SpanExporter(const SpanExporter&) = delete;
    SpanExporter& operator=(const SpanExporter&) = delete;

    // Queues a request's spans; drops them all when they do not fit.
    // Thread-safe; never blocks on the network.
    void submit(std::vector<Span>&& spans);
    ExporterStats stats() const;
    const ExportSettings& settings() const { return m_settings; }

private:
    void run();
    bool post(const std::vector<Span>& batch, int timeout_ms);

    ExportSettings m_settings;
    ExporterOptions m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::vector<Span> m_queue;
    std::size_t m_posting = 0; // spans in the POST under way
    bool m_stop = false;
    std::atomic<std::uint64_t> m_exported{0}, m_dropped_full{0}, m_dropped_failed{0};
    std::thread m_thread;
};

} // namespace megarouter::telemetry
