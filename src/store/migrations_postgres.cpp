#include "megarouter/store/database.hpp"

// The PostgreSQL list of schema steps: the same versions and names as
// migrations.cpp, with the same tables, columns, keys and indexes
// (tests/unit/store/schema_parity_test.cpp). What differs is only what the
// dialects spell differently: BIGINT for SQLite's 64-bit INTEGER, BIGSERIAL
// for its rowid keys, triggers as functions, a GIN index on the prompt log
// where SQLite has an FTS5 table, and SQL date arithmetic for the month.

namespace megarouter::store {

namespace {

// The rollup of one ledger row inserted by anything but the ledger writer
// (which sums its batches itself, governance/ledger_rollup.cpp): the same
// cells as SQLite's trigger (migrations.cpp).
#define MEGAROUTER_PG_ROLLUP_FUNCTION \
    "CREATE OR REPLACE FUNCTION ledger_rollup_row() RETURNS trigger LANGUAGE plpgsql AS $$" \
    " DECLARE day_start BIGINT; combo_id BIGINT; BEGIN" \
    " day_start := new.ts - ((new.ts % 86400000) + 86400000) % 86400000;" \
    " INSERT INTO ledger_combos(org, dept, team, user_path, key_id, routed_model, provider, vendor, mode, tier, endpoint)" \
    " VALUES (new.org, new.dept, new.team, new.user_path, new.key_id, new.routed_model, new.provider, new.vendor," \
    " new.mode, new.tier, new.endpoint) ON CONFLICT DO NOTHING;" \
    " SELECT c.id INTO combo_id FROM ledger_combos c WHERE c.org = new.org AND c.dept = new.dept" \
    " AND c.team = new.team AND c.user_path = new.user_path AND c.key_id = new.key_id" \
    " AND c.routed_model = new.routed_model AND c.provider = new.provider AND c.vendor = new.vendor" \
    " AND c.mode = new.mode AND c.tier = new.tier AND c.endpoint = new.endpoint;" \
    " INSERT INTO ledger_rollup AS r SELECT cell.level, cell.start, combo_id, 1, new.input_tokens, new.cached_tokens," \
    " new.output_tokens, new.cost_nanos, new.baseline_nanos," \
    " CASE WHEN new.status >= 400 OR new.error_code <> '' THEN 1 ELSE 0 END," \
    " CASE WHEN new.fallback <> 0 THEN 1 ELSE 0 END FROM" \
    " (SELECT 0 AS level, new.ts - ((new.ts % 3600000) + 3600000) % 3600000 AS start" \
    " UNION ALL SELECT 1, day_start" \
    " UNION ALL SELECT 2, (EXTRACT(EPOCH FROM date_trunc('month', to_timestamp(day_start / 1000) AT TIME ZONE 'UTC')))::BIGINT * 1000" \
    " UNION ALL SELECT 3, day_start - (((day_start / 86400000 + 3) % 7 + 7) % 7) * 86400000) cell" \
    " ON CONFLICT (level, start, combo) DO UPDATE SET requests = r.requests + excluded.requests," \
    " input_tokens = r.input_tokens + excluded.input_tokens, cached_tokens = r.cached_tokens + excluded.cached_tokens," \
    " output_tokens = r.output_tokens + excluded.output_tokens, cost_nanos = r.cost_nanos + excluded.cost_nanos," \
    " baseline_nanos = r.baseline_nanos + excluded.baseline_nanos, errors = r.errors + excluded.errors," \
    " fallbacks = r.fallbacks + excluded.fallbacks;" \
    " RETURN NULL; END $$;"

#define MEGAROUTER_PG_BUMP(table) \
    "CREATE TRIGGER " table "_version AFTER INSERT OR UPDATE OR DELETE ON " table \
    " FOR EACH STATEMENT EXECUTE FUNCTION gov_bump_version();"

constexpr Migration k_migrations[] = {
    {1, "settings", "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"},
    {10, "prompt_log",
     "CREATE TABLE prompt_log ("
     " id BIGSERIAL PRIMARY KEY, conversation_id TEXT NOT NULL, request_id TEXT NOT NULL,"
     " model TEXT NOT NULL, provider TEXT NOT NULL, provider_model TEXT NOT NULL DEFAULT '',"
     " system TEXT NOT NULL DEFAULT '', prompt TEXT NOT NULL, response TEXT NOT NULL,"
     " input_tokens BIGINT NOT NULL DEFAULT 0, cached_tokens BIGINT NOT NULL DEFAULT 0,"
     " cache_write_tokens BIGINT NOT NULL DEFAULT 0, output_tokens BIGINT NOT NULL DEFAULT 0,"
     " reasoning_tokens BIGINT NOT NULL DEFAULT 0, cost_nanos BIGINT NOT NULL DEFAULT 0,"
     " latency_ms BIGINT NOT NULL DEFAULT 0, first_token_ms BIGINT,"
     " status TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', options TEXT NOT NULL DEFAULT '{}',"
     " started_at TEXT NOT NULL, finished_at TEXT NOT NULL);"
     "CREATE INDEX prompt_log_conversation ON prompt_log(conversation_id, id);"
     // Full-text search (SQLite: an FTS5 table): words of the prompt and the response.
     "CREATE INDEX prompt_log_search ON prompt_log USING gin (to_tsvector('simple', prompt || ' ' || response));"},
    {20, "gov_nodes",
     "CREATE TABLE gov_nodes ("
     " path TEXT PRIMARY KEY, kind TEXT NOT NULL, parent TEXT, display_name TEXT NOT NULL DEFAULT '',"
     " email TEXT NOT NULL DEFAULT '', rpm BIGINT, tpm BIGINT, created_ms BIGINT NOT NULL);"
     "CREATE INDEX gov_nodes_parent ON gov_nodes(parent);"},
    {21, "gov_grants",
     "CREATE TABLE gov_grants ("
     " subject TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL, created_ms BIGINT NOT NULL,"
     " PRIMARY KEY (subject, role, scope));"},
    {22, "gov_keys",
     "CREATE TABLE gov_keys ("
     " id TEXT PRIMARY KEY, prefix TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, owner TEXT NOT NULL,"
     " role TEXT NOT NULL DEFAULT 'member', name TEXT NOT NULL DEFAULT '',"
     " created_ms BIGINT NOT NULL, expires_ms BIGINT, revoked_ms BIGINT,"
     " policy TEXT NOT NULL DEFAULT '{}', rotated_from TEXT);"
     "CREATE INDEX gov_keys_owner ON gov_keys(owner);"},
    {23, "gov_budgets",
     "CREATE TABLE gov_budgets ("
     " id BIGSERIAL PRIMARY KEY, scope_kind TEXT NOT NULL, scope TEXT NOT NULL, period TEXT NOT NULL,"
     " unit TEXT NOT NULL DEFAULT 'usd', amount BIGINT NOT NULL,"
     " alert_pct BIGINT NOT NULL DEFAULT 80, downgrade_pct BIGINT NOT NULL DEFAULT 90,"
     " block_pct BIGINT NOT NULL DEFAULT 100, price_ceiling_nanos BIGINT, created_ms BIGINT NOT NULL,"
     " UNIQUE (scope_kind, scope, period));"
     "CREATE TABLE gov_usage ("
     " budget_id BIGINT NOT NULL, period_start BIGINT NOT NULL, spent BIGINT NOT NULL DEFAULT 0,"
     " PRIMARY KEY (budget_id, period_start));"},
    {24, "gov_pools",
     "CREATE TABLE gov_pools (name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', created_ms BIGINT NOT NULL);"
     "CREATE TABLE gov_pool_members (pool TEXT NOT NULL, node TEXT NOT NULL, PRIMARY KEY (pool, node));"},
    {25, "gov_version",
     // The change counter of the settings; each change also notifies
     // 'megarouter_settings' for replicas that listen.
     "CREATE TABLE gov_version (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);"
     "INSERT INTO gov_version VALUES (1, 0);"
     "CREATE FUNCTION gov_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
     " UPDATE gov_version SET version = version + 1 WHERE id = 1;"
     " PERFORM pg_notify('megarouter_settings', ''); RETURN NULL; END $$;"
     MEGAROUTER_PG_BUMP("gov_nodes") MEGAROUTER_PG_BUMP("gov_grants") MEGAROUTER_PG_BUMP("gov_keys")
     MEGAROUTER_PG_BUMP("gov_budgets") MEGAROUTER_PG_BUMP("gov_pools") MEGAROUTER_PG_BUMP("gov_pool_members")},
    {26, "gov_authority",
     "ALTER TABLE gov_budgets ADD COLUMN set_by TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE gov_keys ADD COLUMN bounded BIGINT NOT NULL DEFAULT 0;"
     "CREATE TABLE gov_key_ceilings ("
     " key_id TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL, PRIMARY KEY (key_id, role, scope));"
     MEGAROUTER_PG_BUMP("gov_key_ceilings")},
    {27, "gov_leases",
     "CREATE TABLE gov_leases ("
     " budget_id BIGINT NOT NULL, period_start BIGINT NOT NULL, replica TEXT NOT NULL,"
     " amount BIGINT NOT NULL, expires_ms BIGINT NOT NULL, wanted BIGINT NOT NULL DEFAULT 0,"
     " PRIMARY KEY (budget_id, period_start, replica));"
     "CREATE TABLE gov_replicas ("
     " id TEXT PRIMARY KEY, host TEXT NOT NULL DEFAULT '', started_ms BIGINT NOT NULL, seen_ms BIGINT NOT NULL);"},
    {40, "ledger",
     "CREATE TABLE ledger ("
     " id BIGSERIAL PRIMARY KEY, ts BIGINT NOT NULL, request_id TEXT NOT NULL,"
     " key_id TEXT NOT NULL DEFAULT '', org TEXT NOT NULL DEFAULT '', dept TEXT NOT NULL DEFAULT '',"
     " team TEXT NOT NULL DEFAULT '', user_path TEXT NOT NULL DEFAULT '', pool TEXT NOT NULL DEFAULT '',"
     " endpoint TEXT NOT NULL DEFAULT '', requested_model TEXT NOT NULL DEFAULT '',"
     " routed_model TEXT NOT NULL DEFAULT '', vendor TEXT NOT NULL DEFAULT '', provider TEXT NOT NULL DEFAULT '',"
     " mode TEXT NOT NULL DEFAULT '', tier TEXT NOT NULL DEFAULT '',"
     " input_tokens BIGINT NOT NULL DEFAULT 0, cached_tokens BIGINT NOT NULL DEFAULT 0,"
     " cache_write_tokens BIGINT NOT NULL DEFAULT 0, output_tokens BIGINT NOT NULL DEFAULT 0,"
     " reasoning_tokens BIGINT NOT NULL DEFAULT 0, cost_nanos BIGINT NOT NULL DEFAULT 0,"
     " baseline_nanos BIGINT NOT NULL DEFAULT 0, latency_ms BIGINT NOT NULL DEFAULT 0,"
     " ttft_ms BIGINT NOT NULL DEFAULT 0, status BIGINT NOT NULL DEFAULT 0, attempts BIGINT NOT NULL DEFAULT 1,"
     " fallback BIGINT NOT NULL DEFAULT 0, error_code TEXT NOT NULL DEFAULT '');"},
    {41, "ledger_indexes",
     "CREATE UNIQUE INDEX ledger_request_id ON ledger(request_id);"
     "CREATE INDEX ledger_ts ON ledger(ts);"
     "CREATE INDEX ledger_key_ts ON ledger(key_id, ts);"
     "CREATE INDEX ledger_user_ts ON ledger(user_path, ts);"
     "CREATE INDEX ledger_team_ts ON ledger(team, ts);"
     "CREATE INDEX ledger_dept_ts ON ledger(dept, ts);"
     "CREATE INDEX ledger_org_ts ON ledger(org, ts);"},
    {42, "ledger_rollup",
     "CREATE TABLE ledger_combos ("
     " id BIGSERIAL PRIMARY KEY, org TEXT NOT NULL, dept TEXT NOT NULL, team TEXT NOT NULL,"
     " user_path TEXT NOT NULL, key_id TEXT NOT NULL, routed_model TEXT NOT NULL, provider TEXT NOT NULL,"
     " vendor TEXT NOT NULL, mode TEXT NOT NULL, tier TEXT NOT NULL, endpoint TEXT NOT NULL,"
     " UNIQUE (org, dept, team, user_path, key_id, routed_model, provider, vendor, mode, tier, endpoint));"
     "CREATE TABLE ledger_rollup ("
     " level BIGINT NOT NULL, start BIGINT NOT NULL, combo BIGINT NOT NULL, requests BIGINT NOT NULL,"
     " input_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,"
     " cost_nanos BIGINT NOT NULL, baseline_nanos BIGINT NOT NULL, errors BIGINT NOT NULL,"
     " fallbacks BIGINT NOT NULL, PRIMARY KEY (level, start, combo));"
     // A new store has no ledger rows to roll up: the trigger covers every insert from here.
     MEGAROUTER_PG_ROLLUP_FUNCTION
     "CREATE TRIGGER ledger_rollup_insert AFTER INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_rollup_row();"},
    {43, "ledger_covering_indexes",
     "DROP INDEX ledger_key_ts; CREATE INDEX ledger_key_ts ON ledger(key_id, ts, cost_nanos);"
     "DROP INDEX ledger_user_ts; CREATE INDEX ledger_user_ts ON ledger(user_path, ts, cost_nanos);"
     "DROP INDEX ledger_team_ts; CREATE INDEX ledger_team_ts ON ledger(team, ts, cost_nanos);"},
    {44, "ledger_pricing",
     "ALTER TABLE ledger ADD COLUMN pricing TEXT NOT NULL DEFAULT '';"
     "CREATE INDEX ledger_pricing_ts ON ledger(ts) WHERE pricing <> '';"},
    {45, "ledger_rolled_up",
     "ALTER TABLE ledger ADD COLUMN rolled_up BIGINT NOT NULL DEFAULT 0;"
     "DROP TRIGGER ledger_rollup_insert ON ledger;"
     "CREATE TRIGGER ledger_rollup_insert AFTER INSERT ON ledger FOR EACH ROW WHEN (new.rolled_up = 0)"
     " EXECUTE FUNCTION ledger_rollup_row();"},
    {46, "ledger_fewer_indexes",
     "DROP INDEX ledger_key_ts; DROP INDEX ledger_user_ts; DROP INDEX ledger_team_ts;"
     "DROP INDEX ledger_dept_ts; DROP INDEX ledger_org_ts;"},
    {50, "gov_alerts",
     "CREATE TABLE gov_webhooks ("
     " id BIGSERIAL PRIMARY KEY, scope TEXT NOT NULL DEFAULT '', url TEXT NOT NULL, secret TEXT NOT NULL DEFAULT '',"
     " events TEXT NOT NULL DEFAULT '*', created_ms BIGINT NOT NULL);"
     "CREATE TABLE gov_events ("
     " id TEXT PRIMARY KEY, type TEXT NOT NULL, node TEXT NOT NULL DEFAULT '', ts BIGINT NOT NULL,"
     " summary TEXT NOT NULL DEFAULT '', payload TEXT NOT NULL);"
     "CREATE INDEX gov_events_ts ON gov_events(ts);"
     "CREATE TABLE gov_deliveries ("
     " event_id TEXT NOT NULL, webhook_id BIGINT NOT NULL, url TEXT NOT NULL,"
     " status TEXT NOT NULL DEFAULT 'pending', attempts BIGINT NOT NULL DEFAULT 0,"
     " next_attempt_ms BIGINT NOT NULL, last_error TEXT NOT NULL DEFAULT '', delivered_ms BIGINT,"
     " PRIMARY KEY (event_id, webhook_id));"
     "CREATE INDEX gov_deliveries_due ON gov_deliveries(status, next_attempt_ms);"},
};

} // namespace

std::span<const Migration> postgres_migrations() { return k_migrations; }

} // namespace megarouter::store
