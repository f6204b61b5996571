#include <doctest/doctest.h>

#include <map>

#include "megarouter/core/config.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/core/paths.hpp"

using namespace megarouter;

namespace {

core::EnvLookup fake_env(std::map<std::string, std::string> values) {
    return [values](const std::string& name) -> std::optional<std::string> {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

} // namespace

TEST_CASE("core: each error code maps to its documented exit code") {
    CHECK(exit_code_for(make_error(ErrorCode::invalid_argument, "x")) == 65);
    CHECK(exit_code_for(make_error(ErrorCode::not_found, "x")) == 65);
    CHECK(exit_code_for(make_error(ErrorCode::io, "x")) == 66);
    CHECK(exit_code_for(make_error(ErrorCode::no_route, "x")) == 69);
    CHECK(exit_code_for(make_error(ErrorCode::upstream_unavailable, "x", true)) == 75);
    CHECK(exit_code_for(make_error(ErrorCode::rate_limited, "x", true)) == 75);
    CHECK(exit_code_for(make_error(ErrorCode::unauthenticated, "x")) == 77);
    CHECK(exit_code_for(make_error(ErrorCode::budget_exceeded, "x")) == 77);
    CHECK(exit_code_for(make_error(ErrorCode::config, "x")) == 78);
    CHECK(exit_code_for(make_error(ErrorCode::cancelled, "x")) == 130);
    CHECK(exit_code_for(make_error(ErrorCode::upstream_error, "x", false)) == 1);
    CHECK(to_string(ErrorCode::budget_exceeded) == "budget_exceeded");
}

TEST_CASE("core: paths follow MEGAROUTER_HOME, then XDG, then HOME") {
    SUBCASE("MEGAROUTER_HOME puts everything under one folder") {
        auto p = core::resolve_paths(fake_env({{"MEGAROUTER_HOME", "/h"}, {"XDG_CONFIG_HOME", "/x"}}));
        CHECK(p.config_file == "/h/config.toml");
        CHECK(p.db_file == "/h/megarouter.db");
        CHECK(p.cache_dir == "/h/cache");
    }
    SUBCASE("XDG variables") {
        auto p = core::resolve_paths(
            fake_env({{"XDG_CONFIG_HOME", "/c"}, {"XDG_DATA_HOME", "/d"}, {"XDG_CACHE_HOME", "/k"}, {"HOME", "/u"}}));
        CHECK(p.config_file == "/c/megarouter/config.toml");
        CHECK(p.db_file == "/d/megarouter/megarouter.db");
        CHECK(p.cache_dir == "/k/megarouter");
    }
    SUBCASE("HOME fallbacks") {
        auto p = core::resolve_paths(fake_env({{"HOME", "/u"}}));
        CHECK(p.config_file == "/u/.config/megarouter/config.toml");
        CHECK(p.db_file == "/u/.local/share/megarouter/megarouter.db");
        CHECK(p.cache_dir == "/u/.cache/megarouter");
    }
}

TEST_CASE("core: config file values, types and line numbers in errors") {
    SUBCASE("typed settings are read") {
        auto c = core::parse_config("[defaults]\nmodel = \"gpt-4o\"\nmode = \"cost\"\n[server]\nport = 8080\n"
                                    "[providers.openai]\napi_key = \"sk-secret-value\"\nbase_url = \"http://127.0.0.1:9/v1\"\n",
                                    "test.toml");
        REQUIRE(c);
        CHECK(c->default_model == "gpt-4o");
        CHECK(c->default_mode == "cost");
        CHECK(c->server.port == 8080);
        CHECK(c->providers.at("openai").api_key == "sk-secret-value");
        CHECK(c->providers.at("openai").base_url == "http://127.0.0.1:9/v1");
        std::string shown = core::describe_config(*c);
        CHECK(shown.find("sk-secret-value") == std::string::npos);
    }
    SUBCASE("a wrong type names the file and line") {
        auto c = core::parse_config("[server]\n\nport = \"eighty\"\n", "my.toml");
        REQUIRE_FALSE(c);
        CHECK(c.error().code == ErrorCode::config);
        CHECK(c.error().message.find("my.toml:3") == 0);
    }
    SUBCASE("a syntax error names the file, line and column") {
        auto c = core::parse_config("[server\nport = 1\n", "bad.toml");
        REQUIRE_FALSE(c);
        CHECK(c.error().message.find("bad.toml:1:") == 0);
    }
    SUBCASE("an unknown mode is refused") {
        auto c = core::parse_config("[defaults]\nmode = \"fastest\"\n", "m.toml");
        REQUIRE_FALSE(c);
        CHECK(c.error().message.find("m.toml:2") == 0);
        CHECK(c.error().message.find("fastest") != std::string::npos);
    }
    SUBCASE("server threads: 0 means one per CPU, negative is refused") {
        auto c = core::parse_config("[server]\nthreads = 3\n", "t.toml");
        REQUIRE(c);
        CHECK(c->server.threads == 3);
        CHECK(core::parse_config("", "t.toml")->server.threads == 0);
        auto bad = core::parse_config("[server]\nthreads = -1\n", "t.toml");
        REQUIRE_FALSE(bad);
        CHECK(bad.error().message.find("t.toml:2") == 0);
    }
    SUBCASE("a base_url must be http(s)") {
        auto c = core::parse_config("[providers.openai]\nbase_url = \"ftp://x\"\n", "u.toml");
        REQUIRE_FALSE(c);
    }
}

TEST_CASE("core: environment overrides the config file") {
    auto env = fake_env({{"MEGAROUTER_HOME", "/nonexistent-megarouter-home"}, {"MEGAROUTER_MODE", "latency"}});
    auto paths = core::resolve_paths(env);
    auto c = core::load_config(paths, env);
    REQUIRE(c);
    CHECK_FALSE(c->file_exists);
    CHECK(c->default_mode == "latency");
    CHECK(c->database == "/nonexistent-megarouter-home/megarouter.db");
}

TEST_CASE("core: secrets are masked") {
    CHECK(core::mask_secret("sk-abcdefghijklmnop") == "sk-a...op");
    CHECK(core::mask_secret("short") == "****");
}

TEST_CASE("core config: a mistyped section or key is refused with file:line and a did-you-mean") {
    struct Case {
        const char* text;
        const char* message;
    };
    const Case cases[] = {
        {"[servr]\nport = 5\n", "t.toml:1: unknown section [servr] (did you mean [server]?)"},
        {"[server]\nhost = \"127.0.0.1\"\nprot = 5\n", "t.toml:3: unknown key 'prot' in [server] (did you mean 'port'?)"},
        {"[defaults]\nmoddel = \"gpt-4o\"\n", "t.toml:2: unknown key 'moddel' in [defaults] (did you mean 'model'?)"},
        {"[providers.openai]\napi_kye = \"k\"\n",
         "t.toml:2: unknown key 'api_kye' in [providers.openai] (did you mean 'api_key'?)"},
        {"[governance]\ntimezon = \"UTC\"\n", "t.toml:2: unknown key 'timezon' in [governance] (did you mean 'timezone'?)"},
        {"[database]\nfile = \"x.db\"\n", "t.toml:2: unknown key 'file' in [database]"},
        {"model = \"gpt-4o\"\n", "t.toml:1: unknown section [model] (did you mean [models]?)"},
        {"[zzzzzzzz]\n", "t.toml:1: unknown section [zzzzzzzz]"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        auto parsed = core::parse_config(c.text, "t.toml");
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().code == ErrorCode::config);
        CHECK(parsed.error().message == c.message);
        CHECK(exit_code_for(parsed.error()) == 78);
    }
    // Every known section and key still loads.
    CHECK(core::parse_config("[defaults]\nidentity = \"a/b\"\n[server]\ncors_origins = []\n[providers.x]\nformat = "
                             "\"openai\"\nbase_url = \"http://h\"\napi_key_env = \"K\"\n[governance]\nledger_flush_ms = 9\n"
                             "[catalog]\nhidden = []\n[database]\npath = \"d.db\"\n[aliases]\nanything = \"gpt-4o\"\n",
                             "t.toml"));
}
