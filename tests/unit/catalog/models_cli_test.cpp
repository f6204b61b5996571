// `megarouter models ...` run in-process against the fixture catalog (placed
// as the refreshed copy in a temporary MEGAROUTER_HOME).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/table.hpp"
#include "megarouter/catalog/refresh.hpp"
#include "megarouter/cli/cli.hpp"
#include "megarouter/mock/mock_server.hpp"
#include "unit/catalog/fixture.hpp"
#include "unit/catalog/temp_home.hpp"
#include "unit/cli/run_cli.hpp"

using namespace megarouter;
using nlohmann::json;

namespace {

using Outcome = test::CliOutcome;

// Runs the CLI with MEGAROUTER_HOME = home, capturing stdout and stderr.
struct CliHarness {
    catalog::test::TempDir home;
    std::string saved_home;
    bool had_home = false;

    CliHarness() {
        if (const char* value = std::getenv("MEGAROUTER_HOME")) had_home = true, saved_home = value;
        ::setenv("MEGAROUTER_HOME", home.path.c_str(), 1);
        home.write("cache/catalog.json", catalog::test::k_fixture);
    }
    ~CliHarness() {
        if (had_home) ::setenv("MEGAROUTER_HOME", saved_home.c_str(), 1);
        else ::unsetenv("MEGAROUTER_HOME");
    }

    Outcome run(std::vector<std::string> args) const { return test::run_cli(std::move(args)); }
};

std::vector<std::string> ids_of(const std::string& json_text) {
    std::vector<std::string> ids;
    for (const json& model : json::parse(json_text)) ids.push_back(model["id"]);
    return ids;
}

} // namespace

TEST_CASE("catalog: `models` prints a table that fits 80 columns") {
    CliHarness cli;
    Outcome r = cli.run({"models"});
    REQUIRE(r.code == 0);
    CHECK(r.out.starts_with("ID"));
    CHECK(r.out.find("claude-sonnet-4") != std::string::npos);
    CHECK(r.out.find("claude-3-5-haiku") == std::string::npos); // deprecated in 2020: hidden
    CHECK(r.out.find("gemini-1.5-flash") != std::string::npos); // deprecation date in the future
    CHECK(r.out.find('\x1b') == std::string::npos);             // not a terminal: no colour
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        INFO(line);
        CHECK(cli::display_width(line) <= 80);
    }
    CHECK(r.out.find("12 models") != std::string::npos);
    Outcome list = cli.run({"models", "list"});
    CHECK(list.out == r.out);
}

TEST_CASE("catalog: `models` filters and sorts") {
    CliHarness cli;
    CHECK(ids_of(cli.run({"models", "--vendor", "anthropic", "--json"}).out) == std::vector<std::string>{"claude-sonnet-4"});
    CHECK(ids_of(cli.run({"models", "--vendor", "anthropic", "--include-deprecated", "--json"}).out).size() == 2);
    CHECK(ids_of(cli.run({"models", "--search", "SONNET", "--json"}).out) == std::vector<std::string>{"claude-sonnet-4"});
    CHECK(ids_of(cli.run({"models", "--search", "2024-08-06", "--json"}).out) == std::vector<std::string>{"gpt-4o"});
    CHECK(ids_of(cli.run({"models", "--capability", "vision,reasoning", "--sort", "name", "--json"}).out) ==
          std::vector<std::string>{"claude-sonnet-4", "gemini-2.5-pro", "grok-4", "o4-mini"});
    CHECK(ids_of(cli.run({"models", "--tier", "light", "--sort", "price", "--json"}).out) ==
          std::vector<std::string>{"gemini-1.5-flash", "gpt-4o-mini"});
    CHECK(ids_of(cli.run({"models", "--min-context", "1000000", "--sort", "context", "--json"}).out) ==
          std::vector<std::string>{"gemini-1.5-flash", "gemini-2.5-pro", "claude-sonnet-4"});
    CHECK(ids_of(cli.run({"models", "--max-input-price", "0.3", "--max-output-price", "0.5", "--json"}).out) ==
          std::vector<std::string>{"deepseek-chat", "gemini-1.5-flash"});
    auto by_price = ids_of(cli.run({"models", "--sort", "price", "--json"}).out);
    auto reversed = ids_of(cli.run({"models", "--sort", "price", "--reverse", "--json"}).out);
    CHECK(by_price.front() == "gemini-1.5-flash");
    CHECK(by_price.back() == "o1");
    CHECK(reversed.front() == "o1");
    CHECK(ids_of(cli.run({"models", "--sort", "quality", "--json"}).out).front() == "o1");
    CHECK(ids_of(cli.run({"models", "--sort", "released", "--json"}).out).front() == "deepseek-chat");
    // --provider shows that provider's price
    json azure = json::parse(cli.run({"models", "--provider", "azure", "--json"}).out);
    REQUIRE(azure.size() == 1);
    CHECK(azure[0]["price"]["provider"] == "azure");
    CHECK(azure[0]["price"]["in"] == 2.75);
}

TEST_CASE("catalog: `models` writes JSON lines and CSV") {
    CliHarness cli;
    Outcome jsonl = cli.run({"models", "--jsonl", "--vendor", "openai"});
    REQUIRE(jsonl.code == 0);
    std::istringstream lines(jsonl.out);
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count) CHECK(json::parse(line)["vendor"] == "openai");
    CHECK(count == 4);
    Outcome csv = cli.run({"models", "--csv", "--search", "gpt-4o-mini"});
    REQUIRE(csv.code == 0);
    CHECK(csv.out.starts_with("id,name,vendor,family,provider,"));
    CHECK(csv.out.find("gpt-4o-mini,GPT-4o mini,openai,gpt-4o,openai,gpt-4o-mini,128000,16384,0.15,0.6,0.075,light,,"
                       "tools;vision;json_schema;prompt_caching,2024-07-18,") != std::string::npos);
    Outcome both = cli.run({"models", "--csv", "--json"});
    CHECK(both.code == 64);
}

TEST_CASE("catalog: `models show` prints offerings and the example cost") {
    CliHarness cli;
    Outcome r = cli.run({"models", "show", "anthropic/claude-sonnet-4"});
    REQUIRE(r.code == 0);
    CHECK(r.out.starts_with("claude-sonnet-4  Claude Sonnet 4\n"));
    CHECK(r.out.find("1,000,000 tokens") != std::string::npos);
    CHECK(r.out.find("claude-sonnet-4-20250514") != std::string::npos);
    CHECK(r.out.find("$0.0105") != std::string::npos); // 1000*3 + 500*15 micro-dollars
    CHECK(r.out.find("above 200K input tokens: in 6.00, out 22.50") != std::string::npos);
    json show = json::parse(cli.run({"models", "show", "gpt-4o", "--json"}).out);
    CHECK(show["example_costs"][0]["cost_nanos"] == 7'500'000);
    CHECK(show["example_costs"][1]["provider"] == "azure");
}

TEST_CASE("catalog: `models price` prints the cost for scripts") {
    CliHarness cli;
    Outcome r = cli.run({"models", "price", "gpt-4o", "--input", "1000", "--output", "500"});
    CHECK(r.code == 0);
    CHECK(r.out == "0.0075\n");
    CHECK(cli.run({"models", "price", "gpt-4o", "--input", "2000", "--cached", "8000", "--output", "1000"}).out == "0.025\n");
    CHECK(cli.run({"models", "price", "gpt-4o", "--input", "1000", "--provider", "azure"}).out == "0.00275\n");
    json tiered = json::parse(
        cli.run({"models", "price", "claude-sonnet-4", "--input", "250000", "--output", "2000", "--json"}).out);
    CHECK(tiered["cost_usd"] == "1.545");
    CHECK(tiered["tier_above_input_tokens"] == 200000);
    CHECK(tiered["provider"] == "anthropic");
    Outcome no_offer = cli.run({"models", "price", "gpt-4o", "--input", "1", "--provider", "groq"});
    CHECK(no_offer.code == 65);
    CHECK(no_offer.err.find("offered by: openai, azure") != std::string::npos);
}

TEST_CASE("catalog: an unknown model id suggests the nearest and exits 65") {
    CliHarness cli;
    Outcome r = cli.run({"models", "show", "claude-sonet-4"});
    CHECK(r.code == 65);
    CHECK(r.err.find("unknown model 'claude-sonet-4' (did you mean claude-sonnet-4") != std::string::npos);
    CHECK(cli.run({"models", "price", "gpt4o", "--input", "1"}).err.find("did you mean gpt-4o") != std::string::npos);
    CHECK(cli.run({"models", "--capability", "telepathy"}).code == 64);
    CHECK(cli.run({"models", "--sort", "vibes"}).code == 64);
}

TEST_CASE("catalog: `models refresh` against the mock provider writes the cache copy") {
    CliHarness cli;
    mock::MockServer server;
    REQUIRE(server.start("127.0.0.1", 0));
    server.set_models_document(R"({"data":[
      {"id":"deepseek/deepseek-chat","name":"DeepSeek V3","context_length":163840,
       "pricing":{"prompt":"0.00000025","completion":"0.0000008"}},
      {"id":"newco/nova-7b","name":"NewCo: Nova 7B","context_length":65536,
       "pricing":{"prompt":"0.0000001","completion":"0.0000004"}}]})");
    std::string url = server.base_url() + "/api/v1/models";

    Outcome dry = cli.run({"models", "refresh", "--from", url, "--dry-run"});
    REQUIRE(dry.code == 0);
    CHECK(dry.out.find("+ nova-7b") != std::string::npos);
    CHECK(dry.out.find("~ deepseek-chat at openrouter: in 0.30 -> 0.25, out 0.85 -> 0.80") != std::string::npos);
    CHECK(dry.out.find("- o4-mini") != std::string::npos);
    CHECK(dry.out.find("Dry run") != std::string::npos);
    CHECK(cli.run({"models", "show", "nova-7b"}).code == 65); // nothing written

    Outcome real = cli.run({"models", "refresh", "--from", url});
    REQUIRE(real.code == 0);
    CHECK(real.out.find("Wrote") != std::string::npos);
    CHECK(cli.run({"models", "show", "nova-7b"}).code == 0);
    CHECK(cli.run({"models", "price", "deepseek-chat", "--input", "1000000", "--provider", "openrouter"}).out == "0.25\n");

    server.stop();
    Outcome down = cli.run({"models", "refresh", "--from", url});
    CHECK(down.code == 75); // upstream unavailable: temporary failure
    CHECK(cli.run({"models", "refresh", "--from", "/no/such/file.json"}).code == 66);
}

TEST_CASE("catalog: `models` honours config overrides") {
    CliHarness cli;
    cli.home.write("config.toml", "[[models]]\nid = \"local-qwen\"\nprovider = \"ollama\"\ncontext = 32768\n"
                                  "[catalog]\nhidden = [\"o1\"]\n");
    auto ids = ids_of(cli.run({"models", "--json"}).out);
    CHECK(std::find(ids.begin(), ids.end(), "local-qwen") != ids.end());
    CHECK(std::find(ids.begin(), ids.end(), "o1") == ids.end());
    CHECK(cli.run({"models", "price", "local-qwen", "--input", "5000", "--output", "5000"}).out == "0\n");
    cli.home.write("config.toml", "[prices.\"gpt5\"]\ninput = 1\n");
    Outcome bad = cli.run({"models"});
    CHECK(bad.code == 78);
    CHECK(bad.err.find("config.toml:1") != std::string::npos);
}
