#include "rate_limiter.hpp"

namespace megarouter::governance {

std::int64_t RateLimiter::sum(const Window& w, const std::array<std::int64_t, 60>& values, std::int64_t now_s) {
    std::int64_t total = 0;
    for (std::size_t i = 0; i < 60; ++i)
        if (w.second[i] > now_s - 60 && w.second[i] <= now_s) total += values[i];
    return total;
}

// Seconds until enough buckets leave the window for the total to drop below `limit`.
double RateLimiter::retry_after(const Window& w, const std::array<std::int64_t, 60>& values, std::int64_t now_s,
                                std::int64_t limit) {
    std::int64_t total = sum(w, values, now_s);
    for (std::int64_t s = now_s - 59; s <= now_s; ++s) {
        const std::size_t i = static_cast<std::size_t>(((s % 60) + 60) % 60);
        if (w.second[i] == s) total -= values[i];
        if (total < limit) return static_cast<double>(s + 60 - now_s);
    }
    return 60.0;
}

void RateLimiter::add(Window& w, std::array<std::int64_t, 60>& values, std::int64_t now_s, std::int64_t amount) {
    const std::size_t i = static_cast<std::size_t>(((now_s % 60) + 60) % 60);
    if (w.second[i] != now_s) {
        w.second[i] = now_s;
        w.requests[i] = 0;
        w.tokens[i] = 0;
    }
    values[i] += amount;
}

Result<void> RateLimiter::admit(const std::vector<RateRule>& rules, core::Millis now) {
    const std::int64_t now_s = now / 1000;
    std::lock_guard lock(m_mutex);
    for (const RateRule& rule : rules) {
        if (!rule.rpm && !rule.tpm) continue;
        Window& w = m_windows[rule.subject];
        if (rule.rpm && sum(w, w.requests, now_s) >= *rule.rpm) {
            Error error = make_error(ErrorCode::rate_limited, "rate limit: " + rule.subject + " is limited to " +
                                                                  std::to_string(*rule.rpm) + " requests per minute",
                                     true);
            error.retry_after_seconds = retry_after(w, w.requests, now_s, *rule.rpm);
            return fail(error);
        }
        if (rule.tpm && sum(w, w.tokens, now_s) >= *rule.tpm) {
            Error error = make_error(ErrorCode::rate_limited, "rate limit: " + rule.subject + " is limited to " +
                                                                  std::to_string(*rule.tpm) + " tokens per minute",
                                     true);
            error.retry_after_seconds = retry_after(w, w.tokens, now_s, *rule.tpm);
            return fail(error);
        }
    }
    for (const RateRule& rule : rules) {
        if (!rule.rpm && !rule.tpm) continue;
        Window& w = m_windows[rule.subject];
        add(w, w.requests, now_s, 1);
    }
    return {};
}

void RateLimiter::add_tokens(const std::vector<RateRule>& rules, std::int64_t tokens, core::Millis now) {
    const std::int64_t now_s = now / 1000;
    std::lock_guard lock(m_mutex);
    for (const RateRule& rule : rules) {
        if (!rule.tpm) continue;
        Window& w = m_windows[rule.subject];
        add(w, w.tokens, now_s, tokens);
    }
}

} // namespace megarouter::governance
