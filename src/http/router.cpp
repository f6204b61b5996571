#include "megarouter/http/router.hpp"

namespace megarouter::http {

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
    std::size_t index = m_routes.size();
    m_routes.push_back(Route{method, pattern, std::move(handler), m_blocking});
    if (pattern.find('(') == std::string::npos) m_exact[pattern].emplace_back(method, index);
    else m_patterns.emplace_back(std::regex(pattern), index);
}

const Route* Router::find(httplib::Request& request) const {
    std::string_view method = request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);
    if (auto it = m_exact.find(request.path); it != m_exact.end())
        for (const auto& [route_method, index] : it->second)
            if (route_method == method) return &m_routes[index];
    for (const auto& [regex, index] : m_patterns) {
        if (m_routes[index].method != method) continue;
        if (std::regex_match(request.path, request.matches, regex)) return &m_routes[index];
    }
    return nullptr;
}

void Router::wrap_handlers(const std::function<Handler(Handler)>& wrap) {
    for (Route& route : m_routes) route.handler = wrap(std::move(route.handler));
}

void Router::install(httplib::Server& server) const {
    for (const Route& route : m_routes) {
        if (route.method == "GET") server.Get(route.pattern, route.handler);
        else if (route.method == "POST") server.Post(route.pattern, route.handler);
        else if (route.method == "PUT") server.Put(route.pattern, route.handler);
        else if (route.method == "PATCH") server.Patch(route.pattern, route.handler);
        else if (route.method == "DELETE") server.Delete(route.pattern, route.handler);
    }
}

} // namespace megarouter::http
