// Governance overhead per request (authenticate + precheck + reserve +
// settle, against a key with budgets on key, user, team, department and
// organisation and a pool) and ledger write throughput. Prints medians.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "megarouter/core/clock.hpp"
#include "megarouter/governance/admin.hpp"
#include "megarouter/governance/gate.hpp"

using namespace megarouter;
using namespace megarouter::governance;

int main() {
    auto dir = std::filesystem::temp_directory_path() / "mr-gov-bench";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto file = dir / "bench.db";
    const core::Clock& clock = core::system_clock();
    std::string secret;
    {
        auto db = store::Database::open(file);
        if (!db) return 1;
        Admin admin(*db, clock, TimeZone::fixed(0, "UTC"));
        for (const char* p : {"acme", "acme/eng", "acme/eng/platform", "acme/eng/platform/alice"})
            (void)admin.create_node(Node{.path = p});
        secret = admin.create_key(KeySpec{.owner = "acme/eng/platform/alice"})->secret;
        for (const char* p : {"acme", "acme/eng", "acme/eng/platform", "acme/eng/platform/alice"})
            (void)admin.set_budget({.scope_kind = ScopeKind::node, .scope = p, .amount = 1'000'000'000'000'000});
        (void)admin.create_pool("shared", "", {.amount = 1'000'000'000'000'000});
        (void)admin.add_pool_member("shared", "acme/eng/platform");
    }
    GateOptions options;
    options.deliver_alerts = false;
    auto gate = Gate::open(file, clock, options);
    if (!gate) return 1;
    const int k_requests = 20000;
    std::vector<double> samples;
    samples.reserve(k_requests);
    for (int i = 0; i < k_requests; ++i) {
        LedgerEntry entry;
        entry.request_id = "bench-" + std::to_string(i);
        entry.cost_nanos = 1000;
        entry.input_tokens = 100;
        entry.output_tokens = 50;
        std::int64_t start = core::monotonic_us();
        auto who = (*gate)->authenticate(secret);
        auto guard = (*gate)->precheck(*who);
        auto hold = (*gate)->reserve(*who, 5000, 150);
        (*gate)->settle(*hold, entry);
        samples.push_back(static_cast<double>(core::monotonic_us() - start));
        (void)guard;
    }
    std::sort(samples.begin(), samples.end());
    std::printf("governance check (auth+precheck+reserve+settle), %d requests: median %.1f us, p99 %.1f us\n",
                k_requests, samples[samples.size() / 2], samples[samples.size() * 99 / 100]);
    (*gate)->flush();
    // Ledger throughput: enqueue as fast as possible, time until committed.
    // Rows spread over 20 users (5 teams) and 4 models, as a team's traffic
    // is: 80 report combinations, each with its rollup cells.
    const int k_rows = 100000;
    const char* models[] = {"gpt-4o-mini", "claude-haiku-4-5", "gpt-4o", "gemini-2.0-flash"};
    Gate::LedgerStats before = (*gate)->ledger_stats();
    std::int64_t start = core::monotonic_us();
    for (int i = 0; i < k_rows; ++i) {
        LedgerEntry entry;
        entry.request_id = "rows-" + std::to_string(i);
        entry.key_id = "key_" + std::to_string(i % 20);
        entry.org = "acme";
        entry.dept = "acme/eng";
        entry.team = "acme/eng/team" + std::to_string(i % 5);
        entry.user = entry.team + "/user" + std::to_string(i % 20);
        entry.routed_model = models[i % 4];
        entry.endpoint = "/v1/chat/completions";
        entry.cost_nanos = 1234;
        entry.input_tokens = 1000;
        entry.output_tokens = 200;
        entry.status = 200;
        (*gate)->record(std::move(entry));
    }
    (*gate)->flush();
    double seconds = static_cast<double>(core::monotonic_us() - start) / 1e6;
    std::printf("ledger writes: %d rows in %.2f s = %.0f rows/s\n", k_rows, seconds, k_rows / seconds);
    Gate::LedgerStats after = (*gate)->ledger_stats();
    std::uint64_t commits = after.commits - before.commits;
    double commit_s = after.seconds.sum - before.seconds.sum;
    std::printf("ledger commits: %llu, %.0f rows each on average, %.2f ms each, %.1f us per row\n",
                static_cast<unsigned long long>(commits), commits ? static_cast<double>(k_rows) / commits : 0.0,
                commits ? commit_s * 1000 / commits : 0.0, commit_s * 1e6 / k_rows);
    gate->reset();
    std::filesystem::remove_all(dir);
    return 0;
}
