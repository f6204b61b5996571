#include "megarouter/http/router.hpp"

#include <stdexcept>

namespace megarouter::http {

namespace {

[[noreturn]] void bad_pattern(const std::string& pattern, const char* why) {
    throw std::invalid_argument("route pattern '" + pattern + "': " + why);
}

} // namespace

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
    if (pattern.empty() || pattern.front() != '/') bad_pattern(pattern, "must start with '/'");
    if (pattern.find_first_of("()[]\\^$+?{}|") != std::string::npos)
        bad_pattern(pattern, "regular expressions are not supported; use :name or *name segments");
    std::size_t index = m_routes.size();
    Pattern compiled{{}, index};
    bool captures = false;
    std::string_view rest = std::string_view(pattern).substr(1);
    for (;;) {
        auto slash = rest.find('/');
        std::string_view text = rest.substr(0, slash);
        Segment segment{Segment::Kind::literal, std::string(text)};
        if (!text.empty() && (text.front() == ':' || text.front() == '*')) {
            if (text.size() == 1) bad_pattern(pattern, "a capture needs a name");
            segment.kind = text.front() == ':' ? Segment::Kind::one : Segment::Kind::rest;
            segment.text.erase(0, 1);
            if (segment.kind == Segment::Kind::rest && slash != std::string_view::npos)
                bad_pattern(pattern, "*name must be the last segment");
            captures = true;
        }
        compiled.segments.push_back(std::move(segment));
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    std::size_t count = 0;
    for (const Segment& segment : compiled.segments) count += segment.kind != Segment::Kind::literal;
    if (count > k_max_captures) bad_pattern(pattern, "too many captures");
    m_routes.push_back(Route{method, pattern, std::move(handler), m_blocking, m_admit});
    if (captures) m_patterns.push_back(std::move(compiled));
    else m_exact[pattern].emplace_back(method, index);
}

// One pass over the path: each pattern segment takes the path up to the next
// '/', and a rest capture takes everything left.
bool Router::match(const Pattern& pattern, Request& request) {
    std::string_view path = request.path;
    if (path.empty() || path.front() != '/') return false;
    request.clear_captures();
    std::size_t pos = 1;
    const std::size_t last = pattern.segments.size() - 1;
    for (std::size_t i = 0; i <= last; ++i) {
        const Segment& segment = pattern.segments[i];
        if (segment.kind == Segment::Kind::rest) {
            if (pos >= path.size()) return false;
            request.add_capture(segment.text, pos, path.size() - pos);
            return true;
        }
        std::size_t end = path.find('/', pos);
        std::size_t stop = end == std::string_view::npos ? path.size() : end;
        std::string_view text = path.substr(pos, stop - pos);
        if (segment.kind == Segment::Kind::literal) {
            if (text != segment.text) return false;
        } else {
            if (text.empty()) return false;
            request.add_capture(segment.text, pos, text.size());
        }
        if (i == last) return end == std::string_view::npos;
        if (end == std::string_view::npos) return false;
        pos = end + 1;
    }
    return false;
}

const Route* Router::find(Request& request) const {
    std::string_view method = request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);
    if (auto it = m_exact.find(request.path); it != m_exact.end())
        for (const auto& [route_method, index] : it->second)
            if (route_method == method) return &m_routes[index];
    for (const Pattern& pattern : m_patterns) {
        if (m_routes[pattern.route].method != method) continue;
        if (match(pattern, request)) return &m_routes[pattern.route];
    }
    request.clear_captures();
    return nullptr;
}

void Router::wrap_admits(const std::function<Admit(Admit)>& wrap) {
    for (Route& route : m_routes) route.admit = wrap(std::move(route.admit));
}

} // namespace megarouter::http
