// The learned difficulty predictor: features, the model file, training, the
// built-in model, and how the prediction enters the plan's tier.
#include <algorithm>
#include <string>

#include "unit/routing/fixture.hpp"
#include "megarouter/routing/difficulty.hpp"

using namespace routing_test;
using catalog::Tier;

namespace {

std::vector<routing::Feature> features_of(const std::string& text) {
    providers::ChatRequest request = chat(text);
    return routing::difficulty_features(request, routing::analyse(request, routing::AnalyserSettings{}));
}

routing::TrainingExample example(const std::string& text, double target) {
    return {features_of(text), target, 1};
}

// A tiny labelled world: prompts about zebras are hard, about apples easy.
std::vector<routing::TrainingExample> zebra_world() {
    std::vector<routing::TrainingExample> out;
    for (int i = 0; i < 60; ++i) {
        std::string n = std::to_string(i);
        out.push_back(example("tell me about zebra number " + n + " and its stripes", 1));
        out.push_back(example("tell me about apple number " + n + " and its colour", 0));
    }
    return out;
}

} // namespace

TEST_CASE("difficulty features: deterministic, in range, and bounded for huge prompts") {
    auto a = features_of("Prove that the square root of 2 is irrational.");
    auto b = features_of("Prove that the square root of 2 is irrational.");
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].slot == b[i].slot);
        CHECK(a[i].value == b[i].value);
        CHECK(a[i].slot < routing::k_feature_slots);
    }
    CHECK(a.size() > 10);
    // Case does not matter for words; a different text gives other features.
    auto upper = features_of("PROVE THAT THE SQUARE ROOT OF 2 IS IRRATIONAL.");
    auto other = features_of("Write a haiku about autumn leaves.");
    auto slots = [](const std::vector<routing::Feature>& f) {
        std::vector<std::uint32_t> s;
        for (const auto& x : f) s.push_back(x.slot);
        std::sort(s.begin(), s.end());
        return s;
    };
    CHECK(slots(upper) == slots(a));
    CHECK(slots(other) != slots(a));
    // 2 MB of text: the word features stop at k_feature_tokens.
    std::string huge;
    while (huge.size() < 2'000'000) huge += "lorem ipsum dolor sit amet 12345 {x} ";
    auto bounded = features_of(huge);
    CHECK(bounded.size() <= 2 * routing::k_feature_tokens + 64);
    CHECK(features_of("").size() < 10);
}

TEST_CASE("router model file: round trip, and errors that name the line") {
    routing::DifficultyModel model;
    model.name = "m";
    model.trained = "unit test";
    model.bias = -0.25;
    model.weights.assign(routing::k_feature_slots, 0.0f);
    model.weights[7] = 0.5f;
    model.weights[routing::k_feature_slots - 1] = -1.25f;
    model.calibration[3] = 0.4;
    model.calibration_count[3] = 12;
    std::string text = routing::serialize_difficulty_model(model);
    auto back = routing::parse_difficulty_model(text, "back.txt");
    REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error().message));
    CHECK(back->name == "back.txt");
    CHECK(back->trained == "unit test");
    CHECK(back->bias == doctest::Approx(-0.25));
    CHECK(back->weights[7] == doctest::Approx(0.5));
    CHECK(back->weights[routing::k_feature_slots - 1] == doctest::Approx(-1.25));
    CHECK(back->calibration[3] == doctest::Approx(0.4));
    CHECK(back->calibration_count[3] == 12);
    std::vector<routing::Feature> features = {{7, 1.0f}, {routing::k_feature_slots - 1, 1.0f}};
    CHECK(back->predict(features) == doctest::Approx(model.predict(features)));
    CHECK(model.predict(features) == doctest::Approx(1 / (1 + std::exp(-(-0.25 + 0.5 - 1.25)))));

    auto error_of = [](const std::string& file) {
        auto parsed = routing::parse_difficulty_model(file, "bad.txt");
        REQUIRE_FALSE(parsed.has_value());
        return parsed.error().message;
    };
    CHECK(error_of("hello\n").find("bad.txt:1: not a megarouter router model") != std::string::npos);
    CHECK(error_of("megarouter-router-model 1\nfeature_bits 20\n").find("bad.txt:2: feature_bits must be 18") !=
          std::string::npos);
    CHECK(error_of("megarouter-router-model 1\nfeature_bits 18\nbias 0\nweights 2\n5 0.1\n").find("ends after 1 of 2") !=
          std::string::npos);
    CHECK(error_of("megarouter-router-model 1\nfeature_bits 18\nbias 0\nweights 1\n999999999 0.1\n").find("bad.txt:5") !=
          std::string::npos);
    CHECK(error_of("megarouter-router-model 1\nfeature_bits 18\nbias nan\nweights 0\n").find("bias") != std::string::npos);
    CHECK(error_of("megarouter-router-model 1\nsurprise\n").find("bad.txt:2: unexpected line") != std::string::npos);
}

TEST_CASE("training: learns a separable signal, reproducibly") {
    auto data = zebra_world();
    routing::DifficultyModel first = routing::train_difficulty_model(data, routing::TrainingSettings{});
    routing::DifficultyModel second = routing::train_difficulty_model(data, routing::TrainingSettings{});
    CHECK(first.bias == second.bias);
    CHECK(first.weights == second.weights);
    double zebra = first.predict(features_of("what do you know about zebra number 500 and its stripes"));
    double apple = first.predict(features_of("what do you know about apple number 500 and its colour"));
    CHECK(zebra > 0.8);
    CHECK(apple < 0.2);
    // Another seed shuffles differently: other weights, the same lesson.
    routing::TrainingSettings reseeded;
    reseeded.seed = 7;
    routing::DifficultyModel third = routing::train_difficulty_model(data, reseeded);
    CHECK(third.weights != first.weights);
    CHECK(third.predict(features_of("zebra number 9 and its stripes")) >
          third.predict(features_of("apple number 9 and its colour")));
}

TEST_CASE("the built-in model is compiled in, trained and calibrated") {
    auto model = routing::builtin_difficulty_model();
    REQUIRE(model != nullptr);
    CHECK(model->name == "builtin");
    CHECK(model->trained.find("LLMRouter") != std::string::npos);
    std::size_t nonzero = 0;
    for (float w : model->weights) nonzero += w != 0 ? 1 : 0;
    CHECK(nonzero > 10'000);
    std::uint32_t calibrated = 0;
    for (std::uint32_t count : model->calibration_count) calibrated += count;
    CHECK(calibrated > 1'000);
    // A greeting is easier than a competition problem.
    double hello = model->predict(features_of("Hello! How are you today?"));
    double hard = model->predict(features_of(
        "Let $f(x) = x^3 - 3x + 1$. Find the number of real solutions of $f(f(x)) = 0$ and prove your answer."));
    CHECK(hello < hard);
    CHECK(hello < 0.6);
}

TEST_CASE("plan: the required tier is the higher of the keyword tier and the learned one") {
    CHECK(routing::tier_for_difficulty(0.1, routing::AnalyserSettings{}) == Tier::light);
    CHECK(routing::tier_for_difficulty(0.7, routing::AnalyserSettings{}) == Tier::light);
    CHECK(routing::tier_for_difficulty(0.85, routing::AnalyserSettings{}) == Tier::standard);
    CHECK(routing::tier_for_difficulty(0.95, routing::AnalyserSettings{}) == Tier::strong);
    CHECK(routing::tier_for_difficulty(0.99, routing::AnalyserSettings{}) == Tier::frontier);

    // A model that finds everything hard raises an easy prompt to strong...
    auto hard_everywhere = std::make_shared<routing::DifficultyModel>();
    hard_everywhere->name = "always-hard";
    hard_everywhere->bias = 2.5; // p = 0.924
    hard_everywhere->weights.assign(routing::k_feature_slots, 0.0f);
    Setup setup;
    setup.config.difficulty_model = hard_everywhere;
    auto plan = setup.plan("auto", chat(k_easy));
    REQUIRE(plan.has_value());
    CHECK(plan->analysis.tier == Tier::light);
    CHECK(plan->difficulty == doctest::Approx(0.924).epsilon(0.01));
    CHECK(plan->difficulty_model == "always-hard");
    CHECK(plan->difficulty_tier == Tier::strong);
    CHECK(plan->required_tier == Tier::strong);
    CHECK(plan->chosen.model->tier >= Tier::strong);
    // ...and one that finds everything easy never lowers the keywords' tier.
    auto easy_everywhere = std::make_shared<routing::DifficultyModel>(*hard_everywhere);
    easy_everywhere->bias = -3;
    setup.config.difficulty_model = easy_everywhere;
    auto hard_plan = setup.plan("auto", chat(k_hard));
    REQUIRE(hard_plan.has_value());
    CHECK(hard_plan->difficulty_tier == Tier::light);
    CHECK(hard_plan->required_tier == hard_plan->analysis.tier);
    CHECK(hard_plan->required_tier >= Tier::strong);
}

TEST_CASE("plan: candidates compete on their figure for the request's kind of work, weighted by difficulty") {
    // Two light models at the same price: "generalist" leads overall, "coder"
    // leads at coding.
    const char* json = R"({"version":1,"models":[
{"id":"generalist","name":"G","vendor":"a","family":"g","released":"2025-01-01","deprecated":"","context":16000,"max_output":4096,
 "input":["text"],"output":["text"],"caps":[],"tier":"light","quality":80,
 "quality_by_category":{"coding":{"value":30,"source":"test","date":"2025-01-01"}},"aliases":[],
 "offerings":[{"provider":"a","id":"g","price":{"in":1,"out":1,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"coder","name":"C","vendor":"b","family":"c","released":"2025-01-01","deprecated":"","context":16000,"max_output":4096,
 "input":["text"],"output":["text"],"caps":[],"tier":"light","quality":60,
 "quality_by_category":{"coding":{"value":95,"source":"test","date":"2025-01-01"}},"aliases":[],
 "offerings":[{"provider":"b","id":"c","price":{"in":1,"out":1,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]}
]})";
    auto catalog = catalog::Catalog::from_json(json, "test");
    REQUIRE(catalog.has_value());
    routing::RoutingConfig config;
    config.default_mode = routing::Mode::balanced;
    std::vector<std::string> providers = {"a", "b"};
    routing::RoutingContext context{&*catalog, providers, &config, nullptr, k_now};
    auto route = [&](const std::string& text) {
        routing::RouteRequest request;
        request.model = "auto";
        auto plan = routing::plan(request, chat(text), context);
        REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
        return *plan;
    };
    routing::Plan chatting = route("Hello, how are you?");
    CHECK(chatting.analysis.category == "");
    CHECK(chatting.chosen.model->id == "generalist");
    routing::Plan coding = route("Write a Python function that reverses a linked list");
    CHECK(coding.analysis.category == "coding");
    CHECK(coding.chosen.model->id == "coder");

    // The same gap counts for more on a harder request.
    auto flat = std::make_shared<routing::DifficultyModel>();
    flat->weights.assign(routing::k_feature_slots, 0.0f);
    flat->bias = -4; // easy
    config.difficulty_model = flat;
    double easy_gap = 0;
    for (const auto& c : route("Write a Python function that reverses a linked list").candidates)
        easy_gap += c.model->id == "coder" ? c.quality : -c.quality;
    auto hard = std::make_shared<routing::DifficultyModel>(*flat);
    hard->bias = 1.3; // 0.79: still below the tier thresholds
    config.difficulty_model = hard;
    double hard_gap = 0;
    for (const auto& c : route("Write a Python function that reverses a linked list").candidates)
        hard_gap += c.model->id == "coder" ? c.quality : -c.quality;
    CHECK(easy_gap > 0);
    CHECK(hard_gap > 2 * easy_gap);
}

TEST_CASE("analyser: the kind of work comes from the strongest signal") {
    auto category = [](const std::string& text) {
        return std::string(routing::analyse(chat(text), routing::AnalyserSettings{}).category);
    };
    CHECK(category("Prove that the square root of 2 is irrational.") == "math");
    CHECK(category("Refactor this function:\n```python\ndef f(x):\n    return x\n```") == "coding");
    CHECK(category("Thanks!") == "");
}

TEST_CASE("cost mode: [routing] cost_quality_tolerance trades price for expected quality") {
    Setup setup;
    setup.config.default_mode = routing::Mode::cost;
    auto cheapest = setup.plan("auto", chat(k_easy));
    REQUIRE(cheapest.has_value());
    CHECK(cheapest->chosen.model->tier == Tier::light); // tolerance 1: the cheapest in the tier
    setup.config.cost_quality_tolerance = 0.05;
    auto picky = setup.plan("auto", chat(k_easy));
    REQUIRE(picky.has_value());
    double best = 0;
    for (const auto& c : picky->candidates) best = std::max(best, c.quality);
    CHECK(picky->chosen.quality >= best - 0.05);
    CHECK(picky->chosen.model->tier > Tier::light); // a light model fits exactly (0.7); headroom scores higher
    CHECK(picky->chosen.estimated_cost > cheapest->chosen.estimated_cost);
    // Among those within the tolerance, still the cheapest.
    for (const auto& c : picky->candidates)
        if (c.quality >= best - 0.05) CHECK(c.estimated_cost >= picky->chosen.estimated_cost);
}
