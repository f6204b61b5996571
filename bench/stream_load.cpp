// Many long streams (issue 17): an OpenAI-format SSE upstream that holds
// thousands of streams at once, and a client that opens them all and measures
// each one's time to first content byte and its duration. One epoll loop each,
// so that the load generator is not what limits the measurement (Python's
// asyncio could not keep up with 10,000 streams of 5 chunks a second).
//
//   bench_stream_load upstream PORT_FILE CHUNKS INTERVAL_MS
//     Answers every POST with CHUNKS chat.completion.chunk events,
//     INTERVAL_MS apart (the first at once), then a finish chunk, a usage
//     chunk and [DONE]; keeps connections alive.
//   bench_stream_load clients HOST:PORT STREAMS MODEL KEY TIMEOUT_S [RAMP_PER_10MS]
//     Opens STREAMS streaming chat completions (RAMP_PER_10MS new connections
//     every 10 ms, default 500), and prints one JSON line: completed streams,
//     time to first content byte p50/p90/p99/max (ms, from the request being
//     written), duration p50/p99/max (s) and the chunks received.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double now_ms() { return std::chrono::duration<double, std::milli>(Clock::now().time_since_epoch()).count(); }

void raise_fd_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

void nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// ---- upstream ---------------------------------------------------------------

struct UpConn {
    std::string in, out;
    int sent = 0;          // content chunks sent for the current request
    bool streaming = false;
    unsigned generation = 0;
};

std::string http_chunk(const std::string& data) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

std::string event(const std::string& model, int i) {
    return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" + model +
           "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"w" + std::to_string(i) +
           " \"},\"finish_reason\":null}]}\n\n";
}

int upstream(const char* port_file, int chunks, int interval_ms) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener, 65535) != 0) {
        std::perror("upstream: bind/listen");
        return 1;
    }
    socklen_t len = sizeof addr;
    getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    std::ofstream(port_file) << ntohs(addr.sin_port);
    nonblocking(listener);
    int ep = epoll_create1(0);
    epoll_event ev{.events = EPOLLIN, .data = {.fd = listener}};
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    std::vector<UpConn> conns(1 << 17);
    struct Due {
        double at;
        int fd;
        unsigned generation;
    };
    auto later = [](const Due& a, const Due& b) { return a.at > b.at; };
    std::priority_queue<Due, std::vector<Due>, decltype(later)> due(later);
    const std::string model = "gpt-4o-mini";
    auto flush = [&](int fd) {
        UpConn& c = conns[fd];
        while (!c.out.empty()) {
            ssize_t n = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
            if (n <= 0) break;
            c.out.erase(0, static_cast<std::size_t>(n));
        }
        epoll_event mod{.events = EPOLLIN | (c.out.empty() ? 0u : static_cast<unsigned>(EPOLLOUT)), .data = {.fd = fd}};
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &mod);
    };
    auto close_conn = [&](int fd) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        conns[fd] = UpConn{};
        conns[fd].generation++;
    };
    std::vector<epoll_event> events(4096);
    for (;;) {
        int timeout = -1;
        if (!due.empty()) timeout = std::max(0, static_cast<int>(due.top().at - now_ms()) + 1);
        int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), timeout);
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                for (;;) {
                    int c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
                    if (c < 0) break;
                    if (static_cast<std::size_t>(c) >= conns.size()) {
                        ::close(c);
                        continue;
                    }
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    unsigned generation = conns[c].generation;
                    conns[c] = UpConn{};
                    conns[c].generation = generation;
                    epoll_event add{.events = EPOLLIN, .data = {.fd = c}};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &add);
                }
                continue;
            }
            UpConn& c = conns[fd];
            if (events[i].events & EPOLLOUT) flush(fd);
            if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            char buf[65536];
            ssize_t got = ::recv(fd, buf, sizeof buf, 0);
            if (got <= 0) {
                if (got < 0 && errno == EAGAIN) continue;
                close_conn(fd);
                continue;
            }
            c.in.append(buf, static_cast<std::size_t>(got));
            std::size_t head_end = c.in.find("\r\n\r\n");
            if (head_end == std::string::npos || c.streaming) continue;
            std::size_t length = 0;
            std::string head = c.in.substr(0, head_end);
            for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (auto at = head.find("content-length:"); at != std::string::npos) length = std::strtoul(head.c_str() + at + 15, nullptr, 10);
            if (c.in.size() < head_end + 4 + length) continue;
            c.in.erase(0, head_end + 4 + length);
            c.streaming = true;
            c.sent = 0;
            c.out += "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
            due.push({now_ms(), fd, c.generation});
        }
        double now = now_ms();
        while (!due.empty() && due.top().at <= now) {
            Due d = due.top();
            due.pop();
            UpConn& c = conns[d.fd];
            if (c.generation != d.generation || !c.streaming) continue;
            if (c.sent < chunks) {
                c.out += http_chunk(event(model, c.sent));
                c.sent++;
                due.push({d.at + interval_ms, d.fd, d.generation});
            } else {
                std::string tail = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" +
                                   model + "\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
                tail += "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" + model +
                        "\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":" +
                        std::to_string(chunks) + ",\"total_tokens\":" + std::to_string(10 + chunks) +
                        "}}\n\ndata: [DONE]\n\n";
                c.out += http_chunk(tail) + "0\r\n\r\n";
                c.streaming = false;
            }
            flush(d.fd);
        }
    }
}

// ---- clients ----------------------------------------------------------------

struct Stream {
    int fd = -1;
    double sent_at = 0, first_at = 0, done_at = 0;
    std::size_t written = 0;
    std::string tail; // the last bytes seen, to find markers split across reads
    long chunks = 0;
    bool done = false;
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

int clients(const char* host_port, int count, const char* model, const char* key, double timeout_s, int ramp) {
    std::string hp = host_port;
    std::size_t colon = hp.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(hp.c_str() + colon + 1)));
    inet_pton(AF_INET, hp.substr(0, colon).c_str(), &addr.sin_addr);
    std::string body = std::string("{\"model\":\"") + model +
                       "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    std::string request = "POST /v1/chat/completions HTTP/1.1\r\nHost: " + hp +
                          "\r\nContent-Type: application/json\r\nAuthorization: Bearer " + key +
                          "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    int ep = epoll_create1(0);
    std::vector<Stream> streams(static_cast<std::size_t>(count));
    std::vector<int> index_of(1 << 17, -1);
    int opened = 0, finished = 0, failed = 0;
    double start = now_ms(), deadline = start + timeout_s * 1000;
    double next_ramp = start;
    std::vector<epoll_event> events(4096);
    while (finished + failed < count && now_ms() < deadline) {
        if (opened < count && now_ms() >= next_ramp) {
            for (int k = 0; k < ramp && opened < count; ++k, ++opened) {
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
                if (fd < 0 || static_cast<std::size_t>(fd) >= index_of.size()) {
                    if (fd >= 0) ::close(fd);
                    failed++;
                    continue;
                }
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
                streams[static_cast<std::size_t>(opened)].fd = fd;
                index_of[static_cast<std::size_t>(fd)] = opened;
                epoll_event add{.events = EPOLLOUT | EPOLLIN, .data = {.fd = fd}};
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &add);
            }
            next_ramp += 10;
        }
        int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 5);
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            int at = index_of[static_cast<std::size_t>(fd)];
            if (at < 0) continue;
            Stream& s = streams[static_cast<std::size_t>(at)];
            if ((events[i].events & EPOLLOUT) && s.written < request.size()) {
                ssize_t w = ::send(fd, request.data() + s.written, request.size() - s.written, MSG_NOSIGNAL);
                if (w > 0) {
                    s.written += static_cast<std::size_t>(w);
                    if (s.written == request.size()) {
                        s.sent_at = now_ms();
                        epoll_event mod{.events = EPOLLIN, .data = {.fd = fd}};
                        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &mod);
                    }
                } else if (w < 0 && errno != EAGAIN) {
                    events[i].events |= EPOLLERR;
                }
            }
            if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            char buf[16384];
            for (;;) {
                ssize_t got = ::recv(fd, buf, sizeof buf, 0);
                if (got > 0) {
                    std::string piece = s.tail + std::string(buf, static_cast<std::size_t>(got));
                    for (std::size_t p = piece.find("data: {", s.tail.size() > 6 ? s.tail.size() - 6 : 0); p != std::string::npos;
                         p = piece.find("data: {", p + 1)) {
                        if (s.first_at == 0) s.first_at = now_ms();
                        s.chunks++;
                    }
                    if (piece.find("data: [DONE]") != std::string::npos) s.done = true;
                    s.tail = piece.substr(piece.size() > 16 ? piece.size() - 16 : 0);
                    if (!s.done) continue;
                    got = 0; // the stream is over at [DONE]: the upstream keeps its connections alive
                }
                if (got < 0 && errno == EAGAIN) break;
                // EOF or error: the stream is over.
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
                ::close(fd);
                index_of[static_cast<std::size_t>(fd)] = -1;
                s.done_at = now_ms();
                if (s.done) finished++;
                else failed++;
                break;
            }
        }
    }
    std::vector<double> ttfb, duration;
    long chunks = 0;
    for (const Stream& s : streams) {
        chunks += s.chunks;
        if (!s.done || s.done_at == 0) continue;
        if (s.first_at > 0) ttfb.push_back(s.first_at - s.sent_at);
        duration.push_back((s.done_at - s.sent_at) / 1000);
    }
    std::printf("{\"streams\":%d,\"completed\":%d,\"failed\":%d,\"chunks\":%ld,\"ttfb_ms\":{\"p50\":%.2f,\"p90\":%.2f,"
                "\"p99\":%.2f,\"max\":%.2f},\"duration_s\":{\"p50\":%.2f,\"p99\":%.2f,\"max\":%.2f},\"wall_s\":%.1f}\n",
                count, finished, count - finished, chunks, percentile(ttfb, 0.5), percentile(ttfb, 0.9),
                percentile(ttfb, 0.99), percentile(ttfb, 1.0), percentile(duration, 0.5), percentile(duration, 0.99),
                percentile(duration, 1.0), (now_ms() - start) / 1000);
    return finished == count ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    raise_fd_limit();
    if (argc >= 5 && std::strcmp(argv[1], "upstream") == 0) return upstream(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
    if (argc >= 7 && std::strcmp(argv[1], "clients") == 0)
        return clients(argv[2], std::atoi(argv[3]), argv[4], argv[5], std::atof(argv[6]), argc > 7 ? std::atoi(argv[7]) : 500);
    std::fprintf(stderr,
                 "usage: bench_stream_load upstream PORT_FILE CHUNKS INTERVAL_MS\n"
                 "       bench_stream_load clients HOST:PORT STREAMS MODEL KEY TIMEOUT_S [RAMP_PER_10MS]\n");
    return 64;
}
