// The outbox worker: every second (or when the writer just queued events) it
// sends the deliveries that are due, oldest first, and records the outcome.
// At-least-once: a delivery is marked delivered only after a 2xx, so a crash
// between the POST and the update sends it again (receivers dedupe by
// X-Megarouter-Event-Id). It also queues key.expiring once per key, 7 days
// ahead.
#include <curl/curl.h>

#include <chrono>

#include "crypto.hpp"
#include "gate_impl.hpp"
#include "megarouter/governance/alerts.hpp"
#include "sql.hpp"

namespace megarouter::governance {

std::string webhook_signature(std::string_view secret, std::int64_t timestamp_s, std::string_view body) {
    std::string signed_text = std::to_string(timestamp_s) + "." + std::string(body);
    return "t=" + std::to_string(timestamp_s) + ",v1=" + crypto::hmac_sha256_hex(secret, signed_text);
}

std::int64_t retry_delay_ms(std::int64_t attempts) {
    std::int64_t delay = 5000;
    for (std::int64_t i = 1; i < attempts && delay < 3'600'000; ++i) delay *= 2;
    return std::min<std::int64_t>(delay, 3'600'000);
}

namespace {

std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

} // namespace

PostOutcome post_webhook(const std::string& url, std::string_view secret, std::string_view event_id,
                         const std::string& body, std::int64_t timestamp_s, long timeout_ms) {
    PostOutcome outcome;
    CURL* curl = curl_easy_init();
    if (!curl) return {false, 0, "curl_easy_init failed"};
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, ("X-Megarouter-Event-Id: " + std::string(event_id)).c_str());
    headers = curl_slist_append(headers, ("X-Megarouter-Timestamp: " + std::to_string(timestamp_s)).c_str());
    if (!secret.empty())
        headers = curl_slist_append(headers,
                                    ("X-Megarouter-Signature: " + webhook_signature(secret, timestamp_s, body)).c_str());
    headers = curl_slist_append(headers, "User-Agent: megarouter-webhooks/" MEGAROUTER_VERSION);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 5000L));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        outcome.error = curl_easy_strerror(rc);
    } else {
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        outcome.status = static_cast<int>(status);
        outcome.delivered = status >= 200 && status < 300;
        if (!outcome.delivered) outcome.error = "HTTP " + std::to_string(status);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return outcome;
}

namespace {

struct Due {
    std::string event_id, url, secret, payload;
    std::int64_t webhook_id = 0, attempts = 0;
    core::Millis event_ts = 0;
    bool webhook_gone = false;
};

void queue_expiring_keys(store::Database& db, core::Millis now) {
    constexpr core::Millis k_week = 7LL * 24 * 3600 * 1000;
    std::vector<std::tuple<std::string, std::string, std::string, core::Millis>> keys;
    (void)sql::each(db, "SELECT id, prefix, owner, expires_ms FROM gov_keys WHERE revoked_ms IS NULL "
                        "AND expires_ms IS NOT NULL AND expires_ms > ? AND expires_ms <= ?",
                    [&](const store::Statement& s) { keys.emplace_back(s.text(0), s.text(1), s.text(2), s.int64(3)); },
                    now, now + k_week);
    for (const auto& [id, prefix, owner, expires] : keys)
        (void)enqueue_event(db, "evt_key_expiring_" + id, "key.expiring", owner, now,
                            "key " + prefix + " of " + owner + " expires within 7 days",
                            {{"key_id", id}, {"prefix", prefix}, {"owner", owner}, {"expires_ms", expires}});
}

} // namespace

void Gate::Impl::delivery_loop() {
    auto db = store::Database::open(path);
    if (!db) return;
    core::Millis last_expiry_scan = 0;
    while (true) {
        {
            std::unique_lock lock(delivery_mutex);
            delivery_cv.wait_for(lock, std::chrono::seconds(1), [&] { return delivery_stopping; });
            if (delivery_stopping) return;
        }
        core::Millis now = clock->now_ms();
        if (now - last_expiry_scan > 3'600'000) {
            last_expiry_scan = now;
            queue_expiring_keys(*db, now);
        }
        std::vector<Due> due;
        (void)sql::each(*db,
                        "SELECT d.event_id, d.webhook_id, d.url, d.attempts, e.payload, e.ts, w.secret, w.id IS NULL "
                        "FROM gov_deliveries d JOIN gov_events e ON e.id = d.event_id "
                        "LEFT JOIN gov_webhooks w ON w.id = d.webhook_id "
                        "WHERE d.status = 'pending' AND d.next_attempt_ms <= ? ORDER BY d.next_attempt_ms LIMIT 20",
                        [&](const store::Statement& s) {
                            due.push_back({s.text(0), s.text(2), s.text(6), s.text(4), s.int64(1), s.int64(3),
                                           s.int64(5), s.int64(7) != 0});
                        },
                        now);
        for (const Due& d : due) {
            {
                std::lock_guard lock(delivery_mutex);
                if (delivery_stopping) return;
            }
            PostOutcome outcome = d.webhook_gone ? PostOutcome{false, 0, "webhook removed"}
                                                 : post_webhook(d.url, d.secret, d.event_id, d.payload, now / 1000);
            core::Millis after = clock->now_ms();
            std::int64_t attempts = d.attempts + 1;
            std::string status = outcome.delivered ? "delivered"
                                 : (d.webhook_gone || after - d.event_ts >= k_delivery_give_up_ms) ? "failed"
                                                                                                    : "pending";
            (void)sql::run(*db,
                           "UPDATE gov_deliveries SET status = ?, attempts = ?, next_attempt_ms = ?, last_error = ?, "
                           "delivered_ms = ? WHERE event_id = ? AND webhook_id = ?",
                           status, attempts, after + retry_delay_ms(attempts), outcome.error,
                           outcome.delivered ? std::optional<std::int64_t>(after) : std::nullopt, d.event_id,
                           d.webhook_id);
        }
    }
}

} // namespace megarouter::governance
