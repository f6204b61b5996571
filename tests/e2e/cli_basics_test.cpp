#include <doctest/doctest.h>

#include <sys/stat.h>

#include "e2e/support.hpp"

using namespace megarouter::e2e;

TEST_CASE("cli e2e: --version, --help and usage errors") {
    TempHome home;
    auto version = run_megarouter({"--version"}, home.env());
    CHECK(version.exit_code == 0);
    CHECK(version.out.find("megarouter ") == 0);
    auto help = run_megarouter({"--help"}, home.env());
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("config") != std::string::npos);
    CHECK(help.out.find("completion") == std::string::npos); // hidden
    auto bad = run_megarouter({"--no-such-flag"}, home.env());
    CHECK(bad.exit_code == 64);
    auto none = run_megarouter({}, home.env());
    CHECK(none.exit_code == 64);
}

TEST_CASE("cli e2e: config init, path and show with secrets masked") {
    TempHome home;
    auto path = run_megarouter({"config", "path"}, home.env());
    CHECK(path.exit_code == 0);
    CHECK(path.out == (home.path() / "config.toml").string() + "\n");
    auto init = run_megarouter({"config", "init"}, home.env());
    CHECK(init.exit_code == 0);
    struct stat st {};
    REQUIRE(::stat((home.path() / "config.toml").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(run_megarouter({"config", "init"}, home.env()).exit_code == 65); // refuses to overwrite
    home.write_config("[providers.openai]\napi_key = \"sk-very-secret-key-123\"\n");
    auto show = run_megarouter({"config", "show"}, home.env());
    CHECK(show.exit_code == 0);
    CHECK(show.out.find("sk-very-secret-key-123") == std::string::npos);
    CHECK(show.out.find("[providers.openai]") != std::string::npos);
    auto json = run_megarouter({"config", "show", "--json"}, home.env());
    CHECK(json.exit_code == 0);
    CHECK(json.out.find("sk-very-secret-key-123") == std::string::npos);
}

TEST_CASE("cli e2e: a bad config file exits 78 naming file and line") {
    TempHome home;
    home.write_config("[server]\nport = \"not a number\"\n");
    auto show = run_megarouter({"config", "show"}, home.env());
    CHECK(show.exit_code == 78);
    CHECK(show.err.find("config.toml:2") != std::string::npos);
}
