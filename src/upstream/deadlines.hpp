// The checks that end an upstream call early, shared by the libcurl path and
// the native path so both fail with the same codes and messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "megarouter/core/error.hpp"
#include "megarouter/upstream/client.hpp"

namespace megarouter::upstream {

// Where a call stands, in core::monotonic_us() time.
struct CallClock {
    std::int64_t sent_us = 0;           // when the call started
    bool any_byte = false;              // whether the answer has begun
    std::int64_t last_byte_us = 0;      // when its last byte came
    std::int64_t total_deadline_us = 0; // 0: the total is enforced elsewhere (libcurl)
};

// The error that ends the call now, if any: `cancel` set (cancelled), no
// first byte within first_byte_ms, silence over idle_ms, or the total
// deadline passed (upstream_timeout, retryable). Messages name `host` only.
std::optional<Error> call_deadline(const SendOptions& options, const std::string& host, const CallClock& clock);

// When call_deadline() would next fail the call for time (the first-byte,
// idle or total deadline, whichever comes first); 0 when none applies.
std::int64_t next_deadline_us(const SendOptions& options, const CallClock& clock);

} // namespace megarouter::upstream
