// The governance gate: the one object the proxy's filter chain asks "who is
// this, may they do this, and can they afford it", and tells what it cost.
// It authenticates API keys, applies the strictest guardrail of every budget
// and quota pool on the caller's path, reserves the estimated maximum cost
// atomically, settles the real cost and writes the spend ledger in batches on
// its own writer thread so that no request ever waits on SQLite.
#pragma once

#include "megarouter/core/histogram.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/governance/ledger.hpp"
#include "megarouter/governance/roles.hpp"

namespace megarouter::catalog {
class Catalog;
}

namespace megarouter::governance {

// Turns a model name into the canonical catalog ids it stands for: a catalog
// id or alias gives its id, a configured alias or group the ids it routes to;
// an unknown name gives nothing.
using ModelExpander = std::function<std::vector<std::string>(std::string_view name)>;

// The expander of the catalog's own ids and aliases (no config aliases or
// groups). `catalog` must outlive it.
ModelExpander catalog_model_expander(const catalog::Catalog& catalog);

// What a key may do besides what its roles allow. Empty lists allow anything.
struct KeyPolicy {
    std::vector<std::string> allowed_models;    // model ids or groups, e.g. "gpt-4o-mini"
    std::vector<std::string> allowed_vendors;   // "openai", "anthropic", ...
    std::vector<std::string> allowed_providers; // "openai", "azure", "bedrock", ...
    std::vector<std::string> allowed_modes;     // "cost", "balanced", "quality", ...
    std::optional<Nanos> max_price_per_mtok;    // ceiling on a deployment's output price
    std::optional<std::int64_t> rpm;            // requests per minute
    std::optional<std::int64_t> tpm;            // tokens per minute
    std::map<std::string, std::string> tags;    // metadata, copied to nothing but shown
};

// The authenticated caller. Paths are full hierarchy paths ("acme",
// "acme/eng", "acme/eng/platform", "acme/eng/platform/alice"); a level that
// does not apply is "". A master key has `master` set and every permission.
struct Principal {
    std::string key_id;     // stable public id of the key ("" for the master key)
    std::string key_prefix; // the visible part, e.g. "mr-7Hq2x9"
    std::string org;
    std::string dept;
    std::string team;
    std::string user;       // "" for a team's service key
    std::string owner;      // the node the key belongs to (user or team path)
    bool master = false;
    std::vector<Grant> grants; // the owner's roles plus the key's own role at `owner`
    KeyPolicy policy;
};

// The outcome of precheck when nothing blocks: whether a downgrade guardrail
// applies. When `downgrade` is set the proxy routes in `forced_mode` with
// deployments priced at most `price_ceiling_per_mtok` (output price, when
// set) and says so in the response header `x-megarouter-budget-downgrade`
// (value: `reason`).
struct Guardrails {
    bool downgrade = false;
    std::string forced_mode;                     // "cost" when downgraded
    std::optional<Nanos> price_ceiling_per_mtok; // from the budget, else the gate's default
    std::string reason;                          // e.g. "team acme/eng/platform monthly budget at 92%"
};

// Money and tokens held against every budget and pool on a path between
// reserve() and settle(). Move-only in spirit: settle each one exactly once.
struct Reservation {
    std::uint64_t id = 0;          // 0: nothing held (no budgets on the path)
    Nanos amount = 0;
    std::int64_t tokens = 0;
    std::vector<std::int64_t> limit_ids; // budgets and pools charged
    std::string pools;                   // names of the pools drawn from, comma-separated
    // Who reserved: copied into the ledger row by settle() when it left them empty.
    std::string key_id, org, dept, team, user;
    std::string key_prefix;
    std::optional<std::int64_t> key_tpm; // the key's tokens-per-minute limit, charged at settle
    bool fitted = false;                 // a FitHold made the hold smaller than asked
};

// What a request holds against budgets (money) and token budgets.
struct Hold {
    Nanos amount = 0;
    std::int64_t tokens = 0;
};

// Called (under the gate's lock: compute only) when a request's hold does
// not fit: `room` and `room_tokens` are the most it may hold in all on the
// tightest money and token budget of its path (INT64_MAX where there is
// none). Returns a smaller hold that fits (the caller shrinks the request to
// it, e.g. lowers max_tokens), or nothing to refuse.
using FitHold = std::function<std::optional<Hold>(Nanos room, std::int64_t room_tokens)>;

struct GateOptions {
    std::string timezone = "UTC";          // IANA zone for period boundaries
    Nanos default_price_ceiling_per_mtok = 0; // 0 = no ceiling on downgrade beyond cost mode
    bool require_keys = false;
    std::string master_key;                // from MEGAROUTER_MASTER_KEY; "" = none
    int ledger_batch_rows = 512;           // rows per writer transaction at most
    int ledger_flush_ms = 50;              // writer wakes at least this often
    bool deliver_alerts = true;            // run the webhook delivery worker
    // [governance] allow_private_webhooks: let webhooks target loopback,
    // link-local and private addresses (refused by default, at creation and
    // again at delivery).
    bool allow_private_webhooks = false;
    // [governance] fit_to_budget: a request whose worst case does not fit in
    // what a budget has left gets a lower max_tokens instead of a 429.
    bool fit_to_budget = false;
    // [governance] lease_ttl_ms: gateways sharing a PostgreSQL store admit
    // requests against leased room (governance/leases.cpp); a gateway that
    // stops renewing (killed, cut off) loses its lease after this long, and
    // others may take the room back.
    int lease_ttl_ms = 10'000;
    // [governance] spool_dir and spool_max_mb: where the ledger writer keeps
    // what it cannot commit while the store is out of reach (a file per
    // gateway, fsync'd), delivered when the store is back (ledger_spool.hpp).
    // Empty: no spool; rows wait in memory only. `megarouter serve` sets it
    // (docs/postgresql.md).
    std::filesystem::path spool_dir;
    std::uint64_t spool_max_bytes = 1ull << 30;
    // Rows that may wait in memory while neither the store nor the spool
    // takes them (about 1 kB each) before ledger_room() refuses requests.
    std::size_t max_rows_in_memory = 100'000;
};

class Gate {
public:
    // Opens its own connections to `database` (running migrations), loads
    // keys, nodes and budgets, and starts the ledger writer (and, when
    // enabled, the alert delivery worker). `clock` must outlive the Gate.
    // Fails with storage.
    static Result<std::unique_ptr<Gate>> open(const std::filesystem::path& database, const core::Clock& clock,
                                              GateOptions options = {});
    ~Gate(); // flushes the ledger and stops the worker threads

    Gate(const Gate&) = delete;
    Gate& operator=(const Gate&) = delete;

    // Brings the gate's view of keys, grants and budgets up to date with the
    // store: one `PRAGMA data_version` read on an open connection (about a
    // microsecond; see docs/governance.md, Consistency) and, only when
    // another connection changed settings, a reload. So a key created or
    // revoked by the CLI or another process holds from the next call on.
    // Fails with storage when a change could not be loaded: callers must fail
    // closed (refuse the request), never serve the old view. Thread-safe;
    // safe on the event loop (it never waits more than 100 ms on a lock).
    Result<void> refresh();

    // Whether any key exists (revoked keys count) in the view of the last
    // refresh(). Thread-safe, cheap, no SQLite.
    bool keys_exist() const;
    bool require_keys() const;
    // require_keys() || keys_exist(): whether callers must present a key.
    // Call refresh() first to see other processes' keys. Thread-safe, no SQLite.
    bool enforcing() const;

    // The caller of a presented key ("Bearer" already stripped): refresh(),
    // then authenticate_cached(). Fails with unauthenticated for an unknown,
    // revoked or expired key, and with storage when the view could not be
    // brought up to date. Thread-safe.
    Result<Principal> authenticate(std::string_view presented_key);

    // The same check against the view of the last refresh(), in memory only:
    // no SQLite, no lock held across work (an atomic snapshot load and a hash
    // lookup). Meant for an admission check on the event loop before blocking
    // work is queued; the blocking work then calls authenticate() for the
    // authoritative answer, since a key created by another process after the
    // last refresh() is unknown here. Thread-safe.
    Result<Principal> authenticate_cached(std::string_view presented_key) const;

    // The options the gate was opened with.
    const GateOptions& options() const;

    // Whether `principal`'s key policy allows this model/vendor/provider/mode.
    // Names compare case-insensitively. With `expand`, models compare by
    // canonical id: the model is allowed when one of the ids it stands for is
    // among the ids of the policy's entries (so a policy naming an alias or a
    // group allows the ids behind it, and a request naming an alias of an
    // allowed id passes). Fails with permission_denied naming the policy.
    // Thread-safe, pure.
    static Result<void> check_policy(const Principal& principal, std::string_view model, std::string_view vendor,
                                     std::string_view provider, std::string_view mode,
                                     const ModelExpander& expand = {});

    // Whether the key may call models (permission_denied if its roles do not
    // carry call_models), rate limits (rpm counts this request) and the
    // strictest guardrail over every budget and pool on the path (block beats
    // downgrade; among downgrades the lowest price ceiling wins), in the view
    // of the last refresh() (authenticate() made it; no SQLite here). Fails with
    // permission_denied, rate_limited (with
    // retry_after_seconds) or budget_exceeded (message names the budget, its
    // period and when it resets; not retryable). Thread-safe.
    Result<Guardrails> precheck(const Principal& principal);

    // Holds `max_cost` (and `tokens` for token budgets) against every budget
    // and pool on the path, atomically: admitted only if the whole hold fits
    // under each one's block level (settled + held + this <= amount x
    // block_pct), so spend never passes it as long as the hold is the
    // request's worst case. When it does not fit and `fit` is given, `fit`
    // may offer a smaller hold (Reservation::fitted). In the view of the
    // last refresh() (no SQLite here). Fails with budget_exceeded: final
    // when the budget is used up, retryable (Retry-After 1) when requests in
    // flight hold the room. Thread-safe.
    Result<Reservation> reserve(const Principal& principal, Nanos max_cost, std::int64_t tokens,
                                const FitHold& fit = {});
    // Whether a refusal of reserve() or extend() is for want of this
    // gateway's lease while the budget has room (PostgreSQL,
    // governance/leases.cpp): the writer is claiming more at once, so a
    // caller that can wait without blocking may try again in a few ms.
    static bool waits_for_lease(const Error& error);

    // Raises a reservation's hold to `max_cost` and `tokens` in all (a
    // failover to a dearer deployment), on the budgets it already holds on,
    // under the same rule; `fit` as for reserve() (room: the most it may hold
    // in all). No change when the hold is already as large. Fails with
    // budget_exceeded, the reservation unchanged. Thread-safe.
    Result<void> extend(Reservation& reservation, Nanos max_cost, std::int64_t tokens, const FitHold& fit = {});

    // Releases `reservation`, adds the real cost and tokens of `entry` to each
    // budget and pool, fires threshold alerts, and queues the ledger row.
    // Call exactly once per request that reserved, whatever the outcome
    // (failed over, cancelled, cut). Fills the entry's key and paths from the
    // reservation when the caller left them empty. Thread-safe, never blocks
    // on SQLite.
    void settle(const Reservation& reservation, const LedgerEntry& entry);

    // Queues a ledger row for a request without a principal (keys not
    // enforced). Thread-safe, never blocks on SQLite.
    void record(LedgerEntry entry);

    // Queues an alert event for the outbox: the writer thread stores it with
    // its next batch (ledger_flush_ms at most) and fans it out to the webhooks
    // whose scope holds `node` ("" = the root: only global webhooks) and whose
    // event filter takes `type`. An `id` already stored is ignored, so a
    // deterministic id makes a repeated post harmless. Memory only on the
    // caller's thread: safe on the request path. Thread-safe.
    void post_event(std::string id, std::string type, std::string node, core::Millis ts, std::string summary,
                    nlohmann::json figures);

    // Writes every queued ledger row and outbox event, then returns.
    void flush();

    // Loads settings changed since the last look, now (blocking: the admin
    // API calls it on its worker after a write, so what it changed holds
    // for this gateway's next request). On SQLite every request looks
    // anyway; on PostgreSQL the writer thread otherwise looks every 250 ms.
    void refresh_settings_now();

    // Rows queued but not yet committed (what a kill -9 now would lose).
    std::size_t pending_rows() const;

    // The ledger writer's transactions so far: how many, the rows they
    // wrote, and how long each took (a failed, retried one counts as well).
    struct LedgerStats {
        std::uint64_t commits = 0, failed = 0, rows = 0;
        core::Histogram seconds;
        bool failing = false; // the last attempt failed: rows wait in the spool or in memory, retried
        std::uint64_t spooled = 0; // items in local spool files, waiting for the store
        bool spool_failing = false; // the last append to the spool failed (full, unwritable)
        std::uint64_t lost = 0;     // rows given up at shutdown: neither the store nor the spool took them
        std::uint64_t rejected = 0; // spooled rows the store refused on their own, kept in <spool>.rejected
    };
    LedgerStats ledger_stats() const;
    // Budget leases this gateway claimed, renewed, resized or gave back so
    // far (PostgreSQL; 0 on SQLite): each is one row written in one
    // transaction with the others due at the same time.
    std::uint64_t lease_claims() const;

    // Whether a request may start: fails with unavailable (retryable) while
    // the store cannot be written and neither can the spool, once so many
    // rows wait in memory that more would risk losing them. Thread-safe,
    // lock-free.
    Result<void> ledger_room() const;
    // Webhook deliveries waiting (status pending) as of the delivery
    // thread's last scan (at least once a second).
    std::int64_t outbox_pending() const;

    // What requests in flight hold right now (reserved, not yet settled), per
    // budget or pool limit: gov_budgets id -> amount in that limit's unit
    // (nano-dollars, or tokens for a token budget). Limits holding nothing are
    // absent. Read-only; takes the budget mutex briefly. Thread-safe.
    std::map<std::int64_t, std::int64_t> reserved_by_limit() const;

    // Every budget and pool limit as the live counters see it: its label
    // ("team acme/eng monthly budget"), scope kind, amount, what is spent or
    // reserved in the current period and the block level in percent. For
    // metrics; takes the budget mutex briefly. Thread-safe.
    struct LimitUsage {
        std::string label;
        std::string scope_kind; // "node", "key" or "pool"
        std::string scope;      // path, key id or pool name
        std::string period;
        std::int64_t amount = 0;
        std::int64_t used = 0;  // spent + reserved, in the limit's unit
        int alert_pct = 80, downgrade_pct = 90, block_pct = 100; // 0 = that guardrail is off
    };
    std::vector<LimitUsage> limit_usage() const;

    struct Impl;

private:
    explicit Gate(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace megarouter::governance

namespace megarouter::core {
struct Config;
}

namespace megarouter::governance {

// Gate options from the config's [governance] table (timezone,
// downgrade_price_ceiling_usd_per_mtok, ledger_flush_ms,
// allow_private_webhooks), [server]
// require_keys and MEGAROUTER_MASTER_KEY. Unknown or bad values fall back to
// the defaults.
GateOptions gate_options_from(const core::Config& config, const std::function<std::optional<std::string>(const std::string&)>& env);

} // namespace megarouter::governance
