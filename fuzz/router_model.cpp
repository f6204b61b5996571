// The router model reader and the difficulty features on arbitrary bytes: a
// model file (parse_difficulty_model), and the same bytes as a prompt. Never
// a crash; a parsed model serialises to a file that parses to the same
// weights; every feature slot is in range and every value finite, so the
// prediction is a probability.
#include <cmath>

#include "fuzz_input.hpp"
#include "megarouter/routing/analyser.hpp"
#include "megarouter/routing/difficulty.hpp"

using namespace megarouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    const std::string_view bytes = input.rest();
    if (auto model = routing::parse_difficulty_model(bytes, "fuzz")) {
        auto again = routing::parse_difficulty_model(routing::serialize_difficulty_model(*model), "again");
        if (!again || again->weights.size() != model->weights.size()) __builtin_trap();
        for (std::size_t i = 0; i < model->weights.size(); ++i)
            if (model->weights[i] != 0 && again->weights[i] == 0) __builtin_trap();
    }
    providers::ChatRequest request;
    providers::Message message;
    message.content.push_back({providers::ContentPart::Kind::text, std::string(bytes), "", "", ""});
    request.messages.push_back(std::move(message));
    routing::Analysis analysis = routing::analyse(request, routing::AnalyserSettings{});
    std::vector<routing::Feature> features = routing::difficulty_features(request, analysis);
    for (const routing::Feature& f : features)
        if (f.slot >= routing::k_feature_slots || !std::isfinite(f.value)) __builtin_trap();
    static const routing::DifficultyModel flat = [] {
        routing::DifficultyModel m;
        m.weights.assign(routing::k_feature_slots, 0.5f);
        return m;
    }();
    double p = flat.predict(features);
    if (!(p >= 0 && p <= 1)) __builtin_trap();
    return 0;
}
