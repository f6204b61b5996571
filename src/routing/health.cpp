#include "megarouter/routing/health.hpp"

#include <algorithm>
#include <cmath>

namespace megarouter::routing {

namespace {

double ewma(double average, double sample, double alpha, bool first) {
    return first ? sample : average + alpha * (sample - average);
}

} // namespace

std::string deployment_key(std::string_view provider, std::string_view model) {
    std::string key;
    key.reserve(provider.size() + model.size() + 1);
    key.append(provider).append("/").append(model);
    return key;
}

std::string_view to_string(HealthState state) {
    switch (state) {
    case HealthState::healthy: return "healthy";
    case HealthState::ejected: return "ejected";
    case HealthState::probation: return "probation";
    case HealthState::cooling: return "cooling";
    }
    return "healthy";
}

std::string_view to_string(HealthEvent::Kind kind) {
    return kind == HealthEvent::Kind::ejected ? "ejected" : "recovered";
}

const DeploymentHealth* HealthSnapshot::find(std::string_view provider, std::string_view model) const {
    if (deployments.empty()) return nullptr;
    // Build the key on the stack: this runs once per candidate per request.
    char buffer[256];
    if (provider.size() + model.size() + 1 > sizeof buffer) {
        auto it = deployments.find(deployment_key(provider, model));
        return it == deployments.end() ? nullptr : &it->second;
    }
    std::copy(provider.begin(), provider.end(), buffer);
    buffer[provider.size()] = '/';
    std::copy(model.begin(), model.end(), buffer + provider.size() + 1);
    auto it = deployments.find(std::string_view(buffer, provider.size() + model.size() + 1));
    return it == deployments.end() ? nullptr : &it->second;
}

FailureInfo FailureInfo::from(const Error& error) {
    FailureInfo info;
    info.retryable = error.retryable || error.code == ErrorCode::rate_limited;
    info.status = error.upstream_status;
    info.retry_after_seconds = error.retry_after_seconds;
    return info;
}

HealthTracker::HealthTracker(const core::Clock& clock, HealthSettings settings)
    : m_clock(clock), m_settings(settings) {}

DeploymentHealth& HealthTracker::entry(std::string_view deployment) {
    auto it = m_deployments.find(deployment);
    if (it == m_deployments.end()) it = m_deployments.emplace(std::string(deployment), DeploymentHealth{}).first;
    return it->second;
}

void HealthTracker::advance(DeploymentHealth& health, core::Millis now) const {
    if (health.state == HealthState::ejected && now >= health.ejected_until) {
        health.state = HealthState::probation;
        health.last_change = health.ejected_until;
    } else if (health.state == HealthState::cooling && now >= health.retry_after_until) {
        health.state = HealthState::healthy;
        health.last_change = health.retry_after_until;
    }
    // A deployment that stayed healthy for a full cap period starts its
    // doubling afresh.
    if (health.state == HealthState::healthy && health.ejections > 0 &&
        now - health.last_change >= m_settings.max_ejection_ms)
        health.ejections = 0;
}

void HealthTracker::record_success(std::string_view deployment, double ttft_ms, double tokens_per_s) {
    std::vector<HealthEvent> pending;
    {
        std::lock_guard lock(m_mutex);
        core::Millis now = m_clock.now_ms();
        DeploymentHealth& health = entry(deployment);
        advance(health, now);
        bool first = health.successes + health.failures == 0;
        health.error_rate = ewma(health.error_rate, 0.0, m_settings.ewma_alpha, first);
        ++health.successes;
        if (ttft_ms > 0) {
            health.ttft_ms = ewma(health.ttft_ms, ttft_ms, m_settings.ewma_alpha, health.latency_samples == 0);
            if (tokens_per_s > 0)
                health.tokens_per_s = health.tokens_per_s > 0
                                          ? ewma(health.tokens_per_s, tokens_per_s, m_settings.ewma_alpha, false)
                                          : tokens_per_s;
            ++health.latency_samples;
        }
        health.consecutive_failures = 0;
        if (health.state == HealthState::ejected || health.state == HealthState::probation)
            pending.push_back({HealthEvent::Kind::recovered, std::string(deployment), now, 0, health.ejections, 0, 0,
                               false, health.error_rate, health.ttft_ms});
        if (health.state != HealthState::healthy) {
            health.state = HealthState::healthy;
            health.last_change = now;
        }
        m_events.insert(m_events.end(), pending.begin(), pending.end());
    }
    emit(pending);
}

void HealthTracker::record_failure(std::string_view deployment, const FailureInfo& failure) {
    std::vector<HealthEvent> pending;
    {
        std::lock_guard lock(m_mutex);
        core::Millis now = m_clock.now_ms();
        DeploymentHealth& health = entry(deployment);
        advance(health, now);
        bool first = health.successes + health.failures == 0;
        health.error_rate = ewma(health.error_rate, 1.0, m_settings.ewma_alpha, first);
        ++health.failures;
        if (failure.retryable) {
            ++health.consecutive_failures;
            if (failure.retry_after_seconds && *failure.retry_after_seconds > 0)
                health.retry_after_until =
                    std::max(health.retry_after_until,
                             now + static_cast<core::Millis>(std::ceil(*failure.retry_after_seconds * 1000)));
            bool trial = health.state == HealthState::probation;
            bool eject = trial ||
                         (health.state != HealthState::ejected &&
                          health.consecutive_failures >= m_settings.consecutive_failures_to_eject);
            if (eject) {
                ++health.ejections;
                core::Millis period = m_settings.base_ejection_ms;
                for (int i = 1; i < health.ejections && period < m_settings.max_ejection_ms; ++i) period *= 2;
                period = std::min(period, m_settings.max_ejection_ms);
                health.ejected_until = std::max(now + period, health.retry_after_until);
                health.state = HealthState::ejected;
                health.last_change = now;
                pending.push_back({HealthEvent::Kind::ejected, std::string(deployment), now, health.ejected_until,
                                   health.ejections, failure.status, health.consecutive_failures,
                                   trial, health.error_rate, health.ttft_ms});
            } else if (health.state != HealthState::ejected && health.retry_after_until > now) {
                health.state = HealthState::cooling;
                health.last_change = now;
            }
        }
        m_events.insert(m_events.end(), pending.begin(), pending.end());
    }
    emit(pending);
}

void HealthTracker::emit(std::vector<HealthEvent>& pending) {
    if (pending.empty()) return;
    std::function<void(const HealthEvent&)> listener;
    {
        std::lock_guard lock(m_mutex);
        listener = m_listener;
    }
    if (listener)
        for (const HealthEvent& event : pending) listener(event);
}

HealthSnapshot HealthTracker::snapshot(core::Millis now) const {
    HealthSnapshot out;
    out.at = now;
    std::lock_guard lock(m_mutex);
    out.deployments = m_deployments;
    for (auto& [key, health] : out.deployments) advance(health, now);
    return out;
}

std::vector<HealthEvent> HealthTracker::drain_events() {
    std::lock_guard lock(m_mutex);
    std::vector<HealthEvent> out;
    out.swap(m_events);
    return out;
}

void HealthTracker::set_listener(std::function<void(const HealthEvent&)> listener) {
    std::lock_guard lock(m_mutex);
    m_listener = std::move(listener);
}

} // namespace megarouter::routing
