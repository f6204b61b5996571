// The server's shared insides: the listener, one LoopState per loop thread,
// and the connection fiber (connection.cpp).
#pragma once

#include <atomic>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "megarouter/http/server.hpp"
#include "megarouter/io/loop.hpp"

namespace megarouter::http {

class Connection;

// What one loop thread owns.
struct LoopState {
    io::Loop* loop = nullptr;
    std::unique_ptr<io::Interest> accept;      // the listening socket, while accepting
    std::unordered_set<Connection*> reading;   // connections waiting for (the rest of) a request head
};

struct Server::Impl {
    Router router;
    std::function<Limits()> limits;
    ErrorBody error_body;
    int listen_fd = -1;
    std::atomic<bool> stopping{false};
    std::mutex loops_mutex;
    std::vector<LoopState*> loops;             // registered while each loop runs

    void accept_ready(LoopState& state);
    void stop_loop(LoopState& state);          // on that loop's thread
    void serve_loop();                         // one loop on the calling thread
};

// Wakes the connections of `state` that wait for a request head; they see
// `stopping` and close.
void interrupt_reading(LoopState& state);

// Serves one accepted socket in the calling fiber until it closes, then
// closes the descriptor.
void serve_connection(Server::Impl& server, LoopState& state, int fd);

} // namespace megarouter::http
