// megarouter's HTTP/1.1 server: one event loop per thread (io::Loop), a
// fiber per connection, keep-alive, Content-Length and chunked request
// bodies, 100-continue, chunked streaming responses, and the routes of a
// Router. Handlers run in the connection's fiber and read like blocking code;
// where they wait (the upstream, the client socket) the fiber parks and the
// loop serves other connections. Routes marked blocking run on a thread of
// their own so SQLite work does not stall the loop.
//
// Thread-safety: bind() and run() from one thread; stop() from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "megarouter/core/error.hpp"
#include "megarouter/http/router.hpp"

namespace megarouter::http {

struct Limits {
    std::size_t max_head_bytes = 64 * 1024;          // request line + headers (431 above)
    std::size_t max_body_bytes = 32 * 1024 * 1024;   // 413 above
    int read_timeout_ms = 60'000;                    // a request that is being received
    int write_timeout_ms = 60'000;                   // a client that stopped reading
    int keep_alive_ms = 5'000;                       // an idle connection between requests
};

// Fills the body of a response the server makes itself: 400 (malformed
// request), 404 (no route), 413, 431, 500 (a handler threw). The status is
// already set.
using ErrorBody = std::function<void(const httplib::Request&, httplib::Response&)>;

class Server {
public:
    // `limits` is asked once per request, so a reload applies to the next one.
    Server(Router router, std::function<Limits()> limits, ErrorBody error_body);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Listens on host:port (0: any free port) with SO_REUSEADDR and a deep
    // backlog; returns the bound port. Fails with io.
    Result<int> bind(const std::string& host, int port);

    // Serves on `threads` event loops (0: one per CPU this process may run
    // on), the calling thread being one of them, until stop() was called and
    // every connection has ended. Requires a successful bind().
    void run(int threads);

    // Stops accepting and closes idle connections; requests in flight go on
    // (their connections close after the response). Thread-safe, idempotent.
    void stop();

    // Loop threads serving (0 before run() and after it returned).
    std::size_t loops() const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace megarouter::http
