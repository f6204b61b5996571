// The table of governance operations drives both front ends: every entry is
// a CLI subcommand and an admin route, and the same bad input gets the same
// error from both (the CLI run in-process on a temporary home, the admin
// routes served on loopback).
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <httplib.h>

#include "megarouter/http/httplib_bridge.hpp"

#include "cli/context.hpp"
#include "cli/governance_ops.hpp"
#include "megarouter/governance/admin_api.hpp"
#include "megarouter/governance/gate.hpp"
#include "megarouter/http/router.hpp"
#include "unit/cli/run_cli.hpp"

namespace megarouter::cli {
void build_app_for_introspection(CLI::App& app, Context& context);
}

using namespace megarouter;
using governance::Operation;

namespace {

std::vector<std::string> cli_groups(const Operation& operation) {
    if (operation.group() == "node") return {"org", "dept", "team", "user"};
    return {std::string(operation.group())};
}

// The path of a request to the operation's route, captures filled in.
std::string concrete(std::string_view route) {
    std::string path;
    for (std::size_t at = 0; at < route.size();) {
        std::size_t slash = route.find('/', at + 1);
        std::string_view segment = route.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at);
        path += segment.starts_with("/:") ? std::string("/7") : std::string(segment);
        at = slash == std::string_view::npos ? route.size() : slash;
    }
    return path;
}

// A temporary MEGAROUTER_HOME whose config names a fresh database, with
// acme/eng created, and the admin routes served on loopback (master key
// "mk-test").
struct FrontEnds {
    std::filesystem::path home;
    std::unique_ptr<governance::Gate> gate;
    http::Router router;
    httplib::Server server;
    std::thread thread;
    int port = 0;

    FrontEnds() {
        home = std::filesystem::temp_directory_path() / ("mr-ops-" + std::to_string(std::random_device{}()));
        std::filesystem::create_directories(home);
        std::ofstream(home / "config.toml") << "[database]\npath = \"" << (home / "gov.db").string() << "\"\n";
        ::setenv("MEGAROUTER_HOME", home.c_str(), 1);
        REQUIRE(cli({"org", "create", "acme"}).first == 0);
        REQUIRE(cli({"dept", "create", "acme/eng"}).first == 0);
        governance::GateOptions options;
        options.master_key = "mk-test";
        auto opened = governance::Gate::open(home / "gov.db", core::system_clock(), options);
        REQUIRE(opened.has_value());
        gate = std::move(*opened);
        governance::mount_admin_api(router, *gate, home / "gov.db", "UTC", core::JsonLimits{});
        http::install(router, server);
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
        for (int i = 0; i < 500 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        REQUIRE(server.is_running());
    }
    ~FrontEnds() {
        server.stop();
        thread.join();
        gate.reset();
        ::unsetenv("MEGAROUTER_HOME");
        std::error_code ec;
        std::filesystem::remove_all(home, ec);
    }

    // Runs `megarouter <args>` in-process: {exit code, stderr}.
    std::pair<int, std::string> cli(std::vector<std::string> args) const {
        auto outcome = test::run_cli(std::move(args));
        return {outcome.code, outcome.err};
    }

    // Sends a request to the admin API as the master key: {status, error}.
    std::pair<int, Error> api(const std::string& method, const std::string& path, const nlohmann::json& body) const {
        httplib::Client client("127.0.0.1", port);
        httplib::Headers auth = {{"Authorization", "Bearer mk-test"}};
        auto answer = method == "POST" ? client.Post(path, auth, body.dump(), "application/json")
                                       : client.Delete(path, auth, body.dump(), "application/json");
        REQUIRE(answer);
        auto json = nlohmann::json::parse(answer->body);
        Error error;
        error.message = json["error"].value("message", "");
        for (auto code : {ErrorCode::invalid_argument, ErrorCode::not_found, ErrorCode::permission_denied})
            if (json["error"].value("code", "") == to_string(code)) error.code = code;
        return {answer->status, error};
    }
};

} // namespace

TEST_CASE("governance operations: every table entry is a CLI subcommand with its arguments and an admin route") {
    CLI::App app{"megarouter", "megarouter"};
    cli::Context context;
    cli::build_app_for_introspection(app, context);
    FrontEnds served;
    REQUIRE(served.router.routes().size() == governance::operations().size());
    for (const Operation& operation : governance::operations()) {
        CAPTURE(operation.name);
        for (const std::string& group : cli_groups(operation)) {
            CAPTURE(group);
            CLI::App* command = app.get_subcommand(group);
            REQUIRE(command != nullptr);
            CLI::App* sub = nullptr;
            for (CLI::App* candidate : command->get_subcommands([](const CLI::App*) { return true; }))
                if (candidate->get_name() == operation.verb()) sub = candidate;
            REQUIRE(sub != nullptr);
            CHECK(sub->get_description() == operation.help);
            for (const governance::Argument& argument : operation.arguments) {
                if (argument.cli.empty()) continue;
                CAPTURE(argument.name);
                const CLI::Option* option = sub->get_option_no_throw(std::string(argument.cli));
                REQUIRE(option != nullptr);
                CHECK(option->get_required() == argument.required);
            }
        }
        http::Request request;
        request.method = std::string(operation.method);
        request.path = concrete(operation.route);
        const http::Route* route = served.router.find(request);
        REQUIRE(route != nullptr);
        CHECK(route->pattern == operation.route);
        CHECK(route->method == operation.method);
        CHECK(cli::printer_for(operation.name) != nullptr);
    }
}

TEST_CASE("governance operations: an argument name has one type across the table") {
    std::map<std::string_view, governance::ArgType> types;
    for (const Operation& operation : governance::operations())
        for (const governance::Argument& argument : operation.arguments) {
            CAPTURE(argument.name);
            CHECK((argument.http || !argument.cli.empty())); // reachable from somewhere
            // A route capture is a path segment; a body member's name means one thing everywhere.
            if (operation.route.find(":" + std::string(argument.name)) != std::string_view::npos) continue;
            auto [it, added] = types.emplace(argument.name, argument.type);
            CHECK(it->second == argument.type);
        }
}

TEST_CASE("governance operations: the same bad input gets the same error from the CLI and the admin API") {
    FrontEnds fe;
    struct Case {
        std::vector<std::string> cli;
        std::string method, path;
        nlohmann::json body;
        std::string message;
    };
    const Case cases[] = {
        {{"budget", "set", "acme", "--usd", "5", "--period", "fortnightly"}, "POST", "/admin/budgets",
         {{"scope", "acme"}, {"amount_usd", "5"}, {"period", "fortnightly"}}, "period must be daily, weekly, monthly or total"},
        {{"budget", "set", "acme", "--usd", "five"}, "POST", "/admin/budgets", {{"scope", "acme"}, {"amount_usd", "five"}},
         "is not a USD amount"},
        {{"org", "create", "bad path"}, "POST", "/admin/nodes", {{"path", "bad path"}},
         "invalid character ' ' in path 'bad path' (use letters, digits, - _ . @)"},
        {{"dept", "create", "acme/eng/platform"}, "POST", "/admin/nodes",
         {{"path", "acme/eng/platform"}, {"kind", "department"}}, "'acme/eng/platform' is a team path, not a department"},
        {{"role", "grant", "acme/eng", "boss", "acme"}, "POST", "/admin/roles",
         {{"subject", "acme/eng"}, {"role", "boss"}, {"scope", "acme"}}, "unknown role 'boss'"},
        {{"keys", "create", "acme/eng", "--role", "boss"}, "POST", "/admin/keys", {{"owner", "acme/eng"}, {"role", "boss"}},
         "unknown role 'boss'"},
        {{"pool", "remove", "nopool", "acme"}, "DELETE", "/admin/pools/nopool/members?node=acme", nlohmann::json::object(),
         ""},
    };
    for (const Case& c : cases) {
        CAPTURE(c.path);
        CAPTURE(c.body.dump());
        auto [exit_code, err] = fe.cli(c.cli);
        auto [status, error] = fe.api(c.method, c.path, c.body);
        CHECK(err.find(c.message) != std::string::npos);
        CHECK(error.message.find(c.message) != std::string::npos);
        CHECK(err == "megarouter: " + error.message + "\n"); // the very same message
        CHECK(exit_code == exit_code_for(error));
        CHECK(status == http_status_for(error));
        CHECK(status >= 400);
    }
    // A missing required argument: CLI11 refuses it before the table is
    // consulted (a usage error, 64), in the table's words.
    auto [exit_code, err] = fe.cli({"role", "grant", "acme/eng", "admin"});
    auto [status, error] = fe.api("POST", "/admin/roles", {{"subject", "acme/eng"}, {"role", "admin"}});
    CHECK(exit_code == k_exit_usage);
    CHECK(status == 400);
    CHECK(error.message == "scope is required");
    CHECK(err.find(error.message) != std::string::npos);
}

TEST_CASE("governance operations: request arguments come from captures, then the query, then the body, typed") {
    const Operation* show = governance::find_operation("budget show");
    REQUIRE(show != nullptr);
    auto none = [](std::string_view) { return std::optional<std::string>(); };
    auto capture = [](std::string_view text) {
        return [text = std::string(text)](std::string_view) { return std::optional<std::string>(text); };
    };
    auto id = governance::request_arguments(*show, nlohmann::json::object(), capture("42"), none);
    REQUIRE(id.has_value());
    CHECK((*id)["id"] == 42);
    auto bad_id = governance::request_arguments(*show, nlohmann::json::object(), capture("x1"), none);
    REQUIRE_FALSE(bad_id.has_value());
    CHECK(bad_id.error().code == ErrorCode::not_found); // as if no route matched

    const Operation* remove = governance::find_operation("node delete");
    REQUIRE(remove != nullptr);
    auto query = [](std::string_view name) -> std::optional<std::string> {
        if (name == "path") return "acme/eng";
        if (name == "recursive") return "1";
        return std::nullopt;
    };
    auto args = governance::request_arguments(*remove, {{"path", "ignored"}}, none, query);
    REQUIRE(args.has_value());
    CHECK((*args)["path"] == "acme/eng");
    CHECK((*args)["recursive"] == true);

    const Operation* alerts = governance::find_operation("alerts list");
    REQUIRE(alerts != nullptr);
    auto limit = governance::request_arguments(*alerts, nlohmann::json::object(), none,
                                               [](std::string_view) { return std::optional<std::string>("ten"); });
    REQUIRE_FALSE(limit.has_value());
    CHECK(limit.error().code == ErrorCode::invalid_argument);

    // CLI-only arguments are not read from a request, whatever the body says.
    const Operation* create = governance::find_operation("keys create");
    REQUIRE(create != nullptr);
    auto key = governance::request_arguments(*create, {{"owner", "acme/eng"}, {"rpm", 5}, {"model", {"x"}}}, none, none);
    REQUIRE(key.has_value());
    CHECK(key->contains("owner"));
    CHECK_FALSE(key->contains("rpm"));
    CHECK_FALSE(key->contains("model"));
}
