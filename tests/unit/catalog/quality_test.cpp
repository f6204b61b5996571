// Quality in the catalog: the overall figure, its source and date, the
// per-category figures, estimates, catalogs older than these fields, and
// `quality` in [[models]] config entries.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/catalog/refresh.hpp"
#include "unit/catalog/fixture.hpp"
#include "unit/catalog/temp_home.hpp"

using namespace megarouter;
using namespace megarouter::catalog;

namespace {

std::string one_model(const std::string& fields) {
    return R"({"version":1,"generated":"2026-01-01","models":[{"id":"m","name":"M","vendor":"v","context":1000,)"
           R"("offerings":[{"provider":"p","id":"m","price":{"in":1,"out":2}}])" +
           fields + "}]}";
}

const std::string k_measured =
    R"(,"quality":87.2,"quality_source":"lmarena","quality_date":"2025-12-11","quality_by_category":{)"
    R"("coding":{"value":91.5,"source":"lmarena","date":"2025-12-11"},)"
    R"("reasoning":{"value":78.8,"source":"livebench","date":"2026-07-01","note":"ignored"}})";

} // namespace

TEST_CASE("catalog quality: the overall figure, its source, date and categories load") {
    auto catalog = Catalog::from_json(one_model(k_measured), "test");
    REQUIRE(catalog);
    const Model& m = catalog->models()[0];
    CHECK(m.quality == doctest::Approx(87.2));
    CHECK(m.quality_source == "lmarena");
    CHECK(m.quality_date == "2025-12-11");
    CHECK_FALSE(m.quality_estimated);
    REQUIRE(m.quality_by_category.size() == 2);
    CHECK(m.quality_by_category.at("coding").value == doctest::Approx(91.5));
    CHECK(m.quality_by_category.at("reasoning").source == "livebench");
    CHECK(m.quality_by_category.at("reasoning").date == "2026-07-01");
}

TEST_CASE("catalog quality: an estimate is marked as one") {
    auto catalog = Catalog::from_json(
        one_model(R"(,"quality":64,"quality_source":"estimate","quality_date":null,"quality_by_category":{})"), "test");
    REQUIRE(catalog);
    const Model& m = catalog->models()[0];
    CHECK(m.quality == doctest::Approx(64));
    CHECK(m.quality_estimated);
    CHECK(m.quality_date.empty());
    CHECK(m.quality_by_category.empty());
}

TEST_CASE("catalog quality: old catalogs without the new fields still load") {
    SUBCASE("quality null") {
        auto catalog = Catalog::from_json(one_model(R"(,"quality":null)"), "old");
        REQUIRE(catalog);
        CHECK_FALSE(catalog->models()[0].quality.has_value());
        CHECK(catalog->models()[0].quality_source.empty());
        CHECK_FALSE(catalog->models()[0].quality_estimated);
    }
    SUBCASE("the test fixture, with one plain number") {
        auto catalog = Catalog::from_json(test::k_fixture, "fixture");
        REQUIRE(catalog);
        CHECK(catalog->find("o1")->quality == doctest::Approx(88.5));
        CHECK(catalog->find("o1")->quality_source.empty());
        CHECK(catalog->find("o1")->quality_by_category.empty());
    }
}

TEST_CASE("catalog quality: figures outside 0..100 are refused, naming the model and field") {
    auto overall = Catalog::from_json(one_model(R"(,"quality":140)"), "test");
    REQUIRE_FALSE(overall);
    CHECK(overall.error().message.find("field 'quality'") != std::string::npos);
    auto category = Catalog::from_json(
        one_model(R"(,"quality_by_category":{"math":{"value":-3,"source":"x","date":"2026-01-01"}})"), "test");
    REQUIRE_FALSE(category);
    CHECK(category.error().message.find("quality_by_category") != std::string::npos);
}

TEST_CASE("catalog quality: written out and read back unchanged") {
    auto catalog = Catalog::from_json(one_model(k_measured), "test");
    REQUIRE(catalog);
    auto again = Catalog::from_json(catalog_to_json_text(*catalog), "again");
    REQUIRE(again);
    const Model& m = again->models()[0];
    CHECK(m.quality == doctest::Approx(87.2));
    CHECK(m.quality_source == "lmarena");
    CHECK(m.quality_date == "2025-12-11");
    CHECK(m.quality_by_category.at("coding").value == doctest::Approx(91.5));
    CHECK(m.quality_by_category.at("reasoning").source == "livebench");
    auto json = model_to_json(m);
    CHECK(json["quality_estimated"] == false);
    CHECK(json["quality_by_category"]["coding"]["date"] == "2025-12-11");
}

TEST_CASE("catalog quality: every built-in model has a quality with its source") {
    const Catalog& catalog = Catalog::builtin();
    std::size_t measured = 0;
    for (const Model& m : catalog.models()) {
        INFO(m.id);
        REQUIRE(m.quality.has_value());
        CHECK(*m.quality >= 0);
        CHECK(*m.quality <= 100);
        CHECK_FALSE(m.quality_source.empty());
        if (m.quality_estimated) continue;
        ++measured;
        CHECK(m.quality_date.size() == 10); // YYYY-MM-DD
    }
    CHECK(measured >= 100);
    const Model* gpt4o = catalog.find("gpt-4o");
    REQUIRE(gpt4o);
    CHECK_FALSE(gpt4o->quality_estimated);
    CHECK(gpt4o->quality_by_category.contains("coding"));
}

TEST_CASE("catalog quality: [[models]] entries set quality 0..100 for custom models") {
    test::TempDir home;
    home.write("cache/catalog.json", test::k_fixture);
    core::Paths paths;
    paths.cache_dir = home.path / "cache";
    auto load = [&](const std::string& toml) {
        auto config = core::parse_config(toml, "test.toml");
        REQUIRE(config);
        return Catalog::load(*config, paths);
    };
    auto catalog = load("[[models]]\nid = \"local-qwen\"\nprovider = \"ollama\"\ncontext = 32768\nquality = 62.5\n");
    REQUIRE(catalog);
    const Model* local = catalog->find("local-qwen");
    REQUIRE(local);
    CHECK(local->quality == doctest::Approx(62.5));
    CHECK(local->quality_source == "config");
    CHECK_FALSE(local->quality_estimated);

    auto unset = load("[[models]]\nid = \"local-qwen\"\nprovider = \"ollama\"\ncontext = 32768\n");
    REQUIRE(unset);
    CHECK_FALSE(unset->find("local-qwen")->quality.has_value());

    for (const char* bad : {"120", "-1", "\"high\""}) {
        auto refused = load(std::string("[[models]]\nid = \"x\"\ncontext = 10\nquality = ") + bad + "\n");
        REQUIRE_FALSE(refused);
        CHECK(refused.error().code == ErrorCode::config);
        CHECK(refused.error().message.find("test.toml:4") != std::string::npos);
        CHECK(refused.error().message.find("0 to 100") != std::string::npos);
    }
}
