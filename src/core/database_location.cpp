#include "megarouter/core/database_location.hpp"

namespace megarouter::core {

bool is_postgres_url(std::string_view location) {
    return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string printable_location(std::string_view location) {
    if (!is_postgres_url(location)) return std::string(location);
    // scheme://user:password@host... -> scheme://user:***@host...
    std::size_t start = location.find("://") + 3;
    std::size_t at = location.find('@', start);
    std::size_t slash = location.find('/', start);
    if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) return std::string(location);
    std::size_t colon = location.find(':', start);
    if (colon == std::string_view::npos || colon > at) return std::string(location);
    return std::string(location.substr(0, colon + 1)) + "***" + std::string(location.substr(at));
}

} // namespace megarouter::core
