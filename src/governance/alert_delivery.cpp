// The outbox worker: every second, when the writer just queued events or when
// a POST finished, it starts the deliveries that are due, oldest first, all
// at once (WebhookSender), and records each outcome as it comes.
// At-least-once: a delivery is marked delivered only after a 2xx, so a crash
// between the POST and the update sends it again (receivers dedupe by
// X-Megarouter-Event-Id). Gateways sharing a PostgreSQL outbox claim each
// due delivery first (InFlight::claim), so one of them sends it. It also queues key.expiring once per key, 7 days
// ahead.
#include <curl/curl.h>

#include <chrono>
#include <map>
#include <set>

#include "crypto.hpp"
#include "gate_impl.hpp"
#include "megarouter/core/background.hpp"
#include "megarouter/governance/alerts.hpp"
#include "sql.hpp"
#include "webhook_sender.hpp"

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

PostOutcome post_webhook(const std::string& url, std::string_view secret, std::string_view event_id,
                         const std::string& body, std::int64_t timestamp_s, long timeout_ms) {
    // The local CLI's test POST (`megarouter alerts test`): the user's own
    // machine and network, so no address check.
    WebhookJob job{.event_id = std::string(event_id), .url = url, .secret = std::string(secret), .body = body,
                   .timestamp_s = timestamp_s, .timeout_ms = timeout_ms, .allow_private = true};
    curl_slist* headers = nullptr;
    std::string refusal;
    CURL* curl = make_webhook_handle(job, headers, refusal);
    if (!curl) return {false, 0, "curl_easy_init failed"};
    PostOutcome outcome = webhook_outcome(curl, curl_easy_perform(curl), refusal);
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

namespace {

constexpr std::size_t k_max_in_flight = 32; // POSTs at once, at most one per webhook
constexpr int k_due_window = 100;            // due rows read per scan
// How long a gateway's claim on a due delivery keeps it from the others
// (PostgreSQL): past the POST's timeout, so only a gateway that died with a
// POST in flight lets another send it again (at least once, as on SQLite).
constexpr core::Millis k_claim_ms = 2 * k_webhook_timeout_ms + 10'000;

// Records the outcome of one attempt: delivered, pending again after the
// backoff, or failed once the day is over (or the webhook was removed).
void record_outcome(store::Database& db, const Due& d, const PostOutcome& outcome, core::Millis after) {
    std::int64_t attempts = d.attempts + 1;
    std::string status = outcome.delivered ? "delivered"
                         : (d.webhook_gone || after - d.event_ts >= k_delivery_give_up_ms) ? "failed"
                                                                                            : "pending";
    (void)sql::run(db,
                   "UPDATE gov_deliveries SET status = ?, attempts = ?, next_attempt_ms = ?, last_error = ?, "
                   "delivered_ms = ? WHERE event_id = ? AND webhook_id = ?",
                   status, attempts, after + retry_delay_ms(attempts), outcome.error,
                   outcome.delivered ? std::optional<std::int64_t>(after) : std::nullopt, d.event_id, d.webhook_id);
}

// What the scheduler knows about deliveries handed to the sender.
struct InFlight {
    std::map<std::pair<std::string, std::int64_t>, Due> rows; // by (event, webhook)
    std::set<std::int64_t> webhooks;                         // webhooks with a POST in flight

    // Records the outcomes the sender finished.
    void collect(store::Database& db, WebhookSender& sender, const core::Clock& clock) {
        for (WebhookResult& result : sender.take_finished()) {
            webhooks.erase(result.job.webhook_id);
            auto it = rows.find({result.job.event_id, result.job.webhook_id});
            if (it == rows.end()) continue;
            record_outcome(db, it->second, result.outcome, clock.now_ms());
            rows.erase(it);
        }
    }

    // Starts the due deliveries of webhooks with nothing in flight, oldest
    // first. Returns whether a full window was read and acted on (more may
    // be due at once).
    bool dispatch(store::Database& db, WebhookSender& sender, core::Millis now, bool allow_private) {
        if (rows.size() >= k_max_in_flight) return false;
        // The busy webhooks' ids are spelled into the SQL: integers this
        // process holds, and a list both engines read (SQLite's json_each is its own).
        std::string busy;
        for (std::int64_t id : webhooks) busy += (busy.empty() ? "" : ",") + std::to_string(id);
        std::vector<Due> due;
        if (db.backend() == store::Backend::postgresql) {
            if (!claim(db, now, busy, due)) return false;
            return start(db, sender, due, now, allow_private);
        }
        auto read = sql::each(db,
                              "SELECT d.event_id, d.webhook_id, d.url, d.attempts, e.payload, e.ts, w.secret, "
                              "w.id IS NULL FROM gov_deliveries d JOIN gov_events e ON e.id = d.event_id "
                              "LEFT JOIN gov_webhooks w ON w.id = d.webhook_id "
                              "WHERE d.status = 'pending' AND d.next_attempt_ms <= ? " +
                                  (busy.empty() ? std::string() : "AND d.webhook_id NOT IN (" + busy + ") ") +
                                  "ORDER BY d.next_attempt_ms LIMIT ?",
                              [&](const store::Statement& s) {
                                  due.push_back({s.text(0), s.text(2), s.text(6), s.text(4), s.int64(1), s.int64(3),
                                                 s.int64(5), s.int64(7) != 0});
                              },
                              now, static_cast<std::int64_t>(k_due_window));
        if (!read) return false;
        return start(db, sender, due, now, allow_private);
    }

    // PostgreSQL, where several gateways run this worker on one outbox: the
    // due rows are claimed first, each by exactly one gateway (FOR UPDATE SKIP
    // LOCKED, and the claim moves next_attempt_ms past the POST's timeout, so
    // no other gateway sees them due meanwhile), then read.
    static bool claim(store::Database& db, core::Millis now, const std::string& busy, std::vector<Due>& due) {
        std::vector<std::pair<std::string, std::int64_t>> claimed;
        auto done = db.transaction([&]() -> Result<void> {
            claimed.clear();
            auto rows = sql::each(
                db,
                "UPDATE gov_deliveries SET next_attempt_ms = ? WHERE (event_id, webhook_id) IN ("
                "SELECT event_id, webhook_id FROM gov_deliveries WHERE status = 'pending' AND next_attempt_ms <= ? " +
                    (busy.empty() ? std::string() : "AND webhook_id NOT IN (" + busy + ") ") +
                    "ORDER BY next_attempt_ms LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING event_id, webhook_id",
                [&](const store::Statement& s) { claimed.emplace_back(s.text(0), s.int64(1)); },
                now + k_claim_ms, now, static_cast<std::int64_t>(k_due_window));
            return rows ? Result<void>{} : std::unexpected(rows.error());
        });
        if (!done) return false;
        for (const auto& [event_id, webhook_id] : claimed) {
            auto read = sql::each(db,
                                  "SELECT d.event_id, d.webhook_id, d.url, d.attempts, e.payload, e.ts, w.secret, "
                                  "w.id IS NULL FROM gov_deliveries d JOIN gov_events e ON e.id = d.event_id "
                                  "LEFT JOIN gov_webhooks w ON w.id = d.webhook_id "
                                  "WHERE d.event_id = ? AND d.webhook_id = ?",
                                  [&](const store::Statement& s) {
                                      due.push_back({s.text(0), s.text(2), s.text(6), s.text(4), s.int64(1),
                                                     s.int64(3), s.int64(5), s.int64(7) != 0});
                                  },
                                  event_id, webhook_id);
            if (!read) return false;
        }
        return true;
    }

    bool start(store::Database& db, WebhookSender& sender, std::vector<Due>& due, core::Millis now, bool allow_private) {
        bool progressed = false;
        for (Due& d : due) {
            if (d.webhook_gone) {
                record_outcome(db, d, {false, 0, "webhook removed"}, now);
                progressed = true;
            } else if (!webhooks.contains(d.webhook_id) && rows.size() < k_max_in_flight) {
                webhooks.insert(d.webhook_id);
                sender.submit({.event_id = d.event_id, .webhook_id = d.webhook_id, .url = d.url, .secret = d.secret,
                               .body = d.payload, .timestamp_s = now / 1000, .timeout_ms = k_webhook_timeout_ms,
                               .allow_private = allow_private});
                rows.emplace(std::make_pair(d.event_id, d.webhook_id), std::move(d));
                progressed = true;
            } else if (db.backend() == store::Backend::postgresql) {
                // Claimed but not started (its webhook has a POST in flight): due again at once.
                (void)sql::run(db, "UPDATE gov_deliveries SET next_attempt_ms = ? WHERE event_id = ? AND webhook_id = ?",
                               now, d.event_id, d.webhook_id);
            }
        }
        return progressed && static_cast<int>(due.size()) == k_due_window && rows.size() < k_max_in_flight;
    }
};

} // namespace

// The scheduler half of delivery: this thread owns the outbox (reads due
// rows, records outcomes); the WebhookSender's thread does the network, all
// transfers at once, so a receiver that hangs holds one transfer until its
// timeout and the others go on. One delivery per webhook is in flight at a
// time (receivers see their events in order, and a hanging one cannot take
// every slot).
void Gate::Impl::delivery_loop() {
    core::lower_thread_priority();
    auto db = store::Database::open(path);
    if (!db) return;
    bool finished_signal = false; // guarded by delivery_mutex
    InFlight in_flight;
    core::Millis last_expiry_scan = 0;
    bool more = false;
    // Declared last: destroyed first, aborting transfers in flight (they stay pending).
    WebhookSender sender([this, &finished_signal] {
        {
            std::lock_guard lock(delivery_mutex);
            finished_signal = true;
        }
        delivery_cv.notify_all();
    });
    while (true) {
        {
            std::unique_lock lock(delivery_mutex);
            // Any wake-up (the writer queued events, a POST finished, stop) or a second: scan.
            if (!delivery_stopping && !finished_signal && !more) delivery_cv.wait_for(lock, std::chrono::seconds(1));
            finished_signal = false;
            if (delivery_stopping) return;
        }
        in_flight.collect(*db, sender, *clock);
        core::Millis now = clock->now_ms();
        if (now - last_expiry_scan > 3'600'000) {
            last_expiry_scan = now;
            queue_expiring_keys(*db, now);
        }
        more = in_flight.dispatch(*db, sender, now, options.allow_private_webhooks);
        (void)sql::each(*db, "SELECT count(*) FROM gov_deliveries WHERE status = 'pending'",
                        [&](const store::Statement& s) { outbox_pending.store(s.int64(0), std::memory_order_relaxed); });
    }
}

} // namespace megarouter::governance
