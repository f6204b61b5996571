// A TCP relay on 127.0.0.1 in front of a Unix socket, that a test can cut
// and restore: the network between a gateway and its PostgreSQL server.
// cut() closes every relayed connection and turns new ones away (accepted
// and closed at once, as a server that is down); restore() lets them
// through again. One thread, poll(2), bounded to 64 connections.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace relay_test {

class TcpRelay {
public:
    explicit TcpRelay(std::string unix_socket) : m_target(std::move(unix_socket)) {
        m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (::bind(m_listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listener, 64) != 0)
            throw std::runtime_error(std::string("relay: cannot listen: ") + std::strerror(errno));
        socklen_t len = sizeof addr;
        ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ntohs(addr.sin_port);
        if (::pipe2(m_wake, O_CLOEXEC) != 0) throw std::runtime_error("relay: pipe");
        m_thread = std::thread([this] { run(); });
    }

    ~TcpRelay() {
        m_stop = true;
        wake();
        m_thread.join();
        for (auto& [a, b] : m_pairs) ::close(a), ::close(b);
        ::close(m_listener);
        ::close(m_wake[0]);
        ::close(m_wake[1]);
    }

    int port() const { return m_port; }

    void cut() {
        m_cut = true;
        m_drop = true;
        wake();
        // Wait until the relay thread closed what was open.
        for (int i = 0; i < 200 && m_drop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    void restore() { m_cut = false; }

private:
    void wake() {
        char c = 1;
        (void)::write(m_wake[1], &c, 1);
    }

    int connect_target() const {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, m_target.c_str(), sizeof addr.sun_path - 1);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }

    void close_pair(std::size_t i) {
        ::close(m_pairs[i].first);
        ::close(m_pairs[i].second);
        m_pairs.erase(m_pairs.begin() + static_cast<std::ptrdiff_t>(i));
    }

    void run() {
        char buffer[1 << 15];
        while (!m_stop) {
            if (m_drop) {
                while (!m_pairs.empty()) close_pair(0);
                m_drop = false;
            }
            std::vector<pollfd> fds{{m_listener, POLLIN, 0}, {m_wake[0], POLLIN, 0}};
            for (auto& [a, b] : m_pairs) fds.push_back({a, POLLIN, 0}), fds.push_back({b, POLLIN, 0});
            if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
            if (fds[1].revents) (void)::read(m_wake[0], buffer, sizeof buffer);
            if (fds[0].revents & POLLIN) {
                int client = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
                if (client >= 0) {
                    int server = m_cut || m_pairs.size() >= 64 ? -1 : connect_target();
                    if (server < 0) ::close(client);
                    else m_pairs.emplace_back(client, server);
                }
            }
            // Relay what arrived; a side that closed closes the pair.
            std::vector<std::size_t> dead;
            for (std::size_t i = 0; i + 2 < fds.size() + 0 && (i / 2) < m_pairs.size(); i += 2) {
                std::size_t pair = i / 2;
                for (int side = 0; side < 2; ++side) {
                    const pollfd& p = fds[2 + i + static_cast<std::size_t>(side)];
                    if (!p.revents) continue;
                    int from = side == 0 ? m_pairs[pair].first : m_pairs[pair].second;
                    int to = side == 0 ? m_pairs[pair].second : m_pairs[pair].first;
                    ssize_t n = ::read(from, buffer, sizeof buffer);
                    bool ok = n > 0;
                    for (ssize_t off = 0; ok && off < n;) {
                        ssize_t w = ::write(to, buffer + off, static_cast<std::size_t>(n - off));
                        if (w <= 0) ok = false;
                        else off += w;
                    }
                    if (!ok) {
                        dead.push_back(pair);
                        break;
                    }
                }
            }
            for (auto it = dead.rbegin(); it != dead.rend(); ++it) close_pair(*it);
        }
    }

    std::string m_target;
    int m_listener = -1;
    int m_port = 0;
    int m_wake[2] = {-1, -1};
    std::atomic<bool> m_stop{false}, m_cut{false}, m_drop{false};
    std::vector<std::pair<int, int>> m_pairs;
    std::thread m_thread;
};

} // namespace relay_test
