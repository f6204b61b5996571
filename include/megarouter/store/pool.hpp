// A bounded pool of store connections for work that comes and goes on
// worker threads (the admin and spend APIs): at most `max_open` connections
// at once, kept open between uses, so a request on PostgreSQL does not pay a
// connection (a TCP and authentication round trip, and the migrations check)
// every time. A caller past the bound waits for a connection to come back,
// up to `wait`, then gets a retryable unavailable error. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "megarouter/store/database.hpp"

namespace megarouter::store {

class Pool {
public:
    explicit Pool(std::filesystem::path location, std::size_t max_open = 4,
                  std::chrono::milliseconds wait = std::chrono::seconds(5));
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // One connection, the caller's until the handle goes: then it returns
    // to the pool (a transaction left open is rolled back first).
    class Handle {
    public:
        Handle(Handle&& other) noexcept : m_pool(other.m_pool), m_db(std::move(other.m_db)) { other.m_pool = nullptr; }
        Handle& operator=(Handle&&) = delete;
        ~Handle();
        Database& operator*() { return *m_db; }
        Database* operator->() { return &*m_db; }

    private:
        friend class Pool;
        Handle(Pool* pool, Database db) : m_pool(pool), m_db(std::move(db)) {}
        Pool* m_pool;
        std::optional<Database> m_db;
    };

    // An idle connection, a new one while fewer than max_open exist, or the
    // next one returned within `wait`. Fails with the store's error when a
    // new connection cannot be opened, or unavailable (retryable) after the wait.
    Result<Handle> acquire();

    std::size_t open_connections() const;

private:
    void give_back(Database db);

    std::filesystem::path m_location;
    std::size_t m_max;
    std::chrono::milliseconds m_wait;
    mutable std::mutex m_mutex;
    std::condition_variable m_returned;
    std::vector<Database> m_idle;
    std::size_t m_open = 0; // idle + handed out
};

} // namespace megarouter::store
