#include "proxy/serve_lock.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

#include "megarouter/core/database_location.hpp"

namespace megarouter::proxy {

Result<ServeLock> ServeLock::acquire(const std::filesystem::path& database) {
    // PostgreSQL: gateways share the store; budget leases keep them exact (governance/leases.cpp).
    if (core::is_postgres_url(database.native())) return ServeLock(-1);
    std::filesystem::path file = database;
    file += ".serve.lock";
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return fail(ErrorCode::io, "cannot create " + file.string() + ": " + std::strerror(errno));
    // flock, not fcntl: closing any descriptor of a file drops the process's
    // fcntl locks on it, and SQLite's locks are fcntl locks on the database.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char text[32] = {0};
        ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
        ::close(fd);
        std::string pid(text, n > 0 ? static_cast<std::size_t>(n) : 0);
        while (!pid.empty() && std::isspace(static_cast<unsigned char>(pid.back()))) pid.pop_back();
        std::string who = pid.empty() ? "" : " (pid " + pid + ")";
        return fail(ErrorCode::unavailable, "another megarouter serve" + who + " is using " + database.string() +
                                       ": run one proxy per database file (budget reservations and rate limits are "
                                       "held in its memory), or give this one another database (MEGAROUTER_DB)");
    }
    // The lock holds without the pid too: a failed write only shortens the
    // message a second proxy prints.
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
    return ServeLock(fd);
}

ServeLock::ServeLock(ServeLock&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)) {}

ServeLock& ServeLock::operator=(ServeLock&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

ServeLock::~ServeLock() {
    if (m_fd >= 0) ::close(m_fd);
}

} // namespace megarouter::proxy
