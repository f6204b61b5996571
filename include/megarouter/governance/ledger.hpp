// The spend ledger: one row per request that reached (or tried to reach) an
// upstream, with who asked, what was routed where, the tokens and the exact
// cost in nano-dollars. The table `ledger` (migration 40) is what the spend
// reports read; LedgerEntry is one row of it.
#pragma once

#include <cstdint>
#include <string>

#include "megarouter/core/clock.hpp"
#include "megarouter/store/database.hpp"

namespace megarouter::governance {

using Nanos = std::int64_t; // USD x 10^9, as in catalog/model.hpp

// One ledger row. Text fields are "" when they do not apply; numbers are 0.
// Paths are full hierarchy paths: org "acme", dept "acme/eng",
// team "acme/eng/platform", user "acme/eng/platform/alice".
struct LedgerEntry {
    core::Millis ts = 0;             // when the request finished, ms since epoch (0: the gate's clock)
    std::string request_id;          // unique per request; a duplicate id is ignored
    std::string key_id;
    std::string org;
    std::string dept;
    std::string team;
    std::string user;                // column user_path
    std::string pool;                // pools drawn from, comma-separated
    std::string endpoint;            // "/v1/chat/completions", "/v1/messages", ...
    std::string requested_model;     // as the client asked ("auto", "gpt-4o", ...)
    std::string routed_model;        // the model that answered (last attempt)
    std::string vendor;              // who makes the routed model
    std::string provider;            // who served it
    std::string mode;                // routing mode used
    std::string tier;                // "light", "standard", "strong", "frontier"
    std::int64_t input_tokens = 0;   // uncached input
    std::int64_t cached_tokens = 0;  // input read from cache
    std::int64_t cache_write_tokens = 0;
    std::int64_t output_tokens = 0;  // including reasoning
    std::int64_t reasoning_tokens = 0;
    Nanos cost_nanos = 0;            // what this request cost, all attempts
    Nanos baseline_nanos = 0;        // the requested (or baseline) model's cost for the same tokens
    std::int64_t latency_ms = 0;
    std::int64_t ttft_ms = 0;        // 0 when not streamed or no token came
    int status = 0;                  // HTTP status returned downstream
    int attempts = 1;                // upstream attempts, including failovers
    bool fallback = false;           // answered by other than the first choice
    std::string error_code;          // ErrorCode name, "" on success
    // Where the price came from: "" the catalog; for a model the catalog does
    // not list yet, passed through: "config" ([prices]), "estimate" (a listed
    // sibling's price), "unpriced" ([routing] unpriced prices).
    std::string pricing;
};

// The one INSERT of a ledger row (a request id already there is left as it
// is: the statement changes nothing), and binding a row to it. The proxy's
// writer and the CLI's terminal rows both use these.
extern const char* const k_insert_ledger_row;
// The same INSERT for a writer that adds the row to ledger_rollup itself in
// the same transaction (rolled_up = 1: the rollup trigger skips it).
extern const char* const k_insert_ledger_row_rolled_up;
void bind_ledger_row(store::Statement& insert, const LedgerEntry& e);
// `rows` rolled-up rows in one INSERT that returns the request ids it
// inserted (a store across the network: one round trip for many rows), and
// binding row `n` (0-based) of it.
std::string insert_ledger_rows_returning(std::size_t rows);
void bind_ledger_row_at(store::Statement& insert, std::size_t n, const LedgerEntry& e);

} // namespace megarouter::governance
