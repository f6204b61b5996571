#include <set>
#include <sstream>
#include <thread>

#include "e2e/prompt_fixture.hpp"

using namespace megarouter;
using namespace megarouter::e2e;
using nlohmann::json;

TEST_CASE("prompt e2e: each wire format, streamed and not, with usage, cost and the log") {
    PromptFixture f;
    struct Case { const char* model; const char* provider; const char* path; };
    for (Case c : {Case{"gpt-4o-mini", "openai", "/v1/chat/completions"},
                   Case{"claude-haiku-4-5", "anthropic", "/v1/messages"},
                   Case{"gemini-2.5-flash", "google", "/v1beta/models/"}}) {
        CAPTURE(c.model);
        f.mock.clear_requests();
        auto streamed = f.prompt({"-m", c.model, "hello there"});
        CHECK(streamed.exit_code == 0);
        CHECK(streamed.out == std::string("Mock answer from ") + c.model + ": hello there\n");
        auto plain = f.prompt({"-m", c.model, "--no-stream", "again"});
        CHECK(plain.exit_code == 0);
        CHECK(plain.out.find("again") != std::string::npos);
        auto requests = f.mock.requests();
        REQUIRE(requests.size() == 2);
        CHECK(requests[0].path.find(c.path) == 0);
        CHECK(requests[0].header("content-type") == "application/json");
        if (std::string(c.provider) == "openai") {
            CHECK(json::parse(requests[0].body)["stream_options"]["include_usage"] == true);
            CHECK(requests[0].header("authorization") == "Bearer test");
        }
        if (std::string(c.provider) == "anthropic") {
            CHECK(requests[0].header("x-api-key") == "test");
            CHECK(requests[0].header("anthropic-version") == "2023-06-01");
        }
        if (std::string(c.provider) == "google") {
            CHECK(requests[0].query == "alt=sse");
            CHECK(requests[0].header("x-goog-api-key") == "test");
        }
        auto record = f.prompt({"-m", c.model, "--json", "as json"});
        REQUIRE(record.exit_code == 0);
        json j = json::parse(record.out);
        CHECK(j["provider"] == c.provider);
        CHECK(j["model"] == c.model);
        CHECK(j["text"].get<std::string>().find("as json") != std::string::npos);
        CHECK(j["usage"]["output_tokens"].get<int>() > 0);
        CHECK(j["usage"]["input_tokens"].get<int>() > 0);
        CHECK(j["cost_usd"].get<double>() > 0);
        CHECK(j["request_id"].get<std::string>().starts_with("req_"));
        CHECK(j["latency_ms"].is_number());
    }
    json logs = f.logs_json();
    CHECK(logs.size() == 9);
    CHECK(logs[0]["prompt"] == "as json");
    CHECK(logs[0]["status"] == "ok");
    CHECK(logs[0]["cost_usd"].get<double>() > 0);
    auto found = f.logs_json({"logs", "search", "again"});
    CHECK(found.size() == 3);
    auto shown = e2e::run_megarouter({"logs", "show", std::to_string(logs[0]["id"].get<int>())}, f.home.env());
    CHECK(shown.exit_code == 0);
    CHECK(shown.out.find("## Response") != std::string::npos);
}

TEST_CASE("prompt e2e: stdin comes first, then the arguments; too much stdin is refused") {
    PromptFixture f;
    auto out = f.prompt({"-m", "gpt-4o-mini", "--json", "explain this"}, "int main() {}\n");
    REQUIRE(out.exit_code == 0);
    auto requests = f.mock.requests();
    REQUIRE(requests.size() == 1);
    json body = json::parse(requests[0].body);
    CHECK(body["messages"].back()["content"] == "int main() {}\n\nexplain this");
    auto nothing = f.prompt({"-m", "gpt-4o-mini"});
    CHECK(nothing.exit_code == 65);
    CHECK(nothing.err.find("no prompt") != std::string::npos);
    std::string huge(9 * 1024 * 1024, 'x');
    auto big = f.prompt({"-m", "gpt-4o-mini", "hi"}, huge);
    CHECK(big.exit_code == 65);
    CHECK(big.err.find("stdin is larger") != std::string::npos);
}

TEST_CASE("prompt e2e: system prompt, -o parameters, -x, --usage, --no-log, --continue") {
    PromptFixture f;
    auto out = f.prompt({"-m", "claude-haiku-4-5", "-s", "be brief", "-o", "temperature=0.3", "-o", "max_tokens=77", "--usage", "hi"});
    REQUIRE(out.exit_code == 0);
    json body = json::parse(f.mock.requests().back().body);
    CHECK(body["system"] == "be brief");
    CHECK(body["temperature"] == 0.3);
    CHECK(body["max_tokens"] == 77);
    CHECK(out.err.find("claude-haiku-4-5 via anthropic") != std::string::npos);
    CHECK(f.prompt({"-o", "nonsense=1", "hi"}).exit_code == 65);

    f.mock.set_behavior("gpt-4o-mini", mock::behavior_from_json(R"({"text":"Here:\n```bash\nwc -l *.cpp\n```\nDone."})").value());
    auto code = f.prompt({"-m", "gpt-4o-mini", "-x", "count lines"});
    CHECK(code.exit_code == 0);
    CHECK(code.out == "wc -l *.cpp\n");

    std::size_t before = f.logs_json().size();
    CHECK(f.prompt({"-m", "gpt-4o-mini", "--no-log", "secret"}).exit_code == 0);
    CHECK(f.logs_json().size() == before);

    f.mock.clear_behaviors();
    CHECK(f.prompt({"-m", "gpt-4o-mini", "first turn"}).exit_code == 0);
    f.mock.clear_requests();
    CHECK(f.prompt({"-m", "gpt-4o-mini", "-c", "second turn"}).exit_code == 0);
    json continued = json::parse(f.mock.requests().at(0).body);
    REQUIRE(continued["messages"].size() == 3);
    CHECK(continued["messages"][0]["content"] == "first turn");
    CHECK(continued["messages"][1]["role"] == "assistant");
    auto logs = f.logs_json();
    CHECK(logs[0]["conversation_id"] == logs[1]["conversation_id"]);
    CHECK(f.prompt({"--cid", "nope", "x"}).exit_code == 65);
}

TEST_CASE("prompt e2e: --max-cost refuses an expensive estimate") {
    PromptFixture f;
    auto out = f.prompt({"-m", "gpt-4o-mini", "--max-cost", "0.0000000001", "hi"});
    CHECK(out.exit_code == 77);
    CHECK(out.err.find("--max-cost") != std::string::npos);
    CHECK(f.mock.requests().empty());
}

TEST_CASE("prompt e2e: terminal spend goes into the ledger that megarouter spend reads") {
    PromptFixture f;
    // Before: `megarouter spend` said "no requests in this period" after a
    // paid prompt, because the CLI wrote no ledger row.
    REQUIRE(f.prompt({"-m", "gpt-4o-mini", "--no-log", "one"}).exit_code == 0);
    REQUIRE(f.prompt({"-m", "claude-haiku-4-5", "two"}).exit_code == 0);
    auto report = run_megarouter({"spend", "--by", "endpoint,model", "--jsonl", "--no-budgets"}, f.home.env());
    REQUIRE(report.exit_code == 0);
    INFO(report.out);
    int rows = 0;
    std::int64_t requests = 0;
    std::set<std::string> models;
    std::istringstream lines(report.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        json row = json::parse(line);
        ++rows;
        CHECK(row["endpoint"] == "cli");
        models.insert(row["model"].get<std::string>());
        requests += row["requests"].get<std::int64_t>();
        CHECK(row["cost_nanos"].get<std::int64_t>() > 0);
    }
    CHECK(rows == 2);
    CHECK(requests == 2);
    CHECK(models == std::set<std::string>{"gpt-4o-mini", "claude-haiku-4-5"});

    // Whose: the local login, or the configured identity split into its levels.
    auto by_user = run_megarouter({"spend", "--by", "user", "--jsonl", "--no-budgets"}, f.home.env());
    REQUIRE(by_user.exit_code == 0);
    CHECK(by_user.out.find("\"local:") != std::string::npos);
    f.home.write_config(f.config_text("[defaults]\nidentity = \"acme/eng/web/alice\"\n"));
    REQUIRE(f.prompt({"-m", "gpt-4o-mini", "three"}).exit_code == 0);
    auto by_team = run_megarouter({"spend", "--by", "team", "--jsonl", "--no-budgets"}, f.home.env());
    REQUIRE(by_team.exit_code == 0);
    CHECK(by_team.out.find("\"acme/eng/web\"") != std::string::npos);

    // A request that reached no provider costs nothing and adds no row.
    f.mock.set_behavior("gpt-4o", {.status = 401});
    CHECK(f.prompt({"-m", "gpt-4o", "refused"}).exit_code != 0);
    auto after = run_megarouter({"spend", "--by", "endpoint", "--jsonl", "--no-budgets"}, f.home.env());
    REQUIRE(after.exit_code == 0);
    CHECK(json::parse(after.out.substr(0, after.out.find('\n')))["requests"] == 3);
}
