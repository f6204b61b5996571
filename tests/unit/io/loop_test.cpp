// io::Loop, io::Watch, io::Interest, io::Event, io::sleep_until and
// io::run_blocking against the contract in megarouter/io/loop.hpp.
//
// Assertions stay outside fibers: a REQUIRE throwing inside a fiber would end
// the fiber (exceptions escaping a fiber body are logged, not rethrown), so
// fibers record what they saw and the test case checks it after run().
// Every run is bounded in time by run_for().
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <cerrno>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "megarouter/core/clock.hpp"
#include "megarouter/io/loop.hpp"
#include "unit/io/loop_fixture.hpp"

using namespace megarouter;
using namespace std::chrono_literals;
using namespace loop_test;

namespace {

// A non-blocking AF_UNIX stream socket pair, closed on destruction.
struct SocketPair {
    int fds[2] = {-1, -1};
    SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0); }
    ~SocketPair() {
        for (int fd : fds)
            if (fd >= 0) ::close(fd);
    }
    void close_side(int i) {
        ::close(fds[i]);
        fds[i] = -1;
    }
};

// Sends this process's stderr to a temporary file while it lives.
class StderrCapture {
public:
    StderrCapture() {
        std::fflush(stderr);
        m_saved = ::dup(2);
        m_file = std::tmpfile();
        ::dup2(::fileno(m_file), 2);
    }
    ~StderrCapture() {
        restore();
        std::fclose(m_file);
    }
    // Everything written so far; stderr goes back to where it was.
    std::string text() {
        restore();
        std::string out;
        std::rewind(m_file);
        char chunk[4096];
        for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, m_file)) > 0;) out.append(chunk, n);
        return out;
    }

private:
    void restore() {
        if (m_saved < 0) return;
        std::fflush(stderr);
        ::dup2(m_saved, 2);
        ::close(m_saved);
        m_saved = -1;
    }
    int m_saved = -1;
    std::FILE* m_file = nullptr;
};

} // namespace

TEST_CASE("io loop: spawned fibers start on the next turn, run in fibers, and finish") {
    auto loop = make_loop();
    CHECK(io::Loop::current() == loop.get());
    CHECK_FALSE(io::in_fiber());

    std::vector<int> ran;
    std::vector<bool> inside;
    std::vector<io::Loop*> current;
    bool nested_ran = false;
    for (int i = 0; i < 3; ++i) {
        loop->spawn([&, i] {
            ran.push_back(i);
            inside.push_back(io::in_fiber());
            current.push_back(io::Loop::current());
            if (i == 2) io::Loop::current()->spawn([&] { nested_ran = io::in_fiber(); });
        });
    }
    CHECK(ran.empty()); // a fiber first runs on the next turn of the loop
    CHECK(loop->fibers() == 3);

    REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
    CHECK(ran == std::vector<int>{0, 1, 2});
    CHECK(inside == std::vector<bool>{true, true, true});
    CHECK(current == std::vector<io::Loop*>{loop.get(), loop.get(), loop.get()});
    CHECK(nested_ran); // spawned from inside a fiber
    CHECK(loop->fibers() == 0);
    CHECK_FALSE(io::in_fiber());
}

TEST_CASE("io loop: Loop::current() is per thread and cleared when the loop goes") {
    std::atomic<bool> before_null{false}, during_same{false}, after_null{false};
    std::thread([&] {
        before_null = io::Loop::current() == nullptr;
        {
            auto loop = io::Loop::create();
            if (!loop) return;
            during_same = io::Loop::current() == loop->get();
        }
        after_null = io::Loop::current() == nullptr;
    }).join();
    CHECK(before_null);
    CHECK(during_same);
    CHECK(after_null);
}

TEST_CASE("io loop: run(until) returns when until() holds, even with fibers still parked") {
    auto loop = make_loop();
    // Nothing to do: returns at once.
    int calls = 0;
    loop->run([&] {
        ++calls;
        return true;
    });
    CHECK(calls == 1);

    io::Event never;
    bool flag = false;
    io::Ready woke = io::Ready::timeout;
    bool finished = false;
    loop->spawn([&] {
        flag = true;
        woke = never.wait(0); // parks with no deadline
        finished = true;
    });
    REQUIRE(run_for(*loop, [&] { return flag; }));
    CHECK(loop->fibers() == 1); // run() returned with the fiber parked
    CHECK_FALSE(finished);

    // The loop thread (outside any fiber) may notify; the fiber runs on the next run().
    never.notify_all();
    CHECK_FALSE(finished);
    REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
    CHECK(finished);
    CHECK(woke == io::Ready::yes);
}

TEST_CASE("io loop: a Watch parks a reader until the socket is readable") {
    auto loop = make_loop();
    SocketPair pair;

    SUBCASE("data from another fiber wakes the reader") {
        std::vector<std::string> log;
        int first_errno = 0;
        io::Ready ready = io::Ready::timeout;
        std::string got;
        std::int64_t waited_ms = -1;
        loop->spawn([&] {
            io::Watch watch(pair.fds[0]);
            CHECK(watch.fd() == pair.fds[0]);
            char buffer[64];
            ssize_t n = ::recv(pair.fds[0], buffer, sizeof buffer, 0);
            first_errno = n < 0 ? errno : 0;
            log.push_back("reader parks");
            std::int64_t start = now_us();
            ready = watch.wait(EPOLLIN, start + 5'000'000);
            waited_ms = ms_since(start);
            log.push_back("reader woke");
            n = ::recv(pair.fds[0], buffer, sizeof buffer, 0);
            if (n > 0) got.assign(buffer, static_cast<std::size_t>(n));
        });
        loop->spawn([&] {
            io::sleep_until(after_ms(20));
            log.push_back("writer writes");
            [[maybe_unused]] auto n = ::send(pair.fds[1], "hello", 5, MSG_NOSIGNAL);
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK((first_errno == EAGAIN || first_errno == EWOULDBLOCK));
        CHECK(log == std::vector<std::string>{"reader parks", "writer writes", "reader woke"});
        CHECK(ready == io::Ready::yes);
        CHECK(got == "hello");
        CHECK(waited_ms < 2000);
    }

    SUBCASE("the peer closing wakes the reader, which then reads end of file") {
        io::Ready ready = io::Ready::timeout;
        ssize_t read_after = -2;
        loop->spawn([&] {
            io::Watch watch(pair.fds[0]);
            char buffer[8];
            if (::recv(pair.fds[0], buffer, sizeof buffer, 0) >= 0) return;
            ready = watch.wait(EPOLLIN, after_ms(5000));
            read_after = ::recv(pair.fds[0], buffer, sizeof buffer, 0);
        });
        loop->spawn([&] {
            io::sleep_until(after_ms(10));
            pair.close_side(1);
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK(ready == io::Ready::yes);
        CHECK(read_after == 0);
    }

    SUBCASE("nothing arrives: the deadline gives timeout") {
        io::Ready ready = io::Ready::yes;
        std::int64_t waited_ms = -1;
        loop->spawn([&] {
            io::Watch watch(pair.fds[0]);
            std::int64_t start = now_us();
            ready = watch.wait(EPOLLIN, start + 30'000);
            waited_ms = ms_since(start);
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK(ready == io::Ready::timeout);
        CHECK(waited_ms >= 30);
        CHECK(waited_ms < 2000);
    }

    SUBCASE("interrupt() wakes the reader as if its deadline had passed") {
        io::Watch* shared = nullptr;
        io::Ready ready = io::Ready::yes;
        std::int64_t waited_ms = -1;
        loop->spawn([&] {
            io::Watch watch(pair.fds[0]);
            shared = &watch;
            std::int64_t start = now_us();
            ready = watch.wait(EPOLLIN, start + 5'000'000);
            waited_ms = ms_since(start);
            shared = nullptr;
        });
        loop->spawn([&] {
            io::sleep_until(after_ms(20));
            if (shared) shared->interrupt();
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK(ready == io::Ready::timeout);
        CHECK(waited_ms >= 15);
        CHECK(waited_ms < 2000); // not the 5 s deadline
    }

    SUBCASE("a writer whose buffer is full wakes when the peer drains it") {
        std::size_t written = 0;
        io::Ready ready = io::Ready::timeout;
        std::size_t drained = 0;
        bool wrote_more = false;
        loop->spawn([&] {
            io::Watch watch(pair.fds[1]);
            std::string block(64 * 1024, 'x');
            for (;;) {
                ssize_t n = ::send(pair.fds[1], block.data(), block.size(), MSG_NOSIGNAL);
                if (n <= 0) break; // EAGAIN: the buffer is full
                written += static_cast<std::size_t>(n);
            }
            ready = watch.wait(EPOLLOUT, after_ms(5000));
            wrote_more = ::send(pair.fds[1], block.data(), 1, MSG_NOSIGNAL) == 1;
        });
        loop->spawn([&] {
            io::sleep_until(after_ms(20));
            char buffer[64 * 1024];
            for (;;) {
                ssize_t n = ::recv(pair.fds[0], buffer, sizeof buffer, 0);
                if (n <= 0) break;
                drained += static_cast<std::size_t>(n);
            }
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK(written > 0);
        CHECK(drained == written);
        CHECK(ready == io::Ready::yes);
        CHECK(wrote_more);
    }

    SUBCASE("outside a fiber wait() polls") {
        io::Watch watch(pair.fds[0]);
        std::int64_t start = now_us();
        CHECK(watch.wait(EPOLLIN, start + 30'000) == io::Ready::timeout);
        CHECK(ms_since(start) >= 25);
        REQUIRE(::send(pair.fds[1], "x", 1, MSG_NOSIGNAL) == 1);
        CHECK(watch.wait(EPOLLIN, after_ms(2000)) == io::Ready::yes);
        CHECK(watch.wait(EPOLLOUT, after_ms(2000)) == io::Ready::yes);
    }
}

TEST_CASE("io loop: an Interest is level-triggered and its callback runs outside fibers") {
    auto loop = make_loop();
    SocketPair pair;
    int calls = 0;
    bool any_in_fiber = false;
    std::uint32_t last_events = 0;
    bool drained = false;
    io::Interest interest(pair.fds[0], EPOLLIN, [&](std::uint32_t events) {
        ++calls;
        last_events = events;
        any_in_fiber = any_in_fiber || io::in_fiber();
        if (calls == 3) { // level-triggered: reported again while unread, with no new data
            char buffer[16];
            while (::recv(pair.fds[0], buffer, sizeof buffer, 0) > 0) {
            }
            drained = true;
        }
    });
    REQUIRE(interest.registered());
    REQUIRE(::send(pair.fds[1], "x", 1, MSG_NOSIGNAL) == 1);
    REQUIRE(run_for(*loop, [&] { return drained; }));
    CHECK(calls == 3);
    CHECK((last_events & EPOLLIN) != 0);
    CHECK_FALSE(any_in_fiber);

    // change(0): no longer reported even with data waiting.
    interest.change(0);
    REQUIRE(::send(pair.fds[1], "y", 1, MSG_NOSIGNAL) == 1);
    bool slept = false;
    loop->spawn([&] {
        io::sleep_until(after_ms(50));
        slept = true;
    });
    REQUIRE(run_for(*loop, [&] { return slept && loop->fibers() == 0; }));
    CHECK(calls == 3);

    // And back on.
    interest.change(EPOLLIN);
    REQUIRE(run_for(*loop, [&] { return calls > 3; }));
}

TEST_CASE("io loop: an Interest made on a thread without a loop registers nothing") {
    std::atomic<int> registered{-1};
    std::thread([&] {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return;
        {
            io::Interest interest(fds[0], EPOLLIN, [](std::uint32_t) {});
            registered = interest.registered() ? 1 : 0;
        }
        ::close(fds[0]);
        ::close(fds[1]);
    }).join();
    CHECK(registered == 0);
}

TEST_CASE("io loop: post() from other threads runs tasks on the loop thread") {
    auto loop = make_loop();
    const auto loop_thread = std::this_thread::get_id();

    SUBCASE("one task") {
        std::atomic<bool> ran{false};
        std::thread::id ran_on;
        bool ran_in_fiber = true;
        std::thread poster([&] {
            std::this_thread::sleep_for(20ms); // the loop is idle in epoll_wait by now
            loop->post([&] {
                ran_on = std::this_thread::get_id();
                ran_in_fiber = io::in_fiber();
                ran = true;
            });
        });
        bool ok = run_for(*loop, [&] { return ran.load(); });
        poster.join();
        REQUIRE(ok);
        CHECK(ran_on == loop_thread);
        CHECK_FALSE(ran_in_fiber);
    }

    SUBCASE("a post wakes a fiber waiting on an Event") {
        io::Event event;
        io::Ready ready = io::Ready::timeout;
        std::int64_t waited_ms = -1;
        loop->spawn([&] {
            std::int64_t start = now_us();
            ready = event.wait(start + 5'000'000);
            waited_ms = ms_since(start);
        });
        std::thread poster([&] {
            std::this_thread::sleep_for(30ms);
            loop->post([&] { event.notify_all(); });
        });
        bool ok = run_for(*loop, [&] { return loop->fibers() == 0; });
        poster.join();
        REQUIRE(ok);
        CHECK(ready == io::Ready::yes);
        CHECK(waited_ms < 2000);
    }

    SUBCASE("many posts from several threads all run, each once") {
        constexpr int k_threads = 4, k_posts = 250;
        int ran = 0; // touched on the loop thread only
        std::vector<std::thread> posters;
        for (int t = 0; t < k_threads; ++t)
            posters.emplace_back([&] {
                for (int i = 0; i < k_posts; ++i) loop->post([&] { ++ran; });
            });
        bool ok = run_for(*loop, [&] { return ran == k_threads * k_posts; });
        for (auto& poster : posters) poster.join();
        CHECK(ok);
        // Whatever was posted after the last check runs on a last short run.
        run_for(*loop, [&] { return ran == k_threads * k_posts; }, 1000ms);
        CHECK(ran == k_threads * k_posts);
    }
}

TEST_CASE("io loop: run_blocking runs work on another thread while the other fibers go on") {
    auto loop = make_loop();
    const auto loop_thread = std::this_thread::get_id();

    SUBCASE("one blocking call, one busy fiber") {
        std::thread::id work_thread;
        std::atomic<bool> work_done{false};
        bool saw_done = false;
        bool returned = false;
        int ticks = 0;
        int ticks_when_returned = -1;
        loop->spawn([&] {
            io::run_blocking([&] {
                work_thread = std::this_thread::get_id();
                std::this_thread::sleep_for(150ms); // really blocks its thread
                work_done = true;
            });
            saw_done = work_done.load();
            ticks_when_returned = ticks;
            returned = true;
        });
        loop->spawn([&] {
            std::int64_t give_up = after_ms(5000);
            while (!returned && now_us() < give_up) {
                io::sleep_until(after_ms(5));
                ++ticks;
            }
        });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
        CHECK(work_thread != loop_thread);
        CHECK(work_thread != std::thread::id());
        CHECK(saw_done);              // returns only after the work finished
        CHECK(ticks_when_returned >= 5); // ~30 expected: the loop kept running meanwhile
    }

    SUBCASE("two blocking calls run at the same time") {
        std::atomic<int> started{0};
        std::atomic<int> saw_both{0};
        for (int i = 0; i < 2; ++i)
            loop->spawn([&] {
                io::run_blocking([&] {
                    ++started;
                    auto give_up = std::chrono::steady_clock::now() + 3s;
                    while (started.load() < 2 && std::chrono::steady_clock::now() < give_up)
                        std::this_thread::sleep_for(1ms);
                    if (started.load() == 2) ++saw_both;
                });
            });
        REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }, 10s));
        CHECK(saw_both == 2);
    }

    SUBCASE("outside a fiber the work runs on the calling thread") {
        std::thread::id work_thread;
        io::run_blocking([&] { work_thread = std::this_thread::get_id(); });
        CHECK(work_thread == loop_thread);
    }
}

TEST_CASE("io loop: an exception escaping a fiber is logged with what it was, and the loop goes on") {
    auto loop = make_loop();
    StderrCapture captured;
    struct Guard {
        bool* flag;
        ~Guard() { *flag = true; }
    };
    bool unwound = false;
    bool late_thrower_ran = false;
    bool survivor_done = false;
    std::string caught;
    loop->spawn([&] {
        Guard guard{&unwound};
        throw std::runtime_error("first");
    });
    loop->spawn([&] {
        io::sleep_until(after_ms(10));
        late_thrower_ran = true;
        throw 7; // not even a std::exception
    });
    loop->spawn([&] {
        // Thrown and caught inside one fiber, across a park, while others throw too.
        try {
            io::sleep_until(after_ms(5));
            throw std::runtime_error("caught inside");
        } catch (const std::exception& e) {
            caught = e.what();
        }
    });
    loop->spawn([&] {
        io::sleep_until(after_ms(30));
        survivor_done = true;
    });
    REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
    CHECK(unwound); // the stack of the throwing fiber was unwound
    CHECK(late_thrower_ran);
    CHECK(caught == "caught inside");
    CHECK(survivor_done);
    CHECK(loop->fibers() == 0);
    std::string logged = captured.text();
    CHECK(logged.find("a fiber ended with an exception: first") != std::string::npos);
    CHECK(logged.find("a fiber ended with an exception that is not a std::exception") != std::string::npos);
    CHECK(logged.find("caught inside") == std::string::npos);

    // The loop still serves new fibers (on reused stacks).
    int again = 0;
    for (int i = 0; i < 3; ++i) loop->spawn([&] { ++again; });
    REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
    CHECK(again == 3);
}

TEST_CASE("io loop: thousands of fibers can be alive at once") {
    auto loop = make_loop();
    constexpr int k_fibers = 2000;
    io::Event go;
    int parked = 0;
    int woke = 0;
    int timed_out = 0;
    std::size_t peak = 0;
    for (int i = 0; i < k_fibers; ++i)
        loop->spawn([&] {
            ++parked;
            if (go.wait(after_ms(20'000)) == io::Ready::yes) ++woke;
            else ++timed_out;
        });
    loop->spawn([&] {
        std::int64_t give_up = after_ms(10'000);
        while (parked < k_fibers && now_us() < give_up) io::sleep_until(after_ms(1));
        peak = io::Loop::current()->fibers();
        go.notify_all();
    });
    REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }, 30s));
    CHECK(parked == k_fibers);
    CHECK(peak == k_fibers + 1);
    CHECK(woke == k_fibers);
    CHECK(timed_out == 0);

    // Then a second wave on the same loop, each fiber sleeping a little.
    int second = 0;
    for (int i = 0; i < k_fibers; ++i)
        loop->spawn([&, i] {
            io::sleep_until(after_ms(1 + i % 10));
            ++second;
        });
    REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }, 30s));
    CHECK(second == k_fibers);
}

TEST_CASE("io loop: a fiber has room for a few hundred KiB of stack") {
    auto loop = make_loop();
    long sum = -1;
    loop->spawn([&] {
        constexpr std::size_t k_bytes = 256 * 1024;
        volatile char buffer[k_bytes];
        for (std::size_t i = 0; i < k_bytes; i += 512) buffer[i] = static_cast<char>(i & 1);
        io::sleep_until(after_ms(1)); // park with the big frame live
        long total = 0;
        for (std::size_t i = 0; i < k_bytes; i += 512) total += buffer[i];
        sum = total;
    });
    REQUIRE(run_for(*loop, [&] { return loop->fibers() == 0; }));
    CHECK(sum == 0);
}

TEST_CASE("io loop: loops on two threads run their own fibers independently") {
    std::atomic<int> finished{0};
    std::atomic<int> ok_loops{0};
    auto body = [&] {
        auto loop = io::Loop::create();
        if (!loop) return;
        io::Loop* self = loop->get();
        int done = 0;
        bool wrong_loop = false;
        for (int i = 0; i < 100; ++i)
            self->spawn([&] {
                io::sleep_until(after_ms(10));
                if (io::Loop::current() != self) wrong_loop = true;
                ++done;
            });
        self->run([&] { return self->fibers() == 0; });
        finished += done;
        if (!wrong_loop) ++ok_loops;
    };
    std::thread a(body), b(body);
    a.join();
    b.join();
    CHECK(finished == 200);
    CHECK(ok_loops == 2);
}

TEST_CASE("io loop: at_exit tasks run when the loop is destroyed") {
    int ran = 0;
    {
        auto loop = make_loop();
        loop->at_exit([&] { ++ran; });
        loop->at_exit([&] { ++ran; });
        CHECK(ran == 0);
    }
    CHECK(ran == 2);
    CHECK(io::Loop::current() == nullptr);
}
