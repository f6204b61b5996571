// http::Router: exact paths, segment patterns with captures, HEAD finding
// GET routes, method mismatches, the blocking flag and admission checks,
// paths of any length, and install() onto an httplib::Server.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "megarouter/http/httplib_bridge.hpp"
#include "megarouter/http/router.hpp"

using namespace megarouter::http;

namespace {

Handler says(std::string text) {
    return [text](const Request&, Response& response) { response.set_content(text, "text/plain"); };
}

Request request_for(const std::string& method, const std::string& path) {
    Request request;
    request.method = method;
    request.path = path;
    return request;
}

// What the route found for method + path answers, or "<none>".
std::string answer(const Router& router, const std::string& method, const std::string& path) {
    auto request = request_for(method, path);
    const Route* route = router.find(request);
    if (!route) return "<none>";
    Response response;
    route->handler(request, response);
    return response.body;
}

} // namespace

TEST_CASE("router: exact paths and segment patterns") {
    Router router;
    router.Get("/v1/models", says("list"));
    router.Get("/v1/models/:id", says("one"));
    router.Get("/a.b", says("dotted")); // no capture: exact, the dot is a dot

    CHECK(answer(router, "GET", "/v1/models") == "list");
    CHECK(answer(router, "GET", "/v1/models/gpt-4o") == "one");
    CHECK(answer(router, "GET", "/a.b") == "dotted");
    CHECK(answer(router, "GET", "/axb") == "<none>");

    // Patterns match the whole path, not a part of it.
    CHECK(answer(router, "GET", "/v1/models/gpt-4o/extra") == "<none>");
    CHECK(answer(router, "GET", "/prefix/v1/models/gpt-4o") == "<none>");
    CHECK(answer(router, "GET", "/v1/models/") == "<none>"); // a capture is never empty
    CHECK(answer(router, "GET", "/v1/models//") == "<none>");
    // Exact paths are exact.
    CHECK(answer(router, "GET", "/v1/model") == "<none>");
    CHECK(answer(router, "GET", "/V1/MODELS") == "<none>");
    CHECK(answer(router, "GET", "") == "<none>");
    CHECK(answer(router, "GET", "v1/models/x") == "<none>");
}

TEST_CASE("router: a pattern route records its captures by name and position") {
    Router router;
    router.Get("/api/keys/:key/usage/:year", says("usage"));
    router.Get("/files/:bucket/*rest", says("file"));
    auto request = request_for("GET", "/api/keys/key_123/usage/2024");
    const Route* route = router.find(request);
    REQUIRE(route != nullptr);
    CHECK(route->pattern == "/api/keys/:key/usage/:year");
    REQUIRE(request.captures() == 2);
    CHECK(request.param("key") == "key_123");
    CHECK(request.param("year") == "2024");
    CHECK(request.capture(0) == "key_123");
    CHECK(request.capture(1) == "2024");
    CHECK(request.capture(2).empty());
    CHECK(request.param("nope").empty());

    // A copy keeps its captures (they are offsets into its own path).
    Request copy = request;
    request.path.assign(100, 'x');
    CHECK(copy.param("key") == "key_123");

    auto rest = request_for("GET", "/files/b1/a/b/c.txt");
    REQUIRE(router.find(rest));
    CHECK(rest.param("bucket") == "b1");
    CHECK(rest.param("rest") == "a/b/c.txt");
    auto empty_rest = request_for("GET", "/files/b1/");
    CHECK(router.find(empty_rest) == nullptr);
    CHECK(empty_rest.captures() == 0); // a failed match leaves nothing behind

    auto miss = request_for("GET", "/api/keys/key_123/usage");
    CHECK(router.find(miss) == nullptr);
}

TEST_CASE("router: malformed and regex patterns are refused when added") {
    Router router;
    CHECK_THROWS_AS(router.Get(R"(/v1/models/(.+))", says("x")), std::invalid_argument);
    CHECK_THROWS_AS(router.Get("no-slash", says("x")), std::invalid_argument);
    CHECK_THROWS_AS(router.Get("/a/:", says("x")), std::invalid_argument);
    CHECK_THROWS_AS(router.Get("/a/*rest/b", says("x")), std::invalid_argument);
    CHECK_THROWS_AS(router.Get("/:a/:b/:c/:d/:e", says("x")), std::invalid_argument);
    CHECK(router.routes().empty());
}

TEST_CASE("router: paths of 2,000 and 200,000 characters match or miss without trouble") {
    Router router;
    router.Get("/v1/models/*id", says("model"));
    router.Get("/admin/keys/:id", says("key"));
    router.Post("/admin/keys/:id/revoke", says("revoke"));
    router.Get("/ui/:file", says("ui"));
    router.Get("/exact", says("exact"));
    for (std::size_t length : {std::size_t{2'000}, std::size_t{200'000}}) {
        CAPTURE(length);
        std::string long_segment(length, 'a');
        std::string slashes;
        for (std::size_t i = 0; i < length / 2; ++i) slashes += "a/";

        auto model = request_for("GET", "/v1/models/" + long_segment);
        REQUIRE(router.find(model));
        CHECK(model.param("id").size() == length);
        auto model_slashes = request_for("GET", "/v1/models/" + slashes);
        REQUIRE(router.find(model_slashes));
        CHECK(model_slashes.param("id").size() == slashes.size());
        auto key = request_for("GET", "/admin/keys/" + long_segment);
        REQUIRE(router.find(key));
        CHECK(key.param("id") == long_segment);
        CHECK(answer(router, "POST", "/admin/keys/" + long_segment + "/revoke") == "revoke");
        CHECK(answer(router, "GET", "/admin/keys/" + slashes) == "<none>");
        CHECK(answer(router, "GET", "/ui/" + long_segment) == "ui");
        CHECK(answer(router, "GET", "/" + long_segment) == "<none>");
        CHECK(answer(router, "GET", "/" + slashes) == "<none>");
        CHECK(answer(router, "DELETE", "/admin/keys/" + long_segment) == "<none>");
    }
}

TEST_CASE("router: routes added after set_admit carry the admission check") {
    Router router;
    router.Get("/open", says("open"));
    router.set_admit([](const Request& request, Response& response) {
        if (request.headers.get("Authorization") == "Bearer yes") return true;
        response.status = 401;
        return false;
    });
    router.Get("/admin/:id", says("admin"));
    router.set_admit({});
    router.Get("/open-again", says("open again"));
    const auto& routes = router.routes();
    REQUIRE(routes.size() == 3);
    CHECK_FALSE(routes[0].admit);
    REQUIRE(routes[1].admit);
    CHECK_FALSE(routes[2].admit);
    auto request = request_for("GET", "/admin/7");
    Response response;
    CHECK_FALSE(routes[1].admit(request, response));
    CHECK(response.status == 401);
    request.headers.add("Authorization", "Bearer yes");
    CHECK(routes[1].admit(request, response));
}

TEST_CASE("router: an exact path wins over a pattern, and patterns are tried in the order added") {
    Router router;
    router.Get("/v1/models/*id", says("pattern"));
    router.Get("/v1/models/special", says("exact")); // added after the pattern, still wins
    router.Get("/items/:id/x", says("first"));
    router.Get("/items/:other/x", says("second"));
    router.Get("/items/*rest", says("anything"));

    CHECK(answer(router, "GET", "/v1/models/special") == "exact");
    CHECK(answer(router, "GET", "/v1/models/other") == "pattern");
    CHECK(answer(router, "GET", "/items/42/x") == "first");
    CHECK(answer(router, "GET", "/items/abc") == "anything");
}

TEST_CASE("router: methods must match; HEAD finds GET routes") {
    Router router;
    router.Get("/thing", says("get"));
    router.Post("/thing", says("post"));
    router.Put("/thing", says("put"));
    router.Patch("/thing", says("patch"));
    router.Delete("/thing/:n", says("delete"));
    router.Post("/post-only", says("post-only"));
    router.Get("/files/*path", says("file"));

    CHECK(answer(router, "GET", "/thing") == "get");
    CHECK(answer(router, "POST", "/thing") == "post");
    CHECK(answer(router, "PUT", "/thing") == "put");
    CHECK(answer(router, "PATCH", "/thing") == "patch");
    CHECK(answer(router, "DELETE", "/thing/7") == "delete");
    CHECK(answer(router, "HEAD", "/thing") == "get");

    CHECK(answer(router, "DELETE", "/thing") == "<none>");
    CHECK(answer(router, "GET", "/thing/7") == "<none>");  // the pattern is DELETE only
    CHECK(answer(router, "GET", "/post-only") == "<none>");
    CHECK(answer(router, "HEAD", "/post-only") == "<none>"); // HEAD finds GET, nothing else
    CHECK(answer(router, "OPTIONS", "/thing") == "<none>");
    CHECK(answer(router, "get", "/thing") == "<none>"); // methods are case-sensitive

    auto head = request_for("HEAD", "/files/a/b.txt");
    const Route* route = router.find(head);
    REQUIRE(route != nullptr);
    CHECK(route->method == "GET");
    CHECK(head.method == "HEAD"); // find() does not rewrite the method
    CHECK(head.param("path") == "a/b.txt");
}

TEST_CASE("router: routes added while set_blocking(true) are blocking") {
    Router router;
    router.Get("/fast", says("fast"));
    router.set_blocking(true);
    router.Get("/slow", says("slow"));
    router.Post("/slow/:n", says("slow pattern"));
    router.set_blocking(false);
    router.Get("/fast-again", says("fast again"));

    auto find = [&](const std::string& method, const std::string& path) {
        auto request = request_for(method, path);
        return router.find(request);
    };
    REQUIRE(find("GET", "/fast"));
    REQUIRE(find("GET", "/slow"));
    REQUIRE(find("POST", "/slow/1"));
    REQUIRE(find("GET", "/fast-again"));
    REQUIRE(find("HEAD", "/slow"));
    CHECK_FALSE(find("GET", "/fast")->blocking);
    CHECK(find("GET", "/slow")->blocking);
    CHECK(find("POST", "/slow/1")->blocking);
    CHECK(find("HEAD", "/slow")->blocking);
    CHECK_FALSE(find("GET", "/fast-again")->blocking);

    const auto& routes = router.routes();
    REQUIRE(routes.size() == 4);
    CHECK(routes[0].method == "GET");
    CHECK(routes[0].pattern == "/fast");
    CHECK(routes[2].method == "POST");
    CHECK(routes[2].pattern == "/slow/:n");
    CHECK(std::vector<bool>{routes[0].blocking, routes[1].blocking, routes[2].blocking, routes[3].blocking} ==
          std::vector<bool>{false, true, true, false});
}

TEST_CASE("router: find() from several threads at once") {
    Router router;
    for (int i = 0; i < 50; ++i) router.Get("/exact/" + std::to_string(i), says(std::to_string(i)));
    router.Get("/pattern/:n", says("pattern"));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                int n = (i + t) % 50;
                if (answer(router, "GET", "/exact/" + std::to_string(n)) != std::to_string(n)) ++wrong;
                auto request = request_for("GET", "/pattern/" + std::to_string(n));
                const Route* route = router.find(request);
                if (!route || request.param("n") != std::to_string(n)) ++wrong;
            }
        });
    for (auto& thread : threads) thread.join();
    CHECK(wrong == 0);
}

TEST_CASE("router: install() serves the same routes on an httplib::Server") {
    Router router;
    router.Get("/hello", says("hello"));
    router.Get("/echo/:word", [](const Request& request, Response& response) {
        response.set_content(std::string(request.param("word")), "text/plain");
    });
    router.Post("/thing", says("post"));
    router.Put("/thing", says("put"));
    router.Patch("/thing", says("patch"));
    router.Delete("/thing", says("delete"));

    httplib::Server server;
    install(router, server);
    int port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    std::thread serving([&] { server.listen_after_bind(); });
    struct Stop {
        httplib::Server& server;
        std::thread& thread;
        ~Stop() {
            // stop() before the accept loop started would be lost: wait for it first.
            for (int i = 0; i < 500 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
            server.stop();
            if (thread.joinable()) thread.join();
        }
    } stop{server, serving};
    for (int i = 0; i < 500 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(server.is_running());

    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(5);
    client.set_read_timeout(5);
    auto hello = client.Get("/hello");
    REQUIRE(hello);
    CHECK(hello->status == 200);
    CHECK(hello->body == "hello");
    auto echo = client.Get("/echo/abc");
    REQUIRE(echo);
    CHECK(echo->body == "abc");
    auto post = client.Post("/thing", "x", "text/plain");
    REQUIRE(post);
    CHECK(post->body == "post");
    auto put = client.Put("/thing", "x", "text/plain");
    REQUIRE(put);
    CHECK(put->body == "put");
    auto patch = client.Patch("/thing", "x", "text/plain");
    REQUIRE(patch);
    CHECK(patch->body == "patch");
    auto del = client.Delete("/thing");
    REQUIRE(del);
    CHECK(del->body == "delete");
    auto missing = client.Get("/nope");
    REQUIRE(missing);
    CHECK(missing->status == 404);
}
