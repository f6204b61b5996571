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
