#include "megarouter/http/request.hpp"

namespace megarouter::http {

std::string_view Request::get_param_value(std::string_view name) const {
    for (const auto& [key, value] : params)
        if (key == name) return value;
    return {};
}

bool Request::has_param(std::string_view name) const {
    for (const auto& [key, value] : params)
        if (key == name) return true;
    return false;
}

std::string_view Request::param(std::string_view name) const {
    for (std::size_t i = 0; i < m_capture_count; ++i)
        if (m_captures[i].name == name) return capture(i);
    return {};
}

std::string_view Request::capture(std::size_t index) const {
    if (index >= m_capture_count) return {};
    const Capture& c = m_captures[index];
    if (c.offset > path.size()) return {};
    return std::string_view(path).substr(c.offset, c.length);
}

void Request::add_capture(std::string_view name, std::size_t offset, std::size_t length) {
    if (m_capture_count < k_max_captures) m_captures[m_capture_count++] = Capture{name, offset, length};
}

} // namespace megarouter::http
