#include <doctest/doctest.h>

#include "megarouter/providers/json_pick.hpp"

using megarouter::providers::pick_member;
using nlohmann::json;

TEST_CASE("providers: pick_member reads one top-level member and checks the whole document") {
    const char* answer = R"({"id":"x","choices":[{"message":{"content":"hi","usage":{"prompt_tokens":99}}}],)"
                         R"("usage":{"prompt_tokens":12,"completion_tokens":3,"details":{"cached":[1,[2,{"a":null}]]}},)"
                         R"("after":{"usage":5}})";
    auto usage = pick_member(answer, "usage");
    REQUIRE(usage);
    CHECK(*usage == json::parse(answer)["usage"]); // the nested "usage" keys are not taken
    CHECK(pick_member(answer, "missing")->is_null());
    CHECK((*pick_member(R"({"n":1.5,"s":"t","b":false})", "s")) == "t");
    CHECK((*pick_member(R"({"n":1.5})", "n")) == 1.5);
    CHECK(pick_member(R"([{"usage":1}])", "usage")->is_null()); // not an object
    CHECK_FALSE(pick_member(R"({"usage":{"a":1}, "x": })", "usage"));        // invalid after the member
    CHECK_FALSE(pick_member(R"({"usage":{"a":1}} trailing)", "usage"));
    CHECK_FALSE(pick_member("", "usage"));
}

TEST_CASE("providers: pick_member accepts exactly what a JSON parser accepts") {
    // Hand-picked edge cases of the grammar.
    const char* cases[] = {
        R"({"a":01})", R"({"a":1.})", R"({"a":-})", R"({"a":1e})", R"({"a":1e+5})", R"({"a":-0.5E-3})",
        R"({"a":"\x"})", R"({"a":"\u12G4"})", R"({"a":"\u00e9\n\"\\\/"})", "{\"a\":\"tab\there\"}",
        "{\"a\":\"\xC3\xA9\"}", "{\"a\":\"\xC3\"}", "{\"a\":\"\xED\xA0\x80\"}", "{\"a\":\"\xF4\x90\x80\x80\"}",
        "{\"a\":\"\xE0\x80\xAF\"}", "{\"a\":\"\xF0\x9F\x98\x80\"}", R"({"a":tru})", R"({"a":nul})", R"({"a":[1,]})",
        R"({"a":[,1]})", R"({,"a":1})", R"({"a":1,})", R"({"a" 1})", R"({"a":{}})", R"({"a":[]})", R"( { } )",
        R"([])", R"("x")", R"(12)", R"({"a":[[[[{}]]]]})", R"({"a":1}})", R"({"a":1}])", R"({"a":[1})", R"({"a":{"b":1]})",
        R"({"usage":{"x":1},"usage":{"y":2}})", "", " ", R"({"a":1} {"b":2})", "{\"a\":1}\n",
    };
    for (const char* text : cases) {
        CAPTURE(text);
        bool parses = json::accept(text);
        auto picked = pick_member(text, "usage");
        CHECK(picked.has_value() == parses);
        if (parses && picked) CHECK(*picked == (json::parse(text).is_object() && json::parse(text).contains("usage")
                                                    ? json::parse(text)["usage"] : json()));
    }
    // Every prefix and every one-byte corruption of a real answer.
    std::string answer = R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",)"
                         R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello \"there\" \u00e9",)"
                         R"("tool_calls":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":12,)"
                         R"("total_tokens":21,"prompt_tokens_details":{"cached_tokens":0}},"system_fingerprint":null})";
    for (std::size_t i = 0; i <= answer.size(); ++i) {
        std::string prefix = answer.substr(0, i);
        CHECK(pick_member(prefix, "usage").has_value() == json::accept(prefix));
    }
    const char replacements[] = {'"', '{', '}', '[', ']', ',', ':', '0', 'x', '\\', ' ', '\x01', '-'};
    for (std::size_t i = 0; i < answer.size(); ++i)
        for (char r : replacements) {
            std::string changed = answer;
            changed[i] = r;
            bool parses = json::accept(changed);
            auto picked = pick_member(changed, "usage");
            CAPTURE(changed);
            REQUIRE(picked.has_value() == parses);
            if (parses) {
                json whole = json::parse(changed);
                CHECK(*picked == (whole.is_object() && whole.contains("usage") ? whole["usage"] : json()));
            }
        }
}
