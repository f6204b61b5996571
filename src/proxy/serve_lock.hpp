// One proxy per database file: reservations and rate-limit counters live in
// the proxy's memory, so a second proxy on the same file would admit requests
// the first one has already counted. `megarouter serve` holds an exclusive
// lock on a file beside the database for as long as it runs. A PostgreSQL
// store takes no lock: gateways share it, each admitting requests against
// its budget leases (governance/leases.cpp).
#pragma once

#include <filesystem>
#include "megarouter/core/error.hpp"

namespace megarouter::proxy {

class ServeLock {
public:
    // Locks "<database>.serve.lock" (created 0600) and writes this process's
    // id into it. Fails with io, naming the other process, when another
    // proxy holds it; with io when the file cannot be created. The lock goes
    // with the process, also after a kill -9. For a PostgreSQL URL: no lock.
    static Result<ServeLock> acquire(const std::filesystem::path& database);

    ServeLock(ServeLock&& other) noexcept;
    ServeLock& operator=(ServeLock&& other) noexcept;
    ServeLock(const ServeLock&) = delete;
    ServeLock& operator=(const ServeLock&) = delete;
    ~ServeLock();

private:
    explicit ServeLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

} // namespace megarouter::proxy
