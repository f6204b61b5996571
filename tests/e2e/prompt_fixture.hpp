// Shared setup of the `megarouter prompt` end-to-end tests: an in-process
// mock provider and a private home whose config points all three wire
// formats at it.
#pragma once

#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "e2e/support.hpp"
#include "megarouter/mock/mock_server.hpp"

namespace megarouter::e2e {

struct PromptFixture {
    mock::MockServer mock;
    TempHome home;

    explicit PromptFixture(bool configure = true) {
        auto port = mock.start();
        REQUIRE(port);
        if (configure) home.write_config(config_text());
    }

    std::string config_text(const std::string& extra = "") const {
        std::string base = mock.base_url();
        return "[providers.openai]\nbase_url = \"" + base + "/v1\"\napi_key = \"test\"\n"
               "[providers.anthropic]\nbase_url = \"" + base + "\"\napi_key = \"test\"\n"
               "[providers.google]\nbase_url = \"" + base + "/v1beta\"\napi_key = \"test\"\n" + extra;
    }

    Outcome prompt(std::vector<std::string> args, const std::string& input = "") {
        args.insert(args.begin(), "prompt");
        return run_megarouter(args, home.env(), input);
    }

    nlohmann::json logs_json(std::vector<std::string> args = {"logs", "list"}) {
        args.push_back("--json");
        Outcome out = run_megarouter(args, home.env());
        REQUIRE(out.exit_code == 0);
        return nlohmann::json::parse(out.out);
    }
};

} // namespace megarouter::e2e
