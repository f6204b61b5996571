// The bounded connection pool (pool.hpp).
#include "megarouter/store/pool.hpp"

namespace megarouter::store {

Pool::Pool(std::filesystem::path location, std::size_t max_open, std::chrono::milliseconds wait)
    : m_location(std::move(location)), m_max(max_open == 0 ? 1 : max_open), m_wait(wait) {}

Pool::Handle::~Handle() {
    if (m_pool && m_db) m_pool->give_back(std::move(*m_db));
}

Result<Pool::Handle> Pool::acquire() {
    std::unique_lock lock(m_mutex);
    bool free = m_returned.wait_for(lock, m_wait, [&] { return !m_idle.empty() || m_open < m_max; });
    if (!free)
        return fail(ErrorCode::unavailable,
                    "all " + std::to_string(m_max) + " store connections stayed busy for " +
                        std::to_string(m_wait.count()) + " ms; try again",
                    true);
    if (!m_idle.empty()) {
        Database db = std::move(m_idle.back());
        m_idle.pop_back();
        return Handle(this, std::move(db));
    }
    ++m_open; // taken before connecting, so the bound holds while the connection opens
    lock.unlock();
    auto db = Database::open(m_location);
    if (!db) {
        std::lock_guard again(m_mutex);
        --m_open;
        m_returned.notify_one();
        return std::unexpected(db.error());
    }
    return Handle(this, std::move(*db));
}

void Pool::give_back(Database db) {
    std::lock_guard lock(m_mutex);
    m_idle.push_back(std::move(db));
    m_returned.notify_one();
}

std::size_t Pool::open_connections() const {
    std::lock_guard lock(m_mutex);
    return m_open;
}

} // namespace megarouter::store
