// `megarouter models show` and `models --sort quality` with the built-in
// catalog: measured quality says its source and date, estimates say so, and
// a [[models]] entry's quality shows as coming from the config.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "e2e/support.hpp"

using namespace megarouter::e2e;
using nlohmann::json;

TEST_CASE("models e2e: show prints the quality with its source, date and categories") {
    TempHome home;
    auto show = run_megarouter({"models", "show", "gpt-4o"}, home.env());
    REQUIRE(show.exit_code == 0);
    INFO(show.out);
    CHECK(show.out.find("quality") != std::string::npos);
    CHECK(show.out.find("(lmarena, 20") != std::string::npos);
    CHECK(show.out.find("Quality by category (0-100):") != std::string::npos);
    CHECK(show.out.find("  coding ") != std::string::npos);

    auto as_json = run_megarouter({"models", "show", "gpt-4o", "--json"}, home.env());
    REQUIRE(as_json.exit_code == 0);
    json doc = json::parse(as_json.out);
    CHECK(doc["quality"].is_number());
    CHECK(doc["quality_source"] == "lmarena");
    CHECK(doc["quality_date"].get<std::string>().size() == 10);
    CHECK(doc["quality_estimated"] == false);
    CHECK(doc["quality_by_category"]["coding"]["value"].is_number());
    CHECK(doc["quality_by_category"]["coding"]["source"].is_string());
}

TEST_CASE("models e2e: an estimated quality is marked as an estimate") {
    TempHome home;
    auto list = run_megarouter({"models", "--json", "--include-deprecated"}, home.env());
    REQUIRE(list.exit_code == 0);
    std::string estimated;
    for (const json& m : json::parse(list.out))
        if (m["quality_estimated"] == true) {
            estimated = m["id"];
            CHECK(m["quality_source"] == "estimate");
            break;
        }
    REQUIRE_FALSE(estimated.empty());
    auto show = run_megarouter({"models", "show", estimated}, home.env());
    REQUIRE(show.exit_code == 0);
    CHECK(show.out.find("(estimate from family and tier)") != std::string::npos);
    CHECK(show.out.find(" ~") != std::string::npos);
}

TEST_CASE("models e2e: --sort quality lists the highest quality first") {
    TempHome home;
    auto list = run_megarouter({"models", "--sort", "quality", "--json"}, home.env());
    REQUIRE(list.exit_code == 0);
    json rows = json::parse(list.out);
    REQUIRE(rows.size() > 100);
    double previous = 101;
    for (const json& row : rows) {
        REQUIRE(row["quality"].is_number());
        CHECK(row["quality"].get<double>() <= previous);
        previous = row["quality"].get<double>();
    }
    auto reversed = run_megarouter({"models", "--sort", "quality", "--reverse", "--json"}, home.env());
    REQUIRE(reversed.exit_code == 0);
    CHECK(json::parse(reversed.out).front()["quality"].get<double>() <= rows.back()["quality"].get<double>());
    auto table = run_megarouter({"models", "--sort", "quality"}, home.env());
    REQUIRE(table.exit_code == 0);
    CHECK(table.out.find("QUAL") != std::string::npos);
}

TEST_CASE("models e2e: a custom model's quality comes from the config") {
    TempHome home;
    home.write_config("[[models]]\nid = \"local-llama\"\nprovider = \"ollama\"\n"
                      "base_url = \"http://127.0.0.1:11434/v1\"\ncontext = 8192\nquality = 99.5\n");
    auto show = run_megarouter({"models", "show", "local-llama"}, home.env());
    REQUIRE(show.exit_code == 0);
    CHECK(show.out.find("99.5 (config)") != std::string::npos);
    auto first = run_megarouter({"models", "--sort", "quality", "--json"}, home.env());
    REQUIRE(first.exit_code == 0);
    CHECK(json::parse(first.out).front()["id"] == "local-llama");

    home.write_config("[[models]]\nid = \"local-llama\"\ncontext = 8192\nquality = 101\n");
    auto refused = run_megarouter({"models", "show", "local-llama"}, home.env());
    CHECK(refused.exit_code == 78);
    CHECK(refused.err.find("0 to 100") != std::string::npos);
}
