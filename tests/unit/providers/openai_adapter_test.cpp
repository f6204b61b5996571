#include <doctest/doctest.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "megarouter/providers/adapter.hpp"
#include "providers/adapter_util.hpp"

using namespace megarouter;
using namespace megarouter::providers;
using nlohmann::json;

namespace {

const UpstreamAdapter& up() { return upstream_adapter(WireFormat::openai); }
const ClientAdapter& down() { return *client_adapter(WireFormat::openai); }

std::vector<StreamEvent> feed_all(StreamDecoder& decoder, std::string_view bytes, std::size_t step) {
    std::vector<StreamEvent> out;
    for (std::size_t i = 0; i < bytes.size(); i += step)
        for (auto& e : decoder.feed(bytes.substr(i, step))) out.push_back(std::move(e));
    return out;
}

// A client body in the documented chat completions shape, with tools,
// images and a tool round trip.
const char* k_client_body = R"({
  "model": "gpt-4o",
  "messages": [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": [
      {"type": "text", "text": "What is in this image?"},
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\":\"cat\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "a cat"}
  ],
  "tools": [{"type": "function", "function": {"name": "lookup", "description": "Find", "parameters": {"type": "object"}}}],
  "tool_choice": {"type": "function", "function": {"name": "lookup"}},
  "max_completion_tokens": 100, "stop": "END", "seed": 7, "user": "u1",
  "response_format": {"type": "json_object"}, "stream": true
})";

} // namespace

TEST_CASE("providers: openai client request decodes to canonical and encodes back") {
    auto request = down().decode_client_request(json::parse(k_client_body));
    REQUIRE(request);
    CHECK(request->model == "gpt-4o");
    CHECK(request->system == "You are terse.");
    REQUIRE(request->messages.size() == 3);
    CHECK(request->messages[0].content[1].kind == ContentPart::Kind::image);
    CHECK(request->messages[0].content[1].media_type == "image/png");
    CHECK(request->messages[0].content[1].image_data == "iVBORw0KGgo=");
    CHECK(request->messages[1].tool_calls.at(0).arguments == R"({"q":"cat"})");
    CHECK(request->messages[2].role == Role::tool);
    CHECK(request->tool_choice == json{{"name", "lookup"}});
    CHECK(request->max_tokens == 100);
    CHECK(request->stop == std::vector<std::string>{"END"});
    CHECK(request->stream);
    CHECK_FALSE(request->temperature.has_value());

    json body = up().encode_request(*request, "gpt-4o-2024-08-06");
    CHECK(body["model"] == "gpt-4o-2024-08-06");
    CHECK(body["messages"][0] == json{{"role", "system"}, {"content", "You are terse."}});
    CHECK(body["messages"][1]["content"][1]["image_url"]["url"] == "data:image/png;base64,iVBORw0KGgo=");
    CHECK(body["messages"][2]["tool_calls"][0]["function"]["name"] == "lookup");
    CHECK(body["messages"][3]["tool_call_id"] == "call_1");
    CHECK(body["tool_choice"]["function"]["name"] == "lookup");
    CHECK(body["stream_options"]["include_usage"] == true);
    CHECK_FALSE(body.contains("temperature")); // never added when absent
    CHECK_FALSE(body.contains("top_p"));
    CHECK(body["max_tokens"] == 100);
    CHECK(up().encode_request(*request, "o3-mini").contains("max_completion_tokens"));
}

TEST_CASE("providers: openai decodes a response with cached and reasoning tokens") {
    json body = json::parse(R"({"id":"chatcmpl-1","object":"chat.completion","model":"o3",
      "choices":[{"index":0,"message":{"role":"assistant","content":"Hi","tool_calls":[
        {"id":"call_9","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],
      "usage":{"prompt_tokens":100,"completion_tokens":50,"total_tokens":150,
        "prompt_tokens_details":{"cached_tokens":60},"completion_tokens_details":{"reasoning_tokens":20}}})");
    auto response = up().decode_response(body);
    REQUIRE(response);
    CHECK(response->text == "Hi");
    CHECK(response->finish == FinishReason::tool_calls);
    CHECK(response->tool_calls.at(0).id == "call_9");
    CHECK(response->usage.input == 40);
    CHECK(response->usage.cached_input == 60);
    CHECK(response->usage.output == 50);
    CHECK(response->usage.reasoning == 20);

    json back = down().encode_client_response(*response, "o3");
    CHECK(back["usage"]["prompt_tokens"] == 100);
    CHECK(back["usage"]["prompt_tokens_details"]["cached_tokens"] == 60);
    CHECK(back["choices"][0]["finish_reason"] == "tool_calls");
    CHECK(back["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "f");
}

TEST_CASE("providers: openai stream decoder handles chunks split anywhere") {
    std::string stream =
        "data: {\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n"
        ": keep-alive\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo \\u00e9\"}}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]}}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\n"
        "data: [DONE]\n\n";
    for (std::size_t step : {std::size_t(1), std::size_t(7), stream.size()}) {
        CAPTURE(step);
        auto decoder = up().stream_decoder();
        auto events = feed_all(*decoder, stream, step);
        CHECK(decoder->done());
        std::string text, args;
        catalog::Usage usage;
        FinishReason finish = FinishReason::unknown;
        for (const auto& e : events) {
            if (e.kind == StreamEvent::Kind::text_delta) text += e.text;
            if (e.kind == StreamEvent::Kind::tool_call_delta) args += e.text;
            if (e.kind == StreamEvent::Kind::usage) usage = e.usage;
            if (e.kind == StreamEvent::Kind::finish) finish = e.finish;
        }
        CHECK(events.front().kind == StreamEvent::Kind::start);
        CHECK(text == "Hello \xc3\xa9");
        CHECK(args == "{\"a\":1}");
        CHECK(finish == FinishReason::tool_calls);
        CHECK(usage.input == 6);
        CHECK(usage.cached_input == 4);
    }
}

TEST_CASE("providers: openai stream encoder writes chunks, usage and [DONE], or an error chunk") {
    auto encoder = down().stream_encoder("gpt-4o");
    std::string out = encoder->encode({.kind = StreamEvent::Kind::start, .id = "x1"});
    out += encoder->encode({.kind = StreamEvent::Kind::text_delta, .text = "Hi"});
    out += encoder->encode({.kind = StreamEvent::Kind::usage, .usage = {3, 0, 0, 2, 0}});
    out += encoder->encode({.kind = StreamEvent::Kind::finish, .finish = FinishReason::stop});
    out += encoder->finish();
    CHECK(encoder->finish().empty());
    CHECK(out.find("\"role\":\"assistant\"") != std::string::npos);
    CHECK(out.find("\"content\":\"Hi\"") != std::string::npos);
    CHECK(out.find("\"finish_reason\":\"stop\"") != std::string::npos);
    CHECK(out.find("\"prompt_tokens\":3") != std::string::npos);
    CHECK(out.ends_with("data: [DONE]\n\n"));
    // As OpenAI sends with stream_options.include_usage: every chunk has one
    // choice, except the usage chunk after the finish_reason, whose choices
    // are empty (clients read choices[0] of every other chunk).
    std::vector<json> chunks;
    for (std::size_t at = 0; (at = out.find("data: {", at)) != std::string::npos; at += 6)
        chunks.push_back(json::parse(out.substr(at + 6, out.find("\n\n", at) - at - 6)));
    REQUIRE(chunks.size() >= 3);
    for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
        CHECK(chunks[i]["choices"].size() == 1);
        CHECK_FALSE(chunks[i].contains("usage"));
    }
    CHECK(chunks[chunks.size() - 2]["choices"][0]["finish_reason"] == "stop");
    CHECK(chunks.back()["choices"] == json::array());
    CHECK(chunks.back()["usage"]["prompt_tokens"] == 3);
    CHECK(chunks.back()["usage"]["completion_tokens"] == 2);
    CHECK(chunks.back()["object"] == "chat.completion.chunk");

    auto failing = down().stream_encoder("gpt-4o");
    std::string broken = failing->encode({.kind = StreamEvent::Kind::text_delta, .text = "par"});
    broken += failing->fail(make_error(ErrorCode::upstream_unavailable, "upstream went away", true));
    CHECK(broken.find("data: {\"error\":") != std::string::npos);
    CHECK(broken.find("[DONE]") == std::string::npos);
    CHECK(failing->finish().empty());
}

TEST_CASE("providers: openai errors are classified") {
    upstream::Headers headers{{"Retry-After", "7"}};
    Error rate = up().decode_error(429, R"({"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}})", headers);
    CHECK(rate.code == ErrorCode::rate_limited);
    CHECK(rate.retryable);
    CHECK(rate.retry_after_seconds == doctest::Approx(7));
    CHECK(rate.message == "slow down");
    Error quota = up().decode_error(429, R"({"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}})", {});
    CHECK_FALSE(quota.retryable);
    Error context = up().decode_error(400, R"({"error":{"message":"too long","code":"context_length_exceeded"}})", {});
    CHECK(context.code == ErrorCode::context_length_exceeded);
    CHECK_FALSE(context.retryable);
    Error policy = up().decode_error(400, R"({"error":{"message":"no","code":"content_policy_violation"}})", {});
    CHECK(policy.code == ErrorCode::content_policy);
    CHECK(up().decode_error(401, "{}", {}).code == ErrorCode::unauthenticated);
    CHECK(up().decode_error(403, "{}", {}).code == ErrorCode::permission_denied);
    CHECK(up().decode_error(404, "{}", {}).code == ErrorCode::not_found);
    CHECK_FALSE(up().decode_error(400, "{}", {}).retryable);
    Error server = up().decode_error(503, "<html>down</html>", {});
    CHECK(server.code == ErrorCode::upstream_unavailable);
    CHECK(server.retryable);
    CHECK(server.upstream_status == 503);

    ClientError client = down().encode_client_error(make_error(ErrorCode::not_found, "unknown model x"));
    CHECK(client.status == 404);
    CHECK(json::parse(client.body)["error"]["code"] == "model_not_found");
    CHECK_FALSE(client.should_retry);
    CHECK(down().encode_client_error(make_error(ErrorCode::upstream_unavailable, "x", true)).should_retry);
}

TEST_CASE("providers: openai target uses bearer auth, azure uses deployments and api-key") {
    Endpoint endpoint{"openai", WireFormat::openai, "http://127.0.0.1:9/v1", "sk-test", ""};
    UpstreamTarget target = up().target(endpoint, "gpt-4o", true);
    CHECK(target.url == "http://127.0.0.1:9/v1/chat/completions");
    CHECK(upstream::header_value(target.headers, "authorization") == "Bearer sk-test");
    Endpoint local{"ollama", WireFormat::openai, "http://127.0.0.1:11434/v1", "", ""};
    CHECK_FALSE(upstream::header_value(up().target(local, "llama3", false).headers, "authorization"));
    Endpoint azure{"azure", WireFormat::openai, "https://x.openai.azure.com", "k", "2024-10-21"};
    UpstreamTarget az = up().target(azure, "my-deploy", false);
    CHECK(az.url == "https://x.openai.azure.com/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21");
    CHECK(upstream::header_value(az.headers, "api-key") == "k");
}

TEST_CASE("providers: openai usage decoder finds the usage, finish, errors and end without parsing the deltas") {
    std::string deltas;
    for (int i = 0; i < 50; ++i)
        deltas += "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"w" + std::to_string(i) +
                  "\"},\"finish_reason\":null}],\"usage\":null}\n\n";
    std::string finish = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\" : \"length\"}],\"usage\":null}\n\n";
    std::string usage = "data: {\"id\":\"c1\",\"choices\":[],\"usage\": {\"prompt_tokens\":10,\"completion_tokens\":50}}\n\n";
    for (std::size_t step : {std::size_t(1), std::size_t(13), std::size_t(100000)}) {
        CAPTURE(step);
        auto decoder = up().usage_decoder();
        auto events = feed_all(*decoder, deltas + finish + usage + "data: [DONE]\n\n", step);
        CHECK(decoder->done());
        catalog::Usage seen;
        FinishReason reason = FinishReason::unknown;
        int texts = 0;
        for (const auto& e : events) {
            if (e.kind == StreamEvent::Kind::usage) seen = e.usage;
            if (e.kind == StreamEvent::Kind::finish) reason = e.finish;
            if (e.kind == StreamEvent::Kind::text_delta) ++texts;
        }
        CHECK(texts == 0); // the deltas were skipped, unparsed
        CHECK(reason == FinishReason::length);
        CHECK(seen.input == 10);
        CHECK(seen.output == 50);
        // Cut before the finish: not done, as with the full decoder.
        auto cut = up().usage_decoder();
        feed_all(*cut, deltas, step);
        CHECK_FALSE(cut->done());
    }
    auto failing = up().usage_decoder();
    auto events = feed_all(*failing, deltas + "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n", 64);
    REQUIRE_FALSE(events.empty());
    CHECK(events.back().kind == StreamEvent::Kind::error);
    CHECK(events.back().error_message == "overloaded");
    CHECK(providers::detail::has_non_null(R"({"usage":{"a":1}})", "\"usage\""));
    CHECK_FALSE(providers::detail::has_non_null(R"({"usage" : null, "x":"\"usage\""})", "\"usage\""));
}
