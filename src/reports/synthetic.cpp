// A reproducible synthetic ledger: a fixed little company (two organisations,
// departments, teams, users with one key each) calling a handful of models,
// with costs from fixed per-token prices and the flagship as the baseline.
#include "megarouter/reports/synthetic.hpp"

#include <array>
#include <string>

namespace megarouter::reports {

namespace {

struct ModelSpec {
    const char* model;
    const char* vendor;
    const char* provider;
    const char* tier;
    std::int64_t input_nanos_per_token;
    std::int64_t output_nanos_per_token;
};

// Prices in nano-dollars per token ($/Mtok x 1000).
constexpr std::array<ModelSpec, 6> k_models = {{
    {"gpt-4o-mini", "openai", "openai", "light", 150, 600},
    {"gpt-4o", "openai", "azure", "standard", 2500, 10000},
    {"claude-sonnet-4", "anthropic", "anthropic", "strong", 3000, 15000},
    {"claude-haiku-3.5", "anthropic", "bedrock", "light", 800, 4000},
    {"gemini-2.5-flash", "google", "vertex", "standard", 300, 2500},
    {"claude-opus-4", "anthropic", "anthropic", "frontier", 15000, 75000},
}};
constexpr const ModelSpec& k_flagship = k_models[5];
constexpr std::array<const char*, 2> k_orgs = {"acme", "globex"};
constexpr std::array<const char*, 4> k_depts = {"eng", "sales", "research", "ops"};
constexpr std::array<const char*, 3> k_teams = {"platform", "apps", "data"};
constexpr std::array<const char*, 5> k_users = {"alice", "bob", "carol", "dave", "erin"};
constexpr std::array<const char*, 3> k_modes = {"cost", "balanced", "quality"};
constexpr std::array<const char*, 3> k_endpoints = {"/v1/chat/completions", "/v1/messages", "/v1/responses"};

std::uint64_t mix(std::uint64_t x) { // splitmix64
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

} // namespace

governance::LedgerEntry synthetic_row(const SyntheticSpec& spec, std::int64_t index) {
    std::uint64_t r = mix(spec.seed ^ mix(static_cast<std::uint64_t>(index)));
    auto pick = [&r](std::uint64_t n) {
        std::uint64_t v = r % n;
        r = mix(r);
        return v;
    };
    governance::LedgerEntry e;
    std::int64_t span = std::max<std::int64_t>(1, spec.end - spec.start);
    e.ts = spec.start + static_cast<core::Millis>((static_cast<__int128>(span) * index) / std::max<std::int64_t>(1, spec.rows));
    e.request_id = spec.id_prefix + "-" + std::to_string(index);
    std::string org = k_orgs[pick(8) == 0 ? 1 : 0]; // one organisation does most of the traffic
    e.org = org;
    e.dept = org + "/" + k_depts[pick(k_depts.size())];
    e.team = e.dept + "/" + k_teams[pick(k_teams.size())];
    e.user = e.team + "/" + k_users[pick(k_users.size())];
    e.key_id = "key_" + std::to_string(mix(std::hash<std::string>{}(e.user)) % 100000);
    const ModelSpec& model = k_models[pick(k_models.size())];
    e.requested_model = pick(3) == 0 ? k_flagship.model : "auto";
    e.routed_model = model.model;
    e.vendor = model.vendor;
    e.provider = model.provider;
    e.tier = model.tier;
    e.mode = k_modes[pick(k_modes.size())];
    e.endpoint = k_endpoints[pick(k_endpoints.size())];
    e.input_tokens = 200 + static_cast<std::int64_t>(pick(8000));
    e.cached_tokens = pick(4) == 0 ? static_cast<std::int64_t>(pick(4000)) : 0;
    e.output_tokens = 20 + static_cast<std::int64_t>(pick(1500));
    e.cost_nanos = e.input_tokens * model.input_nanos_per_token + e.cached_tokens * model.input_nanos_per_token / 10 +
                   e.output_tokens * model.output_nanos_per_token;
    e.baseline_nanos = e.input_tokens * k_flagship.input_nanos_per_token +
                       e.cached_tokens * k_flagship.input_nanos_per_token / 10 +
                       e.output_tokens * k_flagship.output_nanos_per_token;
    e.latency_ms = 300 + static_cast<std::int64_t>(pick(5000));
    e.ttft_ms = e.latency_ms / 4;
    e.status = 200;
    std::uint64_t fate = pick(100);
    if (fate < 2) {
        e.status = fate == 0 ? 429 : 502;
        e.error_code = fate == 0 ? "rate_limited" : "upstream_unavailable";
        e.output_tokens = 0;
        e.cost_nanos = 0;
        e.baseline_nanos = 0;
    } else if (fate < 6) {
        e.fallback = true;
        e.attempts = 2;
    }
    return e;
}

Result<void> insert_ledger_rows(store::Database& db, std::span<const governance::LedgerEntry> rows) {
    return db.transaction([&]() -> Result<void> {
        auto statement = db.prepare(governance::k_insert_ledger_row);
        if (!statement) return std::unexpected(statement.error());
        for (const governance::LedgerEntry& e : rows) {
            governance::bind_ledger_row(*statement, e);
            if (auto ran = statement->run(); !ran) return ran;
        }
        return {};
    });
}

Result<void> write_synthetic_ledger(store::Database& db, const SyntheticSpec& spec, std::int64_t batch,
                                    const std::function<void(std::int64_t)>& progress) {
    std::vector<governance::LedgerEntry> rows;
    for (std::int64_t done = 0; done < spec.rows;) {
        rows.clear();
        for (std::int64_t i = done; i < std::min(spec.rows, done + batch); ++i) rows.push_back(synthetic_row(spec, i));
        if (auto written = insert_ledger_rows(db, rows); !written) return written;
        done += static_cast<std::int64_t>(rows.size());
        if (progress) progress(done);
    }
    return {};
}

} // namespace megarouter::reports
