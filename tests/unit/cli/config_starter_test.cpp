// `megarouter config init` writes a commented starter file. Every example in
// it must work when uncommented: the test uncomments them all at once and
// loads the result as each reader does.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/core/config.hpp"
#include "megarouter/governance/gate.hpp"
#include "megarouter/routing/routing_config.hpp"

using namespace megarouter;

namespace {

// "# key = value  # why" and "# [section]" become live lines; prose stays.
std::string uncomment_examples(const std::string& text, int& uncommented) {
    static const std::regex k_example(R"(^# (\[\[?[A-Za-z_."0-9/-]+\]\]?.*|[A-Za-z_][A-Za-z0-9_]* = .*)$)");
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        if (std::regex_match(line, k_example)) {
            line = line.substr(2);
            ++uncommented;
        }
        out += line + "\n";
    }
    return out;
}

} // namespace

TEST_CASE("config: every example in the starter file works when uncommented") {
    int uncommented = 0;
    std::string live = uncomment_examples(core::starter_config(), uncommented);
    CAPTURE(live);
    CHECK(uncommented > 60);
    for (const char* section : {"[defaults]", "[server]", "[providers.openai]", "[routing]", "[routing.weights]",
                                "[routing.thresholds]", "[routing.health]", "[groups.fast]", "[aliases]", "[[models]]",
                                "[prices.\"gpt-4o-mini\"]", "[catalog]", "[governance]", "[database]", "[store]"})
        CHECK_MESSAGE(live.find(std::string("\n") + section) != std::string::npos, section);

    auto config = core::parse_config(live, "starter.toml");
    REQUIRE_MESSAGE(config, config.error().message);
    CHECK(config->identity == "acme/eng/platform/alice");
    CHECK(config->database == "postgresql://megarouter@db.internal:5432/megarouter"); // [store] url wins over [database] path

    auto routing = routing::parse_routing_config(*config);
    REQUIRE_MESSAGE(routing, routing.error().message);
    CHECK(routing->groups.count("fast") == 1);
    CHECK(routing->aliases.at("smart") == "claude-sonnet-4-5");
    CHECK(routing->max_fallbacks == 4);

    core::Paths paths;
    paths.cache_dir = std::filesystem::temp_directory_path() / "megarouter-starter-test-no-cache";
    auto catalog = catalog::Catalog::load(*config, paths);
    REQUIRE_MESSAGE(catalog, catalog.error().message);
    CHECK(catalog->find("llama3.2") != nullptr);
    const catalog::Model* served = catalog->find("qwen2.5-coder-32b");
    REQUIRE(served != nullptr);
    REQUIRE_FALSE(served->offerings.empty());
    CHECK(served->offerings[0].base_url == "http://127.0.0.1:8001/v1");

    auto options = governance::gate_options_from(*config, [](const std::string&) { return std::nullopt; });
    CHECK(options.timezone == "Europe/Berlin");
    CHECK(options.ledger_flush_ms == 50);
}
