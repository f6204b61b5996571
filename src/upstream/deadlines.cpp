#include "upstream/deadlines.hpp"

#include "megarouter/core/clock.hpp"

namespace megarouter::upstream {

std::optional<Error> call_deadline(const SendOptions& options, const std::string& host, const CallClock& clock) {
    std::int64_t now = core::monotonic_us();
    const Timeouts& t = options.timeouts;
    if (options.cancel && options.cancel->load(std::memory_order_relaxed))
        return make_error(ErrorCode::cancelled, "request to " + host + " cancelled");
    if (!clock.any_byte && t.first_byte_ms > 0 && now - clock.sent_us > std::int64_t{t.first_byte_ms} * 1000)
        return make_error(ErrorCode::upstream_timeout,
                          "no answer from " + host + " within " + std::to_string(t.first_byte_ms) + " ms", true);
    if (clock.any_byte && t.idle_ms > 0 && now - clock.last_byte_us > std::int64_t{t.idle_ms} * 1000)
        return make_error(ErrorCode::upstream_timeout,
                          host + " went silent for more than " + std::to_string(t.idle_ms) + " ms", true);
    if (clock.total_deadline_us > 0 && now >= clock.total_deadline_us)
        return make_error(ErrorCode::upstream_timeout,
                          "timed out talking to " + host + ": more than " + std::to_string(t.total_ms) + " ms", true);
    return std::nullopt;
}

std::int64_t next_deadline_us(const SendOptions& options, const CallClock& clock) {
    const Timeouts& t = options.timeouts;
    std::int64_t next = 0;
    auto consider = [&](std::int64_t at) {
        if (at > 0 && (next == 0 || at < next)) next = at;
    };
    if (!clock.any_byte && t.first_byte_ms > 0) consider(clock.sent_us + std::int64_t{t.first_byte_ms} * 1000 + 1);
    if (clock.any_byte && t.idle_ms > 0) consider(clock.last_byte_us + std::int64_t{t.idle_ms} * 1000 + 1);
    consider(clock.total_deadline_us);
    return next;
}

} // namespace megarouter::upstream
