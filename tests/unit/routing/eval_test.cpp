// routing::evaluate(): APGR, CPT and the cost saved at 95% of the strong
// model's quality, on orders whose figures can be worked out by hand.
#include <doctest/doctest.h>

#include "megarouter/routing/eval.hpp"

using megarouter::routing::EvalPoint;
using megarouter::routing::evaluate;

namespace {

// Four prompts; the strong model wins (1 vs 0) on the two whose index is in `wins`.
std::vector<EvalPoint> four(std::initializer_list<double> scores, std::initializer_list<int> wins) {
    std::vector<EvalPoint> out;
    for (double score : scores) out.push_back({score, 0, 0});
    for (int w : wins) out[static_cast<std::size_t>(w)].strong = 1;
    return out;
}

} // namespace

TEST_CASE("eval: a perfect order, a reversed one and a tie") {
    auto perfect = evaluate(four({4, 3, 2, 1}, {0, 1}), 10);
    REQUIRE(perfect.apgr);
    CHECK(*perfect.apgr == doctest::Approx(0.75)); // PGR 0, .5, 1, 1, 1
    CHECK(*perfect.cpt50 == doctest::Approx(0.25));
    CHECK(*perfect.cpt80 == doctest::Approx(0.40));
    CHECK(perfect.weak_quality == 0);
    CHECK(perfect.strong_quality == doctest::Approx(0.5));
    // 95% of 0.5 is reached at 47.5% strong calls: cost 0.475*10 + 0.525 of 10.
    CHECK(*perfect.share_at_95 == doctest::Approx(0.475));
    CHECK(*perfect.cost_saved_at_95 == doctest::Approx(0.4725));

    auto reversed = evaluate(four({1, 2, 3, 4}, {0, 1}), 10);
    CHECK(*reversed.apgr == doctest::Approx(0.25));

    // A score that cannot tell the prompts apart is the random router.
    auto tied = evaluate(four({7, 7, 7, 7}, {0, 1}), 10);
    CHECK(*tied.apgr == doctest::Approx(0.5));
    CHECK(*tied.cpt50 == doctest::Approx(0.5));
    CHECK(*tied.cpt80 == doctest::Approx(0.8));
}

TEST_CASE("eval: the input order does not matter, ties are shared") {
    auto a = evaluate({{2, 0, 1}, {1, 0, 0}, {1, 0, 1}, {0, 1, 1}}, 5);
    auto b = evaluate({{1, 0, 1}, {0, 1, 1}, {2, 0, 1}, {1, 0, 0}}, 5);
    CHECK(*a.apgr == doctest::Approx(*b.apgr));
    // Gains by score: 1 (top), then a tie sharing 1 between two prompts, then 0.
    // PGR at k = 0..4: 0, .5, .75, 1, 1 -> (0.25 + .625 + .875 + 1) / 4.
    CHECK(*a.apgr == doctest::Approx(0.6875));
}

TEST_CASE("eval: no gap to recover, and no prompts") {
    auto flat = evaluate({{1, 1, 1}, {0, 0.5, 0.5}}, 10);
    CHECK_FALSE(flat.apgr);
    CHECK(*flat.share_at_95 == 0); // the weak model is already as good
    CHECK(*flat.cost_saved_at_95 == doctest::Approx(0.9));
    auto none = evaluate({}, 10);
    CHECK(none.prompts == 0);
    CHECK_FALSE(none.apgr);
}
