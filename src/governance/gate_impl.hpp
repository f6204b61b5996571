// The gate's internals: the settings snapshot (keys, grants, budgets, pools)
// swapped whole when the store's change counter moves, the live per-budget
// counters, and the queue the ledger writer drains. Private to governance.
#pragma once

#include <chrono>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "ledger_rollup.hpp"
#include "ledger_spool.hpp"
#include "limits.hpp"
#include "megarouter/governance/admin.hpp"
#include "megarouter/governance/gate.hpp"
#include "rate_limiter.hpp"
#include "writer_item.hpp"

namespace megarouter::governance {

struct KeyRecord {
    std::string id, prefix, owner;
    Role role = Role::member;
    std::optional<core::Millis> expires_ms, revoked_ms;
    KeyPolicy policy;
    // What the key carries: its owner's grants plus its own role at `owner`,
    // bound to its ceiling when it has one (computed when the snapshot loads).
    std::vector<Grant> grants;
};

struct NodeLimits {
    std::optional<std::int64_t> rpm, tpm;
};

struct Snapshot {
    std::int64_t version = -1;
    bool any_keys = false;
    std::unordered_map<std::string, KeyRecord> keys_by_hash;
    std::unordered_map<std::string, std::vector<Grant>> grants_by_subject;
    std::unordered_map<std::string, NodeLimits> node_limits;
    std::unordered_map<std::string, std::vector<std::int64_t>> budgets_by_scope; // "node:path", "key:id", "pool:name"
    std::unordered_map<std::string, std::vector<std::string>> pools_by_node;
    std::unordered_map<std::int64_t, BudgetSpec> budgets;
};

// One budget's live figures. spent = db_spent + pending (settled, not yet
// committed by this process); reserved is in flight.
struct LimitState {
    BudgetSpec spec;
    PeriodBounds bounds;
    std::int64_t db_spent = 0;
    std::int64_t pending = 0;
    std::int64_t reserved = 0;
    Level fired = Level::ok; // highest crossing already queued this period
    // Leases (PostgreSQL, governance/leases.cpp): this gateway admits only
    // within `lease`, its room held in gov_leases (spend it has not yet
    // committed counts against it), and only until `lease_until`.
    bool leased = false;
    std::int64_t lease = 0;
    core::Millis lease_until = 0;
    std::int64_t lease_wanted = 0;   // the largest charge refused for want of lease since the last claim
    std::int64_t lease_grant = 0;    // room beyond what was in use at the last claim
    core::Millis last_used = 0;      // the last reservation against it
    std::int64_t spent() const { return db_spent + pending; }
};

// How often a gateway on PostgreSQL looks for settings changes (gate_cache.cpp).
inline constexpr std::chrono::milliseconds k_settings_poll{250};

struct Gate::Impl {
    std::filesystem::path path;
    const core::Clock* clock = nullptr;
    GateOptions options;
    TimeZone zone = TimeZone::fixed(0, "UTC");

    // Settings: checked per request on `check_db` (data_version, then
    // gov_version), under check_mutex. The statements are declared after the
    // connection so that they are finalized before it closes.
    std::mutex check_mutex;
    std::optional<store::Database> check_db;
    std::optional<store::Statement> data_version_query;
    std::optional<store::Statement> settings_version_query;
    std::int64_t data_version = -1;
    // PostgreSQL: requests never wait on the server. The writer thread polls
    // gov_version every k_settings_poll and publishes new snapshots; requests
    // read `published`.
    bool settings_polled = false;
    // PostgreSQL: this gateway's id in gov_replicas and gov_leases, and a
    // request refused for want of lease asks the writer to claim at once.
    std::string replica_id;
    std::atomic<bool> lease_urgent{false};
    core::Millis last_heartbeat = 0;
    core::Millis last_want_check = 0;
    std::atomic<int> active_replicas{1}; // gateways running on this store (PostgreSQL)
    std::atomic<std::uint64_t> lease_claims{0}; // leases claimed, renewed, resized or given back
    std::shared_ptr<const Snapshot> snapshot;
    // The last loaded snapshot for readers that must not wait for check_mutex
    // (authenticate_cached, precheck, reserve).
    std::atomic<std::shared_ptr<const Snapshot>> published;
    std::atomic<bool> any_keys{false};

    // Budgets.
    std::mutex limits_mutex;
    std::unordered_map<std::int64_t, LimitState> limits;
    std::atomic<std::uint64_t> next_reservation{1};
    RateLimiter rate_limiter;

    // Ledger writer.
    std::mutex queue_mutex;
    std::condition_variable queue_cv;
    std::condition_variable flushed_cv;
    std::deque<WriterItem> queue;
    std::size_t in_flight = 0;
    std::uint64_t enqueued = 0, committed = 0;
    bool stopping = false;
    std::thread writer;
    mutable std::mutex stats_mutex;
    Gate::LedgerStats ledger_stats;               // guarded by stats_mutex
    std::atomic<std::int64_t> outbox_pending{0};  // deliveries pending, as of the last scan

    // Webhook delivery.
    std::mutex delivery_mutex;
    std::condition_variable delivery_cv;
    bool delivery_stopping = false;
    std::thread delivery;

    Result<void> refresh_settings();             // caller holds check_mutex
    void poll_settings();                        // PostgreSQL: the writer thread, every k_settings_poll
    // Leases (leases.cpp), on the writer thread: renew, grow and return
    // this gateway's room; on the way out, give it all back.
    void maintain_leases(store::Database& db);
    void release_leases(store::Database& db);
    // The room a reservation may take from `state` now: what its block level
    // leaves, and with a lease at most what the lease leaves. Under limits_mutex.
    std::int64_t room_of(const LimitState& state, core::Millis now) const;
    Result<std::int64_t> read_counter(std::optional<store::Statement>& query, const char* sql);
    Result<std::shared_ptr<const Snapshot>> current(); // refreshed first; fails closed
    std::shared_ptr<const Snapshot> last() const { return published.load(); }
    Result<std::shared_ptr<const Snapshot>> load_snapshot(store::Database& db);
    void sync_limits(const Snapshot& snapshot, store::Database& db);
    void roll_period(std::int64_t id, LimitState& state, core::Millis now, std::vector<QueuedEvent>& events);
    LimitState* first_short(const std::vector<std::int64_t>& ids, Nanos amount, std::int64_t tokens,
                            std::int64_t* charge);
    void reload_usage(store::Database& db);
    std::vector<std::int64_t> limits_for(const Snapshot& snapshot, const Principal& principal, std::string* pools) const;
    std::vector<RateRule> rate_rules(const Snapshot& snapshot, const Principal& principal) const;
    void enqueue(WriterItem item);
    void writer_loop();
    // What the writer thread keeps between batches: its prepared statements
    // and the rollup's combination ids.
    struct WriterState {
        std::optional<store::Statement> insert, usage, lease, rows;
        ComboIds combos;
    };
    // Commits `batch` in one transaction. `own`: this process's items, whose
    // charges its lease and live counters still hold (not a spool a stopped
    // gateway left).
    Result<void> commit(store::Database& db, WriterState& state, const std::vector<WriterItem>& batch, bool own);
    Result<void> insert_rows(store::Database& db, WriterState& state, const std::vector<WriterItem>& batch,
                             std::unordered_set<std::string>& inserted);
    // commit(), timed into ledger_stats, tried again while another writer holds the store's lock.
    Result<void> commit_timed(store::Database& db, WriterState& state, const std::vector<WriterItem>& batch, bool own);
    // The live counters after `batch`'s charges are committed: pending spend becomes settled.
    void committed_charges(const std::vector<WriterItem>& batch);
    // Keeps `batch`, and everything queued behind it, in the local spool
    // (ledger_spool.hpp), and empties it; false when there is no spool or it
    // refused (then `batch` holds what was queued as well).
    bool spool_batch(std::vector<WriterItem>& batch);
    // Delivers spooled items to the store, a few batches per loop; adopted
    // spools of stopped gateways are removed once delivered.
    void deliver_spooled(store::Database& db, WriterState& state);
    // After a spooled batch of `size` items failed with `why` and the store
    // reachable: commits a shorter head of it (halving down to one item),
    // or, when the first item fails alone while the store takes other rows,
    // sets it aside. Whether anything moved.
    bool deliver_in_parts(store::Database& db, WriterState& state, LedgerSpool& from, bool own, std::size_t size,
                          Error why);
    // Moves past the `n` items after a commit of them: counters and, for own items, their charges.
    void delivered(LedgerSpool& from, bool own, const std::vector<WriterItem>& items);

    // The local spool (ledger_spool.cpp): this process's own file, made on
    // first need, and files stopped gateways left. Writer thread only.
    std::optional<LedgerSpool> spool;
    std::vector<LedgerSpool> orphans;
    std::chrono::steady_clock::time_point next_delivery{}, next_orphan_scan{};
    std::chrono::milliseconds delivery_backoff{0};
    std::atomic<std::uint64_t> spooled_rows{0};
    std::atomic<bool> spool_failing{false};
    std::optional<std::uint64_t> lone_failure_commits; // ledger_stats.commits when a last item last failed alone
    std::atomic<std::uint64_t> rejected_rows{0}; // set aside: the store refused them on their own
    std::atomic<std::size_t> queued_rows{0}; // queue.size(), readable without queue_mutex
    void delivery_loop();
};

// Loads the settings snapshot from `db`. Fails with storage.
Result<std::shared_ptr<const Snapshot>> load_snapshot(store::Database& db);

} // namespace megarouter::governance
