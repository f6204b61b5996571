// The bounded connection pool: connections are kept and reused, never more
// than the bound are open, and a caller past the bound waits for one to come
// back or gets a retryable error.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "megarouter/store/pool.hpp"
#include "support/pg.hpp"

using namespace megarouter;
using namespace std::chrono_literals;

namespace {

struct TempStore {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("mr-pool-" + std::to_string(std::random_device{}()));
    std::filesystem::path location;
    TempStore() {
        std::filesystem::create_directories(dir);
        location = pg_test::store_location(dir / "pool.db");
    }
    ~TempStore() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

} // namespace

TEST_CASE("pool: connections are reused and the bound holds") {
    TempStore store;
    store::Pool pool(store.location, 2, 100ms);
    {
        auto a = pool.acquire();
        REQUIRE(a.has_value());
        REQUIRE((*a)->exec("CREATE TABLE IF NOT EXISTS pool_probe(x INTEGER)"));
        auto b = pool.acquire();
        REQUIRE(b.has_value());
        CHECK(pool.open_connections() == 2);
        auto began = std::chrono::steady_clock::now();
        auto c = pool.acquire(); // both are out
        CHECK(std::chrono::steady_clock::now() - began >= 100ms);
        REQUIRE_FALSE(c.has_value());
        CHECK(c.error().code == ErrorCode::unavailable);
        CHECK(c.error().retryable);
    }
    for (int i = 0; i < 20; ++i) {
        auto again = pool.acquire();
        REQUIRE(again.has_value());
        REQUIRE((*again)->exec("INSERT INTO pool_probe(x) VALUES (1)"));
    }
    CHECK(pool.open_connections() == 2); // kept, not reopened
}

TEST_CASE("pool: a caller past the bound gets the next connection returned") {
    TempStore store;
    store::Pool pool(store.location, 1, 5s);
    auto held = pool.acquire();
    REQUIRE(held.has_value());
    std::atomic<bool> got{false};
    std::thread waiter([&] {
        auto next = pool.acquire();
        got = next.has_value();
    });
    std::this_thread::sleep_for(50ms);
    CHECK_FALSE(got.load());
    { auto release = std::move(*held); } // handed back
    waiter.join();
    CHECK(got.load());
    CHECK(pool.open_connections() == 1);
}

TEST_CASE("pool: a store that cannot be opened is its error, and takes no place") {
    store::Pool pool("/proc/no-such-dir/pool.db", 1, 50ms);
    auto first = pool.acquire();
    REQUIRE_FALSE(first.has_value());
    CHECK(first.error().code != ErrorCode::unavailable);
    CHECK(pool.open_connections() == 0);
}
