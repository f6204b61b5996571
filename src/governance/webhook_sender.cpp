#include "webhook_sender.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <memory>
#include <unordered_map>

#include "webhook_target.hpp"

namespace megarouter::governance {

namespace {

std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

// Runs for every connection curl opens, after DNS: the address it is about
// to connect to is the one checked, so a name that resolves differently now
// than when the webhook was added cannot reach a refused address.
curl_socket_t open_checked_socket(void* refusal, curlsocktype, curl_sockaddr* address) {
    if (auto rule = address_rule(&address->addr)) {
        char text[INET6_ADDRSTRLEN] = "?";
        const void* raw = address->family == AF_INET6
            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr)
            : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr);
        inet_ntop(address->family, raw, text, sizeof text);
        *static_cast<std::string*>(refusal) = "refused: " + std::string(text) + " is " + *rule +
                                              " ([governance] allow_private_webhooks is off)";
        return CURL_SOCKET_BAD;
    }
    return ::socket(address->family, address->socktype, address->protocol);
}

} // namespace

CURL* make_webhook_handle(const WebhookJob& job, curl_slist*& headers, std::string& refusal) {
    CURL* curl = curl_easy_init();
    if (!curl) return nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, ("X-Megarouter-Event-Id: " + job.event_id).c_str());
    headers = curl_slist_append(headers, ("X-Megarouter-Timestamp: " + std::to_string(job.timestamp_s)).c_str());
    if (!job.secret.empty())
        headers = curl_slist_append(
            headers, ("X-Megarouter-Signature: " + webhook_signature(job.secret, job.timestamp_s, job.body)).c_str());
    headers = curl_slist_append(headers, "User-Agent: megarouter-webhooks/" MEGAROUTER_VERSION);
    curl_easy_setopt(curl, CURLOPT_URL, job.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, job.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(job.body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, job.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(job.timeout_ms, 5000L));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!job.allow_private) {
        curl_easy_setopt(curl, CURLOPT_PROXY, ""); // connect to the receiver itself, whose address is checked
        curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
        curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &refusal);
    }
    return curl;
}

PostOutcome webhook_outcome(CURL* curl, CURLcode code, const std::string& refusal) {
    PostOutcome outcome;
    if (code != CURLE_OK) {
        outcome.error = refusal.empty() ? std::string(curl_easy_strerror(code)) : refusal;
        return outcome;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    outcome.status = static_cast<int>(status);
    outcome.delivered = status >= 200 && status < 300;
    if (!outcome.delivered) outcome.error = "HTTP " + std::to_string(status);
    return outcome;
}

struct WebhookSender::Transfer {
    WebhookJob job;
    curl_slist* headers = nullptr;
    CURL* curl = nullptr;
    std::string refusal;
    ~Transfer() {
        if (curl) curl_easy_cleanup(curl);
        curl_slist_free_all(headers);
    }
};

WebhookSender::WebhookSender(std::function<void()> on_finished) : m_on_finished(std::move(on_finished)) {
    m_multi = curl_multi_init();
    if (m_multi) m_thread = std::thread([this] { run(); });
}

WebhookSender::~WebhookSender() {
    m_stopping = true;
    if (m_multi) curl_multi_wakeup(m_multi);
    if (m_thread.joinable()) m_thread.join();
    if (m_multi) curl_multi_cleanup(m_multi);
}

void WebhookSender::submit(WebhookJob job) {
    {
        std::lock_guard lock(m_mutex);
        ++m_outstanding;
        if (!m_multi) m_finished.push_back({std::move(job), {false, 0, "curl_multi_init failed"}});
        else m_submitted.push_back(std::move(job));
    }
    if (m_multi) curl_multi_wakeup(m_multi);
    else if (m_on_finished) m_on_finished();
}

std::vector<WebhookResult> WebhookSender::take_finished() {
    std::lock_guard lock(m_mutex);
    std::vector<WebhookResult> out;
    out.swap(m_finished);
    m_outstanding -= out.size();
    return out;
}

std::size_t WebhookSender::outstanding() const {
    std::lock_guard lock(m_mutex);
    return m_outstanding;
}

void WebhookSender::run() {
    std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;
    auto finish = [&](std::vector<WebhookResult>& done) {
        if (done.empty()) return;
        {
            std::lock_guard lock(m_mutex);
            for (WebhookResult& r : done) m_finished.push_back(std::move(r));
        }
        done.clear();
        if (m_on_finished) m_on_finished();
    };
    std::vector<WebhookResult> done;
    while (!m_stopping) {
        std::vector<WebhookJob> starting;
        {
            std::lock_guard lock(m_mutex);
            starting.swap(m_submitted);
        }
        for (WebhookJob& job : starting) {
            auto transfer = std::make_unique<Transfer>();
            transfer->job = std::move(job);
            transfer->curl = make_webhook_handle(transfer->job, transfer->headers, transfer->refusal);
            if (!transfer->curl || curl_multi_add_handle(m_multi, transfer->curl) != CURLM_OK) {
                done.push_back({std::move(transfer->job), {false, 0, "cannot start the request"}});
                continue;
            }
            CURL* key = transfer->curl;
            active.emplace(key, std::move(transfer));
        }
        finish(done);
        int running = 0;
        curl_multi_perform(m_multi, &running);
        int queued = 0;
        while (CURLMsg* message = curl_multi_info_read(m_multi, &queued)) {
            if (message->msg != CURLMSG_DONE) continue;
            auto it = active.find(message->easy_handle);
            if (it == active.end()) continue;
            PostOutcome outcome = webhook_outcome(it->second->curl, message->data.result, it->second->refusal);
            curl_multi_remove_handle(m_multi, it->second->curl);
            done.push_back({std::move(it->second->job), std::move(outcome)});
            active.erase(it);
        }
        finish(done);
        // Woken by submit() and by the destructor; otherwise curl's own timers.
        curl_multi_poll(m_multi, nullptr, 0, 1000, nullptr);
    }
    for (auto& [curl, transfer] : active) curl_multi_remove_handle(m_multi, curl);
}

} // namespace megarouter::governance
