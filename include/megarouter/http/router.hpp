// The routes of an HTTP server: method + path -> handler. Handlers take
// cpp-httplib's Request and Response, so the same routes serve on
// megarouter's own event-loop server and, in tests, on an httplib::Server.
// A path is matched exactly, or as a regular expression when the pattern has
// a '(' (its groups go to request.matches). Exact paths are looked up in a
// hash map first, so the hot routes cost no regex.
//
// Routes are added before serving; find() is then safe from any thread.
#pragma once

#include <functional>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include <httplib.h>

namespace megarouter::http {

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    // Slow or blocking work (SQLite): the server runs it off its event loop.
    bool blocking = false;
};

class Router {
public:
    void Get(const std::string& pattern, Handler handler) { add("GET", pattern, std::move(handler)); }
    void Post(const std::string& pattern, Handler handler) { add("POST", pattern, std::move(handler)); }
    void Put(const std::string& pattern, Handler handler) { add("PUT", pattern, std::move(handler)); }
    void Patch(const std::string& pattern, Handler handler) { add("PATCH", pattern, std::move(handler)); }
    void Delete(const std::string& pattern, Handler handler) { add("DELETE", pattern, std::move(handler)); }

    // Routes added while this is true are marked blocking.
    void set_blocking(bool blocking) { m_blocking = blocking; }

    // The route for request.method and request.path (HEAD finds GET routes),
    // filling request.matches for a pattern route; nullptr when none.
    const Route* find(httplib::Request& request) const;

    // Replaces the handler of every route added so far with wrap(handler),
    // keeping the rest of each route (a check that runs before every route).
    // Before serving only.
    void wrap_handlers(const std::function<Handler(Handler)>& wrap);

    // Registers every route on `server` (tests serving routes without a loop).
    void install(httplib::Server& server) const;

    const std::vector<Route>& routes() const { return m_routes; }

private:
    void add(const std::string& method, const std::string& pattern, Handler handler);

    std::vector<Route> m_routes;
    // path -> (method, index): looked up with the request's own path string, no key built per request
    std::unordered_map<std::string, std::vector<std::pair<std::string, std::size_t>>> m_exact;
    std::vector<std::pair<std::regex, std::size_t>> m_patterns; // in the order added
    bool m_blocking = false;
};

} // namespace megarouter::http
