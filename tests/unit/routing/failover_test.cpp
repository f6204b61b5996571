// The walk over a plan (routing::Failover): the order the proxy and
// `megarouter prompt` try deployments in, what each kind of failure does to
// the rest, the chain dry runs print, and the cooling-down answer.
#include "fixture.hpp"
#include "megarouter/routing/failover.hpp"

using namespace routing_test;
using routing::Failover;

namespace {

Result<routing::Plan> deferred_plan(const Setup& setup, const std::string& model) {
    routing::RouteRequest route;
    route.model = model;
    route.defer_comparable = true;
    return routing::plan(route, chat(k_easy), setup.context());
}

const Error k_down = make_error(ErrorCode::upstream_unavailable, "refused", true);

// The health now, as the walk asks for it.
std::function<routing::RoutingContext()> now(const Setup& setup) {
    return [&setup] { return setup.context(); };
}

std::vector<std::string> keys_of(const std::vector<routing::Candidate>& chain) {
    std::vector<std::string> keys;
    for (const auto& c : chain) keys.push_back(c.key());
    return keys;
}

} // namespace

TEST_CASE("failover: the walk is the chosen deployment, its fallbacks, then comparable models once") {
    Setup setup;
    auto full = setup.plan("strong-1", chat(k_easy)); // comparable models in the plan
    auto deferred = deferred_plan(setup, "strong-1");
    REQUIRE(full);
    REQUIRE(deferred);
    REQUIRE(deferred->fallbacks.size() == 1);
    Failover walk(*deferred);
    std::vector<std::string> walked;
    while (const routing::Candidate* next = walk.next()) {
        walked.push_back(next->key());
        CHECK(walk.handed_out() == walked.size());
        CHECK(walk.failed(k_down, now(setup)));
    }
    std::vector<std::string> expected{full->chosen.key()};
    for (const auto& c : full->fallbacks) expected.push_back(c.key());
    CHECK(walked == expected);
    CHECK(walked.size() > 2); // comparable models were added
    // The dry run's chain is the same walk.
    CHECK(keys_of(routing::failover_chain(*deferred, setup.context())) == expected);
    CHECK(keys_of(routing::failover_chain(*full, setup.context())) == expected);
}

TEST_CASE("failover: the client's own error and a cancel end the walk; a 429 goes on") {
    Setup setup;
    auto plan = deferred_plan(setup, "strong-1");
    REQUIRE(plan);
    for (ErrorCode code : {ErrorCode::invalid_argument, ErrorCode::cancelled, ErrorCode::permission_denied}) {
        Failover walk(*plan);
        REQUIRE(walk.next());
        CHECK_FALSE(walk.failed(make_error(code, "no"), now(setup)));
    }
    Failover walk(*plan);
    REQUIRE(walk.next());
    Error limited = make_error(ErrorCode::rate_limited, "slow down"); // even when marked final
    CHECK(walk.failed(limited, now(setup)));
    const routing::Candidate* second = walk.next();
    REQUIRE(second);
    CHECK(second->key() == plan->fallbacks[0].key());
}

TEST_CASE("failover: only a failure that grows the chain asks for the health") {
    Setup setup;
    auto plan = deferred_plan(setup, "strong-1");
    REQUIRE(plan);
    int asked = 0;
    auto counted = [&] {
        ++asked;
        return setup.context();
    };
    Failover walk(*plan);
    REQUIRE(walk.next());
    CHECK(walk.failed(k_down, counted)); // strong-1's other deployment remains
    CHECK(asked == 0);
    REQUIRE(walk.next());
    CHECK(walk.failed(k_down, counted)); // the last one: comparable models are added
    CHECK(asked == 1);
    REQUIRE(walk.next());
    CHECK(walk.failed(make_error(ErrorCode::context_length_exceeded, "too long"), counted));
    CHECK(asked == 2);
}

TEST_CASE("failover: comparable models are not added while the model's own deployments remain") {
    Setup setup;
    auto plan = deferred_plan(setup, "strong-1");
    REQUIRE(plan);
    Failover walk(*plan);
    REQUIRE(walk.next());
    REQUIRE(walk.failed(k_down, now(setup)));
    const routing::Candidate* own = walk.next();
    REQUIRE(own);
    CHECK(own->model->id == "strong-1");
    // A skipped deployment (never failed) at the end adds nothing.
    CHECK(walk.next() == nullptr);
}

TEST_CASE("failover: a context-length error replaces the rest with larger windows") {
    Setup setup;
    auto plan = deferred_plan(setup, "tiny");
    REQUIRE(plan);
    Failover walk(*plan);
    const routing::Candidate* first = walk.next();
    REQUIRE(first);
    CHECK(first->model->id == "tiny");
    CHECK(walk.failed(make_error(ErrorCode::context_length_exceeded, "too long"), now(setup)));
    int after = 0;
    while (const routing::Candidate* next = walk.next()) {
        ++after;
        CHECK(next->model->context_window > 16'000); // tiny at openrouter (same window) is gone
        walk.failed(k_down, now(setup));
    }
    CHECK(after > 0);
}

TEST_CASE("failover: dry runs spell out the chain and where a context-length error goes") {
    Setup setup;
    auto plan = deferred_plan(setup, "tiny");
    REQUIRE(plan);
    auto chain = routing::failover_chain(*plan, setup.context());
    routing::spell_out_failover(*plan, setup.context());
    CHECK_FALSE(plan->comparable_deferred);
    REQUIRE(plan->fallbacks.size() + 1 == chain.size());
    for (std::size_t i = 0; i < plan->fallbacks.size(); ++i) CHECK(plan->fallbacks[i].key() == chain[i + 1].key());
    bool noted = false;
    for (const auto& note : plan->notes) noted = noted || note.find("context-length error") != std::string::npos;
    CHECK(noted);
}

TEST_CASE("failover: no route because every deployment is cooling down is a 429 with the shortest wait") {
    Setup setup;
    setup.health.at = k_now;
    for (const char* provider : {"acme", "openrouter"}) {
        routing::DeploymentHealth h;
        h.state = routing::HealthState::cooling;
        h.retry_after_until = k_now + (std::string(provider) == "acme" ? 30'000 : 12'000);
        setup.health.deployments[std::string(provider) + "/tiny"] = h;
    }
    auto plan = deferred_plan(setup, "tiny");
    REQUIRE_FALSE(plan);
    CHECK(plan.error().code == ErrorCode::no_route);
    Error answer = routing::explain_no_route(plan.error(), "tiny", setup.context());
    CHECK(answer.code == ErrorCode::rate_limited);
    CHECK(answer.retryable);
    REQUIRE(answer.retry_after_seconds);
    CHECK(*answer.retry_after_seconds == doctest::Approx(12.0));
    // Without cooling deployments a no_route stays what it is.
    Setup healthy;
    Error other = routing::explain_no_route(make_error(ErrorCode::no_route, "nothing"), "tiny", healthy.context());
    CHECK(other.code == ErrorCode::no_route);
}
