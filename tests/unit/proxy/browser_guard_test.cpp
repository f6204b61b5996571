// The browser checks in front of every route (src/proxy/browser_guard.cpp):
// Host names on a loopback bind, Origin and Sec-Fetch-Site, JSON bodies, and
// CORS preflights for configured origins.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "proxy/browser_guard.hpp"

using namespace megarouter;
using proxy::Exposure;

namespace {

http::Request request_with(const std::string& method, const std::string& path, http::Headers headers,
                              const std::string& body = "") {
    http::Request request;
    request.method = method;
    request.path = path;
    request.headers = std::move(headers);
    request.body = body;
    return request;
}

// The status admit_request answers with (0: admitted).
int verdict(const core::ServerSettings& settings, Exposure exposure, const http::Request& request,
            http::Response* out = nullptr) {
    http::Response response;
    bool admitted = proxy::admit_request(settings, exposure, request, response);
    if (out) *out = std::move(response);
    return admitted ? 0 : response.status;
}

int host_verdict(const core::ServerSettings& settings, Exposure exposure, const std::string& host) {
    return verdict(settings, exposure, request_with("GET", "/v1/models", {{"Host", host}}));
}

} // namespace

TEST_CASE("browser guard: on loopback only loopback Host names and allowed_hosts are answered") {
    core::ServerSettings settings;
    for (const char* host : {"localhost", "localhost:4000", "LOCALHOST:4000", "LocalHost", "127.0.0.1", "127.0.0.1:4000",
                             "127.1.2.3:80", "[::1]", "[::1]:4000"})
        CHECK_MESSAGE(host_verdict(settings, Exposure::loopback, host) == 0, host);
    for (const char* host : {"evil.example", "evil.example:4000", "localhost.evil.example", "127.0.0.1.nip.io",
                             "128.0.0.1", "127.0.0.1:http", "127.0.0.1:4000:1", "[::2]:4000", "::1", "", "localhost:",
                             "1.2.3.4", "127.0.0", "127.0.0.256", "127.0.0.1.", "xlocalhost"})
        CHECK_MESSAGE(host_verdict(settings, Exposure::loopback, host) == 421, host);
    // No Host at all: nothing to rebind (HTTP/1.1 requires one, the parser enforces it).
    CHECK(verdict(settings, Exposure::loopback, request_with("GET", "/health", {})) == 0);

    settings.allowed_hosts = {"gateway.internal", "Other.Example:8443"};
    CHECK(host_verdict(settings, Exposure::loopback, "gateway.internal") == 0);
    CHECK(host_verdict(settings, Exposure::loopback, "GATEWAY.internal:4000") == 0);
    CHECK(host_verdict(settings, Exposure::loopback, "other.example:8443") == 0);
    CHECK(host_verdict(settings, Exposure::loopback, "other.example:8444") == 421);
    CHECK(host_verdict(settings, Exposure::loopback, "evil.example") == 421);
    CHECK(host_verdict(settings, Exposure::loopback, "localhost:4000") == 0);
    settings.allowed_hosts = {"*"};
    CHECK(host_verdict(settings, Exposure::loopback, "evil.example") == 0);

    http::Response refused;
    settings.allowed_hosts.clear();
    CHECK(verdict(settings, Exposure::loopback, request_with("POST", "/v1/messages", {{"Host", "evil.example"}}), &refused) == 421);
    auto body = nlohmann::json::parse(refused.body);
    CHECK(body["type"] == "error"); // in the path's API format (Anthropic here)
    CHECK(body["error"]["message"].get<std::string>().find("allowed_hosts") != std::string::npos);
}

TEST_CASE("browser guard: on a network address any Host, unless allowed_hosts is set") {
    core::ServerSettings settings;
    CHECK(host_verdict(settings, Exposure::network, "evil.example") == 0);
    CHECK(host_verdict(settings, Exposure::network, "10.0.0.5:4000") == 0);
    settings.allowed_hosts = {"gateway.internal"};
    CHECK(host_verdict(settings, Exposure::network, "gateway.internal:4000") == 0);
    CHECK(host_verdict(settings, Exposure::network, "127.0.0.1:4000") == 0);
    CHECK(host_verdict(settings, Exposure::network, "10.0.0.5:4000") == 421);
}

TEST_CASE("browser guard: cross-origin browser requests are refused unless the origin is configured") {
    core::ServerSettings settings;
    auto from = [](const std::string& origin, const std::string& host = "127.0.0.1:4000") {
        return request_with("POST", "/v1/chat/completions",
                            {{"Host", host}, {"Origin", origin}, {"Content-Type", "application/json"}}, "{}");
    };
    http::Response response;
    CHECK(verdict(settings, Exposure::loopback, from("https://evil.example"), &response) == 403);
    CHECK(nlohmann::json::parse(response.body)["error"]["message"].get<std::string>().find("cors_origins") !=
          std::string::npos);
    CHECK(verdict(settings, Exposure::loopback, from("null")) == 403);
    CHECK(verdict(settings, Exposure::loopback, from("http://localhost:5173")) == 403); // another local app
    // The proxy's own origin (its dashboard), only under a Host it answers to by name.
    CHECK(verdict(settings, Exposure::loopback, from("http://127.0.0.1:4000")) == 0);
    CHECK(verdict(settings, Exposure::loopback, from("http://localhost:4000", "localhost:4000")) == 0);
    CHECK(verdict(settings, Exposure::loopback, from("http://127.0.0.1:4001")) == 403);
    CHECK(verdict(settings, Exposure::network, from("http://evil.example", "evil.example")) == 403);

    // Sec-Fetch-Site: cross-site without any Origin (a no-cors GET from a page).
    auto no_cors = request_with("GET", "/v1/models", {{"Host", "127.0.0.1:4000"}, {"Sec-Fetch-Site", "cross-site"}});
    CHECK(verdict(settings, Exposure::loopback, no_cors) == 403);
    auto same = request_with("GET", "/admin/spend", {{"Host", "127.0.0.1:4000"}, {"Sec-Fetch-Site", "same-origin"}});
    CHECK(verdict(settings, Exposure::loopback, same) == 0);

    settings.cors_origins = {"http://localhost:5173"};
    CHECK(verdict(settings, Exposure::loopback, from("http://localhost:5173"), &response) == 0);
    CHECK(response.headers.get("Access-Control-Allow-Origin") == "http://localhost:5173");
    CHECK(response.headers.get("Vary") == "Origin");
    CHECK(response.headers.get("Access-Control-Expose-Headers").find("x-request-id") != std::string::npos);
    CHECK(verdict(settings, Exposure::loopback, from("https://evil.example")) == 403);
    settings.cors_origins = {"*"};
    CHECK(verdict(settings, Exposure::loopback, from("https://evil.example")) == 0);
    CHECK(verdict(settings, Exposure::loopback, no_cors) == 0);
    // The Host check comes first, whatever the origin.
    CHECK(verdict(settings, Exposure::loopback, from("https://evil.example", "evil.example")) == 421);
}

TEST_CASE("browser guard: bodies must be JSON") {
    CHECK(proxy::is_json_media_type("application/json"));
    CHECK(proxy::is_json_media_type("Application/JSON; charset=utf-8"));
    CHECK(proxy::is_json_media_type(" application/json ;charset=UTF-8"));
    CHECK(proxy::is_json_media_type("application/merge-patch+json"));
    CHECK_FALSE(proxy::is_json_media_type("text/plain"));
    CHECK_FALSE(proxy::is_json_media_type("text/plain; x=application/json"));
    CHECK_FALSE(proxy::is_json_media_type("application/x-www-form-urlencoded"));
    CHECK_FALSE(proxy::is_json_media_type("multipart/form-data; boundary=x"));
    CHECK_FALSE(proxy::is_json_media_type("application/jsonx"));
    CHECK_FALSE(proxy::is_json_media_type("text/json+x"));
    CHECK_FALSE(proxy::is_json_media_type("application/+json"));
    CHECK_FALSE(proxy::is_json_media_type(""));

    core::ServerSettings settings;
    auto post = [](http::Headers headers, const std::string& body = R"({"model":"m"})") {
        headers.add("Host", "127.0.0.1:4000");
        return request_with("POST", "/v1/chat/completions", std::move(headers), body);
    };
    http::Response response;
    CHECK(verdict(settings, Exposure::loopback, post({{"Content-Type", "text/plain"}}), &response) == 415);
    CHECK(nlohmann::json::parse(response.body)["error"]["message"].get<std::string>().find("application/json") !=
          std::string::npos);
    CHECK(verdict(settings, Exposure::loopback, post({{"Content-Type", "application/x-www-form-urlencoded"}})) == 415);
    CHECK(verdict(settings, Exposure::loopback, post({{"Content-Type", "multipart/form-data; boundary=b"}})) == 415);
    CHECK(verdict(settings, Exposure::loopback, post({{"Content-Type", "application/json"}})) == 0);
    // Without a Content-Type: a script or tool passes, anything that looks like a browser does not.
    CHECK(verdict(settings, Exposure::loopback, post({})) == 0);
    CHECK(verdict(settings, Exposure::loopback, post({{"Sec-Fetch-Site", "same-origin"}})) == 415);
    CHECK(verdict(settings, Exposure::loopback, post({{"Origin", "http://127.0.0.1:4000"}})) == 415);
    // Node's fetch (the SDKs) sends Sec-Fetch-Mode but no Origin and no Sec-Fetch-Site.
    CHECK(verdict(settings, Exposure::loopback, post({{"Sec-Fetch-Mode", "cors"}, {"Content-Type", "application/json"}})) == 0);
    // No body, or a method without one: nothing to check.
    CHECK(verdict(settings, Exposure::loopback, post({{"Content-Type", "text/plain"}}, "")) == 0);
    auto get = request_with("GET", "/v1/models", {{"Host", "127.0.0.1:4000"}, {"Content-Type", "text/plain"}});
    CHECK(verdict(settings, Exposure::loopback, get) == 0);
    auto put = request_with("PUT", "/admin/budgets/x", {{"Host", "127.0.0.1:4000"}, {"Content-Type", "text/plain"}}, "{}");
    CHECK(verdict(settings, Exposure::loopback, put) == 415);
}

TEST_CASE("browser guard: CORS preflight for configured origins only") {
    core::ServerSettings settings;
    auto preflight = [](const std::string& origin, const std::string& host = "127.0.0.1:4000") {
        return request_with("OPTIONS", "/v1/chat/completions",
                            {{"Host", host}, {"Origin", origin}, {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "authorization, content-type, x-stainless-os"}});
    };
    http::Response response;
    REQUIRE(proxy::answer_preflight(settings, Exposure::loopback, preflight("https://evil.example"), response));
    CHECK(response.status == 403);
    CHECK(response.headers.get("Access-Control-Allow-Origin").empty());

    settings.cors_origins = {"http://localhost:5173"};
    response = {};
    REQUIRE(proxy::answer_preflight(settings, Exposure::loopback, preflight("http://localhost:5173"), response));
    CHECK(response.status == 204);
    CHECK(response.headers.get("Access-Control-Allow-Origin") == "http://localhost:5173");
    CHECK(response.headers.get("Access-Control-Allow-Methods").find("POST") != std::string::npos);
    CHECK(response.headers.get("Access-Control-Allow-Headers") == "authorization, content-type, x-stainless-os");
    response = {};
    REQUIRE(proxy::answer_preflight(settings, Exposure::loopback, preflight("http://localhost:5173", "evil.example"), response));
    CHECK(response.status == 421);

    // Requested header names that are not tokens are not echoed back.
    auto odd = preflight("http://localhost:5173");
    odd.headers.erase("Access-Control-Request-Headers");
    odd.headers.add("Access-Control-Request-Headers", "a\x01:b");
    response = {};
    REQUIRE(proxy::answer_preflight(settings, Exposure::loopback, odd, response));
    CHECK(response.status == 204);
    CHECK_FALSE(response.headers.has("Access-Control-Allow-Headers"));

    // OPTIONS without Origin is not a preflight: left alone.
    response = {};
    CHECK_FALSE(proxy::answer_preflight(settings, Exposure::loopback,
                                        request_with("OPTIONS", "/v1/models", {{"Host", "127.0.0.1:4000"}}), response));
}
