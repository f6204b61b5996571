#include "megarouter/routing/analyser.hpp"

#include "unit/routing/fixture.hpp"

using namespace routing_test;
using catalog::Tier;

namespace {

routing::Analysis analysed(const std::string& text) { return routing::analyse(chat(text), {}); }

bool has_signal(const routing::Analysis& a, routing::Signal signal) {
    for (const auto& hit : a.signals)
        if (hit.signal == signal) return true;
    return false;
}

} // namespace

TEST_CASE("routing: token estimates are close to tokenizer counts") {
    // ~4 characters per token for English prose.
    std::string prose = "The quick brown fox jumps over the lazy dog near the river bank today. ";
    std::string text;
    for (int i = 0; i < 100; ++i) text += prose;
    std::int64_t tokens = routing::estimate_tokens(text);
    // cl100k: 16 tokens per sentence -> 1600; accept +-20%.
    CHECK(tokens >= 1280);
    CHECK(tokens <= 1920);
    // CJK: about one token per character.
    CHECK(routing::estimate_tokens("\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c") == 4);
    CHECK(routing::estimate_tokens("") == 0);
}

TEST_CASE("routing: the analyser reports the request's shape") {
    providers::ChatRequest request = chat("Describe the picture");
    request.messages[0].content.push_back({providers::ContentPart::Kind::image, "", "https://x/y.png", "", ""});
    request.tools.push_back({"search", "web search", {{"type", "object"}}});
    request.response_format = {{"type", "json_schema"}};
    request.max_tokens = 100;
    auto a = routing::analyse(request, {});
    CHECK(a.needs_vision);
    CHECK(a.needs_tools);
    CHECK(a.needs_json_schema);
    CHECK(a.max_output_tokens == 100);
    CHECK(a.output_tokens == 100);
    CHECK(a.input_tokens > 800);
    CHECK(has_signal(a, routing::Signal::images));
    CHECK(has_signal(a, routing::Signal::tools));
    CHECK(has_signal(a, routing::Signal::structured_output));
}

TEST_CASE("routing: the analyser detects language, depth and reasoning effort") {
    CHECK(analysed("\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xbb\x8a\xe5\xa4\xa9\xe5\xa4\xa9\xe6\xb0\x94\xe6\x80\x8e\xe4\xb9\x88\xe6\xa0\xb7").language == "zh");
    CHECK(analysed("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xba\xd0\xb0\xd0\xba \xd0\xb4\xd0\xb5\xd0\xbb\xd0\xb0?").language == "ru");
    CHECK(analysed("hello there").language == "en");

    providers::ChatRequest deep;
    for (int i = 0; i < 12; ++i) {
        providers::Message m;
        m.role = i % 2 == 0 ? providers::Role::user : providers::Role::assistant;
        m.content.push_back({providers::ContentPart::Kind::text, "ok", "", "", ""});
        deep.messages.push_back(m);
    }
    CHECK(has_signal(routing::analyse(deep, {}), routing::Signal::conversation_depth));

    auto effort = chat("hi");
    effort.reasoning_effort = "high";
    CHECK(has_signal(routing::analyse(effort, {}), routing::Signal::reasoning_effort));
}

TEST_CASE("routing: analyser thresholds and signal weights are tunable") {
    std::string prompt = "Review this function for bugs:\n```\nint f(int x) { return x * 2; }\n```";
    routing::AnalyserSettings settings;
    CHECK(routing::analyse(chat(prompt), settings).tier == Tier::strong);
    settings.weights[static_cast<int>(routing::Signal::code)] = 0;
    CHECK(routing::analyse(chat(prompt), settings).tier == Tier::light);
    settings = {};
    settings.strong_at = 10;
    settings.frontier_at = 12;
    CHECK(routing::analyse(chat(prompt), settings).tier == Tier::standard);
}
