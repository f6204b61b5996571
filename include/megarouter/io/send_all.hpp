// Writing a whole message to a non-blocking socket from a fiber.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string_view>

#include "megarouter/io/loop.hpp"

namespace megarouter::io {

// Writes every part, in order, to the socket `watch` watches (one sendmsg
// for all of them while the socket takes them), parking while it is full.
// Returns false when the peer is gone, on another error, when `deadline_us`
// passes (0: none), or when `keep_waiting` (asked every 100 ms while parked)
// returns false. Never raises SIGPIPE. At most 4 parts.
bool send_all(Watch& watch, std::initializer_list<std::string_view> parts, std::int64_t deadline_us,
              const std::function<bool()>& keep_waiting = {});

} // namespace megarouter::io
