// Concurrent webhook POSTs: one thread drives a curl multi handle, so a
// receiver that hangs holds only its own transfer (until its timeout) and
// never delays the others. Private to governance; the outbox worker feeds it.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "megarouter/governance/alerts.hpp"

namespace megarouter::governance {

// One POST to make: what post_webhook takes, plus the outbox row it belongs to.
struct WebhookJob {
    std::string event_id;
    std::int64_t webhook_id = 0;
    std::string url, secret, body;
    std::int64_t timestamp_s = 0;
    long timeout_ms = 10'000;
    // Unless set, every connection the transfer opens is checked against
    // the refused address classes (webhook_target.hpp) and proxies from the
    // environment are not used, so the check sees the real receiver.
    bool allow_private = false;
};

struct WebhookResult {
    WebhookJob job;
    PostOutcome outcome;
};

// A curl easy handle set up for `job` (URL, headers, body, timeouts, and the
// address check). The handle points into `job`, `headers` and `refusal`
// (where a refused connection writes why): all must outlive it. Returns
// nullptr when curl cannot allocate.
CURL* make_webhook_handle(const WebhookJob& job, curl_slist*& headers, std::string& refusal);

// The outcome of a finished transfer on `curl` that ended with `code`
// (`refusal`: what the address check wrote, if anything).
PostOutcome webhook_outcome(CURL* curl, CURLcode code, const std::string& refusal);

class WebhookSender {
public:
    // `on_finished` is called (on the sender's thread, without its lock)
    // after results were added, so the owner can collect them.
    explicit WebhookSender(std::function<void()> on_finished);
    // Aborts transfers in flight (their results are dropped: the outbox
    // still holds them as pending) and joins the thread.
    ~WebhookSender();

    WebhookSender(const WebhookSender&) = delete;
    WebhookSender& operator=(const WebhookSender&) = delete;

    // Starts the POST at once, alongside any in flight. Thread-safe.
    void submit(WebhookJob job);
    // Results finished since the last call, oldest first. Thread-safe.
    std::vector<WebhookResult> take_finished();
    // Submitted and not yet taken by take_finished(). Thread-safe.
    std::size_t outstanding() const;

private:
    struct Transfer;
    void run();

    std::function<void()> m_on_finished;
    CURLM* m_multi = nullptr;
    mutable std::mutex m_mutex;
    std::vector<WebhookJob> m_submitted;  // waiting for the thread to start them
    std::vector<WebhookResult> m_finished;
    std::size_t m_outstanding = 0;
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

} // namespace megarouter::governance
