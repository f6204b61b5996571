// Fixture for the governance end-to-end tests: a temporary MEGAROUTER_HOME
// whose config points at an in-process mock provider, the `megarouter` CLI
// bound to it, `megarouter serve` started and restarted on demand, and small
// helpers (SQLite scalar queries, HMAC, USD amounts, free loopback ports).
#pragma once

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <openssl/hmac.h>
#include <sqlite3.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmath>
#include <cstdio>

#include "e2e/proxy_harness.hpp"
#include "e2e/support.hpp"
#include "megarouter/core/database_location.hpp"
#include "megarouter/store/database.hpp"
#include "support/pg.hpp"

namespace gov_e2e {

using nlohmann::json;
using proxy_e2e::Child;
using proxy_e2e::read_text;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A temporary home with a config pointing at the mock, the CLI bound to it,
// and `megarouter serve` started and restarted on demand.
struct GovFixture {
    fs::path home;
    megarouter::mock::MockServer mock;
    std::unique_ptr<Child> proxy;
    int port = 0;
    fs::path store; // a file, or in the [pg] runs a fresh PostgreSQL database

    // `on_sqlite`: an SQLite file even in the [pg] runs (what `store migrate` copies from).
    explicit GovFixture(const std::string& extra_toml = "", bool on_sqlite = false) {
        char pattern[] = "/tmp/megarouter-gov-e2e-XXXXXX";
        home = ::mkdtemp(pattern);
        store = on_sqlite ? home / "gov.db" : pg_test::store_location(home / "gov.db");
        const bool shared = megarouter::core::is_postgres_url(store.native());
        auto mock_port = mock.start("127.0.0.1", 0);
        if (!mock_port) throw std::runtime_error("mock: " + mock_port.error());
        std::string base = mock.base_url();
        std::ofstream(home / "config.toml") << "[server]\nrequest_timeout_s = 20\nconnect_timeout_s = 2\n\n"
                                            << (shared ? "[store]\nurl = \"" : "[database]\npath = \"") << db().string() << "\"\n\n"
                                            << "[providers.openai]\nbase_url = \"" << base << "/v1\"\napi_key = \"mock-openai\"\n\n"
                                            << "[providers.anthropic]\nbase_url = \"" << base << "\"\napi_key = \"mock-anthropic\"\n\n"
                                            << extra_toml << "\n";
    }
    ~GovFixture() {
        proxy.reset();
        mock.stop();
        std::error_code ec;
        fs::remove_all(home, ec);
    }

    fs::path db() const { return store; }
    std::map<std::string, std::string> env() const { return {{"MEGAROUTER_HOME", home.string()}, {"HOME", home.string()}}; }

    megarouter::e2e::Outcome cli(const std::vector<std::string>& args) const {
        return megarouter::e2e::run_megarouter(args, env(), "", 20s);
    }
    // Runs a CLI command that must succeed and returns its --json output.
    json cli_json(std::vector<std::string> args) const {
        args.push_back("--json");
        auto out = cli(args);
        INFO("megarouter " << args[0] << " " << args[1] << ": " << out.err << out.out);
        REQUIRE(out.exit_code == 0);
        return json::parse(out.out);
    }
    void hierarchy(const std::string& user) const {
        std::string path;
        const char* kinds[] = {"org", "dept", "team", "user"};
        std::size_t start = 0;
        for (int level = 0; level < 4; ++level) {
            std::size_t slash = user.find('/', start);
            path = user.substr(0, slash);
            if (cli({kinds[level], "show", path}).exit_code != 0) cli_json({kinds[level], "create", path});
            start = slash + 1;
        }
    }
    // Creates a key for `owner` with extra CLI options; returns {id, secret}.
    std::pair<std::string, std::string> key(const std::string& owner, std::vector<std::string> options = {}) const {
        std::vector<std::string> args{"keys", "create", owner};
        args.insert(args.end(), options.begin(), options.end());
        json made = cli_json(args);
        return {made["id"].get<std::string>(), made["key"].get<std::string>()};
    }

    void start(const std::vector<std::string>& extra_env = {}) {
        fs::remove(home / "port");
        std::vector<std::string> argv{MEGAROUTER_BIN, "serve", "--port", "0", "--port-file", (home / "port").string(),
                                      "--grace", "5"};
        std::vector<std::string> penv{"MEGAROUTER_HOME=" + home.string(), "PATH=/usr/bin:/bin", "HOME=" + home.string()};
        penv.insert(penv.end(), extra_env.begin(), extra_env.end());
        proxy = std::make_unique<Child>(argv, penv, (home / "serve.log").string());
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            std::string text = read_text(home / "port");
            if (!text.empty()) {
                port = std::atoi(text.c_str());
                return;
            }
            if (proxy->wait_exit(20)) break;
        }
        FAIL("megarouter serve did not start: " << read_text(home / "serve.log"));
    }
    // After the CLI changed settings under a running gateway. On SQLite the
    // gateway looks on every request; on PostgreSQL it polls, and a change
    // holds within a second (docs/scale-out.md): wait that bound.
    void await_settings() const {
        if (megarouter::core::is_postgres_url(store.native())) std::this_thread::sleep_for(1s);
    }

    // SIGTERM and wait: the gate flushes its ledger on the way out.
    void stop() {
        proxy->signal(SIGTERM);
        CHECK(proxy->wait_exit(15000).has_value());
        proxy.reset();
    }

    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(20, 0);
        c.set_connection_timeout(2, 0);
        return c;
    }
    httplib::Result chat(const std::string& key, const std::string& model, const std::string& behavior = R"({"text":"ok"})") const {
        auto c = client();
        httplib::Headers headers{{"x-mock-behavior", behavior}};
        if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
        json body = {{"model", model}, {"max_tokens", 16},
                     {"messages", {{{"role", "user"}, {"content", "Count the sheep in the field, please."}}}}};
        return c.Post("/v1/chat/completions", headers, body.dump(), "application/json");
    }
};

inline std::string body_of(const httplib::Result& r) { return r ? r->body : std::string("<no response: ") + httplib::to_string(r.error()) + ">"; }

inline std::int64_t cost_nanos(const httplib::Result& r) {
    return std::llround(std::atof(r->get_header_value("x-megarouter-cost-usd").c_str()) * 1e9);
}

inline std::string usd(std::int64_t nanos) {
    char text[40];
    std::snprintf(text, sizeof text, "%lld.%09lld", static_cast<long long>(nanos / 1'000'000'000),
                  static_cast<long long>(nanos % 1'000'000'000));
    return text;
}

// One integer from the database (the proxy may be running).
inline std::int64_t scalar(const fs::path& db, const std::string& sql) {
    if (megarouter::core::is_postgres_url(db.native())) {
        auto opened = megarouter::store::Database::open(db);
        REQUIRE(opened);
        auto statement = opened->prepare(sql);
        INFO(sql);
        REQUIRE(statement);
        auto row = statement->step();
        REQUIRE_MESSAGE(row, (row ? "" : row.error().message));
        return *row ? statement->int64(0) : -1;
    }
    sqlite3* handle = nullptr;
    // Read-write: after a kill -9 only a writable connection recovers the WAL index.
    REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(handle, 5000);
    sqlite3_stmt* stmt = nullptr;
    INFO(sql << ": " << sqlite3_errmsg(handle));
    REQUIRE(sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
    return value;
}

inline std::string hmac_hex(const std::string& secret, const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(text.data()),
         text.size(), digest, &size);
    std::string hex;
    char pair[3];
    for (unsigned int i = 0; i < size; ++i) {
        std::snprintf(pair, sizeof pair, "%02x", digest[i]);
        hex += pair;
    }
    return hex;
}

// A port that was free a moment ago (for a receiver that starts later).
inline int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd); // closed, never listened: connecting is refused until the receiver starts
    return port;
}

// Cost of one request to `model` with the fixture's standard body, measured
// by a proxy with no budgets in an organisation of its own.
inline std::int64_t probe_cost(GovFixture& fx, const std::string& model, std::string* routed = nullptr) {
    fx.hierarchy("probe/p/p/p");
    auto [id, secret] = fx.key("probe/p/p/p");
    fx.start();
    auto r = fx.chat(secret, model);
    REQUIRE_MESSAGE(r, body_of(r));
    REQUIRE_MESSAGE(r->status == 200, r->body);
    if (routed) *routed = r->get_header_value("x-megarouter-model");
    std::int64_t cost = cost_nanos(r);
    fx.stop();
    REQUIRE(cost > 0);
    return cost;
}

} // namespace gov_e2e
