// The API key a request presents, read the same way by every HTTP surface
// (the proxy's routes, the admin API, the spend API and the dashboard).
#pragma once

#include <string>
#include <string_view>

namespace megarouter::core {

// "Authorization: Bearer <key>" (the scheme in any case, RFC 9110 section
// 11.1; spaces after it skipped), else the x-api-key header (Anthropic's
// SDKs send that), else "".
std::string presented_key(std::string_view authorization, std::string_view x_api_key);

} // namespace megarouter::core
