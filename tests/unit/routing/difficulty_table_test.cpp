// The analyser and cost mode over the real built-in catalog: 40 prompts of
// clearly different difficulty. The easy half must land on light models, the
// hard half on strong or frontier ones.
#include <set>

#include "unit/routing/fixture.hpp"

using namespace routing_test;
using catalog::Tier;

namespace {

struct Row {
    const char* prompt;
    Tier tier;
};

const Row k_easy_rows[] = {
    {"Hi!", Tier::light},
    {"Hello, how are you?", Tier::light},
    {"Thanks a lot for your help!", Tier::light},
    {"Good morning", Tier::light},
    {"Classify the sentiment of this review as positive or negative: 'The food was cold and the waiter was rude.'",
     Tier::light},
    {"Classify this email as spam or not spam: 'You won a free cruise, click here!'", Tier::light},
    {"Categorize these items into fruit or vegetable: apple, carrot, banana.", Tier::light},
    {"Label the language of this sentence: 'Bonjour tout le monde'.", Tier::light},
    {"Extract the email address from: 'Contact John at john.doe@example.com for details.'", Tier::light},
    {"Extract the date and the amount from this invoice line: 'Paid $420.00 on 2024-03-15'.", Tier::light},
    {"Extract all person names from: 'Alice met Bob and Carol at the station.'", Tier::light},
    {"Summarise this paragraph: The city council voted on Tuesday to extend library hours on weekends, citing "
     "strong demand from students.",
     Tier::light},
    {"Summarize in two sentences: Heavy rain flooded several streets downtown on Monday, and the fire brigade "
     "pumped out basements until late evening.",
     Tier::light},
    {"TL;DR: Our team shipped the new login page, fixed two issues in checkout, and the release went out Friday.",
     Tier::light},
    {"Translate 'Where is the train station?' into Spanish.", Tier::light},
    {"Translate to French: Good night and sweet dreams.", Tier::light},
    {"What is the capital of Australia?", Tier::light},
    {"Fix the grammar: 'She don't like apples.'", Tier::light},
    {"Convert 5 kilometers to miles.", Tier::light},
    {"Rephrase this more politely: 'Send me the report now.'", Tier::light},
};

const Row k_hard_rows[] = {
    {"Review this code for race conditions and suggest fixes:\n```go\nfunc (c *Counter) Inc() { c.n++ }\n"
     "func (c *Counter) Get() int { return c.n }\n```",
     Tier::strong},
    {"Please review this C++ class for memory leaks and undefined behaviour:\n```cpp\nclass Buf { char* p; public: "
     "Buf() { p = new char[10]; } };\n```",
     Tier::strong},
    {"Refactor this Python function to be thread-safe and explain the trade-offs:\n```python\ndef add(cache, k, v):\n"
     "    cache[k] = v\n    return cache\n```",
     Tier::strong},
    {"Debug this stack trace from our Java service and find the root cause: NullPointerException at "
     "OrderService.java:42",
     Tier::strong},
    {"Design an algorithm to find the k-th smallest element in a stream with O(log n) updates and analyse its time "
     "complexity.",
     Tier::strong},
    {"Give a dynamic programming algorithm for the longest common subsequence and prove its correctness.",
     Tier::frontier},
    {"Design a lock-free queue for multiple producers and consumers; explain the memory ordering required.",
     Tier::strong},
    {"What data structure would give O(1) insert, delete and get-random? Explain why it works.", Tier::strong},
    {"Design a distributed rate limiter for a global API with 1M requests per second; discuss the trade-offs.",
     Tier::strong},
    {"Prove that there are infinitely many prime numbers.", Tier::strong},
    {"Prove by induction that the sum of the first n odd numbers is n^2.", Tier::strong},
    {"Prove that the square root of 2 is irrational.", Tier::strong},
    {"Compute the integral of x^2 e^x dx and prove the result by differentiation.", Tier::strong},
    {"Show that every eigenvalue of a real symmetric matrix is real; give a rigorous proof.", Tier::strong},
    {"Create a step-by-step plan to migrate our monolith to microservices with zero downtime.", Tier::strong},
    {"Write a 6-month roadmap with milestones for launching a B2B SaaS product in Europe, and analyse the risks.",
     Tier::strong},
    {"Plan a multi-phase data-center migration:\n1. inventory\n2. network cutover\n3. database replication\n"
     "4. rollback",
     Tier::strong},
    {"Develop a go-to-market strategy for a new electric bike brand step by step, and compare three pricing models.",
     Tier::strong},
    {"Architect a fault-tolerant event-sourcing system and plan the phases of its rollout.", Tier::strong},
    {"Evaluate the trade-offs between Raft and Paxos consensus algorithms for a distributed database and derive the "
     "failure bounds.",
     Tier::strong},
};

std::vector<std::string> builtin_providers() {
    std::set<std::string> all;
    for (const auto& model : catalog::Catalog::builtin().models())
        for (const auto& offering : model.offerings) all.insert(offering.provider);
    return {all.begin(), all.end()};
}

void check_row(const Row& row, bool hard, const routing::RoutingContext& context) {
    CAPTURE(row.prompt);
    routing::RouteRequest route;
    route.model = "auto:cost";
    auto plan = routing::plan(route, chat(row.prompt), context);
    REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
    CHECK(plan->analysis.tier == row.tier);
    if (hard)
        CHECK(plan->chosen.model->tier >= Tier::strong);
    else
        CHECK(plan->chosen.model->tier == Tier::light);
}

} // namespace

TEST_CASE("routing: 40 prompts of clearly different difficulty get the right tier and cost-mode model") {
    static_assert(std::size(k_easy_rows) + std::size(k_hard_rows) >= 40);
    std::vector<std::string> providers = builtin_providers();
    routing::RoutingConfig config;
    routing::RoutingContext context{&catalog::Catalog::builtin(), providers, &config, nullptr, k_now};
    for (const Row& row : k_easy_rows) check_row(row, false, context);
    for (const Row& row : k_hard_rows) check_row(row, true, context);
}
