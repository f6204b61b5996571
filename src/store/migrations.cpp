#include "megarouter/store/database.hpp"

// Every schema step of the store, in one list. Each module owns a range of
// versions so that work on different modules does not collide:
//   1-9 core, 10-19 prompt log, 20-39 governance, 40-49 ledger, 50-59 alerts.
// SQL is kept to what SQLite and PostgreSQL share where practical.

namespace megarouter::store {

namespace {

// The body of the rollup trigger (migration 42; since 45 only for rows the
// ledger writer did not roll up itself).
#define MEGAROUTER_LEDGER_ROLLUP_TRIGGER_BODY \
     " INSERT INTO ledger_combos(org, dept, team, user_path, key_id, routed_model, provider, vendor, mode, tier, endpoint)" \
     " VALUES (new.org, new.dept, new.team, new.user_path, new.key_id, new.routed_model, new.provider, new.vendor," \
     " new.mode, new.tier, new.endpoint) ON CONFLICT DO NOTHING;" \
     " INSERT INTO ledger_rollup SELECT cell.level, cell.start, c.id, 1, new.input_tokens, new.cached_tokens," \
     " new.output_tokens, new.cost_nanos, new.baseline_nanos, (new.status >= 400 OR new.error_code <> '')," \
     " (new.fallback <> 0) FROM ledger_combos c CROSS JOIN" \
     " (SELECT 0 AS level, new.ts - ((new.ts % 3600000) + 3600000) % 3600000 AS start" \
     " UNION ALL SELECT 1, new.ts - ((new.ts % 86400000) + 86400000) % 86400000" \
     " UNION ALL SELECT 2, CAST(strftime('%s', (new.ts - ((new.ts % 86400000) + 86400000) % 86400000) / 1000," \
     " 'unixepoch', 'start of month') AS INTEGER) * 1000" \
     " UNION ALL SELECT 3, new.ts - ((new.ts % 86400000) + 86400000) % 86400000" \
     " - ((((new.ts - ((new.ts % 86400000) + 86400000) % 86400000) / 86400000 + 3) % 7 + 7) % 7) * 86400000) cell" \
     " WHERE c.org = new.org AND c.dept = new.dept AND c.team = new.team AND c.user_path = new.user_path" \
     " AND c.key_id = new.key_id AND c.routed_model = new.routed_model AND c.provider = new.provider" \
     " AND c.vendor = new.vendor AND c.mode = new.mode AND c.tier = new.tier AND c.endpoint = new.endpoint" \
     " ON CONFLICT (level, start, combo) DO UPDATE SET requests = requests + excluded.requests," \
     " input_tokens = input_tokens + excluded.input_tokens, cached_tokens = cached_tokens + excluded.cached_tokens," \
     " output_tokens = output_tokens + excluded.output_tokens, cost_nanos = cost_nanos + excluded.cost_nanos," \
     " baseline_nanos = baseline_nanos + excluded.baseline_nanos, errors = errors + excluded.errors," \
     " fallbacks = fallbacks + excluded.fallbacks; END;"

constexpr Migration k_migrations[] = {
    {1, "settings",
     "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"},
    {10, "prompt_log",
     "CREATE TABLE prompt_log ("
     " id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, request_id TEXT NOT NULL,"
     " model TEXT NOT NULL, provider TEXT NOT NULL, provider_model TEXT NOT NULL DEFAULT '',"
     " system TEXT NOT NULL DEFAULT '', prompt TEXT NOT NULL, response TEXT NOT NULL,"
     " input_tokens INTEGER NOT NULL DEFAULT 0, cached_tokens INTEGER NOT NULL DEFAULT 0,"
     " cache_write_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,"
     " reasoning_tokens INTEGER NOT NULL DEFAULT 0, cost_nanos INTEGER NOT NULL DEFAULT 0,"
     " latency_ms INTEGER NOT NULL DEFAULT 0, first_token_ms INTEGER,"
     " status TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', options TEXT NOT NULL DEFAULT '{}',"
     " started_at TEXT NOT NULL, finished_at TEXT NOT NULL);"
     "CREATE INDEX prompt_log_conversation ON prompt_log(conversation_id, id);"
     "CREATE VIRTUAL TABLE prompt_log_fts USING fts5(prompt, response, content='prompt_log', content_rowid='id');"
     "CREATE TRIGGER prompt_log_fts_insert AFTER INSERT ON prompt_log BEGIN"
     " INSERT INTO prompt_log_fts(rowid, prompt, response) VALUES (new.id, new.prompt, new.response); END;"
     "CREATE TRIGGER prompt_log_fts_delete AFTER DELETE ON prompt_log BEGIN"
     " INSERT INTO prompt_log_fts(prompt_log_fts, rowid, prompt, response) VALUES ('delete', old.id, old.prompt, old.response); END;"},
    // ---- governance (20-39): hierarchy, roles, keys, budgets, pools ----
    // Paths are full hierarchy paths: depth 1 organisation "acme", 2
    // department "acme/eng", 3 team "acme/eng/platform", 4 user
    // "acme/eng/platform/alice". Times are ms since the epoch (INTEGER).
    {20, "gov_nodes",
     "CREATE TABLE gov_nodes ("
     " path TEXT PRIMARY KEY,"
     " kind TEXT NOT NULL,"            // organisation | department | team | user
     " parent TEXT,"                   // NULL for an organisation
     " display_name TEXT NOT NULL DEFAULT '',"
     " email TEXT NOT NULL DEFAULT '',"
     " rpm INTEGER, tpm INTEGER,"      // rate limits for users and teams (NULL = none)
     " created_ms INTEGER NOT NULL);"
     "CREATE INDEX gov_nodes_parent ON gov_nodes(parent);"},
    {21, "gov_grants",
     // `subject` (a user or team path) holds `role` on `scope` and everything below it.
     "CREATE TABLE gov_grants ("
     " subject TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL, created_ms INTEGER NOT NULL,"
     " PRIMARY KEY (subject, role, scope));"},
    {22, "gov_keys",
     // Keys are stored as the hex SHA-256 of the full key; `prefix` is the visible part.
     // `policy` is JSON: allowed_models/vendors/providers/modes, max_price_per_mtok_nanos, rpm, tpm, tags.
     "CREATE TABLE gov_keys ("
     " id TEXT PRIMARY KEY, prefix TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, owner TEXT NOT NULL,"
     " role TEXT NOT NULL DEFAULT 'member', name TEXT NOT NULL DEFAULT '',"
     " created_ms INTEGER NOT NULL, expires_ms INTEGER, revoked_ms INTEGER,"
     " policy TEXT NOT NULL DEFAULT '{}', rotated_from TEXT);"
     "CREATE INDEX gov_keys_owner ON gov_keys(owner);"},
    {23, "gov_budgets",
     // One limit per (scope_kind, scope, period). scope_kind: node (a path), key (a key id) or
     // pool (a pool name). unit: usd (amount and usage in nano-dollars) or tokens.
     // period: daily | weekly | monthly | total. Guardrails in percent of amount; 0 = off.
     "CREATE TABLE gov_budgets ("
     " id INTEGER PRIMARY KEY, scope_kind TEXT NOT NULL, scope TEXT NOT NULL, period TEXT NOT NULL,"
     " unit TEXT NOT NULL DEFAULT 'usd', amount INTEGER NOT NULL,"
     " alert_pct INTEGER NOT NULL DEFAULT 80, downgrade_pct INTEGER NOT NULL DEFAULT 90,"
     " block_pct INTEGER NOT NULL DEFAULT 100, price_ceiling_nanos INTEGER, created_ms INTEGER NOT NULL,"
     " UNIQUE (scope_kind, scope, period));"
     // Settled usage per budget and period (period_start in ms; 0 for total).
     "CREATE TABLE gov_usage ("
     " budget_id INTEGER NOT NULL, period_start INTEGER NOT NULL, spent INTEGER NOT NULL DEFAULT 0,"
     " PRIMARY KEY (budget_id, period_start));"},
    {24, "gov_pools",
     "CREATE TABLE gov_pools (name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL);"
     "CREATE TABLE gov_pool_members (pool TEXT NOT NULL, node TEXT NOT NULL, PRIMARY KEY (pool, node));"},
    {25, "gov_version",
     // A change counter bumped by every write to the settings above; a running gate
     // re-reads its cache when it moves (SQLite-specific trigger syntax).
     "CREATE TABLE gov_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);"
     "INSERT INTO gov_version VALUES (1, 0);"
     "CREATE TRIGGER gov_nodes_i AFTER INSERT ON gov_nodes BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_nodes_u AFTER UPDATE ON gov_nodes BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_nodes_d AFTER DELETE ON gov_nodes BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_grants_i AFTER INSERT ON gov_grants BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_grants_u AFTER UPDATE ON gov_grants BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_grants_d AFTER DELETE ON gov_grants BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_keys_i AFTER INSERT ON gov_keys BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_keys_u AFTER UPDATE ON gov_keys BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_keys_d AFTER DELETE ON gov_keys BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_budgets_i AFTER INSERT ON gov_budgets BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_budgets_u AFTER UPDATE ON gov_budgets BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_budgets_d AFTER DELETE ON gov_budgets BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_pools_i AFTER INSERT ON gov_pools BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_pools_d AFTER DELETE ON gov_pools BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_members_i AFTER INSERT ON gov_pool_members BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_members_d AFTER DELETE ON gov_pool_members BEGIN UPDATE gov_version SET version = version + 1; END;"},
    {26, "gov_authority",
     // Who set a budget: the scope of the actor's authority when it was set ('' = the root: the
     // local CLI, the master key or a root-scoped grant). Only a role over that node may change
     // or delete it, so a limit set by a parent cannot be lifted from below.
     "ALTER TABLE gov_budgets ADD COLUMN set_by TEXT NOT NULL DEFAULT '';"
     // A key minted by a principal carries at most what that principal could grant: `bounded`
     // keys hold only the parts of their owner's grants inside their ceiling rows (role owner or
     // admin on a scope). Keys of the local CLI and the master key are unbounded (0).
     "ALTER TABLE gov_keys ADD COLUMN bounded INTEGER NOT NULL DEFAULT 0;"
     "CREATE TABLE gov_key_ceilings ("
     " key_id TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL, PRIMARY KEY (key_id, role, scope));"
     "CREATE TRIGGER gov_key_ceilings_i AFTER INSERT ON gov_key_ceilings BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_key_ceilings_u AFTER UPDATE ON gov_key_ceilings BEGIN UPDATE gov_version SET version = version + 1; END;"
     "CREATE TRIGGER gov_key_ceilings_d AFTER DELETE ON gov_key_ceilings BEGIN UPDATE gov_version SET version = version + 1; END;"},
    {27, "gov_leases",
     // Gateways sharing one store (PostgreSQL) each hold a lease per budget and period: room
     // they may admit requests against without asking the store (governance/leases.cpp).
     // amount: room held and not yet committed as spend; expires_ms: when other gateways may
     // take it back (a gateway renews well before); wanted: room it asked for and could not
     // get, which the others give back from their unused leases. gov_replicas: who is
     // running, for fair shares. SQLite stores (one gateway per file) keep both empty.
     "CREATE TABLE gov_leases ("
     " budget_id INTEGER NOT NULL, period_start INTEGER NOT NULL, replica TEXT NOT NULL,"
     " amount INTEGER NOT NULL, expires_ms INTEGER NOT NULL, wanted INTEGER NOT NULL DEFAULT 0,"
     " PRIMARY KEY (budget_id, period_start, replica));"
     "CREATE TABLE gov_replicas ("
     " id TEXT PRIMARY KEY, host TEXT NOT NULL DEFAULT '', started_ms INTEGER NOT NULL, seen_ms INTEGER NOT NULL);"},
    // ---- ledger (40-49): one row per request, written in batches by the gate ----
    // ts: ms since the epoch when the request finished. Text columns are '' when they do
    // not apply (no key, no team, ...); paths are full paths (team = 'acme/eng/platform',
    // user_path = 'acme/eng/platform/alice'). pool: pool names drawn from, comma-separated.
    // Money in INTEGER nano-dollars (USD x 10^9): cost_nanos is what the request cost over
    // all attempts; baseline_nanos what the requested (or configured baseline) model would
    // have cost for the same tokens. input_tokens excludes cached_tokens; output_tokens
    // includes reasoning_tokens. status: HTTP status sent downstream; attempts: upstream
    // attempts; fallback: 1 when not answered by the first choice; error_code: ErrorCode
    // name or '' on success. request_id is unique (a re-sent row is ignored).
    {40, "ledger",
     "CREATE TABLE ledger ("
     " id INTEGER PRIMARY KEY,"
     " ts INTEGER NOT NULL,"
     " request_id TEXT NOT NULL,"
     " key_id TEXT NOT NULL DEFAULT '',"
     " org TEXT NOT NULL DEFAULT '',"
     " dept TEXT NOT NULL DEFAULT '',"
     " team TEXT NOT NULL DEFAULT '',"
     " user_path TEXT NOT NULL DEFAULT '',"
     " pool TEXT NOT NULL DEFAULT '',"
     " endpoint TEXT NOT NULL DEFAULT '',"
     " requested_model TEXT NOT NULL DEFAULT '',"
     " routed_model TEXT NOT NULL DEFAULT '',"
     " vendor TEXT NOT NULL DEFAULT '',"
     " provider TEXT NOT NULL DEFAULT '',"
     " mode TEXT NOT NULL DEFAULT '',"
     " tier TEXT NOT NULL DEFAULT '',"
     " input_tokens INTEGER NOT NULL DEFAULT 0,"
     " cached_tokens INTEGER NOT NULL DEFAULT 0,"
     " cache_write_tokens INTEGER NOT NULL DEFAULT 0,"
     " output_tokens INTEGER NOT NULL DEFAULT 0,"
     " reasoning_tokens INTEGER NOT NULL DEFAULT 0,"
     " cost_nanos INTEGER NOT NULL DEFAULT 0,"
     " baseline_nanos INTEGER NOT NULL DEFAULT 0,"
     " latency_ms INTEGER NOT NULL DEFAULT 0,"
     " ttft_ms INTEGER NOT NULL DEFAULT 0,"
     " status INTEGER NOT NULL DEFAULT 0,"
     " attempts INTEGER NOT NULL DEFAULT 1,"
     " fallback INTEGER NOT NULL DEFAULT 0,"
     " error_code TEXT NOT NULL DEFAULT '');"},
    {41, "ledger_indexes",
     // Per-period (ts), per-key, per-user, per-team, per-department and per-organisation
     // range queries each use one index; request_id makes re-sent rows idempotent.
     "CREATE UNIQUE INDEX ledger_request_id ON ledger(request_id);"
     "CREATE INDEX ledger_ts ON ledger(ts);"
     "CREATE INDEX ledger_key_ts ON ledger(key_id, ts);"
     "CREATE INDEX ledger_user_ts ON ledger(user_path, ts);"
     "CREATE INDEX ledger_team_ts ON ledger(team, ts);"
     "CREATE INDEX ledger_dept_ts ON ledger(dept, ts);"
     "CREATE INDEX ledger_org_ts ON ledger(org, ts);"},
    {42, "ledger_rollup",
     // Exact sums of the ledger per UTC cell (level 0 hour, 1 day, 2 month, 3 week from
     // Monday; start in ms) and combination of report dimensions (ledger_combos), kept by a
     // trigger in the same transaction as every ledger insert, so spend reports read a few
     // thousand rows instead of millions. errors counts status >= 400 or an error code;
     // fallbacks counts fallback <> 0.
     "CREATE TABLE ledger_combos ("
     " id INTEGER PRIMARY KEY, org TEXT NOT NULL, dept TEXT NOT NULL, team TEXT NOT NULL,"
     " user_path TEXT NOT NULL, key_id TEXT NOT NULL, routed_model TEXT NOT NULL, provider TEXT NOT NULL,"
     " vendor TEXT NOT NULL, mode TEXT NOT NULL, tier TEXT NOT NULL, endpoint TEXT NOT NULL,"
     " UNIQUE (org, dept, team, user_path, key_id, routed_model, provider, vendor, mode, tier, endpoint));"
     "CREATE TABLE ledger_rollup ("
     " level INTEGER NOT NULL, start INTEGER NOT NULL, combo INTEGER NOT NULL, requests INTEGER NOT NULL,"
     " input_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,"
     " cost_nanos INTEGER NOT NULL, baseline_nanos INTEGER NOT NULL, errors INTEGER NOT NULL,"
     " fallbacks INTEGER NOT NULL, PRIMARY KEY (level, start, combo)) WITHOUT ROWID;"
     "INSERT INTO ledger_combos(org, dept, team, user_path, key_id, routed_model, provider, vendor, mode, tier, endpoint)"
     " SELECT DISTINCT org, dept, team, user_path, key_id, routed_model, provider, vendor, mode, tier, endpoint FROM ledger;"
     "INSERT INTO ledger_rollup SELECT cell.level, CASE cell.level WHEN 0 THEN l.ts - ((l.ts % 3600000) + 3600000) % 3600000"
     " WHEN 1 THEN l.ts - ((l.ts % 86400000) + 86400000) % 86400000"
     " WHEN 3 THEN l.ts - ((l.ts % 86400000) + 86400000) % 86400000"
     " - ((((l.ts - ((l.ts % 86400000) + 86400000) % 86400000) / 86400000 + 3) % 7 + 7) % 7) * 86400000"
     " ELSE CAST(strftime('%s', (l.ts - ((l.ts % 86400000) + 86400000) % 86400000) / 1000, 'unixepoch',"
     " 'start of month') AS INTEGER) * 1000 END, c.id, COUNT(*), SUM(l.input_tokens), SUM(l.cached_tokens),"
     " SUM(l.output_tokens), SUM(l.cost_nanos), SUM(l.baseline_nanos), SUM(l.status >= 400 OR l.error_code <> ''),"
     " SUM(l.fallback <> 0)"
     " FROM ledger l JOIN ledger_combos c ON c.org = l.org AND c.dept = l.dept AND c.team = l.team"
     " AND c.user_path = l.user_path AND c.key_id = l.key_id AND c.routed_model = l.routed_model"
     " AND c.provider = l.provider AND c.vendor = l.vendor AND c.mode = l.mode AND c.tier = l.tier"
     " AND c.endpoint = l.endpoint JOIN (SELECT 0 AS level UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) cell"
     " GROUP BY 1, 2, 3;"
     "CREATE TRIGGER ledger_rollup_insert AFTER INSERT ON ledger BEGIN" MEGAROUTER_LEDGER_ROLLUP_TRIGGER_BODY},
    {43, "ledger_covering_indexes",
     // A key's, user's or team's spend over a period reads only the index: the rows of one
     // scope are scattered over the period's pages, so fetching each row cost 20 ms (key) to
     // 67 ms (team) for a month at 10M rows; covering, 1 ms and 6 ms (bench_ledger_index_bench).
     "DROP INDEX ledger_key_ts; CREATE INDEX ledger_key_ts ON ledger(key_id, ts, cost_nanos);"
     "DROP INDEX ledger_user_ts; CREATE INDEX ledger_user_ts ON ledger(user_path, ts, cost_nanos);"
     "DROP INDEX ledger_team_ts; CREATE INDEX ledger_team_ts ON ledger(team, ts, cost_nanos);"},
    {44, "ledger_pricing",
     // Models passed through before the catalog lists them: where their price came from
     // ('' = the catalog; 'config', 'estimate', 'unpriced'). The partial index holds only
     // those rows, so the spend report's count of them costs nothing for everything else.
     "ALTER TABLE ledger ADD COLUMN pricing TEXT NOT NULL DEFAULT '';"
     "CREATE INDEX ledger_pricing_ts ON ledger(ts) WHERE pricing <> '';"},
    {45, "ledger_rolled_up",
     // The ledger writer sums each batch's rows per rollup cell itself and writes one upsert
     // per cell (governance/ledger_rollup.cpp) instead of the trigger's four per row; its rows
     // say so with rolled_up = 1, and the trigger keeps covering every other insert.
     "ALTER TABLE ledger ADD COLUMN rolled_up INTEGER NOT NULL DEFAULT 0;"
     "DROP TRIGGER ledger_rollup_insert;"
     "CREATE TRIGGER ledger_rollup_insert AFTER INSERT ON ledger WHEN new.rolled_up = 0 BEGIN"
     MEGAROUTER_LEDGER_ROLLUP_TRIGGER_BODY},
    {46, "ledger_fewer_indexes",
     // Reports read the rollup, and the raw ledger only for the partial hours at a report's
     // edges (found through ledger_ts); budgets read gov_usage. The per-scope indexes served
     // nothing any more, and every ledger insert paid for five more b-trees.
     "DROP INDEX ledger_key_ts; DROP INDEX ledger_user_ts; DROP INDEX ledger_team_ts;"
     "DROP INDEX ledger_dept_ts; DROP INDEX ledger_org_ts;"},
    // ---- alerts (50-59): webhooks, durable event outbox, deliveries ----
    {50, "gov_alerts",
     // scope '' = global webhook; events '*' or a comma-separated list of event types.
     "CREATE TABLE gov_webhooks ("
     " id INTEGER PRIMARY KEY, scope TEXT NOT NULL DEFAULT '', url TEXT NOT NULL, secret TEXT NOT NULL DEFAULT '',"
     " events TEXT NOT NULL DEFAULT '*', created_ms INTEGER NOT NULL);"
     // One row per event (id 'evt_...'); payload is the JSON body that is POSTed.
     "CREATE TABLE gov_events ("
     " id TEXT PRIMARY KEY, type TEXT NOT NULL, node TEXT NOT NULL DEFAULT '', ts INTEGER NOT NULL,"
     " summary TEXT NOT NULL DEFAULT '', payload TEXT NOT NULL);"
     "CREATE INDEX gov_events_ts ON gov_events(ts);"
     // One row per (event, webhook): status pending | delivered | failed (gave up after a day).
     "CREATE TABLE gov_deliveries ("
     " event_id TEXT NOT NULL, webhook_id INTEGER NOT NULL, url TEXT NOT NULL,"
     " status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,"
     " next_attempt_ms INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '', delivered_ms INTEGER,"
     " PRIMARY KEY (event_id, webhook_id));"
     "CREATE INDEX gov_deliveries_due ON gov_deliveries(status, next_attempt_ms);"},
    // Event ids of guardrail crossings are deterministic (budget, period start, level), so
    // each crossing is stored, and sent, once per period even across processes.
};

} // namespace

std::span<const Migration> migrations() { return k_migrations; }

} // namespace megarouter::store
