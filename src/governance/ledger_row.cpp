// k_insert_ledger_row and bind_ledger_row(): see ledger.hpp.
#include "megarouter/governance/ledger.hpp"

namespace megarouter::governance {

#define MEGAROUTER_LEDGER_COLUMNS                                                                              \
    "ts, request_id, key_id, org, dept, team, user_path, pool, endpoint, requested_model, routed_model, vendor, "  \
    "provider, mode, tier, input_tokens, cached_tokens, cache_write_tokens, output_tokens, reasoning_tokens, "     \
    "cost_nanos, baseline_nanos, latency_ms, ttft_ms, status, attempts, fallback, error_code, pricing"
#define MEGAROUTER_LEDGER_VALUES "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?"

const char* const k_insert_ledger_row = "INSERT INTO ledger(" MEGAROUTER_LEDGER_COLUMNS ") VALUES ("
                                        MEGAROUTER_LEDGER_VALUES ") ON CONFLICT(request_id) DO NOTHING";

const char* const k_insert_ledger_row_rolled_up = "INSERT INTO ledger(" MEGAROUTER_LEDGER_COLUMNS ", rolled_up) VALUES ("
                                                  MEGAROUTER_LEDGER_VALUES ", 1) ON CONFLICT(request_id) DO NOTHING";

namespace {

constexpr int k_ledger_values = 29; // the placeholders of MEGAROUTER_LEDGER_VALUES

template <typename... Args>
void bind_from(store::Statement& insert, int first, const Args&... args) {
    int index = first - 1;
    (insert.bind(++index, args), ...);
}

} // namespace

void bind_ledger_row_at(store::Statement& insert, std::size_t n, const LedgerEntry& e) {
    bind_from(insert, static_cast<int>(n) * k_ledger_values + 1, e.ts, e.request_id, e.key_id, e.org, e.dept, e.team,
              e.user, e.pool, e.endpoint, e.requested_model, e.routed_model, e.vendor, e.provider, e.mode, e.tier,
              e.input_tokens, e.cached_tokens, e.cache_write_tokens, e.output_tokens, e.reasoning_tokens, e.cost_nanos,
              e.baseline_nanos, e.latency_ms, e.ttft_ms, e.status, e.attempts,
              static_cast<std::int64_t>(e.fallback ? 1 : 0), e.error_code, e.pricing);
}

void bind_ledger_row(store::Statement& insert, const LedgerEntry& e) {
    insert.reset();
    bind_ledger_row_at(insert, 0, e);
}

std::string insert_ledger_rows_returning(std::size_t rows) {
    std::string sql = "INSERT INTO ledger(" MEGAROUTER_LEDGER_COLUMNS ", rolled_up) VALUES ";
    for (std::size_t r = 0; r < rows; ++r) sql += std::string(r ? ", " : "") + "(" MEGAROUTER_LEDGER_VALUES ", 1)";
    return sql + " ON CONFLICT(request_id) DO NOTHING RETURNING request_id";
}

} // namespace megarouter::governance
