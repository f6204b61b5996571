// `megarouter route` on the real catalog: the dry run answers the question
// (which model, why) without drowning it in every deployment (issue 19, item 4).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

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
    CHECK(explain.out.find("candidates (10 of " + std::to_string(total)) != std::string::npos);
    CHECK(explain.out.find("learned   predicted easy") != std::string::npos);
    CHECK(explain.out.find("[router model: builtin]") != std::string::npos);
    CHECK(explain.out.find("--all lists every one") != std::string::npos);
    CHECK(explain.out.find("deprecated (") != std::string::npos); // grouped by reason, with the count
    CHECK(lines(explain.out) < 120);

    auto all = run_megarouter({"route", "Hello", "--all"}, home.env());
    REQUIRE(all.exit_code == 0);
    CHECK(lines(all.out) > total);
}

TEST_CASE("route e2e: route eval reads labelled prompts and reports APGR beside the baselines") {
    TempHome home;
    auto file = home.path() / "labelled.jsonl";
    std::ofstream(file) << R"({"prompt":"Hello there!","weak":1,"strong":1})" "\n"
                        << R"({"prompt":"Prove that there are infinitely many primes.","weak":0,"strong":1})" "\n"
                        << "\n" // blank lines are skipped
                        << R"({"request":{"model":"auto","messages":[{"role":"user","content":"thanks"}]},"weak":1,"strong":1})" "\n"
                        << R"({"prompt":"Summarise this.","scores":{"small":0.5,"big":0.75},"weak":0.5,"strong":0.75})" "\n";
    auto out = run_megarouter({"route", "eval", file.string(), "--json"}, home.env());
    REQUIRE_MESSAGE(out.exit_code == 0, out.err);
    json figures = json::parse(out.out);
    CHECK(figures["prompts"] == 4);
    CHECK(figures["weak_quality"].get<double>() == doctest::Approx(0.625));
    CHECK(figures["strong_quality"].get<double>() == doctest::Approx(0.9375));
    CHECK(figures["routers"]["random"]["apgr"].get<double>() == doctest::Approx(0.5));
    for (const char* router : {"learned", "analyser", "prompt_length"}) {
        double apgr = figures["routers"][router]["apgr"].get<double>();
        CHECK(apgr >= 0);
        CHECK(apgr <= 1);
    }
    auto named = run_megarouter({"route", "eval", file.string(), "--weak", "small", "--strong", "big"}, home.env());
    CHECK(named.exit_code == 65); // only one line has "scores"
    CHECK(named.err.find("labelled.jsonl:1: has no number scores.small") != std::string::npos);

    auto text = run_megarouter({"route", "eval", file.string()}, home.env());
    REQUIRE(text.exit_code == 0);
    CHECK(text.out.find("learned (builtin)") != std::string::npos);
    CHECK(text.out.find("keyword analyser") != std::string::npos);
    CHECK(text.out.find("4 prompts") != std::string::npos);
    CHECK(run_megarouter({"route", "eval", (home.path() / "missing.jsonl").string()}, home.env()).exit_code == 66);
}
