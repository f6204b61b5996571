#include "megarouter/io/send_all.hpp"

#include <algorithm>
#include <cerrno>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "megarouter/core/clock.hpp"

namespace megarouter::io {

namespace {
constexpr std::int64_t k_tick_us = 100'000;
}

bool send_all(Watch& watch, std::initializer_list<std::string_view> parts, std::int64_t deadline_us,
              const std::function<bool()>& keep_waiting) {
    iovec vec[4];
    int count = 0;
    for (std::string_view part : parts)
        if (!part.empty() && count < 4) vec[count++] = iovec{const_cast<char*>(part.data()), part.size()};
    int first = 0;
    while (first < count) {
        msghdr message{};
        message.msg_iov = vec + first;
        message.msg_iovlen = static_cast<std::size_t>(count - first);
        ssize_t n = ::sendmsg(watch.fd(), &message, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
            if (!keep_waiting) {
                if (watch.wait(EPOLLOUT, deadline_us) == Ready::yes) continue;
                return false;
            }
            std::int64_t now = core::monotonic_us();
            if (deadline_us > 0 && now >= deadline_us) return false;
            std::int64_t wake = deadline_us > 0 ? std::min(deadline_us, now + k_tick_us) : now + k_tick_us;
            if (watch.wait(EPOLLOUT, wake) == Ready::timeout && !keep_waiting()) return false;
            continue;
        }
        auto sent = static_cast<std::size_t>(n);
        while (first < count && sent >= vec[first].iov_len) sent -= vec[first++].iov_len;
        if (first < count) {
            vec[first].iov_base = static_cast<char*>(vec[first].iov_base) + sent;
            vec[first].iov_len -= sent;
        }
    }
    return true;
}

} // namespace megarouter::io
