// http::Server's bounds on what one client can hold: the head deadline, the
// minimum body rate, the connection cap with its canned 503, the bounded
// worker pool for blocking routes, admission checks before a worker is taken,
// and exceptions that escape a route's code.
#include "http_server_fixture.hpp"

#include <condition_variable>
#include <set>

using namespace http_server_test;

namespace {

// A latch the blocking route waits on (worker threads, not fibers).
struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    bool open = false;
    int waiting = 0;
    void wait() {
        std::unique_lock lock(mutex);
        ++waiting;
        changed.notify_all();
        changed.wait_for(lock, 10s, [&] { return open; });
    }
    void release() {
        std::lock_guard lock(mutex);
        open = true;
        changed.notify_all();
    }
    bool wait_for_waiting(int n) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, 5s, [&] { return waiting >= n; });
    }
};

} // namespace

TEST_CASE("http server: a head dribbled byte by byte gets 408 at head_timeout_ms, however often bytes come") {
    Routes routes;
    http::Limits limits = test_limits();
    limits.head_timeout_ms = 400; // each read alone would wait read_timeout_ms (5 s)
    TestServer server(routes.make(), 1, limits);
    Raw slow(server.port());
    const std::string head = get("/hello");
    auto start = SteadyClock::now();
    bool refused = false;
    for (std::size_t i = 0; i < head.size() - 2 && ms_since(start) < 3000; ++i) {
        if (!slow.send(head.substr(i, 1))) {
            refused = true;
            break;
        }
        if (!slow.read_available(50).empty()) {
            refused = true;
            break;
        }
    }
    CHECK(refused);
    auto answer = slow.read_response();
    REQUIRE(answer);
    CHECK(answer->status == 408);
    CHECK(ms_since(start) >= 350);
    CHECK(ms_since(start) < 2500);

    // Idle keep-alive waits are separate: a connection idle longer than
    // head_timeout_ms still gets its next request served.
    Raw patient(server.port());
    REQUIRE(patient.send(get("/hello")));
    REQUIRE(patient.read_response());
    std::this_thread::sleep_for(600ms);
    REQUIRE(patient.send(get("/hello")));
    auto again = patient.read_response();
    REQUIRE(again);
    CHECK(again->status == 200);
}

TEST_CASE("http server: a body slower than min_body_rate after the grace period gets 408") {
    Routes routes;
    http::Limits limits = test_limits();
    limits.min_body_rate = 1000;
    limits.body_grace_ms = 300;
    TestServer server(routes.make(), 1, limits);
    Raw slow(server.port());
    REQUIRE(slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n"));
    auto start = SteadyClock::now();
    bool refused = false;
    while (ms_since(start) < 4000 && !refused) { // 10 bytes per 50 ms: 200 bytes/s
        if (!slow.send(std::string(10, 'x'))) break;
        refused = !slow.read_available(50).empty();
    }
    auto answer = slow.read_response();
    REQUIRE(answer);
    CHECK(answer->status == 408);
    CHECK(ms_since(start) >= 250);
    CHECK(ms_since(start) < 3000);
    CHECK(routes.echo_calls == 0);

    // A body at a good rate is served.
    Raw fast(server.port());
    REQUIRE(fast.send(post("/echo", std::string(50'000, 'y'))));
    auto echoed = fast.read_response();
    REQUIRE(echoed);
    CHECK(echoed->status == 200);
}

TEST_CASE("http server: connections over max_connections get a canned 503 and close; freed slots serve again") {
    Routes routes;
    http::Limits limits = test_limits();
    limits.max_connections = 3;
    TestServer server(routes.make(), 1, limits);
    std::vector<std::unique_ptr<Raw>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<Raw>(server.port()));
        REQUIRE(held.back()->send(get("/hello")));
        REQUIRE(held.back()->read_response()); // accepted and served; now idle, holding a slot
    }
    for (int i = 0; i < 3; ++i) {
        Raw extra(server.port());
        extra.send(get("/hello"));
        auto answer = extra.read_response();
        REQUIRE(answer);
        CHECK(answer->status == 503);
        CHECK(answer->header("Retry-After") == "1");
        CHECK(answer->body.find("too_many_connections") != std::string::npos);
        CHECK(extra.peer_closed());
    }
    held.pop_back(); // the server sees the close and frees the slot
    CHECK(eventually([&] {
        Raw next(server.port());
        next.send(get("/hello"));
        auto answer = next.read_response();
        return answer && answer->status == 200;
    }));
    // The held connections were never disturbed.
    REQUIRE(held[0]->send(get("/hello")));
    auto still = held[0]->read_response();
    REQUIRE(still);
    CHECK(still->status == 200);
}

TEST_CASE("http server: blocking routes share a bounded pool; a full queue gets 503 at once") {
    Gate gate;
    http::Router router;
    router.Get("/fast", [](const http::Request&, http::Response& response) { response.set_content("fast", "text/plain"); });
    router.set_blocking(true);
    std::atomic<int> ran{0};
    std::set<std::thread::id> threads;
    std::mutex threads_mutex;
    router.Get("/slow", [&](const http::Request&, http::Response& response) {
        {
            std::lock_guard lock(threads_mutex);
            threads.insert(std::this_thread::get_id());
        }
        ++ran;
        gate.wait();
        response.set_content("slow", "text/plain");
    });
    http::Limits limits = test_limits();
    limits.blocking_workers = 1;
    limits.blocking_queue = 1;
    TestServer server(std::move(router), 1, limits);

    Raw running(server.port()), queued(server.port()), refused(server.port());
    REQUIRE(running.send(get("/slow")));
    REQUIRE(gate.wait_for_waiting(1));
    REQUIRE(queued.send(get("/slow")));
    std::this_thread::sleep_for(100ms); // queued behind the running one
    REQUIRE(refused.send(get("/slow")));
    auto start = SteadyClock::now();
    auto busy = refused.read_response();
    REQUIRE(busy);
    CHECK(busy->status == 503);
    CHECK(busy->header("Retry-After") == "1");
    CHECK(ms_since(start) < 2000);
    // The loop itself is free meanwhile.
    Raw fast(server.port());
    REQUIRE(fast.send(get("/fast")));
    auto quick = fast.read_response();
    REQUIRE(quick);
    CHECK(quick->body == "fast");

    gate.release();
    auto first = running.read_response();
    auto second = queued.read_response();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->body == "slow");
    CHECK(second->body == "slow");
    CHECK(ran == 2);
    CHECK(threads.size() == 1); // one worker thread, not a thread per request
}

TEST_CASE("http server: an admission check runs on the loop before a blocking route takes a worker") {
    Gate gate;
    std::atomic<int> handled{0};
    http::Router router;
    router.set_blocking(true);
    router.set_admit([](const http::Request& request, http::Response& response) {
        if (request.headers.get("Authorization") == "Bearer ok") return true;
        response.status = 401;
        response.set_content("who are you", "text/plain");
        return false;
    });
    router.Get("/admin/:id", [&](const http::Request& request, http::Response& response) {
        ++handled;
        if (request.param("id") == "wait") gate.wait();
        response.set_content("admin " + std::string(request.param("id")), "text/plain");
    });
    router.Get("/silent", [&](const http::Request&, http::Response&) { ++handled; });
    router.set_admit([](const http::Request&, http::Response&) { return false; });
    router.Get("/refused-quietly", [&](const http::Request&, http::Response&) { ++handled; });
    http::Limits limits = test_limits();
    limits.blocking_workers = 1;
    limits.blocking_queue = 1;
    TestServer server(std::move(router), 1, limits);

    // The only worker is busy and its queue is empty.
    Raw busy(server.port());
    REQUIRE(busy.send(get("/admin/wait", "Authorization: Bearer ok\r\n")));
    REQUIRE(gate.wait_for_waiting(1));
    // Unauthenticated requests never reach the queue: each is refused at once,
    // however many come (the queue holds one).
    for (int i = 0; i < 5; ++i) {
        Raw anonymous(server.port());
        REQUIRE(anonymous.send(get("/admin/" + std::to_string(i))));
        auto answer = anonymous.read_response();
        REQUIRE(answer);
        CHECK(answer->status == 401);
        CHECK(answer->body == "who are you");
    }
    Raw quiet(server.port());
    REQUIRE(quiet.send(get("/refused-quietly")));
    auto refused = quiet.read_response();
    REQUIRE(refused);
    CHECK(refused->status == 403); // no status set: 403 with ErrorBody's body
    CHECK(refused->body.rfind("error 403", 0) == 0);
    gate.release();
    auto done = busy.read_response();
    REQUIRE(done);
    CHECK(done->body == "admin wait");
    CHECK(handled == 1);
}

TEST_CASE("http server: exceptions escaping route code fail that request with 500, or end its stream") {
    http::Router router;
    router.Get("/hello", [](const http::Request&, http::Response& response) { response.set_content("hello", "text/plain"); });
    router.Get("/stream-throws", [](const http::Request&, http::Response& response) {
        response.set_chunked_content_provider("text/plain", [](std::size_t offset, http::DataSink& sink) {
            if (offset > 0) throw std::runtime_error("provider failed mid-stream");
            return sink.write("first", 5);
        });
    });
    router.set_admit([](const http::Request&, http::Response&) -> bool { throw std::logic_error("admit failed"); });
    router.Get("/admit-throws", [](const http::Request&, http::Response&) {});
    TestServer server(std::move(router), 1);

    Raw stream(server.port());
    REQUIRE(stream.send(get("/stream-throws")));
    auto partial = stream.read_response();
    CHECK_FALSE(partial); // the chunked body never ends properly: the client sees a failed stream
    CHECK(stream.peer_closed());

    Raw admit(server.port());
    REQUIRE(admit.send(get("/admit-throws")));
    auto failed = admit.read_response();
    REQUIRE(failed);
    CHECK(failed->status == 500);
    CHECK(failed->header("X-Error-Body") == "yes");

    Raw after(server.port());
    REQUIRE(after.send(get("/hello")));
    auto fine = after.read_response();
    REQUIRE(fine);
    CHECK(fine->body == "hello");
}
