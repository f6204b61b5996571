// One proxy per database file: reservations and rate-limit counters live in
// the proxy's memory, so a second proxy on the same file would admit requests
// the first one has already counted. `megarouter serve` holds an exclusive
// lock on a file beside the database for as long as it runs. On a
// PostgreSQL store it holds a session advisory lock on a connection of its
// own instead: until budgets are leased per replica, one gateway per store.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "megarouter/core/error.hpp"
#include "megarouter/store/database.hpp"

namespace megarouter::proxy {

class ServeLock {
public:
    // Locks "<database>.serve.lock" (created 0600) and writes this process's
    // id into it. Fails with io, naming the other process, when another
    // proxy holds it; with io when the file cannot be created. The lock goes
    // with the process, also after a kill -9 (on PostgreSQL: with its
    // connection, which the server closes when the process is gone).
    static Result<ServeLock> acquire(const std::filesystem::path& database);

    ServeLock(ServeLock&& other) noexcept;
    ServeLock& operator=(ServeLock&& other) noexcept;
    ServeLock(const ServeLock&) = delete;
    ServeLock& operator=(const ServeLock&) = delete;
    ~ServeLock();

private:
    explicit ServeLock(int fd) : m_fd(fd) {}
    explicit ServeLock(store::Database holder);
    static Result<ServeLock> acquire_postgres(const std::filesystem::path& url);
    int m_fd = -1;
    std::unique_ptr<store::Database> m_holder; // PostgreSQL: the connection that holds the lock
};

} // namespace megarouter::proxy
