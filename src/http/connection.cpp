// One client connection, served in its own fiber: read a request head and
// body, run the route, write the response (whole, or chunk by chunk from a
// content provider), and keep the connection for the next request. Every
// wait has a deadline: keep_alive_ms idle, head_timeout_ms for a whole head,
// read_timeout_ms between reads and min_body_rate for a body, and
// write_timeout_ms for a client that stopped reading.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <cstring>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/server_impl.hpp"
#include "megarouter/core/clock.hpp"
#include "megarouter/http/chunked_decoder.hpp"
#include "megarouter/http/request_head.hpp"
#include "megarouter/io/send_all.hpp"

namespace megarouter::http {

namespace {
constexpr std::size_t k_read_bytes = 16 * 1024;
constexpr std::size_t k_kept_buffer = 64 * 1024;
constexpr std::int64_t k_linger_us = 2'000'000;        // draining a refused body before closing
constexpr std::size_t k_linger_bytes = 64 * 1024 * 1024;

std::int64_t after_ms(int ms) { return core::monotonic_us() + std::int64_t{ms} * 1000; }

// Which of the bytes of a target go to the log: the start, and never more than a line.
std::string_view loggable(std::string_view target) { return target.substr(0, 200); }

void log_exception(std::string_view where, const Request& request) {
    std::string_view target = loggable(request.target);
    try {
        throw;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "megarouter: %.*s threw (%s %.*s): %s\n", static_cast<int>(where.size()), where.data(),
                     request.method.c_str(), static_cast<int>(target.size()), target.data(), e.what());
    } catch (...) {
        std::fprintf(stderr, "megarouter: %.*s threw (%s %.*s) something that is not a std::exception\n",
                     static_cast<int>(where.size()), where.data(), request.method.c_str(),
                     static_cast<int>(target.size()), target.data());
    }
}
} // namespace

class Connection {
public:
    Connection(Server::Impl& server, LoopState& state, int fd) : m_server(server), m_state(state), m_fd(fd), m_watch(fd) {}

    void serve();
    void interrupt() { m_watch.interrupt(); }

private:
    enum class Next { keep, close };
    enum class Got { data, closed, timeout };
    enum class Head { complete, closed, timeout };

    Got fill(std::int64_t deadline_us);
    bool send_all(std::initializer_list<std::string_view> parts, std::int64_t deadline_us);
    Next one_request(Request& request);
    Head read_head(const Limits& limits, Request& request, HeadParse& parse);
    bool read_body(const Limits& limits, Request& request, int& error_status);
    std::int64_t body_deadline(const Limits& limits, std::int64_t started_us, std::uint64_t received) const;
    void dispatch(Request& request, Response& response);
    // Writes the response; may turn `keep_alive` off (a stream to an HTTP/1.0 client).
    bool write_response(const Request& request, Response& response, bool& keep_alive, const Limits& limits);
    void refuse(int status, const Request& request, const Limits& limits);
    void fail_after_exception(const Request& request);
    void linger();
    std::string_view unread() const { return std::string_view(m_in).substr(m_pos); }

    Server::Impl& m_server;
    LoopState& m_state;
    int m_fd;
    io::Watch m_watch;
    std::string m_in;   // bytes read and not yet consumed start at m_pos
    std::size_t m_pos = 0;
    std::uint64_t m_received = 0;   // bytes read on this connection
    bool m_responding = false;      // a response head went out for the current request
};

Connection::Got Connection::fill(std::int64_t deadline_us) {
    if (m_pos == m_in.size()) {
        if (m_in.capacity() > k_kept_buffer) std::string().swap(m_in); // a large body is not kept for the connection's life
        m_in.clear();
        m_pos = 0;
    } else if (m_pos > 0 && m_pos >= m_in.size() / 2) {
        m_in.erase(0, m_pos);
        m_pos = 0;
    }
    std::size_t had = m_in.size();
    for (;;) {
        ssize_t n = 0;
        // Grown without zeroing what recv is about to overwrite (nor touching
        // the pages of an idle connection's buffer).
        m_in.resize_and_overwrite(had + k_read_bytes, [&](char* data, std::size_t) {
            n = ::recv(m_fd, data + had, k_read_bytes, 0);
            return had + static_cast<std::size_t>(std::max<ssize_t>(n, 0));
        });
        if (n > 0) {
            m_received += static_cast<std::uint64_t>(n);
            return Got::data;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (m_watch.wait(EPOLLIN, deadline_us) == io::Ready::yes) continue;
            return Got::timeout;
        }
        return Got::closed;
    }
}

bool Connection::send_all(std::initializer_list<std::string_view> parts, std::int64_t deadline_us) {
    return io::send_all(m_watch, parts, deadline_us);
}

// The idle wait for a request is keep_alive_ms; once its first byte is in,
// the whole head must follow within head_timeout_ms (and no read may wait
// longer than read_timeout_ms), or the client gets 408.
Connection::Head Connection::read_head(const Limits& limits, Request& request, HeadParse& parse) {
    std::int64_t head_deadline = 0;
    for (;;) {
        parse = parse_request_head(unread(), limits.max_head_bytes, request);
        if (parse.status != HeadStatus::partial) return Head::complete;
        request = Request();
        bool idle = unread().empty(); // between requests: the keep-alive timeout applies
        if (!idle && head_deadline == 0) head_deadline = after_ms(limits.head_timeout_ms);
        // Once the server stops, no new request starts; stop() wakes the waiting ones.
        if (m_server.stopping.load()) return Head::closed;
        m_state.reading.insert(this);
        Got got = fill(idle ? after_ms(limits.keep_alive_ms) : std::min(head_deadline, after_ms(limits.read_timeout_ms)));
        m_state.reading.erase(this);
        if (got == Got::closed) return Head::closed;
        if (got == Got::timeout) return idle || m_server.stopping.load() ? Head::closed : Head::timeout;
    }
}

// A body must average min_body_rate bytes/s once body_grace_ms have passed:
// the next byte is due when the bytes so far stop covering the time so far.
std::int64_t Connection::body_deadline(const Limits& limits, std::int64_t started_us, std::uint64_t received) const {
    std::int64_t deadline = after_ms(limits.read_timeout_ms);
    if (limits.min_body_rate == 0) return deadline;
    // Exact to the microsecond below 18 TB, which no body reaches.
    auto covered_us = static_cast<std::int64_t>(received * 1'000'000 / limits.min_body_rate);
    std::int64_t by_rate = started_us + std::max<std::int64_t>(std::int64_t{limits.body_grace_ms} * 1000, covered_us);
    return std::min(deadline, by_rate);
}

bool Connection::read_body(const Limits& limits, Request& request, int& error_status) {
    BodyFraming framing = body_framing(request);
    if (framing.kind == BodyFraming::Kind::bad) {
        error_status = 400;
        return false;
    }
    if (framing.kind == BodyFraming::Kind::none) return true;
    if (framing.kind == BodyFraming::Kind::length && framing.length > limits.max_body_bytes) {
        error_status = 413;
        return false;
    }
    bool expects_continue = iequals(request.headers.get("Expect"), "100-continue");
    if (expects_continue && unread().empty() &&
        !send_all({"HTTP/1.1 100 Continue\r\n\r\n"}, after_ms(limits.write_timeout_ms)))
        return false;
    const std::int64_t started_us = core::monotonic_us();
    const std::uint64_t received_before = m_received - unread().size();
    // Reads more of the body; false after setting error_status 408 when it came too slowly.
    auto more = [&] {
        Got got = fill(body_deadline(limits, started_us, m_received - received_before));
        if (got == Got::timeout && !m_server.stopping.load()) error_status = 408;
        return got == Got::data;
    };
    if (framing.kind == BodyFraming::Kind::length) {
        while (unread().size() < framing.length)
            if (!more()) return false;
        request.body.assign(unread().substr(0, framing.length));
        m_pos += framing.length;
        return true;
    }
    // Chunked: decoded as it arrives. The coding may not be more than twice
    // the body plus 64 KiB (tiny chunks with long extensions would otherwise
    // let a client send far more than max_body_bytes).
    ChunkedDecoder decoder(limits.max_body_bytes);
    const std::uint64_t max_encoded = 2 * std::uint64_t{limits.max_body_bytes} + 64 * 1024;
    std::uint64_t encoded = 0;
    auto append = [&](std::string_view part) {
        if (request.body.size() + part.size() > limits.max_body_bytes) return false;
        request.body.append(part);
        return true;
    };
    for (;;) {
        auto fed = decoder.feed(unread(), append);
        m_pos += fed.consumed;
        encoded += fed.consumed;
        switch (fed.status) {
        case ChunkedDecoder::Status::done: return true;
        case ChunkedDecoder::Status::bad: error_status = 400; return false;
        case ChunkedDecoder::Status::stopped:
        case ChunkedDecoder::Status::too_large: error_status = 413; return false;
        case ChunkedDecoder::Status::more:
            if (encoded > max_encoded) {
                error_status = 413;
                return false;
            }
            if (!more()) return false;
        }
    }
}

void Connection::dispatch(Request& request, Response& response) {
    const Route* route = m_server.router.find(request);
    if (!route) {
        response.status = 404;
        m_server.error_body(request, response);
        return;
    }
    auto call = [&] {
        try {
            route->handler(request, response);
        } catch (...) {
            log_exception("a handler", request);
            response = Response();
            response.status = 500;
            m_server.error_body(request, response);
        }
    };
    // The admission check runs here, on the loop, before a blocking route takes a worker.
    if (route->admit && !route->admit(request, response)) {
        if (response.status < 400) {
            response.status = 403;
            m_server.error_body(request, response);
        }
        return;
    }
    if (route->blocking) {
        if (!m_server.workers || !m_server.workers->run(call)) {
            response = Response();
            response.status = 503;
            m_server.error_body(request, response);
            response.set_header("Retry-After", "1");
        }
    } else {
        call();
    }
    if (response.status == -1) response.status = 200;
}

namespace {

// The sink a content provider writes a stream into: each write goes out at
// once, as a chunk (or raw, to an HTTP/1.0 client), with its own deadline.
class StreamWriter final : public DataSink {
public:
    StreamWriter(io::Watch& watch, bool chunked, int write_timeout_ms)
        : m_watch(watch), m_chunked(chunked), m_write_timeout_ms(write_timeout_ms) {}

    using DataSink::write;
    bool write(std::string_view bytes) override {
        if (!m_ok) return false;
        if (bytes.empty()) return true;
        m_written += bytes.size();
        if (!m_chunked) return m_ok = io::send_all(m_watch, {bytes}, after_ms(m_write_timeout_ms));
        char size[24];
        int n = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
        m_ok = io::send_all(m_watch, {std::string_view(size, static_cast<std::size_t>(n)), bytes, "\r\n"},
                            after_ms(m_write_timeout_ms));
        return m_ok;
    }
    void done() override {
        if (m_done) return;
        m_done = true;
        if (m_ok && m_chunked) m_ok = io::send_all(m_watch, {"0\r\n\r\n"}, after_ms(m_write_timeout_ms));
    }

    bool ok() const { return m_ok; }
    bool finished() const { return m_done; }
    std::size_t written() const { return m_written; }
    void fail() { m_ok = false; }

private:
    io::Watch& m_watch;
    bool m_chunked;
    int m_write_timeout_ms;
    bool m_ok = true;
    bool m_done = false;
    std::size_t m_written = 0;
};

} // namespace

bool Connection::write_response(const Request& request, Response& response, bool& keep_alive, const Limits& limits) {
    bool streamed = response.streamed();
    // HTTP/1.0 has no chunked coding: a stream is then delimited by closing the connection.
    bool chunked = streamed && request.version != "HTTP/1.0";
    if (streamed && !chunked) keep_alive = false;
    bool head_only = request.method == "HEAD";
    std::string head;
    head.reserve(256);
    append_response_head(head, response,
                         chunked ? ResponseFraming::chunked : streamed ? ResponseFraming::to_close : ResponseFraming::length,
                         keep_alive);
    m_responding = true;
    if (!streamed) return send_all({head, head_only ? std::string_view() : response.body}, after_ms(limits.write_timeout_ms));
    if (!send_all({head}, after_ms(limits.write_timeout_ms))) return false;
    if (head_only) return true;

    StreamWriter sink(m_watch, chunked, limits.write_timeout_ms);
    while (sink.ok() && !sink.finished())
        if (!response.content_provider()(sink.written(), sink)) sink.fail();
    response.set_stream_completed(sink.ok() && sink.finished()); // told to the releaser when the Response goes
    return sink.ok() && sink.finished();
}

void Connection::refuse(int status, const Request& request, const Limits& limits) {
    Response response;
    response.status = status;
    m_server.error_body(request, response);
    bool keep_alive = false;
    if (write_response(request, response, keep_alive, limits)) linger();
}

// After an exception escaped a request: a 500 if no response has started,
// else the connection just closes (a stream then ends without its last chunk,
// which the client sees as an error).
void Connection::fail_after_exception(const Request& request) {
    if (m_responding) return;
    try {
        refuse(500, request, m_server.limits());
    } catch (...) {
        log_exception("the error body", request);
    }
}

// Closing with unread bytes makes the kernel send RST, and the client may lose
// the response it has not read yet: stop writing, drain for a while, then close.
void Connection::linger() {
    ::shutdown(m_fd, SHUT_WR);
    std::int64_t deadline = core::monotonic_us() + k_linger_us;
    std::size_t drained = 0;
    while (drained < k_linger_bytes) {
        m_in.clear();
        m_pos = 0;
        if (fill(deadline) != Got::data) return;
        drained += m_in.size();
    }
}

Connection::Next Connection::one_request(Request& request) {
    HeadParse parse;
    m_responding = false;
    Head head = read_head(m_server.limits(), request, parse);
    // Asked again: the connection may have waited idle while the limits changed.
    const Limits limits = m_server.limits();
    if (head == Head::timeout) {
        refuse(408, request, limits);
        return Next::close;
    }
    if (head == Head::closed) return Next::close;
    switch (parse.status) {
    case HeadStatus::bad: refuse(400, request, limits); return Next::close;
    case HeadStatus::too_large: refuse(431, request, limits); return Next::close;
    case HeadStatus::uri_too_long: refuse(414, request, limits); return Next::close;
    case HeadStatus::complete:
    case HeadStatus::partial: break;
    }
    m_pos += parse.head_bytes;
    int error_status = 0;
    if (!read_body(limits, request, error_status)) {
        if (error_status != 0) refuse(error_status, request, limits);
        return Next::close;
    }
    Response response;
    dispatch(request, response);
    bool keep_alive = wants_keep_alive(request) && !m_server.stopping.load();
    try {
        if (!write_response(request, response, keep_alive, limits)) return Next::close;
    } catch (...) {
        log_exception("a content provider", request);
        fail_after_exception(request);
        return Next::close;
    }
    return keep_alive ? Next::keep : Next::close;
}

void Connection::serve() {
    for (;;) {
        Request request;
        try {
            if (one_request(request) != Next::keep) return;
        } catch (...) {
            log_exception("serving a request", request);
            fail_after_exception(request);
            return;
        }
    }
}

void interrupt_reading(LoopState& state) {
    for (Connection* connection : state.reading) connection->interrupt();
}

void serve_connection(Server::Impl& server, LoopState& state, int fd) {
    {
        Connection connection(server, state, fd);
        connection.serve();
    } // the Watch goes before the descriptor
    ::close(fd);
    server.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void refuse_connection(int fd) {
    static constexpr std::string_view k_busy_body =
        R"({"type":"error","error":{"type":"overloaded_error","code":"too_many_connections",)"
        R"("message":"megarouter has too many open connections; retry shortly"}})";
    static const std::string k_busy = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                      "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
                                      std::to_string(k_busy_body.size()) + "\r\n\r\n" + std::string(k_busy_body);
    char drain[4096];
    for (int i = 0; i < 16 && ::recv(fd, drain, sizeof drain, MSG_DONTWAIT) > 0; ++i) {
    }
    [[maybe_unused]] auto sent = ::send(fd, k_busy.data(), k_busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
}

} // namespace megarouter::http
