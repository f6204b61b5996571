#include "megarouter/routing/health.hpp"

#include "unit/routing/fixture.hpp"

using namespace routing_test;
using routing::FailureInfo;
using routing::HealthEvent;
using routing::HealthState;
using routing::HealthTracker;

namespace {

FailureInfo retryable(int status = 503) { return {true, status, std::nullopt}; }

HealthState state_of(const HealthTracker& tracker, const std::string& key, core::Millis now) {
    auto snapshot = tracker.snapshot(now);
    auto it = snapshot.deployments.find(key);
    return it == snapshot.deployments.end() ? HealthState::healthy : it->second.state;
}

} // namespace

TEST_CASE("routing: health ejects after consecutive retryable failures and recovers after a trial") {
    core::FakeClock clock;
    routing::HealthSettings settings;
    settings.consecutive_failures_to_eject = 3;
    settings.base_ejection_ms = 10'000;
    settings.max_ejection_ms = 35'000;
    HealthTracker tracker(clock, settings);
    std::vector<HealthEvent> heard;
    tracker.set_listener([&](const HealthEvent& e) { heard.push_back(e); });
    const std::string key = "acme/tiny";

    tracker.record_failure(key, retryable(429)); // 429 counts
    tracker.record_failure(key, retryable());
    CHECK(state_of(tracker, key, clock.now_ms()) == HealthState::healthy);
    tracker.record_failure(key, retryable());
    CHECK(state_of(tracker, key, clock.now_ms()) == HealthState::ejected);
    auto events = tracker.drain_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == HealthEvent::Kind::ejected);
    CHECK(events[0].deployment == key);
    CHECK(events[0].until == clock.now_ms() + 10'000);
    CHECK(heard.size() == 1);
    CHECK(tracker.drain_events().empty());

    SUBCASE("the period passes, a trial succeeds, the deployment recovers") {
        clock.advance_ms(9'999);
        CHECK(state_of(tracker, key, clock.now_ms()) == HealthState::ejected);
        clock.advance_ms(1);
        CHECK(state_of(tracker, key, clock.now_ms()) == HealthState::probation);
        tracker.record_success(key, 300, 80);
        CHECK(state_of(tracker, key, clock.now_ms()) == HealthState::healthy);
        auto recovered = tracker.drain_events();
        REQUIRE(recovered.size() == 1);
        CHECK(recovered[0].kind == HealthEvent::Kind::recovered);
    }
    SUBCASE("a failed trial re-ejects for twice as long, up to the cap") {
        clock.advance_ms(10'000);
        tracker.record_failure(key, retryable());
        auto second = tracker.drain_events();
        REQUIRE(second.size() == 1);
        CHECK(second[0].until - second[0].at == 20'000);
        CHECK(second[0].ejections == 2);
        clock.advance_ms(20'000);
        tracker.record_failure(key, retryable());
        auto third = tracker.drain_events();
        REQUIRE(third.size() == 1);
        CHECK(third[0].until - third[0].at == 35'000); // capped, not 40'000
    }
}

TEST_CASE("routing: non-retryable failures do not eject; successes reset the run") {
    core::FakeClock clock;
    HealthTracker tracker(clock);
    const std::string key = "beta/mid";
    for (int i = 0; i < 5; ++i) tracker.record_failure(key, {false, 400, std::nullopt});
    CHECK(state_of(tracker, key, clock.now_ms()) == HealthState::healthy);
    tracker.record_failure(key, retryable());
    tracker.record_failure(key, retryable());
    tracker.record_success(key, 0, 0);
    tracker.record_failure(key, retryable());
    CHECK(state_of(tracker, key, clock.now_ms()) == HealthState::healthy);
    auto snapshot = tracker.snapshot(clock.now_ms());
    CHECK(snapshot.deployments.at(key).error_rate > 0.5);
}

TEST_CASE("routing: Retry-After cools a deployment down until it passes") {
    core::FakeClock clock;
    HealthTracker tracker(clock);
    const std::string key = "acme/tiny";
    tracker.record_failure(key, {true, 429, 2.5});
    CHECK(state_of(tracker, key, clock.now_ms()) == HealthState::cooling);
    clock.advance_ms(2'499);
    CHECK(state_of(tracker, key, clock.now_ms()) == HealthState::cooling);
    clock.advance_ms(1);
    CHECK(state_of(tracker, key, clock.now_ms()) == HealthState::healthy);

    SUBCASE("Error values convert, 429 counting as retryable") {
        Error error = make_error(ErrorCode::rate_limited, "slow down");
        error.upstream_status = 429;
        error.retry_after_seconds = 1;
        auto info = FailureInfo::from(error);
        CHECK(info.retryable);
        CHECK(info.status == 429);
        CHECK(*info.retry_after_seconds == 1);
    }
}

TEST_CASE("routing: the health EWMAs move towards recent samples") {
    core::FakeClock clock;
    routing::HealthSettings settings;
    settings.ewma_alpha = 0.5;
    HealthTracker tracker(clock, settings);
    tracker.record_success("a/b", 100, 50);
    tracker.record_success("a/b", 300, 150);
    auto health = tracker.snapshot(clock.now_ms()).deployments.at("a/b");
    CHECK(health.ttft_ms == doctest::Approx(200));
    CHECK(health.tokens_per_s == doctest::Approx(100));
    CHECK(health.error_rate == doctest::Approx(0));
}

TEST_CASE("routing: ejected deployments are excluded, and in panic mode used again") {
    Setup setup;
    core::FakeClock clock(k_now);
    HealthTracker tracker(clock);
    for (int i = 0; i < 3; ++i) tracker.record_failure("acme/strong-1", retryable());
    setup.health = tracker.snapshot(clock.now_ms());

    auto plan = setup.plan("strong-1", chat(k_easy));
    REQUIRE(plan);
    CHECK(plan->chosen.key() == "cloud/strong-1");
    CHECK(reason_for(*plan, "strong-1", "acme") == routing::Exclusion::ejected);
    CHECK_FALSE(plan->panic);

    // Both providers ejected: 0 of 2 healthy is under the 50% panic threshold.
    for (int i = 0; i < 3; ++i) tracker.record_failure("cloud/strong-1", retryable());
    setup.health = tracker.snapshot(clock.now_ms());
    auto panic = setup.plan("strong-1", chat(k_easy));
    REQUIRE(panic);
    CHECK(panic->panic);
    CHECK(panic->candidates.size() == 2);

    SUBCASE("with the panic threshold at 0, ejection holds and nothing routes") {
        setup.config.health.panic_threshold = 0;
        auto none = setup.plan("strong-1", chat(k_easy), {});
        REQUIRE_FALSE(none);
        CHECK(none.error().code == ErrorCode::no_route);
        CHECK(none.error().message.find("ejected") != std::string::npos);
    }
}

TEST_CASE("routing: Retry-After is respected even in panic, and the error says when to retry") {
    Setup setup;
    core::FakeClock clock(k_now);
    HealthTracker tracker(clock);
    tracker.record_failure("acme/strong-1", {true, 429, 30.0});
    tracker.record_failure("cloud/strong-1", {true, 429, 10.0});
    setup.health = tracker.snapshot(clock.now_ms());
    routing::RouteRequest route;
    route.model = "strong-1";
    setup.config.fallback_to_other_models = false;
    auto plan = routing::plan(route, chat(k_easy), setup.context());
    REQUIRE_FALSE(plan);
    CHECK(plan.error().retryable);
    REQUIRE(plan.error().retry_after_seconds);
    CHECK(*plan.error().retry_after_seconds == doctest::Approx(10.0));
}
