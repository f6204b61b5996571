// providers::call() against the mock for each wire format: tool calls round
// trip, images pass through, usage comes back from streams.
#include "e2e/prompt_fixture.hpp"
#include "megarouter/providers/call.hpp"

using namespace megarouter;
using namespace megarouter::providers;
using nlohmann::json;

namespace {

struct Target {
    const char* provider;
    WireFormat format;
    const char* suffix;
    const char* model;
};

const Target k_targets[] = {{"openai", WireFormat::openai, "/v1", "gpt-4o-mini"},
                            {"anthropic", WireFormat::anthropic, "", "claude-haiku-4-5"},
                            {"google", WireFormat::gemini, "/v1beta", "gemini-2.5-flash"}};

ChatRequest tool_request() {
    ChatRequest request;
    request.messages.push_back({Role::user,
                                {{ContentPart::Kind::text, "weather in Oslo?", "", "", ""},
                                 {ContentPart::Kind::image, "", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", "image/png",
                                  "iVBORw0KGgoAAAANSUhEUg=="}},
                                {}, "", "", false});
    request.tools.push_back({"get_weather", "Weather for a city",
                             {{"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}}});
    return request;
}

} // namespace

TEST_CASE("prompt e2e: tool calls round-trip and images pass through for each format") {
    mock::MockServer mock;
    REQUIRE(mock.start());
    mock.set_behavior("*", mock::behavior_from_json(R"({"tool_call":true,"tool_arguments":"{\"city\":\"Oslo\"}"})").value());
    for (const Target& t : k_targets) {
        for (bool stream : {false, true}) {
            CAPTURE(t.provider);
            CAPTURE(stream);
            mock.clear_requests();
            Endpoint endpoint{t.provider, t.format, mock.base_url() + t.suffix, "test", ""};
            ChatRequest request = tool_request();
            int events = 0;
            StreamCallback count = [&](const StreamEvent&) { return ++events > 0; };
            auto first = call(endpoint, request, t.model, {}, stream ? &count : nullptr);
            REQUIRE(first);
            REQUIRE(first->tool_calls.size() == 1);
            CHECK(first->tool_calls[0].name == "get_weather");
            CHECK(json::parse(first->tool_calls[0].arguments) == json{{"city", "Oslo"}});
            CHECK(first->finish == FinishReason::tool_calls);
            CHECK(first->usage.output > 0);
            CHECK(first->usage.input > 0);
            if (stream) CHECK(events > 0);
            std::string sent = mock.requests().at(0).body;
            CHECK(sent.find("iVBORw0KGgoAAAANSUhEUg==") != std::string::npos); // the image went along

            // Send the tool result back.
            request.messages.push_back({Role::assistant, {}, first->tool_calls, "", "", false});
            request.messages.push_back({Role::tool, {{ContentPart::Kind::text, R"({"temp_c":3})", "", "", ""}}, {},
                                        first->tool_calls[0].id, "", false});
            mock.set_behavior("*", {});
            auto second = call(endpoint, request, t.model, {}, stream ? &count : nullptr);
            REQUIRE(second);
            CHECK(second->tool_calls.empty());
            json body = json::parse(mock.requests().back().body);
            std::string dumped = body.dump();
            CHECK(dumped.find("temp_c") != std::string::npos);
            CHECK(dumped.find("get_weather") != std::string::npos);
            mock.set_behavior("*", mock::behavior_from_json(R"({"tool_call":true,"tool_arguments":"{\"city\":\"Oslo\"}"})").value());
        }
    }
}

TEST_CASE("prompt e2e: streamed usage includes cached and reasoning tokens") {
    mock::MockServer mock;
    REQUIRE(mock.start());
    mock.set_behavior("*", mock::behavior_from_json(R"({"cached_tokens":3,"reasoning_tokens":5,"text":"a b c"})").value());
    for (const Target& t : k_targets) {
        CAPTURE(t.provider);
        Endpoint endpoint{t.provider, t.format, mock.base_url() + t.suffix, "test", ""};
        ChatRequest request;
        request.messages.push_back({Role::user, {{ContentPart::Kind::text, std::string(200, 'x'), "", "", ""}}, {}, "", "", false});
        std::string text;
        StreamCallback collect = [&](const StreamEvent& e) {
            if (e.kind == StreamEvent::Kind::text_delta) text += e.text;
            return true;
        };
        auto response = call(endpoint, request, t.model, {}, &collect);
        REQUIRE(response);
        CHECK(text == "a b c");
        CHECK(response->text == "a b c");
        CHECK(response->usage.cached_input == 3);
        if (t.format != WireFormat::anthropic) CHECK(response->usage.reasoning == 5); // Anthropic does not split them out
    }
}
