#include "megarouter/core/credentials.hpp"

#include <strings.h>

namespace megarouter::core {

std::string presented_key(std::string_view authorization, std::string_view x_api_key) {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() > scheme.size() &&
        strncasecmp(authorization.data(), scheme.data(), scheme.size()) == 0) {
        std::string_view key = authorization.substr(scheme.size());
        while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
        if (!key.empty()) return std::string(key);
    }
    return std::string(x_api_key);
}

} // namespace megarouter::core
