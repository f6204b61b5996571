// The OTLP span exporter's thread (see exporter.hpp).
#include "megarouter/telemetry/exporter.hpp"

#include <chrono>

#include "megarouter/core/background.hpp"
#include "megarouter/upstream/client.hpp"

namespace megarouter::telemetry {

SpanExporter::SpanExporter(ExportSettings settings, ExporterOptions options)
    : m_settings(std::move(settings)), m_options(options) {
    m_queue.reserve(m_options.batch_spans);
    m_thread = std::thread([this] { run(); });
}

SpanExporter::~SpanExporter() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
    m_thread.join();
}

void SpanExporter::submit(std::vector<Span>&& spans) {
    if (spans.empty()) return;
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_stop || m_queue.size() + spans.size() > m_options.queue_spans) {
            m_dropped_full += spans.size();
            return;
        }
        for (Span& span : spans) m_queue.push_back(std::move(span));
        wake = m_queue.size() >= m_options.batch_spans;
    }
    if (wake) m_wake.notify_one();
}

ExporterStats SpanExporter::stats() const {
    ExporterStats out{.exported = m_exported.load(), .dropped_full = m_dropped_full.load(),
                      .dropped_failed = m_dropped_failed.load()};
    std::lock_guard lock(m_mutex);
    out.queued = m_queue.size() + m_posting;
    return out;
}

bool SpanExporter::post(const std::vector<Span>& batch, int timeout_ms) {
    upstream::HttpRequest request;
    request.url = m_settings.url;
    request.headers = m_settings.headers;
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = otlp_json(m_settings.resource, batch);
    upstream::SendOptions options;
    options.timeouts = {.connect_ms = std::min(timeout_ms, 2000), .first_byte_ms = timeout_ms, .idle_ms = timeout_ms,
                        .total_ms = timeout_ms};
    options.max_response_bytes = 64 * 1024;
    auto answer = upstream::UpstreamClient::shared().send(request, options);
    return answer && answer->status >= 200 && answer->status < 300;
}

void SpanExporter::run() {
    core::lower_thread_priority();
    using Clock = std::chrono::steady_clock;
    auto shutdown_deadline = Clock::time_point::max();
    for (;;) {
        std::vector<Span> batch;
        bool stopping = false;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(m_options.interval_ms),
                            [&] { return m_stop || m_queue.size() >= m_options.batch_spans; });
            stopping = m_stop;
            std::size_t take = std::min(m_queue.size(), m_options.batch_spans);
            batch.assign(std::make_move_iterator(m_queue.begin()),
                         std::make_move_iterator(m_queue.begin() + static_cast<std::ptrdiff_t>(take)));
            m_queue.erase(m_queue.begin(), m_queue.begin() + static_cast<std::ptrdiff_t>(take));
            m_posting = take;
        }
        if (stopping && shutdown_deadline == Clock::time_point::max())
            shutdown_deadline = Clock::now() + std::chrono::milliseconds(m_options.shutdown_ms);
        if (!batch.empty()) {
            int timeout = m_options.timeout_ms;
            if (stopping) {
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(shutdown_deadline - Clock::now());
                timeout = static_cast<int>(std::max<long long>(1, std::min<long long>(left.count(), timeout)));
            }
            bool sent = (!stopping || Clock::now() < shutdown_deadline) && post(batch, timeout);
            (sent ? m_exported : m_dropped_failed) += batch.size();
            std::lock_guard lock(m_mutex);
            m_posting = 0;
        }
        if (stopping) {
            std::lock_guard lock(m_mutex);
            if (m_queue.empty()) return;
            if (Clock::now() >= shutdown_deadline) {
                m_dropped_failed += m_queue.size();
                m_queue.clear();
                return;
            }
        }
    }
}

} // namespace megarouter::telemetry
