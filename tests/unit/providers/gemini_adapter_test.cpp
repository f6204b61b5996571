#include <doctest/doctest.h>

#include "megarouter/providers/adapter.hpp"

using namespace megarouter;
using namespace megarouter::providers;
using nlohmann::json;

namespace {
const UpstreamAdapter& up() { return upstream_adapter(WireFormat::gemini); }
}

TEST_CASE("providers: gemini request has contents, systemInstruction, functionDeclarations and generationConfig") {
    ChatRequest request;
    request.system = "Be brief.";
    request.messages.push_back({Role::user,
                                {{ContentPart::Kind::text, "look", "", "", ""},
                                 {ContentPart::Kind::image, "", "data:image/png;base64,AAA", "image/png", "AAA"}},
                                {}, "", "", false});
    Message call{Role::assistant, {}, {{"call_0", "weather", R"({"city":"Oslo"})"}}, "", "", false};
    request.messages.push_back(call);
    request.messages.push_back({Role::tool, {{ContentPart::Kind::text, R"({"temp":3})", "", "", ""}}, {}, "call_0", "", false});
    request.tools.push_back({"weather", "Get weather", {{"type", "object"}}});
    request.tool_choice = "required";
    request.max_tokens = 50;
    request.stop = {"END"};
    request.response_format = {{"type", "json_object"}};
    json body = up().encode_request(request, "gemini-2.5-flash");
    CHECK(body["systemInstruction"]["parts"][0]["text"] == "Be brief.");
    CHECK(body["contents"][0]["role"] == "user");
    CHECK(body["contents"][0]["parts"][1]["inlineData"]["mimeType"] == "image/png");
    CHECK(body["contents"][1]["role"] == "model");
    CHECK(body["contents"][1]["parts"][0]["functionCall"]["args"]["city"] == "Oslo");
    CHECK(body["contents"][2]["parts"][0]["functionResponse"]["name"] == "weather");
    CHECK(body["contents"][2]["parts"][0]["functionResponse"]["response"]["temp"] == 3);
    CHECK(body["tools"][0]["functionDeclarations"][0]["name"] == "weather");
    CHECK(body["toolConfig"]["functionCallingConfig"]["mode"] == "ANY");
    CHECK(body["generationConfig"]["maxOutputTokens"] == 50);
    CHECK(body["generationConfig"]["stopSequences"][0] == "END");
    CHECK(body["generationConfig"]["responseMimeType"] == "application/json");
    CHECK_FALSE(body["generationConfig"].contains("temperature"));

    Endpoint endpoint{"google", WireFormat::gemini, "http://h/v1beta", "g-key", ""};
    CHECK(up().target(endpoint, "gemini-2.5-flash", true).url == "http://h/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    CHECK(up().target(endpoint, "gemini-2.5-flash", false).url == "http://h/v1beta/models/gemini-2.5-flash:generateContent");
    // A model id cannot add path segments, a query or a fragment.
    CHECK(up().target(endpoint, "../x?y#z", false).url == "http://h/v1beta/models/..%2Fx%3Fy%23z:generateContent");
    CHECK(upstream::header_value(up().target(endpoint, "m", false).headers, "x-goog-api-key") == "g-key");
}

TEST_CASE("providers: gemini response with usageMetadata, thoughts and function calls") {
    json body = json::parse(R"({"candidates":[{"content":{"role":"model","parts":[
        {"text":"thinking...","thought":true},{"text":"Hi"},{"functionCall":{"name":"f","args":{"a":1}}}]},
        "finishReason":"STOP","index":0}],
      "usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":20,"totalTokenCount":150,
        "cachedContentTokenCount":40,"thoughtsTokenCount":30},"modelVersion":"gemini-2.5-pro","responseId":"r1"})");
    auto response = up().decode_response(body);
    REQUIRE(response);
    CHECK(response->text == "Hi");
    CHECK(response->reasoning_text == "thinking...");
    CHECK(response->tool_calls.at(0).name == "f");
    CHECK(json::parse(response->tool_calls[0].arguments)["a"] == 1);
    CHECK(response->finish == FinishReason::tool_calls);
    CHECK(response->usage.input == 60);
    CHECK(response->usage.cached_input == 40);
    CHECK(response->usage.output == 50);
    CHECK(response->usage.reasoning == 30);

    auto blocked = up().decode_response(json::parse(R"({"promptFeedback":{"blockReason":"SAFETY"}})"));
    REQUIRE_FALSE(blocked);
    CHECK(blocked.error().code == ErrorCode::content_policy);
}

TEST_CASE("providers: gemini sse stream with CRLF framing") {
    std::string stream =
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":1}}\r\n\r\n"
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"lo\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":2}}\r\n\r\n";
    auto decoder = up().stream_decoder();
    std::string text;
    catalog::Usage usage;
    for (std::size_t i = 0; i < stream.size(); i += 5)
        for (const auto& e : decoder->feed(std::string_view(stream).substr(i, 5))) {
            if (e.kind == StreamEvent::Kind::text_delta) text += e.text;
            if (e.kind == StreamEvent::Kind::usage) usage = e.usage;
        }
    CHECK(text == "Hello");
    CHECK(usage.output == 2);
    CHECK(decoder->done());
    auto cut = up().stream_decoder();
    cut->feed(stream.substr(0, stream.find("\r\n\r\n") + 4));
    CHECK_FALSE(cut->done());
}

TEST_CASE("providers: gemini errors are classified") {
    Error exhausted = up().decode_error(429, R"({"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}})", {{"retry-after", "2"}});
    CHECK(exhausted.code == ErrorCode::rate_limited);
    CHECK(exhausted.retry_after_seconds == doctest::Approx(2));
    Error too_long = up().decode_error(400, R"({"error":{"code":400,"message":"The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}})", {});
    CHECK(too_long.code == ErrorCode::context_length_exceeded);
    CHECK(client_adapter(WireFormat::gemini) == nullptr);
}
