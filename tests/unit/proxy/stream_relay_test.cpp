// StreamRelay (src/proxy/stream_relay.cpp): no wait in it is open-ended. A
// fake upstream fiber that throws, never decides, or stops sending after
// commit wakes the handler's fiber with an error instead of hanging it.
// Assertions stay outside fibers (a throwing REQUIRE would be swallowed by
// the loop); every loop run is bounded by a watchdog.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "megarouter/core/clock.hpp"
#include "megarouter/io/loop.hpp"
#include "proxy/stream_relay.hpp"

using namespace megarouter;
using proxy::StreamRelay;

namespace {

std::int64_t now_us() { return core::monotonic_us(); }
std::int64_t ms_from_now(int ms) { return now_us() + std::int64_t{ms} * 1000; }

// Runs `bodies` as fibers on a fresh loop until all have ended (returned or
// thrown), or the limit passes; returns how many threw.
std::size_t run_fibers(const std::vector<std::function<void()>>& bodies, std::chrono::milliseconds limit) {
    auto created = io::Loop::create();
    REQUIRE(created);
    std::unique_ptr<io::Loop> loop = std::move(*created);
    std::size_t finished = 0;
    std::size_t threw = 0;
    for (const auto& body : bodies)
        loop->spawn([&finished, &threw, &body] {
            try {
                body();
            } catch (...) {
                ++threw;
            }
            ++finished;
        });
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::mutex mutex;
    std::condition_variable cv;
    bool over = false;
    std::thread watchdog([&] {
        std::unique_lock lock(mutex);
        while (!over && cv.wait_until(lock, deadline) != std::cv_status::timeout) {
        }
        if (!over) loop->post([] {});
    });
    loop->run([&] { return finished == bodies.size() || std::chrono::steady_clock::now() >= deadline; });
    {
        std::lock_guard lock(mutex);
        over = true;
    }
    cv.notify_all();
    watchdog.join();
    CHECK(finished == bodies.size());
    return threw;
}

// A sink that records what the writer wrote (or hands each write to
// `on_write` when a test sets it).
struct RecordingSink final : http::DataSink {
    std::string written;
    bool accept = true;
    std::function<bool(std::string_view)> on_write;
    using http::DataSink::write;
    bool write(std::string_view bytes) override {
        if (on_write) return on_write(bytes);
        written.append(bytes);
        return accept;
    }
    void done() override {}
};

// The upstream side learning that the client left: cancel_flag() set (3 s at most).
void wait_for_cancel(const StreamRelay& relay) {
    auto until = ms_from_now(3000);
    while (!relay.cancel_flag().load() && now_us() < until) io::sleep_until(ms_from_now(10));
}

// The connection's side of a stream: waits for the decision, then pumps
// into `sink` until the end (recorded in `end`).
std::function<void()> writer(StreamRelay& relay, http::DataSink& sink, std::optional<StreamRelay::PumpEnd>& end) {
    return [&relay, &sink, &end] {
        if (relay.wait_decision(ms_from_now(5000)) != StreamRelay::Decision::committed) return;
        static const std::atomic<bool> no_abort{false};
        end = relay.pump(sink, 60'000, no_abort, ms_from_now(5000));
    };
}

} // namespace

TEST_CASE("stream relay: an upstream fiber that throws before deciding fails the handler at once") {
    StreamRelay relay;
    std::optional<StreamRelay::Decision> decision;
    std::int64_t waited_ms = -1;
    auto threw = run_fibers(
        {[&] {
             StreamRelay::UpstreamScope scope(relay);
             relay.write("held bytes");
             io::sleep_until(ms_from_now(50));
             throw std::runtime_error("a bug in the upstream side");
         },
         [&] {
             auto start = now_us();
             decision = relay.wait_decision(ms_from_now(5000));
             waited_ms = (now_us() - start) / 1000;
         }},
        std::chrono::seconds(10));
    CHECK(threw == 1);
    REQUIRE(decision);
    CHECK(*decision == StreamRelay::Decision::failed);
    CHECK(relay.error().code == ErrorCode::internal);
    CHECK(waited_ms < 1000); // woken by the scope, long before the deadline
    CHECK(relay.cancel_flag().load());
}

TEST_CASE("stream relay: an upstream fiber that never decides ends the handler's wait at the deadline") {
    StreamRelay relay;
    std::optional<StreamRelay::Decision> decision;
    std::int64_t waited_ms = -1;
    bool upstream_saw_cancel = false;
    run_fibers(
        {[&] {
             StreamRelay::UpstreamScope scope(relay);
             // A stuck upstream call: it only stops when cancelled (or at its own 3 s).
             auto until = ms_from_now(3000);
             while (!relay.cancel_flag().load() && now_us() < until) io::sleep_until(ms_from_now(10));
             upstream_saw_cancel = relay.cancel_flag().load();
         },
         [&] {
             auto start = now_us();
             decision = relay.wait_decision(ms_from_now(200));
             waited_ms = (now_us() - start) / 1000;
         }},
        std::chrono::seconds(10));
    REQUIRE(decision);
    CHECK(*decision == StreamRelay::Decision::failed);
    CHECK(relay.error().code == ErrorCode::upstream_timeout);
    CHECK(waited_ms >= 190);
    CHECK(waited_ms < 1500);
    CHECK(upstream_saw_cancel); // the upstream call is told to stop
}

TEST_CASE("stream relay: an upstream fiber that dies after commit ends the stream with lost, not silence") {
    StreamRelay relay;
    RecordingSink out;
    std::optional<StreamRelay::PumpEnd> end;
    std::int64_t pumped_ms = -1;
    run_fibers({[&] {
                    StreamRelay::UpstreamScope scope(relay);
                    relay.write("data: one\n\n");
                    relay.commit();
                    io::sleep_until(ms_from_now(50));
                    relay.write("data: two\n\n");
                    io::sleep_until(ms_from_now(50));
                    throw std::runtime_error("a bug mid-stream");
                },
                [&] {
                    if (relay.wait_decision(ms_from_now(5000)) != StreamRelay::Decision::committed) return;
                    static const std::atomic<bool> no_abort{false};
                    auto start = now_us();
                    end = relay.pump(out, 60'000, no_abort, ms_from_now(5000));
                    pumped_ms = (now_us() - start) / 1000;
                }},
               std::chrono::seconds(10));
    REQUIRE(end);
    CHECK(*end == StreamRelay::PumpEnd::lost);
    CHECK(out.written == "data: one\n\ndata: two\n\n"); // what came before is delivered
    CHECK(relay.error().code == ErrorCode::internal);
    CHECK(pumped_ms < 1000);
}

TEST_CASE("stream relay: a committed stream whose upstream goes silent ends at the pump's deadline") {
    StreamRelay relay;
    RecordingSink out;
    std::optional<StreamRelay::PumpEnd> end;
    std::int64_t pumped_ms = -1;
    bool upstream_saw_cancel = false;
    run_fibers({[&] {
                    StreamRelay::UpstreamScope scope(relay);
                    relay.write("data: one\n\n");
                    relay.commit();
                    auto until = ms_from_now(3000);
                    while (!relay.cancel_flag().load() && now_us() < until) io::sleep_until(ms_from_now(10));
                    upstream_saw_cancel = relay.cancel_flag().load();
                },
                [&] {
                    if (relay.wait_decision(ms_from_now(5000)) != StreamRelay::Decision::committed) return;
                    static const std::atomic<bool> no_abort{false};
                    auto start = now_us();
                    end = relay.pump(out, 60'000, no_abort, ms_from_now(300));
                    pumped_ms = (now_us() - start) / 1000;
                }},
               std::chrono::seconds(10));
    REQUIRE(end);
    CHECK(*end == StreamRelay::PumpEnd::lost);
    CHECK(relay.error().code == ErrorCode::upstream_timeout);
    CHECK(pumped_ms >= 290);
    CHECK(pumped_ms < 1500);
    CHECK(upstream_saw_cancel);
}

TEST_CASE("stream relay: the normal ends are unchanged (fail, close, a gone client)") {
    SUBCASE("fail before commit") {
        StreamRelay relay;
        std::optional<StreamRelay::Decision> decision;
        run_fibers({[&] {
                        StreamRelay::UpstreamScope scope(relay);
                        relay.write("dropped");
                        relay.fail(make_error(ErrorCode::rate_limited, "429 upstream", true));
                        relay.close();
                    },
                    [&] { decision = relay.wait_decision(ms_from_now(5000)); }},
                   std::chrono::seconds(10));
        REQUIRE(decision);
        CHECK(*decision == StreamRelay::Decision::failed);
        CHECK(relay.error().code == ErrorCode::rate_limited); // the scope does not overwrite a real failure
    }
    SUBCASE("commit and close") {
        StreamRelay relay;
        RecordingSink out;
        std::optional<StreamRelay::PumpEnd> end;
        run_fibers({[&] {
                        StreamRelay::UpstreamScope scope(relay);
                        relay.write("data: a\n\n");
                        relay.commit();
                        io::sleep_until(ms_from_now(20));
                        relay.write("data: [DONE]\n\n");
                        relay.close();
                    },
                    writer(relay, out, end)},
                   std::chrono::seconds(10));
        REQUIRE(end);
        CHECK(*end == StreamRelay::PumpEnd::closed);
        CHECK(out.written == "data: a\n\ndata: [DONE]\n\n");
        CHECK_FALSE(relay.cancel_flag().load());
    }
    SUBCASE("the client goes away") {
        StreamRelay relay;
        RecordingSink out;
        out.accept = false;
        std::optional<StreamRelay::PumpEnd> end;
        run_fibers({[&] {
                        StreamRelay::UpstreamScope scope(relay);
                        relay.write("data: a\n\n");
                        relay.commit();
                        wait_for_cancel(relay);
                        relay.close();
                    },
                    writer(relay, out, end)},
                   std::chrono::seconds(10));
        REQUIRE(end);
        CHECK(*end == StreamRelay::PumpEnd::client_gone);
        CHECK(relay.client_gone());
        CHECK(relay.cancel_flag().load());
    }
    SUBCASE("after commit, bytes written while the writer waits go out from the upstream fiber, in order") {
        StreamRelay relay;
        RecordingSink out;
        std::vector<bool> from_upstream; // whether each write to the client ran on the upstream fiber
        bool upstream_running = false;
        out.on_write = [&](std::string_view bytes) {
            out.written.append(bytes);
            from_upstream.push_back(upstream_running);
            return true;
        };
        std::optional<StreamRelay::PumpEnd> end;
        run_fibers({[&] {
                        StreamRelay::UpstreamScope scope(relay);
                        relay.write("data: held\n\n"); // before commit: queued for the writer
                        relay.commit();
                        io::sleep_until(ms_from_now(20));
                        for (int i = 0; i < 3; ++i) {
                            upstream_running = true;
                            relay.write("data: " + std::to_string(i) + "\n\n");
                            upstream_running = false;
                            io::sleep_until(ms_from_now(5));
                        }
                        relay.close();
                    },
                    writer(relay, out, end)},
                   std::chrono::seconds(10));
        REQUIRE(end);
        CHECK(*end == StreamRelay::PumpEnd::closed);
        CHECK(out.written == "data: held\n\ndata: 0\n\ndata: 1\n\ndata: 2\n\n");
        CHECK(from_upstream == std::vector<bool>{false, true, true, true});
    }
    SUBCASE("a client gone during a write from the upstream fiber ends the writer with client_gone and cancels") {
        StreamRelay relay;
        RecordingSink out;
        std::optional<StreamRelay::PumpEnd> end;
        run_fibers({[&] {
                        StreamRelay::UpstreamScope scope(relay);
                        relay.write("data: a\n\n");
                        relay.commit();
                        io::sleep_until(ms_from_now(20));
                        out.accept = false;
                        relay.write("data: b\n\n");
                        relay.write("data: c\n\n"); // after the client left: dropped
                        wait_for_cancel(relay);
                        relay.close();
                    },
                    writer(relay, out, end)},
                   std::chrono::seconds(10));
        REQUIRE(end);
        CHECK(*end == StreamRelay::PumpEnd::client_gone);
        CHECK(relay.cancel_flag().load());
        CHECK(out.written == "data: a\n\ndata: b\n\n");
    }
    SUBCASE("bytes that come while a slow client holds a write are queued and follow it") {
        StreamRelay relay;
        RecordingSink out;
        bool slow = true;
        out.on_write = [&](std::string_view bytes) {
            if (slow) {
                slow = false;
                io::sleep_until(ms_from_now(50)); // the client takes its time: this write parks
            }
            out.written.append(bytes);
            return true;
        };
        std::optional<StreamRelay::PumpEnd> end;
        run_fibers({[&] {
                        StreamRelay::UpstreamScope scope(relay);
                        relay.commit();
                        io::sleep_until(ms_from_now(20));
                        relay.write("data: 1\n\n"); // parks in the slow write
                        relay.close();
                    },
                    [&] {
                        // A second source of bytes while the first write is parked.
                        io::sleep_until(ms_from_now(40));
                        relay.write("data: 2\n\n");
                    },
                    writer(relay, out, end)},
                   std::chrono::seconds(10));
        REQUIRE(end);
        CHECK(*end == StreamRelay::PumpEnd::closed);
        CHECK(out.written == "data: 1\n\ndata: 2\n\n");
    }
}
