// Small text helpers of the telemetry settings. Private to src/telemetry.
#pragma once

#include <string>
#include <string_view>

namespace megarouter::telemetry::detail {

// `text` without leading and trailing whitespace.
std::string trimmed(std::string_view text);

} // namespace megarouter::telemetry::detail
