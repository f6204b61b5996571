// Deployment health: moving averages of latency, throughput and errors per
// deployment ("provider/model"), and outlier ejection after consecutive
// retryable failures. The proxy feeds a HealthTracker; the router reads an
// immutable HealthSnapshot of it, so routing itself stays pure.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"

namespace megarouter::routing {

// Read from `[routing.health]`.
struct HealthSettings {
    double ewma_alpha = 0.2;                 // weight of the newest sample
    int consecutive_failures_to_eject = 3;   // retryable failures (incl. 429) in a row
    core::Millis base_ejection_ms = 30'000;  // first ejection; doubles per ejection
    core::Millis max_ejection_ms = 600'000;  // cap of the doubling
    double panic_threshold = 0.5; // below this healthy fraction, ejection is ignored
};

// "provider/model", the key of a deployment everywhere in routing.
std::string deployment_key(std::string_view provider, std::string_view model);

enum class HealthState {
    healthy,
    ejected,   // after consecutive failures, until `ejected_until`
    probation, // ejection expired: the next request is the trial
    cooling,   // told to wait by Retry-After, until `retry_after_until`
};

std::string_view to_string(HealthState state);

struct DeploymentHealth {
    std::int64_t successes = 0;
    std::int64_t failures = 0;
    std::int64_t latency_samples = 0;
    double ttft_ms = 0;        // EWMA, valid when latency_samples > 0
    double tokens_per_s = 0;   // EWMA, valid when latency_samples > 0 and > 0
    double error_rate = 0;     // EWMA of 0 (success) / 1 (failure)
    int consecutive_failures = 0;
    int ejections = 0;         // how many times ejected (drives the doubling)
    core::Millis ejected_until = 0;
    core::Millis retry_after_until = 0;
    core::Millis last_change = 0; // when the state last changed
    HealthState state = HealthState::healthy;
};

// Hashes std::string and std::string_view alike, for lookups without a copy.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

using HealthMap = std::unordered_map<std::string, DeploymentHealth, StringHash, std::equal_to<>>;

// An immutable copy of every deployment's health at `at`, with states already
// advanced to `at` (an expired ejection reads as probation). Cheap to query;
// unknown deployments are healthy with no data.
struct HealthSnapshot {
    core::Millis at = 0;
    HealthMap deployments;

    // The entry of "provider/model", or nullptr when nothing was recorded.
    const DeploymentHealth* find(std::string_view provider, std::string_view model) const;
};

// What the tracker needs to know about a failed attempt.
struct FailureInfo {
    bool retryable = true;   // 429, 5xx, timeouts, connection errors
    int status = 0;          // upstream HTTP status, 0 when none
    std::optional<double> retry_after_seconds;

    // From an upstream Error: its retryable flag, status and Retry-After.
    static FailureInfo from(const Error& error);
};

// An ejection or recovery, for logs and the deployment.ejected /
// deployment.recovered webhooks.
struct HealthEvent {
    enum class Kind { ejected, recovered };
    Kind kind = Kind::ejected;
    std::string deployment;      // "provider/model"
    core::Millis at = 0;
    core::Millis until = 0;      // ejected: when the trial may happen
    int ejections = 0;           // ejected: the count including this one
    int status = 0;              // ejected: the status of the last failure
    // The deployment's figures when the event happened, for the webhook.
    int consecutive_failures = 0; // ejected: the failure run that led to it
    bool trial = false;           // ejected: the trial after an earlier ejection failed
    double error_rate = 0;        // EWMA of failures, 0..1
    double ttft_ms = 0;           // EWMA time to first token, 0 when never measured
};

std::string_view to_string(HealthEvent::Kind kind);

// Thread-safe. Records outcomes and hands out snapshots. Events are both
// queued (drain_events) and passed to the listener, called without the lock
// held, on the recording thread.
class HealthTracker {
public:
    explicit HealthTracker(const core::Clock& clock, HealthSettings settings = {});

    // A successful attempt: resets the failure run; a deployment on probation
    // recovers (a `recovered` event). `ttft_ms` <= 0 or `tokens_per_s` <= 0
    // mean "not measured" and leave that average alone.
    void record_success(std::string_view deployment, double ttft_ms, double tokens_per_s);

    // A failed attempt. Retryable failures count towards ejection; a failure
    // on probation re-ejects at once for twice the previous period (capped).
    // A Retry-After puts the deployment in `cooling` until it passes.
    // Non-retryable failures (400, 401, context length) only move the error rate.
    void record_failure(std::string_view deployment, const FailureInfo& failure);

    HealthSnapshot snapshot(core::Millis now) const;
    HealthSnapshot snapshot() const { return snapshot(m_clock.now_ms()); }

    // Events since the last drain, oldest first.
    std::vector<HealthEvent> drain_events();
    // Called for every event from now on (replaces any previous listener).
    void set_listener(std::function<void(const HealthEvent&)> listener);

    const HealthSettings& settings() const { return m_settings; }

private:
    void emit(std::vector<HealthEvent>& pending);
    void advance(DeploymentHealth& health, core::Millis now) const;
    DeploymentHealth& entry(std::string_view deployment); // m_mutex held

    const core::Clock& m_clock;
    HealthSettings m_settings;
    mutable std::mutex m_mutex;
    HealthMap m_deployments;
    std::vector<HealthEvent> m_events;
    std::function<void(const HealthEvent&)> m_listener;
};

} // namespace megarouter::routing
