// Requests-per-minute and tokens-per-minute windows per key, user and team.
// Counters live in this process's memory (60 one-second buckets per
// subject): limits are per gateway process, not shared between replicas.
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"

namespace megarouter::governance {

struct RateRule {
    std::string subject;             // "key key_x", "user acme/eng/t/alice", ...
    std::optional<std::int64_t> rpm;
    std::optional<std::int64_t> tpm;
};

class RateLimiter {
public:
    // Checks every rule; if none is at its limit (count >= limit blocks),
    // counts one request against each. Fails with rate_limited naming the
    // subject, with retry_after_seconds until the window has room.
    Result<void> admit(const std::vector<RateRule>& rules, core::Millis now);
    // Adds tokens used to each subject's tpm window.
    void add_tokens(const std::vector<RateRule>& rules, std::int64_t tokens, core::Millis now);

private:
    struct Window {
        std::array<std::int64_t, 60> requests{};
        std::array<std::int64_t, 60> tokens{};
        std::array<std::int64_t, 60> second{}; // which absolute second each bucket holds
    };
    static std::int64_t sum(const Window& w, const std::array<std::int64_t, 60>& values, std::int64_t now_s);
    static double retry_after(const Window& w, const std::array<std::int64_t, 60>& values, std::int64_t now_s,
                              std::int64_t limit);
    static void add(Window& w, std::array<std::int64_t, 60>& values, std::int64_t now_s, std::int64_t amount);

    std::mutex m_mutex;
    std::unordered_map<std::string, Window> m_windows;
};

} // namespace megarouter::governance
