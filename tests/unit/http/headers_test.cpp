// http::Headers: case-insensitive lookup over a flat list that keeps order
// and repeated names.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "megarouter/http/headers.hpp"

using namespace megarouter::http;

namespace {
std::vector<std::string> names(const Headers& headers) {
    std::vector<std::string> out;
    for (const auto& [name, value] : headers) out.push_back(name);
    return out;
}
} // namespace

TEST_CASE("http headers: lookup ignores ASCII case and keeps the name as written") {
    Headers headers;
    headers.add("Content-Type", "application/json");
    CHECK(headers.get("content-type") == "application/json");
    CHECK(headers.get("CONTENT-TYPE") == "application/json");
    CHECK(headers.has("Content-type"));
    CHECK_FALSE(headers.has("Content-Typ"));
    CHECK_FALSE(headers.has("Content-Type2"));
    CHECK(headers.get("missing").empty());
    CHECK(headers.find("missing") == nullptr);
    CHECK(names(headers) == std::vector<std::string>{"Content-Type"});
    // Only ASCII letters fold: '-' and '_' differ, bytes above 0x7F compare as they are.
    CHECK_FALSE(iequals("x-a", "x_a"));
    CHECK_FALSE(iequals("\xC3\x89", "\xC3\xA9"));
    CHECK(iequals("X-Megarouter-Model", "x-megarouter-model"));
}

TEST_CASE("http headers: an empty value is present, not missing") {
    Headers headers{{"X-Empty", ""}};
    CHECK(headers.has("x-empty"));
    REQUIRE(headers.find("x-empty") != nullptr);
    CHECK(headers.find("x-empty")->empty());
}

TEST_CASE("http headers: repeated names are kept in order; get returns the first") {
    Headers headers;
    headers.add("Accept", "a");
    headers.add("Host", "h");
    headers.add("accept", "b");
    CHECK(headers.size() == 3);
    CHECK(headers.count("ACCEPT") == 2);
    CHECK(headers.get("Accept") == "a");
    CHECK(names(headers) == std::vector<std::string>{"Accept", "Host", "accept"});

    SUBCASE("set overwrites the first in place and drops the rest") {
        headers.set("ACCEPT", "c");
        CHECK(headers.count("accept") == 1);
        CHECK(headers.get("accept") == "c");
        CHECK(names(headers) == std::vector<std::string>{"Accept", "Host"});
    }
    SUBCASE("set appends a name not there yet") {
        headers.set("Vary", "Origin");
        CHECK(names(headers) == std::vector<std::string>{"Accept", "Host", "accept", "Vary"});
    }
    SUBCASE("erase removes every field of the name") {
        headers.erase("accept");
        CHECK(names(headers) == std::vector<std::string>{"Host"});
    }
}
