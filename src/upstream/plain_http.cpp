#include "upstream/plain_http.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "megarouter/core/clock.hpp"
#include "megarouter/io/loop.hpp"
#include "megarouter/io/send_all.hpp"
#include "upstream/deadlines.hpp"
#include "megarouter/http/chunked_decoder.hpp"
#include "megarouter/http/wire.hpp"

namespace megarouter::upstream::plain {

namespace {

constexpr std::int64_t k_tick_us = 100'000;        // how often a waiting call looks at `cancel`
// Once an answer streams, `cancel` is looked at this often: a stream's
// relay writes to the client itself and learns there that it left, and
// each look costs the loop a timer (10,000 streams: 10,000 a second).
constexpr std::int64_t k_streaming_tick_us = 1'000'000;
constexpr std::size_t k_max_head_bytes = 64 * 1024;
constexpr std::size_t k_read_bytes = 16 * 1024;
constexpr std::size_t k_idle_per_host = 64;         // pooled keep-alive connections per host
constexpr std::int64_t k_dns_ttl_us = 60'000'000;

struct Target {
    std::string host;        // as written, without brackets
    std::string port = "80";
    std::string authority;   // for the Host header and error messages
    std::string path;        // with the query
};

bool parse_url(const std::string& url, Target& target) {
    if (url.rfind("http://", 0) != 0) return false;
    std::string_view rest = std::string_view(url).substr(7);
    auto slash = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, slash);
    target.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (target.path.front() == '?') target.path.insert(0, "/");
    if (auto hash = target.path.find('#'); hash != std::string::npos) target.path.resize(hash);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return false; // userinfo: leave to libcurl
    target.authority = std::string(authority);
    if (authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return false;
        target.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return false;
            target.port = std::string(authority.substr(close + 2));
        }
    } else {
        auto colon = authority.find(':');
        target.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) target.port = std::string(authority.substr(colon + 1));
    }
    return !target.host.empty() && !target.port.empty() &&
           target.port.find_first_not_of("0123456789") == std::string::npos;
}

bool proxy_configured() {
    for (const char* name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"})
        if (const char* value = std::getenv(name); value && *value) return true;
    return false;
}

bool native_enabled() {
    static const bool enabled = [] {
        const char* choice = std::getenv("MEGAROUTER_UPSTREAM");
        return !(choice && std::strcmp(choice, "curl") == 0) && !proxy_configured();
    }();
    return enabled;
}

// A connection and its registration with the loop, kept together while pooled.
struct Connection {
    int fd = -1;
    std::unique_ptr<io::Watch> watch;
    explicit Connection(int socket) : fd(socket), watch(std::make_unique<io::Watch>(socket)) {}
    ~Connection() {
        watch.reset(); // deregister before the descriptor goes
        ::close(fd);
    }
};

struct Resolved {
    std::vector<sockaddr_storage> addresses;
    std::vector<socklen_t> lengths;
    std::int64_t until_us = 0;
};

// What one loop keeps: idle connections per host:port, and resolved names.
struct LoopPool {
    io::Loop* loop = nullptr;
    std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
    std::unordered_map<std::string, Resolved> names;
};

LoopPool& loop_pool() {
    thread_local LoopPool pool;
    io::Loop* loop = io::Loop::current();
    if (pool.loop != loop) {
        pool.idle.clear();
        pool.names.clear();
        pool.loop = loop;
        loop->at_exit([] {
            pool.idle.clear(); // while the loop's epoll is still open
            pool.loop = nullptr;
        });
    }
    return pool;
}

Error unreachable(const Target& target, const std::string& what) {
    return make_error(ErrorCode::upstream_unavailable, "cannot reach " + target.authority + ": " + what, true);
}

Result<const Resolved*> resolve(const Target& target) {
    LoopPool& pool = loop_pool();
    std::string key = target.host + ":" + target.port;
    auto& entry = pool.names[key];
    if (!entry.addresses.empty() && entry.until_us > core::monotonic_us()) return &entry;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
    addrinfo* found = nullptr;
    int rc = ::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found);
    if (rc != 0) { // a name: resolving may block, so it runs off the loop
        hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
        io::run_blocking([&] { rc = ::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found); });
    }
    if (rc != 0 || !found) return std::unexpected(unreachable(target, "cannot resolve host"));
    Resolved resolved;
    for (addrinfo* a = found; a; a = a->ai_next) {
        sockaddr_storage address{};
        std::memcpy(&address, a->ai_addr, a->ai_addrlen);
        resolved.addresses.push_back(address);
        resolved.lengths.push_back(a->ai_addrlen);
    }
    ::freeaddrinfo(found);
    resolved.until_us = core::monotonic_us() + k_dns_ttl_us;
    entry = std::move(resolved);
    return &entry;
}

Result<std::unique_ptr<Connection>> connect_to(const Target& target, const SendOptions& options, std::int64_t deadline) {
    auto resolved = resolve(target);
    if (!resolved) return std::unexpected(resolved.error());
    std::string last = "connection refused";
    for (std::size_t i = 0; i < (*resolved)->addresses.size(); ++i) {
        const auto& address = (*resolved)->addresses[i];
        int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return std::unexpected(unreachable(target, std::strerror(errno)));
        int on = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
        auto connection = std::make_unique<Connection>(fd);
        int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), (*resolved)->lengths[i]);
        if (rc != 0 && errno == EINPROGRESS) {
            std::int64_t until = deadline;
            if (options.timeouts.connect_ms > 0) {
                std::int64_t connect_until = core::monotonic_us() + std::int64_t{options.timeouts.connect_ms} * 1000;
                until = until > 0 ? std::min(until, connect_until) : connect_until;
            }
            for (;;) { // in ticks, so that `cancel` is seen while connecting
                std::int64_t now = core::monotonic_us();
                if (options.cancel && options.cancel->load(std::memory_order_relaxed))
                    return fail(ErrorCode::cancelled, "request to " + target.authority + " cancelled");
                if (until > 0 && now >= until)
                    return fail(ErrorCode::upstream_timeout, "timed out talking to " + target.authority + ": connect", true);
                std::int64_t wake = until > 0 ? std::min(until, now + k_tick_us) : now + k_tick_us;
                if (connection->watch->wait(EPOLLOUT, wake) == io::Ready::yes) break;
            }
            int error = 0;
            socklen_t length = sizeof error;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
            rc = error == 0 ? 0 : -1;
            errno = error;
        }
        if (rc == 0) return connection;
        last = std::strerror(errno);
    }
    return std::unexpected(unreachable(target, last));
}

std::string request_head(const HttpRequest& request, const Target& target) {
    std::string head;
    head.reserve(256 + request.headers.size() * 64);
    head += request.method;
    head += ' ';
    head += target.path;
    head += " HTTP/1.1\r\nHost: ";
    head += target.authority;
    head += "\r\n";
    http::append_fields(head, request.headers);
    if (request.method != "GET" || !request.body.empty()) {
        head += "Content-Length: ";
        head += std::to_string(request.body.size());
        head += "\r\n";
    }
    head += "\r\n";
    return head;
}

// One exchange on one connection. `fresh` tells whether the connection was
// just opened: a pooled one the server has closed in the meantime fails
// before any answer byte, and the caller then retries on a new connection.
class Call {
public:
    Call(const HttpRequest& request, const SendOptions& options, const Target& target, Connection& connection)
        : m_request(request), m_options(options), m_target(target), m_connection(connection) {}

    enum class Outcome { done, stale, failed };
    Outcome run(std::int64_t sent_us, std::int64_t total_deadline);

    HttpResponse response;
    std::optional<Error> error;
    bool reusable = false;

private:
    Outcome write_request(); // done, stale (peer gone) or failed (error set)
    // Reads more bytes into m_in; false on end of stream, error or deadline (error set).
    bool read_more();
    std::int64_t next_wake() const;
    std::optional<Error> check_deadlines() const;
    bool parse_head(std::size_t end);
    Outcome read_answer_head();
    Outcome read_chunked_body();
    Outcome read_sized_body(std::uint64_t left);
    Outcome read_body_to_close();
    Outcome ended_early();      // the connection ended before the body did
    Outcome delivery_stopped(); // the chunk callback said stop, or the body is too large
    bool deliver(std::string_view bytes);
    Outcome fail_with(Error e) {
        error = std::move(e);
        return Outcome::failed;
    }

    const HttpRequest& m_request;
    const SendOptions& m_options;
    const Target& m_target;
    Connection& m_connection;
    std::string m_in;
    bool m_stopped = false;
    bool m_streaming = false;
    bool m_drained = false; // the last recv was short: the socket had nothing more
    CallClock m_clock;
};

Call::Outcome Call::write_request() {
    std::string head = request_head(m_request, m_target);
    // Writing a large body counts against the first-byte, total and cancel
    // checks like the wait for the answer does.
    if (io::send_all(*m_connection.watch, {head, m_request.body}, 0, [this] { return !(error = check_deadlines()); }))
        return Outcome::done;
    return error ? Outcome::failed : Outcome::stale;
}

std::optional<Error> Call::check_deadlines() const {
    return call_deadline(m_options, m_target.authority, m_clock);
}

bool Call::read_more() {
    std::size_t had = m_in.size();
    for (;;) {
        // A short read drained the socket: rather than a recv that would say
        // EAGAIN, wait for the next edge (one system call less per chunk of
        // a stream). Data that came since then made one (readable_seen).
        if (m_drained && !m_connection.watch->readable_seen()) {
            m_drained = false;
            if ((error = check_deadlines())) return false;
            m_connection.watch->wait(EPOLLIN, next_wake());
            continue;
        }
        ssize_t n = 0;
        // Grown without zeroing what recv is about to overwrite.
        m_in.resize_and_overwrite(had + k_read_bytes, [&](char* data, std::size_t) {
            n = ::recv(m_connection.fd, data + had, k_read_bytes, 0);
            return had + static_cast<std::size_t>(std::max<ssize_t>(n, 0));
        });
        if (n > 0) {
            m_clock.any_byte = true;
            m_clock.last_byte_us = core::monotonic_us();
            if (static_cast<std::size_t>(n) < k_read_bytes) {
                m_drained = true;
                m_connection.watch->forget_readable(); // the edge that woke us is used up
            }
            return true;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return false; // end of stream or reset
        if (errno == EINTR) continue;
        if ((error = check_deadlines())) return false;
        m_connection.watch->wait(EPOLLIN, next_wake());
    }
}

// The next look at `cancel`, or the call's next deadline when that is sooner.
std::int64_t Call::next_wake() const {
    std::int64_t tick = core::monotonic_us() + (m_clock.any_byte ? k_streaming_tick_us : k_tick_us);
    std::int64_t deadline = next_deadline_us(m_options, m_clock);
    return deadline > 0 ? std::min(tick, deadline) : tick;
}

bool Call::parse_head(std::size_t end) {
    std::string_view head(m_in.data(), end);
    auto line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) return false;
    response.http_version = std::string(status_line.substr(5, 3));
    int status = 0;
    for (char c : status_line.substr(9, 3)) {
        if (c < '0' || c > '9') return false;
        status = status * 10 + (c - '0');
    }
    response.status = status;
    response.headers.clear();
    std::string_view fields = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    return http::for_each_header_field(fields, [&](std::string_view name, std::string_view value) {
        response.headers.emplace_back(std::string(name), std::string(value));
    });
}

bool Call::deliver(std::string_view bytes) {
    if (bytes.empty()) return true;
    if (m_streaming) {
        if (!(*m_options.on_chunk)(bytes)) {
            m_stopped = true;
            return false;
        }
        return true;
    }
    if (response.body.size() + bytes.size() > m_options.max_response_bytes) return false; // too large
    response.body.append(bytes);
    return true;
}

Call::Outcome Call::run(std::int64_t sent_us, std::int64_t total_deadline) {
    m_clock.sent_us = sent_us;
    m_clock.total_deadline_us = total_deadline;
    if (Outcome written = write_request(); written != Outcome::done) return written;
    if (Outcome head = read_answer_head(); head != Outcome::done) return head;
    m_streaming = m_options.on_chunk != nullptr && response.status >= 200 && response.status < 300;
    auto connection_header = header_value(response.headers, "Connection").value_or("");
    bool keep_alive = response.http_version == "1.1" ? strcasestr(connection_header.c_str(), "close") == nullptr
                                                     : strcasestr(connection_header.c_str(), "keep-alive") != nullptr;
    auto transfer_encoding = header_value(response.headers, "Transfer-Encoding");
    auto content_length = header_value(response.headers, "Content-Length");
    Outcome body = Outcome::done;
    if (m_request.method == "HEAD" || response.status == 204 || response.status == 304) {
        // no body
    } else if (transfer_encoding && strcasestr(transfer_encoding->c_str(), "chunked")) {
        body = read_chunked_body();
    } else if (content_length) {
        body = read_sized_body(std::strtoull(content_length->c_str(), nullptr, 10));
    } else {
        return read_body_to_close(); // the connection ends with it
    }
    reusable = body == Outcome::done && keep_alive && m_in.empty();
    return body;
}

// The status line and headers, skipping 1xx interim answers.
Call::Outcome Call::read_answer_head() {
    for (;;) {
        auto end = m_in.find("\r\n\r\n");
        if (end != std::string::npos) {
            if (!parse_head(end)) return fail_with(unreachable(m_target, "malformed HTTP answer"));
            m_in.erase(0, end + 4);
            if (response.status >= 100 && response.status < 200) continue;
            return Outcome::done;
        }
        if (m_in.size() > k_max_head_bytes) return fail_with(unreachable(m_target, "answer headers too large"));
        if (!read_more()) {
            if (error) return Outcome::failed;
            return m_clock.any_byte ? fail_with(unreachable(m_target, "connection closed before the answer's headers"))
                              : Outcome::stale;
        }
    }
}

Call::Outcome Call::ended_early() {
    if (error) return Outcome::failed;
    Error e = unreachable(m_target, "connection closed mid-answer");
    e.upstream_status = response.status;
    return fail_with(e);
}

Call::Outcome Call::delivery_stopped() {
    if (m_stopped) return fail_with(make_error(ErrorCode::cancelled, "request to " + m_target.authority + " cancelled"));
    return fail_with(make_error(ErrorCode::payload_too_large, "answer from " + m_target.authority + " is too large"));
}

Call::Outcome Call::read_chunked_body() {
    http::ChunkedDecoder decoder;
    for (;;) {
        auto fed = decoder.feed(m_in, [&](std::string_view bytes) { return deliver(bytes); });
        if (fed.status == http::ChunkedDecoder::Status::bad || fed.status == http::ChunkedDecoder::Status::too_large)
            return fail_with(unreachable(m_target, "malformed chunked answer"));
        if (fed.status == http::ChunkedDecoder::Status::stopped) return delivery_stopped();
        m_in.erase(0, fed.consumed);
        if (fed.status == http::ChunkedDecoder::Status::done) return Outcome::done;
        if (!read_more()) return ended_early();
    }
}

Call::Outcome Call::read_sized_body(std::uint64_t left) {
    for (;;) {
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left, m_in.size()));
        if (!deliver(std::string_view(m_in).substr(0, take))) return delivery_stopped();
        m_in.erase(0, take);
        left -= take;
        if (left == 0) return Outcome::done;
        if (!read_more()) return ended_early();
    }
}

Call::Outcome Call::read_body_to_close() {
    for (;;) {
        if (!deliver(m_in)) return delivery_stopped();
        m_in.clear();
        if (!read_more()) return error ? Outcome::failed : Outcome::done;
    }
}

// A pooled connection whose peer has not spoken since its last answer: one
// that got bytes (a late 408, say) or an end of stream while idle is closed.
std::unique_ptr<Connection> take_pooled(const std::string& key) {
    auto& idle = loop_pool().idle[key];
    while (!idle.empty()) {
        std::unique_ptr<Connection> connection = std::move(idle.back());
        idle.pop_back();
        if (!connection->watch->readable_seen()) return connection;
        char byte;
        ssize_t n = ::recv(connection->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return connection; // an old event: still quiet
    }
    return nullptr;
}

} // namespace

bool handles(const std::string& url) {
    return url.rfind("http://", 0) == 0 && io::in_fiber() && native_enabled();
}

Result<HttpResponse> send(const HttpRequest& request, const SendOptions& options) {
    // request_head() writes names, values and the target as they are.
    if (auto valid = check_request(request); !valid) return fail(valid.error());
    Target target;
    if (!parse_url(request.url, target)) return fail(ErrorCode::config, "bad upstream URL: " + request.url);
    std::int64_t sent_us = core::monotonic_us();
    std::int64_t total_deadline = options.timeouts.total_ms > 0 ? sent_us + std::int64_t{options.timeouts.total_ms} * 1000 : 0;
    std::string key = target.host + ":" + target.port;
    // A pooled connection first; if the server closed it meanwhile, one new connection.
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::unique_ptr<Connection> connection = attempt == 0 ? take_pooled(key) : nullptr;
        bool pooled = connection != nullptr;
        if (!pooled) {
            auto opened = connect_to(target, options, total_deadline);
            if (!opened) return std::unexpected(opened.error());
            connection = std::move(*opened);
        }
        Call call(request, options, target, *connection);
        auto outcome = call.run(sent_us, total_deadline);
        if (outcome == Call::Outcome::stale) {
            if (pooled) continue;
            return fail(unreachable(target, "connection closed before an answer"));
        }
        if (outcome == Call::Outcome::failed) return fail(*call.error);
        if (call.reusable) {
            auto& pool = loop_pool().idle[key];
            connection->watch->forget_readable(); // from now on, readable means the peer spoke or left
            if (pool.size() < k_idle_per_host) pool.push_back(std::move(connection));
        }
        return std::move(call.response);
    }
    return fail(unreachable(target, "connection closed before an answer"));
}

} // namespace megarouter::upstream::plain
