// Serving a Router's routes on a cpp-httplib server, for tests that run
// routes without an event loop (and nothing else: megarouter serves on its
// own http::Server). The one place that converts between cpp-httplib's
// request and response and megarouter's.
#pragma once

namespace httplib {
class Server;
}

namespace megarouter::http {

class Router;

// Serves every route of a copy of `router` on `server`: one catch-all
// handler per method (so bodies are read) that converts the request, matches
// it with Router::find (404 when nothing matches), runs the admission check
// and the handler, and converts the response back (a streamed one through
// cpp-httplib's chunked content provider). Handlers added to `server` later
// are never reached.
void install(const Router& router, httplib::Server& server);

} // namespace megarouter::http
