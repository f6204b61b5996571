// io::Event and io::sleep_until: waking, deadlines, stale wakes and the
// loop's lazy timers, against the contract in megarouter/io/loop.hpp.
// Assertions stay outside fibers (see loop_test.cpp); every run is bounded
// in time by run_for().
#include <string>
#include <vector>

#include "unit/io/loop_fixture.hpp"

using namespace loop_test;

TEST_CASE("io loop: Event::notify_all wakes the fibers waiting; a deadline gives timeout") {
    auto loop = make_loop();

    SUBCASE("one waiter, one notifier") {
        io::Event event;
        std::vector<std::string> log;
        int value = 0;
        int seen = -1;
        io::Ready ready = io::Ready::timeout;
        loop->spawn([&] {
            log.push_back("wait");
            ready = event.wait(after_ms(5000));
            seen = value;
            log.push_back("woke");
        });
        loop->spawn([&] {
            value = 42;
            log.push_back("notify");
            event.notify_all();
            log.push_back("after notify"); // cooperative: the waiter runs once this fiber gives way
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK(ready == io::Ready::yes);
        CHECK(seen == 42);
        CHECK(log == std::vector<std::string>{"wait", "notify", "after notify", "woke"});
    }

    SUBCASE("every waiter wakes, waiters added after the notify wait for the next one") {
        io::Event event;
        int woke = 0;
        for (int i = 0; i < 5; ++i)
            loop->spawn([&] {
                if (event.wait(after_ms(5000)) == io::Ready::yes) ++woke;
            });
        io::Ready late = io::Ready::yes;
        loop->spawn([&] {
            event.notify_all();
            late = event.wait(after_ms(30)); // nobody notifies again
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK(woke == 5);
        CHECK(late == io::Ready::timeout);
    }

    SUBCASE("the deadline passes") {
        io::Event event;
        io::Ready ready = io::Ready::yes;
        std::int64_t waited_ms = -1;
        loop->spawn([&] {
            std::int64_t start = now_us();
            ready = event.wait(start + 40'000);
            waited_ms = ms_since(start);
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK(ready == io::Ready::timeout);
        CHECK(waited_ms >= 40);
        CHECK(waited_ms < 2000);
    }

    SUBCASE("a notify for a wait that already timed out does not wake a later wait") {
        io::Event first, second;
        io::Ready first_ready = io::Ready::yes, second_ready = io::Ready::timeout;
        std::int64_t second_woke_ms = -1;
        std::int64_t start = now_us();
        loop->spawn([&] {
            first_ready = first.wait(after_ms(20));     // times out; stays in first's waiter list
            second_ready = second.wait(after_ms(3000)); // must wait for second.notify_all()
            second_woke_ms = ms_since(start);
        });
        loop->spawn([&] {
            io::sleep_until(start + 60'000);
            first.notify_all(); // stale: that wait is over
            io::sleep_until(start + 150'000);
            second.notify_all();
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK(first_ready == io::Ready::timeout);
        CHECK(second_ready == io::Ready::yes);
        CHECK(second_woke_ms >= 150); // not woken early (at ~60 ms) by the stale notify
        CHECK(second_woke_ms < 2500);
    }

    SUBCASE("timers are lazy: a wake keeps the entry, yet every wait times out at its own deadline") {
        io::Event event;
        std::vector<io::Ready> readies;
        std::int64_t shorter_ms = -1, longer_ms = -1;
        std::int64_t start = now_us();
        loop->spawn([&] {
            readies.push_back(event.wait(start + 5'000'000)); // woken at 5 ms; its entry stays at 5 s
            std::int64_t at = now_us();
            readies.push_back(event.wait(at + 20'000)); // earlier than the entry: must time out at 20 ms
            shorter_ms = ms_since(at);
            readies.push_back(event.wait(start + 400'000)); // woken at 300 ms; its entry stays at 400 ms
            at = now_us();
            readies.push_back(event.wait(at + 500'000)); // later than the entry: must not time out at 400 ms
            longer_ms = ms_since(at);
        });
        // Wide gaps, so that a loaded machine (CI, parallel builds) cannot
        // move one step past the next.
        loop->spawn([&] {
            io::sleep_until(start + 5'000);
            event.notify_all();
            io::sleep_until(start + 300'000);
            event.notify_all();
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        REQUIRE(readies.size() == 4);
        CHECK(readies[0] == io::Ready::yes);
        CHECK(readies[1] == io::Ready::timeout);
        CHECK(readies[2] == io::Ready::yes);
        CHECK(readies[3] == io::Ready::timeout);
        CHECK(shorter_ms >= 20);
        CHECK(shorter_ms < 1000);
        CHECK(longer_ms >= 500);
        CHECK(longer_ms < 3000);
    }

    SUBCASE("fibers wake in deadline order, not spawn order") {
        std::vector<int> order;
        std::int64_t start = now_us();
        for (int ms : {60, 20, 40})
            loop->spawn([&, ms] {
                io::sleep_until(start + ms * 1000);
                order.push_back(ms);
            });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK(order == std::vector<int>{20, 40, 60});
    }

    SUBCASE("a deadline already passed returns at once") {
        bool done = false;
        loop->spawn([&] {
            io::sleep_until(now_us() - 1000);
            io::sleep_until(0);
            done = true;
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }, 1000ms));
        CHECK(done);
    }

    SUBCASE("outside a fiber it sleeps the thread") {
        std::int64_t start = now_us();
        io::sleep_until(start + 30'000);
        CHECK(ms_since(start) >= 30);
    }
}
