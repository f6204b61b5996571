// The routes of an HTTP server: method + path -> handler. Handlers take
// megarouter's own http::Request and http::Response; tests may serve the same
// routes on an httplib::Server through httplib_bridge.hpp.
//
// A pattern is a path of '/'-separated segments. A segment is literal, or
// `:name` (any one non-empty segment), or, last only, `*name` (the non-empty
// rest of the path, slashes included). Captures reach the handler through
// request.param("name") / request.capture(i). A pattern without ':' or '*'
// segments is exact and is looked up in a hash map, so the hot routes cost
// one hash and no allocation. Patterns are matched segment by segment, in
// time linear in the path and constant stack, whatever the path's length (no
// regular expressions: libstdc++'s recurses once per character). Patterns
// are tried in the order added; an exact path wins over every pattern.
//
// Routes are added before serving; find() is then safe from any thread. The
// Router must outlive the requests it routes (captures name its patterns).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "megarouter/http/request.hpp"
#include "megarouter/http/response.hpp"

namespace megarouter::http {

using Handler = std::function<void(const Request&, Response&)>;

// Runs on the event loop before a route's handler (and before a blocking
// route takes a worker): returns true to go on, or false after filling
// `response` (e.g. 401/403), which is then sent as it is. Must not block.
using Admit = std::function<bool(const Request&, Response&)>;

struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    // Slow or blocking work (SQLite): the server runs it on its worker pool.
    bool blocking = false;
    Admit admit; // empty: every request is admitted
};

class Router {
public:
    // Throws std::invalid_argument for a malformed pattern (a programming
    // error found at startup): empty, not starting with '/', an empty or
    // misplaced capture, more than k_max_captures, or regex syntax.
    void Get(const std::string& pattern, Handler handler) { add("GET", pattern, std::move(handler)); }
    void Post(const std::string& pattern, Handler handler) { add("POST", pattern, std::move(handler)); }
    void Put(const std::string& pattern, Handler handler) { add("PUT", pattern, std::move(handler)); }
    void Patch(const std::string& pattern, Handler handler) { add("PATCH", pattern, std::move(handler)); }
    void Delete(const std::string& pattern, Handler handler) { add("DELETE", pattern, std::move(handler)); }

    // Routes added while this is true are marked blocking.
    void set_blocking(bool blocking) { m_blocking = blocking; }
    // Routes added from now on get this admission check (empty: none).
    void set_admit(Admit admit) { m_admit = std::move(admit); }

    // The route for request.method and request.path (HEAD finds GET routes),
    // recording a pattern route's captures in `request`; nullptr when none.
    // Allocates nothing.
    const Route* find(Request& request) const;

    // Replaces the admission check of every route added so far with
    // wrap(admit) (`admit` may be empty). Before serving only.
    void wrap_admits(const std::function<Admit(Admit)>& wrap);

    const std::vector<Route>& routes() const { return m_routes; }

private:
    struct Segment {
        enum class Kind { literal, one, rest } kind;
        std::string text; // the literal, or the capture's name
    };
    struct Pattern {
        std::vector<Segment> segments;
        std::size_t route;
    };

    void add(const std::string& method, const std::string& pattern, Handler handler);
    static bool match(const Pattern& pattern, Request& request);

    std::vector<Route> m_routes;
    // path -> (method, index): looked up with the request's own path string, no key built per request
    std::unordered_map<std::string, std::vector<std::pair<std::string, std::size_t>>> m_exact;
    std::vector<Pattern> m_patterns; // in the order added
    bool m_blocking = false;
    Admit m_admit;
};

} // namespace megarouter::http
