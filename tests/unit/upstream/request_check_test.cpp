// The check both upstream paths make before they write a request
// (upstream::check_request): header names are tokens, values carry no CR, LF,
// NUL, other C0 control or DEL, the method is a token and the URL has no
// space or control. Values injected straight at the client API never reach
// the upstream, on the native path (in a fiber) and on libcurl (outside).
#include "unit/upstream/plain_http_fixture.hpp"

using namespace plain_http_test;

namespace {

HttpRequest post_to(const std::string& url, Headers headers) {
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers = std::move(headers);
    request.body = R"({"model":"m"})";
    return request;
}

// Header lines that would end the field early and add a header, or a whole
// second request, on the same connection.
const std::vector<std::pair<std::string, std::string>> k_bad_values = {
    {"anthropic-version", "2023-06-01\nX-Smuggled: y"},
    {"anthropic-version", "2023-06-01\r\nX-Smuggled: y"},
    {"anthropic-beta", "b1\rX-Smuggled: y"},
    {"anthropic-beta", std::string("b1\0X-Smuggled: y", 16)},
    {"Authorization", "Bearer k\r\n\r\nDELETE /v1/files HTTP/1.1\r\nHost: x"},
    {"x-api-key", "k\x01"},
    {"x-api-key", "k\x7f"},
    {"x-api-key", "k\x1b[31m"},
};

const std::vector<std::string> k_bad_names = {"X Smuggled", "X-Smuggled:", "X\nY", "", "X\r", "Ä", "X(y)"};

} // namespace

TEST_CASE("upstream request check: field values, names, methods and URLs") {
    CHECK(is_field_value(""));
    CHECK(is_field_value("2023-06-01"));
    CHECK(is_field_value("a\tb c"));
    CHECK(is_field_value("caf\xc3\xa9")); // obs-text passes (RFC 9110 allows it)
    for (const auto& [name, value] : k_bad_values) CHECK_FALSE(is_field_value(value));

    CHECK(check_request(post_to("http://127.0.0.1:1/v1/messages", {{"anthropic-beta", "a,b"}})));
    for (const auto& [name, value] : k_bad_values) {
        auto checked = check_request(post_to("http://127.0.0.1:1/v1/messages", {{name, value}}));
        REQUIRE_FALSE(checked);
        CHECK(checked.error().code == ErrorCode::invalid_argument);
        CHECK_FALSE(checked.error().retryable);
        CHECK(checked.error().message.find(name) != std::string::npos);        // says which header
        CHECK(checked.error().message.find("X-Smuggled") == std::string::npos); // never echoes the value
    }
    for (const auto& name : k_bad_names) {
        auto checked = check_request(post_to("http://127.0.0.1:1/", {{name, "v"}}));
        REQUIRE_FALSE(checked);
        CHECK(checked.error().code == ErrorCode::invalid_argument);
    }
    for (const std::string url : {"http://127.0.0.1:1/v1/models/gpt 4o", "http://127.0.0.1:1/v1\r\nX: y",
                                  "http://127.0.0.1:1/v1/m\x7f", "http://127.0.0.1:1/caf\xc3\xa9", ""})
        CHECK_FALSE(check_request(post_to(url, {})));
    HttpRequest bad_method = post_to("http://127.0.0.1:1/", {});
    bad_method.method = "POST /x HTTP/1.1\r\n";
    CHECK_FALSE(check_request(bad_method));
}

TEST_CASE("upstream request check: injected headers are never sent, on the native path and through libcurl") {
    TestServer server(serve_all([](const SeenRequest&) { return answer(200, "{}"); }));
    std::string url = server.url("/v1/messages");

    SUBCASE("native path (in a fiber)") {
        for (const auto& [name, value] : k_bad_values) {
            Call call;
            REQUIRE(run_fiber([&] { call.make(post_to(url, {{name, value}})); }));
            check_native(call);
            check_failed(call, ErrorCode::invalid_argument);
        }
        for (const auto& name : k_bad_names) {
            Call call;
            REQUIRE(run_fiber([&] { call.make(post_to(url, {{name, "v"}})); }));
            check_failed(call, ErrorCode::invalid_argument);
        }
    }
    SUBCASE("libcurl (outside a loop)") {
        for (const auto& [name, value] : k_bad_values) {
            Call call;
            call.make(post_to(url, {{name, value}}));
            CHECK_FALSE(call.native);
            check_failed(call, ErrorCode::invalid_argument);
        }
        for (const auto& name : k_bad_names) {
            Call call;
            call.make(post_to(url, {{name, "v"}}));
            check_failed(call, ErrorCode::invalid_argument);
        }
    }
    CHECK(server.connections() == 0); // not one byte went out

    // The same server takes a clean request on either path, its header intact and alone.
    Call native, curl;
    REQUIRE(run_fiber([&] { native.make(post_to(url, {{"anthropic-beta", "b1"}, {"x-empty", ""}})); }));
    curl.make(post_to(url, {{"anthropic-beta", "b1"}, {"x-empty", ""}}));
    REQUIRE_MESSAGE(native.ok(), native.error().message);
    REQUIRE_MESSAGE(curl.ok(), curl.error().message);
    auto seen = server.requests();
    REQUIRE(seen.size() == 2);
    for (const auto& request : seen) {
        CHECK(header_value(request.headers, "anthropic-beta") == "b1");
        CHECK(header_value(request.headers, "x-empty") == ""); // sent empty by both paths, not dropped
        CHECK(request.body == R"({"model":"m"})");
    }
}
