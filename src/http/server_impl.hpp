// The server's shared insides: the listener, one LoopState per loop thread,
// the connection count and the worker pool, and the connection fiber
// (connection.cpp).
#pragma once

#include <atomic>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "megarouter/http/server.hpp"
#include "megarouter/io/loop.hpp"
#include "megarouter/io/worker_pool.hpp"

namespace megarouter::http {

class Connection;

// What one loop thread owns.
struct LoopState {
    io::Loop* loop = nullptr;
    std::unique_ptr<io::Interest> accept;      // the listening socket, while accepting
    std::unordered_set<Connection*> reading;   // connections waiting for (the rest of) a request head
    // Out of descriptors: the listener is unwatched for accept_pause_ms, then watched again.
    bool accept_paused = false;
    int accept_pause_ms = 0;                   // the last pause; doubles up to 1 s, 0 after an accept
    std::unique_ptr<io::Event> resume;         // wakes a pause early when the server stops
};

struct Server::Impl {
    Router router;
    std::function<Limits()> limits;
    ErrorBody error_body;
    int listen_fd = -1;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> open_connections{0};
    std::size_t fd_sized_connections = 16;     // max_connections = 0: computed by run()
    std::unique_ptr<io::WorkerPool> workers;   // blocking routes; lives while run() does
    std::mutex loops_mutex;
    std::vector<LoopState*> loops;             // registered while each loop runs

    void accept_ready(LoopState& state);
    void watch_listener(LoopState& state);
    void pause_accepting(LoopState& state);
    void stop_loop(LoopState& state);          // on that loop's thread
    void serve_loop();                         // one loop on the calling thread
};

// Wakes the connections of `state` that wait for a request head; they see
// `stopping` and close.
void interrupt_reading(LoopState& state);

// Serves one accepted socket in the calling fiber until it closes, then
// closes the descriptor and counts it out of open_connections.
void serve_connection(Server::Impl& server, LoopState& state, int fd);

// Answers a connection over max_connections with a canned 503 and closes it,
// without a fiber (what the client already sent is read and dropped first,
// so closing does not reset the connection under the answer).
void refuse_connection(int fd);

} // namespace megarouter::http
