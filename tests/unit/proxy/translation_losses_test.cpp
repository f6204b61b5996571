// translation_losses(): which fields refuse a translated deployment, which
// are named in x-megarouter-dropped, and which say nothing (docs/translation.md).
#include <doctest/doctest.h>

#include "proxy/translation_losses.hpp"

using namespace megarouter;
using nlohmann::json;
using proxy::ApiKind;
using proxy::translation_losses;
using providers::WireFormat;

TEST_CASE("translation losses: OpenAI chat") {
    json body = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}, {"name", "ann"}}}}};
    auto none = translation_losses(ApiKind::chat_completions, WireFormat::anthropic, body);
    CHECK_FALSE(none.refused);
    CHECK(none.named == std::vector<std::string>{"messages.name"});

    for (auto [field, value] : std::vector<std::pair<const char*, json>>{
             {"n", 3}, {"logprobs", true}, {"top_logprobs", 2}, {"modalities", {"text", "audio"}},
             {"web_search_options", json::object({{"search_context_size", "low"}})},
             {"functions", json::array({{{"name", "f"}}})}}) {
        CAPTURE(field);
        json asked = body;
        asked[field] = value;
        for (WireFormat target : {WireFormat::anthropic, WireFormat::gemini}) {
            auto losses = translation_losses(ApiKind::chat_completions, target, asked);
            REQUIRE(losses.refused);
            CHECK(losses.refused->code == ErrorCode::invalid_argument);
            CHECK(losses.refused->message.rfind(std::string(field) + " cannot be translated to ", 0) == 0);
        }
    }
    // Values that ask for nothing are not losses.
    json quiet = body;
    quiet["n"] = 1;
    quiet["logprobs"] = false;
    quiet["modalities"] = {"text"};
    quiet["store"] = false;
    quiet["metadata"] = json::object();
    CHECK_FALSE(translation_losses(ApiKind::chat_completions, WireFormat::gemini, quiet).refused);
    CHECK(translation_losses(ApiKind::chat_completions, WireFormat::gemini, quiet).named.size() == 1);

    // Per target: seed reaches Gemini, not Anthropic; user the other way round.
    json seeded = {{"seed", 7}, {"user", "u1"}, {"parallel_tool_calls", false}};
    CHECK(translation_losses(ApiKind::chat_completions, WireFormat::anthropic, seeded).named ==
          std::vector<std::string>{"seed"});
    CHECK(translation_losses(ApiKind::chat_completions, WireFormat::gemini, seeded).named ==
          (std::vector<std::string>{"user", "parallel_tool_calls"}));

    json allowed = {{"tool_choice", {{"type", "allowed_tools"}, {"allowed_tools", json::object()}}}};
    CHECK(translation_losses(ApiKind::chat_completions, WireFormat::anthropic, allowed).refused);
    json forced = {{"tool_choice", {{"type", "function"}, {"function", {{"name", "f"}}}}}};
    CHECK_FALSE(translation_losses(ApiKind::chat_completions, WireFormat::anthropic, forced).refused);
}

TEST_CASE("translation losses: Anthropic messages, as Claude Code sends them") {
    json body = {{"model", "m"},
                 {"max_tokens", 100},
                 {"system", {{{"type", "text"}, {"text", "be brief"}, {"cache_control", {{"type", "ephemeral"}}}}}},
                 {"metadata", {{"user_id", "u"}}},
                 {"context_management", {{"edits", json::array()}}},
                 {"tools", {{{"name", "Bash"}, {"input_schema", json::object()}},
                            {{"type", "web_search_20250305"}, {"name", "web_search"}}}},
                 {"messages",
                  {{{"role", "user"}, {"content", {{{"type", "text"}, {"text", "hi"}}}}},
                   {{"role", "assistant"},
                    {"content", {{{"type", "thinking"}, {"thinking", "..."}, {"signature", "s"}},
                                 {{"type", "text"}, {"text", "hello"}}}}}}}};
    auto to_openai = translation_losses(ApiKind::messages, WireFormat::openai, body);
    CHECK_FALSE(to_openai.refused); // an agent's everyday request goes ahead
    CHECK(to_openai.named ==
          (std::vector<std::string>{"context_management", "cache_control", "thinking blocks", "tool:web_search_20250305"}));
    auto to_gemini = translation_losses(ApiKind::messages, WireFormat::gemini, body);
    CHECK(std::find(to_gemini.named.begin(), to_gemini.named.end(), "metadata") != to_gemini.named.end());

    json document = body;
    document["messages"][0]["content"].push_back({{"type", "document"}, {"source", json::object()}});
    auto refused = translation_losses(ApiKind::messages, WireFormat::openai, document);
    REQUIRE(refused.refused);
    CHECK(refused.refused->message.find("document blocks cannot be translated to OpenAI chat completions") == 0);
    json mcp = {{"mcp_servers", {{{"type", "url"}, {"url", "https://x"}}}}};
    CHECK(translation_losses(ApiKind::messages, WireFormat::gemini, mcp).refused);
}

TEST_CASE("translation losses: Responses, as Codex sends it") {
    json body = {{"model", "m"},
                 {"input", {{{"role", "user"}, {"content", {{{"type", "input_text"}, {"text", "hi"}}}}}}},
                 {"store", false},
                 {"include", {"reasoning.encrypted_content"}},
                 {"prompt_cache_key", "k"},
                 {"reasoning", {{"effort", "medium"}, {"summary", "auto"}}},
                 {"text", {{"verbosity", "low"}}}};
    for (WireFormat target : {WireFormat::openai, WireFormat::anthropic, WireFormat::gemini}) {
        auto losses = translation_losses(ApiKind::responses, target, body);
        CHECK_FALSE(losses.refused);
        CHECK(losses.named ==
              (std::vector<std::string>{"include", "prompt_cache_key", "text.verbosity", "reasoning.summary"}));
    }
    for (auto [field, value] : std::vector<std::pair<const char*, json>>{
             {"previous_response_id", "resp_1"}, {"conversation", "conv_1"}, {"background", true},
             {"prompt", {{"id", "pmpt_1"}}}}) {
        json asked = body;
        asked[field] = value;
        auto losses = translation_losses(ApiKind::responses, WireFormat::anthropic, asked);
        REQUIRE_MESSAGE(losses.refused, field);
        CHECK(losses.refused->message.rfind(std::string(field) + " cannot be translated", 0) == 0);
    }
    json file = body;
    file["input"][0]["content"].push_back({{"type", "input_file"}, {"file_id", "file_1"}});
    CHECK(translation_losses(ApiKind::responses, WireFormat::openai, file).refused);
}
