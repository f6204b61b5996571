// Identifiers megarouter makes up: request ids and the ids of response
// objects it writes itself (Responses API items). Not secrets. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace megarouter::core {

// `prefix` followed by 24 random hex digits, e.g. "req_1f3a...".
std::string random_id(std::string_view prefix);

} // namespace megarouter::core
