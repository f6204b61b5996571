#include <doctest/doctest.h>

#include "cli/prompt_ledger.hpp"

using namespace megarouter;

TEST_CASE("cli: a terminal prompt's ledger row says who, what and what it cost") {
    governance::LedgerEntry row;
    cli::set_identity(row, "acme/eng/web/alice");
    CHECK(row.org == "acme");
    CHECK(row.dept == "acme/eng");
    CHECK(row.team == "acme/eng/web");
    CHECK(row.user == "acme/eng/web/alice");
    governance::LedgerEntry team_only;
    cli::set_identity(team_only, "acme/eng/web");
    CHECK(team_only.team == "acme/eng/web");
    CHECK(team_only.user.empty());
    governance::LedgerEntry local;
    cli::set_identity(local, "");
    CHECK(local.user.starts_with("local:"));
    CHECK(local.org.empty());

    store::PromptLogEntry entry;
    entry.request_id = "req_1";
    entry.model = "gpt-4o-mini";
    entry.provider = "openai";
    entry.usage = {.input = 10, .cached_input = 2, .cache_write = 0, .output = 5, .reasoning = 1};
    entry.cost = 1234;
    entry.latency_ms = 80;
    entry.first_token_ms = 30;
    entry.status = "interrupted";
    auto made = cli::ledger_row(entry, {.requested = "auto", .mode = "cost", .error_code = "cancelled"},
                                catalog::Catalog::builtin());
    CHECK(made.endpoint == "cli");
    CHECK(made.request_id == "req_1");
    CHECK(made.requested_model == "auto");
    CHECK(made.routed_model == "gpt-4o-mini");
    CHECK(made.vendor == "openai");
    CHECK_FALSE(made.tier.empty());
    CHECK(made.input_tokens == 10);
    CHECK(made.cached_tokens == 2);
    CHECK(made.output_tokens == 5);
    CHECK(made.reasoning_tokens == 1);
    CHECK(made.cost_nanos == 1234);
    CHECK(made.ttft_ms == 30);
    CHECK(made.status == 499);
    CHECK(made.error_code == "cancelled");
    CHECK(made.ts > 0);
}
