#include <doctest/doctest.h>

#include <string>

#include "megarouter/core/json.hpp"

using namespace megarouter;

namespace {

std::string nested_arrays(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }

// `levels` objects, each the value of member "a" of the one around it.
std::string nested_objects(int levels) {
    std::string out;
    for (int i = 0; i < levels; ++i) out += "{\"a\":";
    out += "1";
    out.append(levels, '}');
    return out;
}

bool fails_with(const Result<nlohmann::json>& parsed, std::string_view words) {
    return !parsed && parsed.error().code == ErrorCode::invalid_argument &&
           parsed.error().message.find(words) != std::string::npos;
}

const core::JsonLimits k_limits{.max_depth = 64, .max_values = 1000};

} // namespace

TEST_CASE("core json: nesting at the limit parses, one level more fails naming the limit") {
    CHECK(core::parse_json_bounded(nested_arrays(64), k_limits));
    CHECK(core::parse_json_bounded(nested_objects(64), k_limits));
    auto deeper = core::parse_json_bounded(nested_arrays(65), k_limits);
    REQUIRE(!deeper);
    CHECK(deeper.error().code == ErrorCode::invalid_argument);
    CHECK(deeper.error().message == "JSON nesting deeper than 64 levels (max_json_depth)");
    CHECK(fails_with(core::parse_json_bounded(nested_objects(65), k_limits), "deeper than 64 levels"));
    CHECK(fails_with(core::parse_json_bounded(nested_arrays(3), {.max_depth = 2}), "deeper than 2 levels"));
}

TEST_CASE("core json: brackets inside strings do not count") {
    std::string brackets(5000, '[');
    std::string text = R"({"a":")" + brackets + R"(","b":"]]]}}}{{{","c":"\"[[[\\","d":[")" + brackets + "\"]}";
    auto parsed = core::parse_json_bounded(text, k_limits);
    REQUIRE(parsed);
    CHECK((*parsed)["a"].get<std::string>().size() == 5000);
    CHECK((*parsed)["c"] == "\"[[[\\");
    // An escaped backslash before the closing quote ends the string, so the
    // brackets after it count.
    CHECK(fails_with(core::parse_json_bounded(R"(["\\",)" + nested_arrays(64) + "]", k_limits), "deeper than 64"));
    // An escaped quote does not end it: these brackets are text.
    CHECK(core::parse_json_bounded(R"(["\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["])",
                                   k_limits));
}

TEST_CASE("core json: deep nesting fails in every position") {
    std::string deep = nested_arrays(65);
    for (std::string text : {deep, "{\"metadata\":" + deep + "}", "[1,2," + deep + "]",
                             "{\"tools\":[{\"function\":{\"parameters\":" + nested_objects(63) + "}}]}",
                             R"({"a":"x","b":{"c":[)" + deep + "]}}", deep + " ", "  \n" + deep}) {
        CAPTURE(text.substr(0, 60));
        CHECK(fails_with(core::parse_json_bounded(text, k_limits), "max_json_depth"));
    }
    // Unclosed and invalid documents fail too (by the scan or by the parse).
    CHECK(!core::parse_json_bounded(std::string(100000, '['), k_limits));
    CHECK(!core::parse_json_bounded(std::string(100000, '{'), k_limits));
    CHECK(fails_with(core::parse_json_bounded("{\"a\":[1,2}", k_limits), "not valid JSON"));
}

TEST_CASE("core json: the value limit counts every value and key") {
    // 1 array + 999 numbers = 1000 values: at the limit.
    std::string numbers = "[0";
    for (int i = 1; i < 999; ++i) numbers += ",0";
    numbers += "]";
    CHECK(core::parse_json_bounded(numbers, k_limits));
    CHECK(fails_with(core::parse_json_bounded("[0," + numbers.substr(1), k_limits),
                     "JSON with more than 1000 values (max_json_values)"));
    // 1 object + 333 members of a key and an empty array = 667 counted.
    std::string members = "{";
    for (int i = 0; i < 333; ++i) members += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":[]";
    members += "}";
    CHECK(core::parse_json_bounded(members, {.max_depth = 64, .max_values = 667}));
    CHECK(fails_with(core::parse_json_bounded(members, {.max_depth = 64, .max_values = 666}), "max_json_values"));
    // Literals, negative numbers and strings each count once.
    CHECK(core::parse_json_bounded(R"([true,false,null,-1.5e3,"s"])", {.max_depth = 64, .max_values = 6}));
    CHECK(!core::parse_json_bounded(R"([true,false,null,-1.5e3,"s"])", {.max_depth = 64, .max_values = 5}));
    CHECK(core::parse_json_bounded("42", {.max_depth = 64, .max_values = 1}));
}

TEST_CASE("core json: the limits come from [server]") {
    core::ServerSettings server;
    server.max_json_depth = 7;
    server.max_json_values = 99;
    core::JsonLimits limits = core::json_limits(server);
    CHECK(limits.max_depth == 7);
    CHECK(limits.max_values == 99);
    CHECK(core::json_limits(core::ServerSettings{}).max_depth == 64);
    CHECK(core::json_limits(core::ServerSettings{}).max_values == 1'000'000);
}

TEST_CASE("core json: [server] max_json_depth and max_json_values are read and range-checked") {
    auto set = core::parse_config("[server]\nmax_json_depth = 100\nmax_json_values = 5000\n", "j.toml");
    REQUIRE(set);
    CHECK(set->server.max_json_depth == 100);
    CHECK(set->server.max_json_values == 5000);
    CHECK(core::parse_config("[server]\nmax_json_depth = 512\n", "j.toml"));
    // Deeper trees would overflow a connection's stack when copied or dumped.
    auto deep = core::parse_config("[server]\nmax_json_depth = 513\n", "j.toml");
    REQUIRE_FALSE(deep);
    CHECK(deep.error().message.find("must be 2 to 512") != std::string::npos);
    CHECK_FALSE(core::parse_config("[server]\nmax_json_depth = 1\n", "j.toml"));
    CHECK_FALSE(core::parse_config("[server]\nmax_json_values = 0\n", "j.toml"));
}

TEST_CASE("core json: a raw NUL byte anywhere is refused (nlohmann would stop reading there)") {
    using namespace std::string_literals;
    for (std::string text : {"{\"a\":1}\0{\"b\":2}"s, "2\0[]"s, "{\"a\":\"x\0y\"}"s}) {
        auto parsed = megarouter::core::parse_json_bounded(text, megarouter::core::JsonLimits{});
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().message.find("NUL") != std::string::npos);
    }
    CHECK(megarouter::core::parse_json_bounded("{\"a\":\"x\\u0000y\"}", megarouter::core::JsonLimits{}));
}

TEST_CASE("core json: member readers never throw on another type, a non-object or a missing member") {
    using nlohmann::json;
    json object = json::parse(R"({"s": "text", "n": 5, "o": {"s": 1}, "b": true, "a": []})");
    CHECK(core::string_member(object, "s") == "text");
    CHECK(core::string_member(object, "n", "fallback") == "fallback"); // value() throws type_error 302 here
    CHECK(core::string_member(object, "o") == "");
    CHECK(core::string_member(object, "missing", "x") == "x");
    CHECK(core::string_member(json::array({1, 2}), "s", "x") == "x"); // value() throws type_error 306 here
    CHECK(core::string_member(json(nullptr), "s") == "");
    CHECK(core::bool_member(object, "b", false));
    CHECK(core::bool_member(object, "s", true));
    CHECK_FALSE(core::bool_member(json("str"), "b", false));
}

TEST_CASE("core json: check_member_types names the first member of another type") {
    using nlohmann::json;
    constexpr core::MemberType members[] = {{"name", core::JsonType::string},
                                            {"amount", core::JsonType::integer},
                                            {"policy", core::JsonType::object},
                                            {"on", core::JsonType::boolean},
                                            {"list", core::JsonType::array}};
    CHECK(core::check_member_types(json::parse(R"({"name": "a", "amount": -3, "policy": {}, "on": false, "list": []})"),
                                   members));
    CHECK(core::check_member_types(json::parse(R"({"name": null, "other": {"x": 1}})"), members)); // null = absent
    auto message = [&](const char* text) {
        auto checked = core::check_member_types(json::parse(text), members);
        REQUIRE_FALSE(checked);
        CHECK(checked.error().code == ErrorCode::invalid_argument);
        return checked.error().message;
    };
    CHECK(message(R"({"name": {"nested": "object"}})") == "'name' must be a string");
    CHECK(message(R"({"amount": "5"})") == "'amount' must be an integer");
    CHECK(message(R"({"amount": 5.5})") == "'amount' must be an integer");
    CHECK(message(R"({"amount": 18446744073709551615})") == "'amount' must be an integer"); // over int64
    CHECK(message(R"({"policy": []})") == "'policy' must be an object");
    CHECK(message(R"({"on": 1})") == "'on' must be a boolean");
    CHECK(message(R"({"list": {}})") == "'list' must be an array");
    CHECK(message(R"([1, 2])") == "the request body must be a JSON object");
}
