// libcurl is opened on first use (src/upstream/curl_loader.cpp): its
// functions, variadic ones included, reach the real library with their
// arguments intact.
#include <doctest/doctest.h>

#include <curl/curl.h>

#include <memory>
#include <string>

TEST_CASE("curl loader: plain calls forward to libcurl") {
    REQUIRE(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), curl_url_cleanup);
    REQUIRE(url);
    REQUIRE(curl_url_set(url.get(), CURLUPART_URL, "https://user@example.com:8443/v1/chat?x=1", 0) == CURLUE_OK);
    char* host = nullptr;
    REQUIRE(curl_url_get(url.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK);
    REQUIRE(host != nullptr);
    CHECK(std::string(host) == "example.com");
    curl_free(host);
    CHECK(std::string(curl_easy_strerror(CURLE_COULDNT_CONNECT)).find("connect") != std::string::npos);
}

TEST_CASE("curl loader: variadic options (a pointer, a long, a function) and getinfo keep their values") {
    CURL* easy = curl_easy_init();
    REQUIRE(easy != nullptr);
    // Port 1 on loopback refuses at once: the URL (a pointer) and the
    // timeout (a long) must both have arrived for this to fail this way.
    CHECK(curl_easy_setopt(easy, CURLOPT_URL, "http://127.0.0.1:1/") == CURLE_OK);
    CHECK(curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 2000L) == CURLE_OK);
    CHECK(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) == CURLE_OK);
    curl_write_callback sink = [](char*, size_t size, size_t count, void*) { return size * count; };
    CHECK(curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, sink) == CURLE_OK);
    CHECK(curl_easy_setopt(easy, static_cast<CURLoption>(99999), 0L) != CURLE_OK); // libcurl itself answers
    CHECK(curl_easy_perform(easy) == CURLE_COULDNT_CONNECT);
    char* effective = nullptr;
    REQUIRE(curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK);
    REQUIRE(effective != nullptr);
    CHECK(std::string(effective) == "http://127.0.0.1:1/");
    long code = -1;
    REQUIRE(curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK);
    CHECK(code == 0);
    curl_easy_cleanup(easy);
}
