#include <csignal>
#include <thread>

#include "e2e/prompt_fixture.hpp"

using namespace megarouter;
using namespace megarouter::e2e;
using nlohmann::json;

namespace {

void set_all(mock::MockServer& mock, const std::string& behavior) {
    auto parsed = mock::behavior_from_json(behavior);
    REQUIRE(parsed);
    mock.set_behavior("*", *parsed);
}

} // namespace

TEST_CASE("prompt e2e: no configured provider exits 69 naming the variable") {
    PromptFixture f(false);
    auto out = f.prompt({"-m", "gpt-4o-mini", "hi"});
    CHECK(out.exit_code == 69);
    CHECK(out.err.find("OPENAI_API_KEY") != std::string::npos);
    auto any = f.prompt({"hi"});
    CHECK(any.exit_code == 69);
    CHECK(any.err.find("_API_KEY") != std::string::npos);
    CHECK(f.prompt({"-m", "no-such-model-xyz", "hi"}).exit_code == 65);
}

TEST_CASE("prompt e2e: every error class maps to its exit code") {
    PromptFixture f;
    struct Case { const char* behavior; int exit; const char* words; };
    for (Case c : {Case{R"({"status":401})", 77, "401"},
                   Case{R"({"status":403})", 77, "403"},
                   Case{R"({"status":429,"retry_after":1})", 75, "rate"},
                   Case{R"({"status":500})", 75, "500"},
                   Case{R"({"status":503})", 75, "503"},
                   Case{R"({"status":400})", 65, "400"},
                   Case{R"({"context_length_error":true})", 65, "context"}}) {
        for (const char* model : {"gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash"}) {
            CAPTURE(c.behavior);
            CAPTURE(model);
            set_all(f.mock, c.behavior);
            auto out = f.prompt({"-m", model, c.words});
            CHECK(out.exit_code == c.exit);
            CHECK(out.err.find("megarouter: ") == 0);
            CHECK(out.err.find("test") == std::string::npos); // the key never shows
        }
    }
    auto logs = f.logs_json();
    CHECK(logs[0]["status"] == "error");
    CHECK(logs[0]["error"].get<std::string>().find("maximum") != std::string::npos);
}

TEST_CASE("prompt e2e: a retryable failure fails over to the next deployment") {
    PromptFixture f;
    // The chosen model fails once; the fallback (another deployment) answers.
    f.mock.set_behavior("gpt-4o-mini", mock::behavior_from_json(R"({"status":503,"fail_times":1})").value());
    auto out = f.prompt({"-m", "gpt-4o-mini", "--json", "hi"});
    CHECK(out.exit_code == 0);
    auto requests = f.mock.requests();
    REQUIRE(requests.size() == 2);
    CHECK(json::parse(requests[0].body)["model"] == "gpt-4o-mini");
    CHECK(json::parse(out.out)["model"] != "gpt-4o-mini");
}

TEST_CASE("prompt e2e: a stream cut midway is an error and the partial text is logged") {
    PromptFixture f;
    for (const char* model : {"gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash"}) {
        CAPTURE(model);
        set_all(f.mock, R"({"cut_after_chunks":2,"text":"alpha beta gamma delta epsilon"})");
        auto out = f.prompt({"-m", model, "cut"});
        CHECK(out.exit_code == 75);
        CHECK(out.out.find("alpha beta") == 0);
        CHECK(out.err.find("stream cut") != std::string::npos);
        json last = f.logs_json()[0];
        CHECK(last["status"] == "error");
        CHECK(last["response"] == "alpha beta ");
    }
}

TEST_CASE("prompt e2e: Ctrl-C while streaming exits 130 and logs what arrived") {
    PromptFixture f;
    set_all(f.mock, R"({"chunk_delay_ms":300,"text":"one two three four five six seven eight nine ten"})");
    Background proc({MEGAROUTER_BIN, "prompt", "-m", "gpt-4o-mini", "count"}, f.home.env());
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    auto code = proc.stop(SIGINT, std::chrono::seconds(5));
    REQUIRE(code);
    CHECK(*code == 130);
    json last = f.logs_json()[0];
    CHECK(last["status"] == "interrupted");
    CHECK(last["response"].get<std::string>().starts_with("one"));
    CHECK(last["response"].get<std::string>().find("ten") == std::string::npos);
}
