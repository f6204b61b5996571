// Reading catalog documents, looking models up, and the built-in catalog.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

#include "catalog/json_reader.hpp"
#include "megarouter/catalog/catalog.hpp"
#include "unit/catalog/fixture.hpp"

using namespace megarouter;
using namespace megarouter::catalog;

namespace {

std::string one_model(const std::string& fields) {
    return R"({"version":1,"generated":"2025-01-01","models":[{"id":"m","name":"M","vendor":"v","context":1000,)"
           R"("offerings":[{"provider":"p","id":"m","price":{"in":1,"out":2}}])" +
           fields + "}]}";
}

} // namespace

TEST_CASE("catalog: from_json reads every field of the schema") {
    auto catalog = Catalog::from_json(test::k_fixture, "fixture");
    REQUIRE(catalog);
    CHECK(catalog->models().size() == 13);
    CHECK(catalog->generated() == "2025-06-01");
    const Model* sonnet = catalog->find("claude-sonnet-4");
    REQUIRE(sonnet);
    CHECK(sonnet->name == "Claude Sonnet 4");
    CHECK(sonnet->vendor == "anthropic");
    CHECK(sonnet->family == "claude-sonnet");
    CHECK(sonnet->released == "2025-05-22");
    CHECK(sonnet->context_window == 1'000'000);
    CHECK(sonnet->max_output == 64'000);
    CHECK(sonnet->input_modalities == std::vector<std::string>{"text", "image", "pdf"});
    CHECK(sonnet->has(cap_reasoning));
    CHECK(sonnet->has(cap_pdf_input));
    CHECK_FALSE(sonnet->has(cap_json_schema));
    CHECK(sonnet->tier == Tier::frontier);
    CHECK_FALSE(sonnet->quality.has_value());
    const Offering& offering = sonnet->offerings.at(0);
    CHECK(offering.provider_model_id == "claude-sonnet-4-20250514");
    CHECK(offering.prices.input == 3'000'000'000);
    CHECK(offering.prices.cache_write == 3'750'000'000);
    REQUIRE(offering.tiers.size() == 1);
    CHECK(offering.tiers[0].above_input_tokens == 200'000);
    CHECK(offering.tiers[0].prices.output == 22'500'000'000);
    CHECK(catalog->find("o1")->quality == doctest::Approx(88.5));
    CHECK(catalog->find("gpt-4o")->offerings[1].region == "eu");
    CHECK(*catalog->find("o4-mini")->offerings[0].prices.reasoning == 5'000'000'000);
}

TEST_CASE("catalog: find accepts ids, aliases and provider/model ids, ignoring case") {
    auto catalog = Catalog::from_json(test::k_fixture, "fixture");
    REQUIRE(catalog);
    CHECK(catalog->find("gpt-4o")->id == "gpt-4o");
    CHECK(catalog->find("GPT-4O")->id == "gpt-4o");
    CHECK(catalog->find("gpt-4o-2024-08-06")->id == "gpt-4o");
    CHECK(catalog->find("anthropic/claude-sonnet-4-20250514")->id == "claude-sonnet-4");
    CHECK(catalog->find("together/meta-llama/Llama-3.3-70B-Instruct-Turbo")->id == "llama-3.3-70b");
    CHECK(catalog->find("gpt-5") == nullptr);
    CHECK(catalog->find("") == nullptr);
}

TEST_CASE("catalog: suggestions offer the nearest ids") {
    auto catalog = Catalog::from_json(test::k_fixture, "fixture");
    REQUIRE(catalog);
    CHECK(catalog->suggestions("gpt4o").at(0) == "gpt-4o");
    CHECK(catalog->suggestions("claude-sonet-4").at(0) == "claude-sonnet-4");
    CHECK(catalog->suggestions("sonnet").at(0) == "claude-sonnet-4");
    CHECK(catalog->suggestions("gpt-4o-mini-x", 1) == std::vector<std::string>{"gpt-4o-mini"});
    CHECK(catalog->suggestions("zzzzzzzzzzzzzzzzzzzzzzz").empty());
}

TEST_CASE("catalog: from_json rejects bad documents naming the model and field") {
    SUBCASE("not JSON") {
        auto r = Catalog::from_json("{\"version\":1,", "x.json");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::invalid_argument);
        CHECK(r.error().message.starts_with("x.json: "));
    }
    SUBCASE("wrong version") {
        auto r = Catalog::from_json(R"({"version":2,"models":[]})", "x");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("version 2") != std::string::npos);
    }
    SUBCASE("wrong type names model and field") {
        auto r = Catalog::from_json(one_model(R"(,"max_output":"lots")"), "x");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("model 'm', field 'max_output'") != std::string::npos);
    }
    SUBCASE("negative price") {
        auto r = Catalog::from_json(
            R"({"version":1,"models":[{"id":"m","vendor":"v","context":5,"offerings":[{"provider":"p","id":"m","price":{"in":-1}}]}]})",
            "x");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("negative price") != std::string::npos);
    }
    SUBCASE("unknown tier") {
        auto r = Catalog::from_json(one_model(R"(,"tier":"mega")"), "x");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("unknown tier 'mega'") != std::string::npos);
    }
    SUBCASE("missing context") {
        auto r = Catalog::from_json(
            R"({"version":1,"models":[{"id":"m","vendor":"v","offerings":[{"provider":"p","id":"m","price":{"in":1}}]}]})", "x");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("model 'm': field 'context'") != std::string::npos);
    }
    SUBCASE("no offerings") {
        auto r = Catalog::from_json(R"({"version":1,"models":[{"id":"m","vendor":"v","context":5,"offerings":[]}]})", "x");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("offerings") != std::string::npos);
    }
    SUBCASE("trailing garbage") { CHECK_FALSE(Catalog::from_json(one_model("") + "x", "x")); }
    SUBCASE("missing comma") {
        CHECK_FALSE(Catalog::from_json(R"({"version":1 "models":[]})", "x"));
    }
}

TEST_CASE("catalog: unknown fields and capabilities are ignored, escapes decoded") {
    auto r = Catalog::from_json(one_model(R"(,"future":{"a":[1,2,{"b":null}]},"caps":["tools","teleport"],)"
                                          R"("name":"Caf\u00e9 \"M\"")"),
                                "x");
    REQUIRE(r);
    CHECK(r->models()[0].name == "Café \"M\"");
    CHECK(r->models()[0].capabilities == cap_tools);
}

TEST_CASE("catalog: the pull parser reports offsets and handles nesting") {
    JsonReader reader(R"( {"a": [1, 2.5, -3e2], "b": "x\ny"} )");
    REQUIRE(reader.begin_object());
    std::string_view key;
    REQUIRE(reader.next_member(key));
    CHECK(key == "a");
    REQUIRE(reader.begin_array());
    std::int64_t i = 0;
    double d = 0;
    REQUIRE(reader.next_element());
    CHECK((reader.read_int(i) && i == 1));
    REQUIRE(reader.next_element());
    CHECK_FALSE(reader.read_int(i)); // 2.5 is not an integer
    CHECK(reader.error().find("expected an integer") != std::string::npos);

    JsonReader numbers("[2.5, -3e2]");
    REQUIRE(numbers.begin_array());
    REQUIRE(numbers.next_element());
    CHECK((numbers.read_number(d) && d == 2.5));
    REQUIRE(numbers.next_element());
    CHECK((numbers.read_int(i) && i == -300));
    CHECK_FALSE(numbers.next_element());
    CHECK(numbers.at_end());
}

TEST_CASE("catalog: the built-in catalog parses and is complete") {
    const Catalog& builtin = Catalog::builtin();
    CHECK(builtin.origin() == "built-in catalog");
    CHECK(builtin.models().size() >= 250);
    std::set<std::string> vendors;
    for (const Model& model : builtin.models()) {
        vendors.insert(model.vendor);
        INFO(model.id);
        CHECK(model.context_window > 0);
        REQUIRE_FALSE(model.offerings.empty());
        const Offering* cheapest = cheapest_offering(model);
        // Every model has an input and an output price (free models are priced 0 on purpose only
        // where the vendor gives them away; none of the built-in ones is all-zero).
        CHECK(cheapest->prices.input + cheapest->prices.output > 0);
    }
    CHECK(vendors.size() >= 12);
    for (std::string id : {"gpt-4o", "claude-sonnet-4-5", "gemini-2.5-pro", "deepseek-chat", "grok-4"}) {
        INFO(id);
        CHECK(builtin.find(id) != nullptr);
    }
    // Prices of well-known models are the vendors' published ones.
    const Offering* gpt4o = find_offering(*builtin.find("gpt-4o"), "openai");
    REQUIRE(gpt4o);
    CHECK(gpt4o->prices.input == usd_per_mtok_to_nanos(2.5));
    CHECK(gpt4o->prices.output == usd_per_mtok_to_nanos(10));
    CHECK(gpt4o->prices.cache_read == usd_per_mtok_to_nanos(1.25));
}

namespace {

// The plain dynamic-programming edit distance, to check the catalog's banded one.
std::size_t reference_distance(const std::string& a, const std::string& b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j)
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    return d[a.size()][b.size()];
}

std::string lowered(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// What suggestions() promises, computed the slow way: ids within max(3,
// |name|/2) edits (or containing the name), nearest first, then shortest.
std::vector<std::string> reference_suggestions(const Catalog& catalog, const std::string& unknown, std::size_t count) {
    std::string wanted = lowered(unknown);
    std::size_t limit = std::max<std::size_t>(3, wanted.size() / 2);
    std::vector<std::pair<std::size_t, std::string>> found;
    for (const Model& model : catalog.models()) {
        std::size_t score = reference_distance(wanted, lowered(model.id));
        if (wanted.size() >= 3 && lowered(model.id).find(wanted) != std::string::npos) score = std::min<std::size_t>(score, 1);
        for (const std::string& alias : model.aliases) score = std::min(score, reference_distance(wanted, lowered(alias)));
        if (score <= limit) found.push_back({score, model.id});
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first < b.first;
        if (a.second.size() != b.second.size()) return a.second.size() < b.second.size();
        return a.second < b.second;
    });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < found.size() && out.size() < count; ++i) out.push_back(found[i].second);
    return out;
}

} // namespace

TEST_CASE("catalog: the bounded suggestion search finds what the full edit distance finds") {
    const Catalog& catalog = Catalog::builtin();
    std::vector<std::string> names{"gpt4o", "claude-sonet-4", "sonnet", "gpt-4o-mini-x", "GPT-5", "gemini-2.5-flsh",
                                   "llama", "o3-mni", "mistral-large-latest-x", "x", "", "deepseek-chat-v4"};
    // Every model id with one, two and three characters changed.
    for (const Model& model : catalog.models()) {
        std::string changed = model.id;
        for (std::size_t i = 0; i < 3 && i < changed.size(); ++i) {
            changed[(i * 7) % changed.size()] = 'q';
            names.push_back(changed);
        }
        names.push_back(model.id + "-preview-2099");
    }
    for (const std::string& name : names) {
        CAPTURE(name);
        CHECK(catalog.suggestions(name, 3) == reference_suggestions(catalog, name, 3));
    }
}

TEST_CASE("catalog: suggestions for very long names cost next to nothing") {
    const Catalog& catalog = Catalog::builtin();
    CHECK(catalog.suggestions(std::string(300'000, 'x')).empty());
    CHECK(catalog.suggestions(std::string(129, 'a')).empty());
    auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) catalog.suggestions("claude-" + std::string(121, 'z'));
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count() / 20;
    MESSAGE("suggestions for a 128-byte unknown name: " << ms << " ms");
    CHECK(ms < 20);
}
