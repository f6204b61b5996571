// `megarouter route` on the real catalog: the dry run answers the question
// (which model, why) without drowning it in every deployment (issue 19, item 4).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "e2e/support.hpp"

using namespace megarouter::e2e;
using nlohmann::json;

namespace {

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

} // namespace

TEST_CASE("route e2e: --json is a summary, --all is everything, --explain stays readable") {
    TempHome home;
    // No provider keys: the plan covers every provider of the catalog, the largest it gets.
    auto summary = run_megarouter({"route", "Hello", "--json"}, home.env());
    REQUIRE(summary.exit_code == 0);
    json plan = json::parse(summary.out);
    std::size_t total = plan["candidates_total"].get<std::size_t>();
    REQUIRE(total > 100); // hundreds of deployments qualify for "Hello"
    CHECK(plan["detail"] == "summary");
    CHECK(plan["candidates"].size() == 10);
    CHECK(summary.out.size() < 40'000);
    std::size_t counted = 0;
    for (auto& [reason, count] : plan["excluded_by_reason"].items()) counted += count.get<std::size_t>();
    CHECK(counted == plan["excluded_total"].get<std::size_t>());

    auto full = run_megarouter({"route", "Hello", "--json", "--all"}, home.env());
    REQUIRE(full.exit_code == 0);
    json everything = json::parse(full.out);
    CHECK(everything["detail"] == "full");
    CHECK(everything["candidates"].size() == total);
    CHECK(everything["excluded"].size() == everything["excluded_total"].get<std::size_t>());
    CHECK(everything["chosen"] == plan["chosen"]);

    auto brief = run_megarouter({"route", "Hello"}, home.env());
    REQUIRE(brief.exit_code == 0);
    CHECK(brief.out.find("--explain for more") != std::string::npos);
    CHECK(lines(brief.out) < 40);

    auto explain = run_megarouter({"route", "Hello", "--explain"}, home.env());
    REQUIRE(explain.exit_code == 0);
    CHECK(explain.out.find("candidates (20 of " + std::to_string(total)) != std::string::npos);
    CHECK(explain.out.find("--all lists every one") != std::string::npos);
    CHECK(explain.out.find("deprecated (") != std::string::npos); // grouped by reason, with the count
    CHECK(lines(explain.out) < 120);

    auto all = run_megarouter({"route", "Hello", "--all"}, home.env());
    REQUIRE(all.exit_code == 0);
    CHECK(lines(all.out) > total);
}
