// Webhook delivery of governance events: how one event is POSTed and signed.
// The gate's background worker uses it for the outbox; `megarouter alerts
// test URL` uses it directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace megarouter::governance {

// The signature header value for a body sent at `timestamp_s`:
// "t=<timestamp_s>,v1=<hex HMAC-SHA256(secret, "<timestamp_s>.<body>")>".
// A receiver recomputes the HMAC over the same string and compares.
std::string webhook_signature(std::string_view secret, std::int64_t timestamp_s, std::string_view body);

struct PostOutcome {
    bool delivered = false; // a 2xx answer
    int status = 0;         // HTTP status, 0 when none came
    std::string error;      // why not delivered
};

// POSTs `body` (JSON) to `url` with headers Content-Type: application/json,
// X-Megarouter-Event-Id, X-Megarouter-Timestamp and (when `secret` is not
// empty) X-Megarouter-Signature. Blocks for at most `timeout_ms`.
// Thread-safe.
PostOutcome post_webhook(const std::string& url, std::string_view secret, std::string_view event_id,
                         const std::string& body, std::int64_t timestamp_s, long timeout_ms = 10'000);

// The delay before delivery attempt number `attempts` + 1: 5 s doubling per
// attempt, capped at one hour. Deliveries give up a day after the event.
std::int64_t retry_delay_ms(std::int64_t attempts);
inline constexpr std::int64_t k_delivery_give_up_ms = 24LL * 3600 * 1000;

// How long the outbox worker waits for one receiver's answer. Deliveries run
// concurrently, at most one per webhook at a time, so a receiver that hangs
// delays only its own events, by this much per attempt.
inline constexpr long k_webhook_timeout_ms = 10'000;

} // namespace megarouter::governance
