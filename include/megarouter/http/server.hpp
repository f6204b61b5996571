// megarouter's HTTP/1.1 server: one event loop per thread (io::Loop), a
// fiber per connection, keep-alive, Content-Length and chunked request
// bodies, 100-continue, chunked streaming responses, and the routes of a
// Router. Handlers run in the connection's fiber and read like blocking code;
// where they wait (the upstream, the client socket) the fiber parks and the
// loop serves other connections. Routes marked blocking run on a bounded
// pool of worker threads so SQLite work does not stall the loop.
//
// What one client can hold is bounded: the head must arrive whole within
// head_timeout_ms of its first byte and a body must keep min_body_rate (408
// and close otherwise); at most max_connections are open (a canned 503 and
// close beyond, written without a fiber); the request target is at most
// k_max_target_bytes (414), the head max_head_bytes (431), the body
// max_body_bytes (413); heads are parsed strictly (request_head.hpp: 400 and
// close). When accept() runs out of descriptors (EMFILE, ENFILE) the loop
// stops watching the listener for 100 ms to 1 s instead of spinning. An
// exception escaping a handler or a content provider is logged to stderr and
// fails its request with 500 (or ends its stream).
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

// The server's limits, asked through the function given to the constructor:
// once per request (so a reload applies to the next request) and once per
// wake-up of the listener (max_connections).
struct Limits {
    std::size_t max_head_bytes = 64 * 1024;          // request line + headers (431 above)
    std::size_t max_body_bytes = 32 * 1024 * 1024;   // 413 above
    int read_timeout_ms = 60'000;                    // between two reads of a request being received (408)
    int write_timeout_ms = 60'000;                   // a client that stopped reading
    int keep_alive_ms = 5'000;                       // an idle connection between requests (closed quietly)
    int head_timeout_ms = 30'000;                    // a whole head, from its first byte (408)
    std::size_t min_body_rate = 1024;                // bytes/s a body must average after body_grace_ms; 0 = off (408)
    int body_grace_ms = 10'000;
    // Open client connections; beyond it a new one gets a canned 503 and is
    // closed. 0: sized from RLIMIT_NOFILE as (soft limit - 64) / 2, at least
    // 16 (a connection may hold an upstream socket too; 64 are kept for files,
    // the database and the loops). run() first raises the soft limit to the
    // hard one.
    std::size_t max_connections = 0;
    // Worker threads for blocking routes, and how many calls may wait for one
    // (503 beyond). Read once, when run() starts.
    std::size_t blocking_workers = 8;
    std::size_t blocking_queue = 256;
};

// Fills the body of a response the server makes itself: 400 (malformed
// request), 403 (an admission check refused without a status), 404 (no
// route), 408 (head or body too slow), 413, 414, 431, 500 (a handler threw),
// 503 (the worker pool's queue is full). The status is already set. (The 503
// for connections over max_connections is canned: no request was read.)
using ErrorBody = std::function<void(const Request&, Response&)>;

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
    // Client connections open now. Thread-safe.
    std::size_t open_connections() const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace megarouter::http
