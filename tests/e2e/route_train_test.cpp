// End-to-end: `megarouter route train` on an organisation's labelled prompts
// (both file forms), what it reports, the model file it writes, `route eval
// --model` and `route --explain` using it, a running proxy picking it up on
// SIGHUP, and the errors a user meets.
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "e2e/proxy_harness.hpp"
#include "e2e/support.hpp"

using namespace megarouter::e2e;
using nlohmann::json;

namespace {

// Prompts about the billing system fail on the cheap model; small talk does
// not. Half as weak/strong pairs, half as "hard" targets.
std::string labelled_file(const std::filesystem::path& dir) {
    std::filesystem::path path = dir / "labelled.jsonl";
    std::ofstream out(path);
    for (int i = 0; i < 80; ++i) {
        std::string n = std::to_string(i);
        if (i % 2 == 0) {
            out << json{{"prompt", "reconcile the ledger invoice batch " + n + " against the billing export"},
                        {"weak", 0}, {"strong", 1}}.dump() << "\n";
            out << json{{"prompt", "say something nice about the weather on day " + n}, {"weak", 1}, {"strong", 1}}.dump()
                << "\n";
        } else {
            out << json{{"prompt", "reconcile invoice " + n + " with the billing ledger totals"}, {"hard", 1}}.dump()
                << "\n";
            out << json{{"prompt", "tell a short friendly greeting number " + n}, {"hard", 0.0}}.dump() << "\n";
        }
    }
    return path.string();
}

bool log_shows(const proxy_e2e::ProxyFixture& fx, const std::string& text) {
    for (int i = 0; i < 50; ++i) {
        if (fx.log().find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

} // namespace

TEST_CASE("route train e2e: fits, reports held-out APGR, writes beside the config, and route uses it") {
    TempHome home;
    std::string file = labelled_file(home.path());
    auto trained = run_megarouter({"route", "train", file, "--json"}, home.env());
    REQUIRE_MESSAGE(trained.exit_code == 0, trained.err);
    json figures = json::parse(trained.out);
    CHECK(figures["prompts"] == 160);
    CHECK(figures["folds"] == 5);
    // The signal is in the words: held out, the hard half comes first, which
    // is the best possible ordering here (APGR 0.75 when half the prompts
    // carry all the gain); the keyword analyser knows nothing of billing.
    CHECK(figures["cross_validated_apgr"]["learned"].get<double>() > 0.74);
    CHECK(figures["cross_validated_apgr"]["analyser"].get<double>() < 0.7);
    std::filesystem::path model = figures["model"].get<std::string>();
    CHECK(model.filename() == "router_model.txt");
    REQUIRE(std::filesystem::exists(model));
    CHECK(proxy_e2e::read_text(model).rfind("megarouter-router-model 1\n", 0) == 0);

    // Same data, same file.
    std::string first = proxy_e2e::read_text(model);
    REQUIRE(run_megarouter({"route", "train", file, "--json"}, home.env()).exit_code == 0);
    CHECK(proxy_e2e::read_text(model) == first);

    // route now uses the trained model, and says so.
    auto hard = run_megarouter({"route", "--json", "reconcile the ledger invoice batch 999 against the billing export"},
                               home.env());
    REQUIRE_MESSAGE(hard.exit_code == 0, hard.err);
    json plan = json::parse(hard.out);
    CHECK(plan["difficulty"]["router_model"] == model.string());
    CHECK(plan["difficulty"]["predicted"].get<double>() > 0.8);
    CHECK(plan["tier"] != "light");
    auto easy = run_megarouter({"route", "--json", "say something nice about the weather on day 999"}, home.env());
    CHECK(json::parse(easy.out)["difficulty"]["predicted"].get<double>() < 0.3);
    auto explain = run_megarouter({"route", "reconcile invoice 12345 with the billing ledger totals"}, home.env());
    CHECK_MESSAGE(explain.out.find("learned   predicted hard") != std::string::npos, explain.out);
    CHECK(explain.out.find("[router model: " + model.string() + "]") != std::string::npos);

    // route eval --model scores weak/strong files with any model file.
    {
        std::ofstream pairs(home.path() / "pairs.jsonl");
        for (int i = 100; i < 120; ++i) {
            pairs << json{{"prompt", "reconcile the billing ledger for batch " + std::to_string(i)}, {"weak", 0}, {"strong", 1}}
                         .dump()
                  << "\n";
            pairs << json{{"prompt", "say something nice about day " + std::to_string(i)}, {"weak", 1}, {"strong", 1}}.dump()
                  << "\n";
        }
    }
    auto eval = run_megarouter(
        {"route", "eval", (home.path() / "pairs.jsonl").string(), "--model", model.string(), "--json"}, home.env());
    REQUIRE_MESSAGE(eval.exit_code == 0, eval.err);
    json scored = json::parse(eval.out);
    CHECK(scored["router_model"] == model.string());
    CHECK(scored["routers"]["learned"]["apgr"].get<double>() > 0.74);
    CHECK(scored["routers"]["analyser"]["apgr"].get<double>() < 0.7);
    // The hidden `route features` gives tools/compare_learners.py the very
    // features and targets route train fits.
    auto features = run_megarouter({"route", "features", file}, home.env());
    REQUIRE_MESSAGE(features.exit_code == 0, features.err);
    std::istringstream rows(features.out);
    std::string row;
    int count = 0, hard_rows = 0;
    while (std::getline(rows, row)) {
        json line = json::parse(row);
        CHECK(line["slots"].size() == line["values"].size());
        CHECK(line["slots"].size() > 5);
        hard_rows += line["target"].get<double>() == 1.0 ? 1 : 0;
        ++count;
    }
    CHECK(count == 160);
    CHECK(hard_rows == 80);
    // "builtin" in the config goes back to the compiled-in model.
    std::ofstream(home.path() / "config.toml", std::ios::app) << "[routing]\nrouter_model = \"builtin\"\n";
    auto builtin = run_megarouter({"route", "--json", "hello"}, home.env());
    CHECK(json::parse(builtin.out)["difficulty"]["router_model"] == "builtin");
}

TEST_CASE("route train e2e: errors name the file and line, and nothing is written") {
    TempHome home;
    std::ofstream(home.path() / "bad.jsonl") << json{{"prompt", "x"}, {"hard", 0.5}}.dump() << "\n"
                                           << json{{"prompt", "y"}, {"hard", 3}}.dump() << "\n";
    auto out = run_megarouter({"route", "train", (home.path() / "bad.jsonl").string()}, home.env());
    CHECK(out.exit_code == 65);
    CHECK_MESSAGE(out.err.find("bad.jsonl:2: \"hard\" must be a number from 0 to 1") != std::string::npos, out.err);
    std::ofstream(home.path() / "few.jsonl") << json{{"prompt", "x"}, {"hard", 0.5}}.dump() << "\n";
    auto few = run_megarouter({"route", "train", (home.path() / "few.jsonl").string()}, home.env());
    CHECK(few.exit_code == 65);
    CHECK(few.err.find("too few to cross-validate (use --folds 0)") != std::string::npos);
    CHECK(run_megarouter({"route", "train", (home.path() / "few.jsonl").string(), "--folds", "0"}, home.env()).exit_code ==
          0);
    // A broken model file beside the config is a config error naming it, not a silent fallback.
    std::ofstream(home.path() / "router_model.txt", std::ios::trunc) << "not a model\n";
    auto broken = run_megarouter({"route", "hello"}, home.env());
    CHECK(broken.exit_code == 78);
    CHECK_MESSAGE(broken.err.find("router_model.txt:1: not a megarouter router model") != std::string::npos, broken.err);
    auto missing = run_megarouter({"route", "eval", (home.path() / "few.jsonl").string(), "--model", "/nonexistent.txt"},
                                  home.env());
    CHECK(missing.exit_code != 0);
}

TEST_CASE("route train e2e: a running proxy picks the trained model up on SIGHUP") {
    proxy_e2e::ProxyFixture fx;
    auto ask = [&fx] {
        auto r = fx.client().Post(
            "/v1/route",
            json{{"model", "auto"}, {"messages", {{{"role", "user"}, {"content", "reconcile invoice 77 with the billing ledger totals"}}}}}
                .dump(),
            "application/json");
        REQUIRE(r);
        REQUIRE(r->status == 200);
        return json::parse(r->body)["difficulty"];
    };
    CHECK(ask()["router_model"] == "builtin");
    std::string file = labelled_file(fx.home);
    auto trained = run_megarouter({"route", "train", file, "--folds", "0"}, {{"MEGAROUTER_HOME", fx.home.string()}});
    REQUIRE_MESSAGE(trained.exit_code == 0, trained.err);
    CHECK(ask()["router_model"] == "builtin"); // not before the reload
    fx.proxy->signal(SIGHUP);
    REQUIRE(log_shows(fx, "configuration reloaded"));
    json after = ask();
    CHECK(after["router_model"] == (fx.home / "router_model.txt").string());
    CHECK(after["predicted"].get<double>() > 0.8);
}
