// The listener and the loop threads: each loop accepts from the shared
// listening socket (EPOLLEXCLUSIVE wakes one loop per connection) and runs a
// fiber per connection.
#include "megarouter/http/server.hpp"
#include "megarouter/core/background.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/server_impl.hpp"
#include "megarouter/core/clock.hpp"

namespace megarouter::http {

namespace {
constexpr int k_backlog = 4096;
constexpr int k_accepts_per_wake = 64;

int usable_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

constexpr int k_first_pause_ms = 100;
constexpr int k_longest_pause_ms = 1000;
constexpr std::size_t k_reserved_fds = 64; // files, the database, the loops, curl

// Raises the soft descriptor limit to the hard one, and returns the
// connection cap it allows (see Limits::max_connections).
std::size_t size_connections_from_fd_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? std::max<rlim_t>(limit.rlim_cur, 1 << 20) : limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    if (limit.rlim_cur == RLIM_INFINITY) return 1 << 19;
    std::size_t soft = static_cast<std::size_t>(limit.rlim_cur);
    return std::max<std::size_t>(16, soft > k_reserved_fds ? (soft - k_reserved_fds) / 2 : 0);
}

bool out_of_descriptors(int error) { return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM; }
} // namespace

Server::Server(Router router, std::function<Limits()> limits, ErrorBody error_body) : m_impl(std::make_unique<Impl>()) {
    m_impl->router = std::move(router);
    m_impl->limits = std::move(limits);
    m_impl->error_body = std::move(error_body);
}

Server::~Server() {
    if (m_impl->listen_fd >= 0) ::close(m_impl->listen_fd);
}

Result<int> Server::bind(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string name = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
    if (::getaddrinfo(name.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
        return fail(ErrorCode::io, "cannot resolve listen address " + host);
    int fd = -1;
    int why = 0; // errno of the last failed socket, bind or listen
    for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            why = errno;
            continue;
        }
        int on = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on); // inherited by accepted sockets
        if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, k_backlog) != 0) {
            why = errno;
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(found);
    if (fd < 0) {
        std::string where = host + ":" + std::to_string(port);
        if (why == EADDRINUSE)
            return fail(ErrorCode::unavailable, "port " + std::to_string(port) + " on " + host +
                                                    " is in use by another program (`ss -ltnp` shows which)");
        if (why == EACCES)
            return fail(ErrorCode::unavailable, "no permission to listen on " + where + " (ports below 1024 need root)");
        if (why == EADDRNOTAVAIL)
            return fail(ErrorCode::unavailable, "cannot listen on " + where + ": no interface of this machine has "
                                                    "that address");
        return fail(ErrorCode::unavailable, "cannot listen on " + where + ": " + std::strerror(why));
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    int bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                 : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    m_impl->listen_fd = fd;
    return bound_port;
}

void Server::Impl::accept_ready(LoopState& state) {
    if (state.accept_paused) return;
    Limits current = limits();
    std::size_t cap = current.max_connections > 0 ? current.max_connections : fd_sized_connections;
    for (int i = 0; i < k_accepts_per_wake && !stopping.load(std::memory_order_relaxed); ++i) {
        int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            // The connection stays in the backlog; watching a listener we
            // cannot accept from would wake this loop at once, forever.
            if (out_of_descriptors(errno)) pause_accepting(state);
            return; // EAGAIN: another loop took it, or the queue is empty
        }
        state.accept_pause_ms = 0;
        if (open_connections.fetch_add(1, std::memory_order_relaxed) >= cap) {
            open_connections.fetch_sub(1, std::memory_order_relaxed);
            refuse_connection(fd);
            continue;
        }
        if (!state.loop->spawn([this, &state, fd] { serve_connection(*this, state, fd); })) {
            open_connections.fetch_sub(1, std::memory_order_relaxed);
            refuse_connection(fd);
        }
    }
}

void Server::Impl::watch_listener(LoopState& state) {
    state.accept = std::make_unique<io::Interest>(listen_fd, EPOLLIN | EPOLLEXCLUSIVE,
                                                  [this, &state](std::uint32_t) { accept_ready(state); });
}

// Called from the listener's own callback, so the Interest is dropped in a
// fiber (on the next turn, before the loop waits again), not here.
void Server::Impl::pause_accepting(LoopState& state) {
    int pause_ms = std::clamp(state.accept_pause_ms * 2, k_first_pause_ms, k_longest_pause_ms);
    if (state.accept_pause_ms == 0)
        std::fprintf(stderr, "megarouter: out of file descriptors accepting connections (%s); pausing accept\n",
                     std::strerror(errno));
    state.accept_pause_ms = pause_ms;
    state.accept_paused = true;
    bool started = state.loop->spawn([this, &state, pause_ms] {
        state.accept.reset();
        if (!stopping.load()) state.resume->wait(core::monotonic_us() + std::int64_t{pause_ms} * 1000);
        state.accept_paused = false;
        if (!stopping.load()) watch_listener(state);
    });
    if (!started) state.accept_paused = false; // no stack: try again at the next wake
}

void Server::Impl::stop_loop(LoopState& state) {
    state.accept.reset();
    state.resume->notify_all();
    interrupt_reading(state);
}

void Server::Impl::serve_loop() {
    core::prefer_short_slices();
    auto loop = io::Loop::create();
    if (!loop) return;
    LoopState state;
    state.loop = loop->get();
    state.resume = std::make_unique<io::Event>();
    watch_listener(state);
    {
        std::lock_guard lock(loops_mutex);
        loops.push_back(&state);
    }
    if (stopping.load()) stop_loop(state);
    (*loop)->run([this, &state] { return stopping.load() && state.loop->fibers() == 0; });
    {
        std::lock_guard lock(loops_mutex);
        std::erase(loops, &state);
    }
    state.accept.reset();
}

void Server::run(int threads) {
    int count = threads > 0 ? threads : usable_cpus();
    m_impl->fd_sized_connections = size_connections_from_fd_limit();
    Limits limits = m_impl->limits();
    m_impl->workers = std::make_unique<io::WorkerPool>(limits.blocking_workers, limits.blocking_queue);
    std::vector<std::thread> helpers;
    for (int i = 1; i < count; ++i) helpers.emplace_back([this] { m_impl->serve_loop(); });
    m_impl->serve_loop();
    for (auto& helper : helpers) helper.join();
    m_impl->workers.reset(); // every fiber has ended: no call is waiting for a worker
}

void Server::stop() {
    if (m_impl->stopping.exchange(true)) return;
    {
        std::lock_guard lock(m_impl->loops_mutex);
        for (LoopState* state : m_impl->loops) {
            Impl* impl = m_impl.get();
            state->loop->post([impl, state] { impl->stop_loop(*state); });
        }
    }
    // Stop listening at once: a new connection is refused (and one still in
    // the backlog reset) rather than left hanging until the process exits.
    // The descriptor stays open, so no other socket can take its number.
    if (m_impl->listen_fd >= 0) ::shutdown(m_impl->listen_fd, SHUT_RDWR);
}

std::size_t Server::open_connections() const {
    return m_impl->open_connections.load(std::memory_order_relaxed);
}

std::size_t Server::loops() const {
    std::lock_guard lock(m_impl->loops_mutex);
    return m_impl->loops.size();
}

} // namespace megarouter::http
