// The errors a first-day user meets (issue 19, item 12): each says what
// happened and what to do, in one or two lines, with the exit code the man
// page promises (64 usage, 65 data, 69 unavailable, 75 temporary, 78 config).
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "e2e/support.hpp"

using namespace megarouter::e2e;

namespace {

// A loopback socket bound to a free port; listening or not.
struct HeldPort {
    int fd = -1;
    int port = 0;
    explicit HeldPort(bool listen) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        socklen_t length = sizeof address;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        port = ntohs(address.sin_port);
        if (listen) REQUIRE(::listen(fd, 4) == 0);
    }
    ~HeldPort() { ::close(fd); }
};

std::size_t lines(const std::string& text) {
    std::size_t n = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    return text.empty() || text.back() == '\n' ? n : n + 1;
}

void check_brief(const Outcome& out, int exit_code, std::initializer_list<const char*> words) {
    CAPTURE(out.err);
    CHECK(out.exit_code == exit_code);
    CHECK(out.err.rfind("megarouter: ", 0) == 0);
    CHECK(lines(out.err) <= 2);
    for (const char* word : words) CHECK_MESSAGE(out.err.find(word) != std::string::npos, word);
}

} // namespace

TEST_CASE("first-day errors: no provider key says which variable to set") {
    TempHome home;
    auto out = run_megarouter({"prompt", "hi"}, home.env());
    check_brief(out, 69, {"no provider has an API key", "export OPENAI_API_KEY=", "config.toml"});
}

TEST_CASE("first-day errors: a provider server that is not running is named with its address") {
    TempHome home;
    int closed_port = 0;
    {
        HeldPort probe(false); // bound, never listening: nothing answers there once closed
        closed_port = probe.port;
    }
    std::string base = "http://127.0.0.1:" + std::to_string(closed_port) + "/v1";
    home.write_config("[server]\nconnect_timeout_s = 2\n\n[providers.openai]\nbase_url = \"" + base +
                      "\"\napi_key = \"mock\"\n");
    auto out = run_megarouter({"prompt", "-m", "gpt-4o-mini", "hi"}, home.env());
    check_brief(out, 75, {"cannot reach openai at", base.c_str(), "is that server running",
                          "[providers.openai] base_url"});
}

TEST_CASE("first-day errors: a port in use says so and how to choose another") {
    TempHome home;
    HeldPort taken(true);
    auto out = run_megarouter({"serve", "--port", std::to_string(taken.port), "--no-governance"}, home.env(), "",
                              std::chrono::seconds(10));
    check_brief(out, 69, {"is in use", "--port N"});
}

TEST_CASE("first-day errors: a config typo names the file, the line and the right word") {
    TempHome home;
    home.write_config("[defaults]\nmodel = \"auto\"\n\n[servr]\nport = 4001\n");
    check_brief(run_megarouter({"config", "show"}, home.env()), 78,
                {"config.toml:4", "unknown section [servr]", "did you mean [server]"});
    home.write_config("[server]\nprot = 4001\n");
    check_brief(run_megarouter({"serve"}, home.env()), 78, {"config.toml:2", "did you mean 'port'"});
}

TEST_CASE("first-day errors: an unknown model suggests the one meant") {
    TempHome home;
    auto env = home.env();
    env["OPENAI_API_KEY"] = "not-used";
    check_brief(run_megarouter({"prompt", "-m", "gpt-4o-minii", "hi"}, env), 65,
                {"unknown model 'gpt-4o-minii'", "did you mean gpt-4o-mini"});
    // A usage error (64) is CLI11's own: one line plus where to look.
    auto usage = run_megarouter({"prompt", "--no-such-flag"}, home.env());
    CHECK(usage.exit_code == 64);
}
