// Bounds on what clients and upstreams send the adapters: model names, JSON
// nested inside strings, and the one member pick_member builds.
#include <doctest/doctest.h>

#include <limits>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/providers/adapter.hpp"
#include "megarouter/providers/json_pick.hpp"
#include "megarouter/providers/responses.hpp"
#include "providers/adapter_util.hpp"

using namespace megarouter;
using namespace megarouter::providers;
using nlohmann::json;

namespace {

std::string deep(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }

json chat_body(const std::string& model) {
    return {{"model", model}, {"max_tokens", 8}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
}

} // namespace

TEST_CASE("providers: a model name over 256 bytes is refused by every request decoder") {
    const std::string at_limit(256, 'm'), over(257, 'm');
    for (auto format : {WireFormat::openai, WireFormat::anthropic}) {
        CAPTURE(to_string(format));
        auto fine = client_adapter(format)->decode_client_request(chat_body(at_limit));
        REQUIRE(fine);
        CHECK(fine->model == at_limit);
        auto refused = client_adapter(format)->decode_client_request(chat_body(over));
        REQUIRE_FALSE(refused);
        CHECK(refused.error().code == ErrorCode::invalid_argument);
        CHECK(refused.error().message == "model name longer than 256 bytes");
        CHECK_FALSE(client_adapter(format)->decode_client_request(chat_body(std::string(300'000, 'x'))));
    }
    CHECK(providers::decode_responses_request({{"model", at_limit}, {"input", "hi"}}));
    auto responses = providers::decode_responses_request({{"model", over}, {"input", "hi"}});
    REQUIRE_FALSE(responses);
    CHECK(responses.error().message == "model name longer than 256 bytes");
    CHECK(check_model_name(at_limit));
    CHECK_FALSE(check_model_name(over));
}

TEST_CASE("providers: JSON nested deep inside strings is not rebuilt when translating") {
    // OpenAI tool-call arguments and tool results are JSON text; the
    // Anthropic and Gemini encoders parse them into objects and the request
    // is dumped. 100,000 levels would overflow the stack when dumped.
    ChatRequest request;
    request.model = "m";
    Message call{.role = Role::assistant};
    call.tool_calls.push_back({.id = "c1", .name = "f", .arguments = deep(100'000)});
    request.messages.push_back(call);
    Message result{.role = Role::tool, .tool_call_id = "c1", .name = "f"};
    result.content.push_back({.kind = ContentPart::Kind::text, .text = deep(100'000)});
    request.messages.push_back(result);
    for (auto format : {WireFormat::openai, WireFormat::anthropic, WireFormat::gemini}) {
        CAPTURE(to_string(format));
        std::string dumped = upstream_adapter(format).encode_request(request, "m").dump();
        CHECK(dumped.size() > 10);
    }
    // 64 levels are carried as they came.
    request.messages[0].tool_calls[0].arguments = "{\"a\":" + deep(63) + "}";
    json anthropic = upstream_adapter(WireFormat::anthropic).encode_request(request, "m");
    CHECK(anthropic.dump().find(deep(63)) != std::string::npos);
}

TEST_CASE("providers: pick_member holds the member to the JSON limits and skips a byte order mark") {
    // The member's own depth counts (it is all that is built).
    std::string at_limit = R"({"usage":)" + deep(64) + "}";
    auto fine = pick_member(at_limit, "usage");
    REQUIRE(fine);
    CHECK(fine->is_array());
    CHECK_FALSE(pick_member(R"({"usage":)" + deep(65) + "}", "usage"));
    CHECK_FALSE(pick_member(R"({"usage":)" + deep(10'000) + "}", "usage"));
    // Deep elsewhere: the rest is checked, never built.
    CHECK(pick_member(R"({"other":)" + deep(10'000) + R"(,"usage":{"a":1}})", "usage") == json{{"a", 1}});
    CHECK_FALSE(pick_member(R"({"usage":[1,2,3]})", "usage", {.max_depth = 64, .max_values = 3}));
    CHECK(pick_member("\xEF\xBB\xBF{\"usage\":{\"a\":1}}", "usage") == json{{"a", 1}});
}

TEST_CASE("providers: an upstream answer or stream event nested too deep is refused, not built") {
    auto answer = upstream_adapter(WireFormat::openai).decode_response(nullptr);
    CHECK_FALSE(answer);
    for (auto format : {WireFormat::openai, WireFormat::anthropic, WireFormat::gemini}) {
        CAPTURE(to_string(format));
        auto decoder = upstream_adapter(format).stream_decoder();
        std::string event = "data: {\"choices\":[{\"delta\":{\"content\":" + deep(10'000) + "}}]}\n\n";
        CHECK(decoder->feed(event).empty());
        Error error = upstream_adapter(format).decode_error(500, R"({"error":)" + deep(10'000) + "}", {});
        CHECK(error.code == ErrorCode::upstream_unavailable);
    }
}

TEST_CASE("providers: an SSE event over the size limit is dropped whole, and the stream goes on") {
    detail::SseParser parser;
    const std::size_t limit = detail::SseParser::k_max_sse_event_bytes;
    CHECK(parser.feed("event: big\ndata: ").empty());
    std::string piece(1024 * 1024, 'a');
    for (std::size_t fed = 0; fed <= limit; fed += piece.size()) CHECK(parser.feed(piece).empty());
    CHECK(parser.feed("\ndata: more of it\n\n").empty());
    auto after = parser.feed("event: small\ndata: {\"ok\":1}\n\n");
    REQUIRE(after.size() == 1);
    CHECK(after[0].event == "small");
    CHECK(after[0].data == "{\"ok\":1}");
}

TEST_CASE("providers: integers sent as huge floats saturate instead of overflowing a cast") {
    // A fuzz finding: max_tokens 1.00222e+50 reached static_cast<int64_t>
    // (undefined behaviour) in the OpenAI request decoder.
    constexpr auto k_max = std::numeric_limits<std::int64_t>::max();
    for (const char* field : {"max_tokens", "max_completion_tokens"}) {
        CAPTURE(field);
        json body = chat_body("gpt-4o");
        body.erase("max_tokens");
        body[field] = 1.00222e50;
        body["seed"] = -1e300;
        auto decoded = client_adapter(WireFormat::openai)->decode_client_request(body);
        REQUIRE(decoded);
        CHECK(decoded->max_tokens == k_max);
        CHECK(decoded->seed == std::numeric_limits<std::int64_t>::min());
    }
    json body = chat_body("claude-haiku-4-5");
    body["max_tokens"] = 8.9e125;
    auto decoded = client_adapter(WireFormat::anthropic)->decode_client_request(body);
    REQUIRE(decoded);
    CHECK(decoded->max_tokens == k_max);
}

TEST_CASE("providers: token counts an upstream claims are held to [0, k_max_tokens], so sums and costs cannot overflow") {
    // Fuzz findings: counts saturated at int64's range overflowed when an
    // adapter summed them (prompt = input + cached + cache write; Gemini
    // output + thoughts), and again in the proxy's sum over attempts.
    const double huge = 9.3e18;
    std::vector<std::pair<WireFormat, json>> answers = {
        {WireFormat::openai,
         {{"id", "x"}, {"object", "chat.completion"}, {"model", "m"},
          {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", "hi"}}}, {"finish_reason", "stop"}}}},
          {"usage", {{"prompt_tokens", -huge}, {"completion_tokens", huge},
                     {"prompt_tokens_details", {{"cached_tokens", huge}, {"cache_write_tokens", huge}}},
                     {"completion_tokens_details", {{"reasoning_tokens", huge}}}}}}},
        {WireFormat::anthropic,
         {{"id", "x"}, {"type", "message"}, {"role", "assistant"}, {"model", "m"},
          {"content", {{{"type", "text"}, {"text", "hi"}}}}, {"stop_reason", "end_turn"},
          {"usage", {{"input_tokens", huge}, {"output_tokens", huge}, {"cache_read_input_tokens", huge},
                     {"cache_creation_input_tokens", -huge}}}}},
        {WireFormat::gemini,
         {{"candidates", {{{"content", {{"role", "model"}, {"parts", {{{"text", "hi"}}}}}}, {"finishReason", "STOP"}}}},
          {"usageMetadata", {{"promptTokenCount", huge}, {"toolUsePromptTokenCount", huge},
                             {"cachedContentTokenCount", -huge}, {"candidatesTokenCount", huge},
                             {"thoughtsTokenCount", huge}}}}},
    };
    catalog::Offering offering;
    offering.prices = {.input = 1'000'000'000'000, .output = 1'000'000'000'000}; // $1000 per million tokens
    for (const auto& [format, body] : answers) {
        CAPTURE(to_string(format));
        auto decoded = upstream_adapter(format).decode_response(body);
        REQUIRE(decoded);
        const catalog::Usage& u = decoded->usage;
        // Gemini sums two counts into one field (prompt + tool-use prompt,
        // candidates + thoughts).
        for (std::int64_t field : {u.input, u.cached_input, u.cache_write, u.output, u.reasoning}) {
            CHECK(field >= 0);
            CHECK(field <= 2 * catalog::k_max_tokens);
        }
        catalog::Nanos cost = catalog::cost(offering, u);
        CHECK(cost > 0);
        CHECK(cost <= catalog::k_max_request_cost);
    }
}
