// Identifiers the proxy makes up: request ids and the ids of response objects
// it writes itself (Responses API items). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace megarouter::proxy {

// `prefix` followed by 24 random hex digits, e.g. "req_1f3a...".
std::string random_id(std::string_view prefix);

} // namespace megarouter::proxy
