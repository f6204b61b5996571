// http::Router: exact paths, regex patterns filling request.matches, HEAD
// finding GET routes, method mismatches, the blocking flag, and install()
// onto an httplib::Server.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "megarouter/http/router.hpp"

using namespace megarouter::http;

namespace {

Handler says(std::string text) {
    return [text](const httplib::Request&, httplib::Response& response) { response.set_content(text, "text/plain"); };
}

httplib::Request request_for(const std::string& method, const std::string& path) {
    httplib::Request request;
    request.method = method;
    request.path = path;
    return request;
}

// What the route found for method + path answers, or "<none>".
std::string answer(const Router& router, const std::string& method, const std::string& path) {
    auto request = request_for(method, path);
    const Route* route = router.find(request);
    if (!route) return "<none>";
    httplib::Response response;
    route->handler(request, response);
    return response.body;
}

} // namespace

TEST_CASE("router: exact paths and regex patterns") {
    Router router;
    router.Get("/v1/models", says("list"));
    router.Get(R"(/v1/models/([^/]+))", says("one"));
    router.Get("/a.b", says("dotted")); // no '(': exact, the dot is a dot

    CHECK(answer(router, "GET", "/v1/models") == "list");
    CHECK(answer(router, "GET", "/v1/models/gpt-4o") == "one");
    CHECK(answer(router, "GET", "/a.b") == "dotted");
    CHECK(answer(router, "GET", "/axb") == "<none>");

    // Patterns match the whole path, not a part of it.
    CHECK(answer(router, "GET", "/v1/models/gpt-4o/extra") == "<none>");
    CHECK(answer(router, "GET", "/prefix/v1/models/gpt-4o") == "<none>");
    CHECK(answer(router, "GET", "/v1/models/") == "<none>");
    // Exact paths are exact.
    CHECK(answer(router, "GET", "/v1/models/") == "<none>");
    CHECK(answer(router, "GET", "/v1/model") == "<none>");
    CHECK(answer(router, "GET", "/V1/MODELS") == "<none>");
    CHECK(answer(router, "GET", "") == "<none>");
}

TEST_CASE("router: a pattern route fills request.matches with its groups") {
    Router router;
    router.Get(R"(/api/keys/([^/]+)/usage/(\d+))", says("usage"));
    auto request = request_for("GET", "/api/keys/key_123/usage/2024");
    const Route* route = router.find(request);
    REQUIRE(route != nullptr);
    CHECK(route->pattern == R"(/api/keys/([^/]+)/usage/(\d+))");
    REQUIRE(request.matches.size() == 3);
    CHECK(request.matches[0] == "/api/keys/key_123/usage/2024");
    CHECK(request.matches[1] == "key_123");
    CHECK(request.matches[2] == "2024");

    auto miss = request_for("GET", "/api/keys/key_123/usage/year");
    CHECK(router.find(miss) == nullptr);
}

TEST_CASE("router: an exact path wins over a pattern, and patterns are tried in the order added") {
    Router router;
    router.Get(R"(/v1/models/(.+))", says("pattern"));
    router.Get("/v1/models/special", says("exact")); // added after the pattern, still wins
    router.Get(R"(/items/(\d+))", says("digits"));
    router.Get(R"(/items/(.+))", says("anything"));

    CHECK(answer(router, "GET", "/v1/models/special") == "exact");
    CHECK(answer(router, "GET", "/v1/models/other") == "pattern");
    CHECK(answer(router, "GET", "/items/42") == "digits");
    CHECK(answer(router, "GET", "/items/abc") == "anything");
}

TEST_CASE("router: methods must match; HEAD finds GET routes") {
    Router router;
    router.Get("/thing", says("get"));
    router.Post("/thing", says("post"));
    router.Put("/thing", says("put"));
    router.Patch("/thing", says("patch"));
    router.Delete(R"(/thing/(\d+))", says("delete"));
    router.Post("/post-only", says("post-only"));
    router.Get(R"(/files/(.+))", says("file"));

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
    REQUIRE(head.matches.size() == 2);
    CHECK(head.matches[1] == "a/b.txt");
}

TEST_CASE("router: routes added while set_blocking(true) are blocking") {
    Router router;
    router.Get("/fast", says("fast"));
    router.set_blocking(true);
    router.Get("/slow", says("slow"));
    router.Post(R"(/slow/(\d+))", says("slow pattern"));
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
    CHECK(routes[2].pattern == R"(/slow/(\d+))");
    CHECK(std::vector<bool>{routes[0].blocking, routes[1].blocking, routes[2].blocking, routes[3].blocking} ==
          std::vector<bool>{false, true, true, false});
}

TEST_CASE("router: find() from several threads at once") {
    Router router;
    for (int i = 0; i < 50; ++i) router.Get("/exact/" + std::to_string(i), says(std::to_string(i)));
    router.Get(R"(/pattern/(\d+))", says("pattern"));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                int n = (i + t) % 50;
                if (answer(router, "GET", "/exact/" + std::to_string(n)) != std::to_string(n)) ++wrong;
                auto request = request_for("GET", "/pattern/" + std::to_string(n));
                const Route* route = router.find(request);
                if (!route || request.matches.size() != 2 || request.matches[1] != std::to_string(n)) ++wrong;
            }
        });
    for (auto& thread : threads) thread.join();
    CHECK(wrong == 0);
}

TEST_CASE("router: install() serves the same routes on an httplib::Server") {
    Router router;
    router.Get("/hello", says("hello"));
    router.Get(R"(/echo/(\w+))", [](const httplib::Request& request, httplib::Response& response) {
        response.set_content(request.matches[1].str(), "text/plain");
    });
    router.Post("/thing", says("post"));
    router.Put("/thing", says("put"));
    router.Patch("/thing", says("patch"));
    router.Delete("/thing", says("delete"));

    httplib::Server server;
    router.install(server);
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
