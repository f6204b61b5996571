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
#include "limits.hpp"
#include "megarouter/governance/admin.hpp"
#include "megarouter/governance/gate.hpp"
#include "rate_limiter.hpp"

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

struct Charge {
    std::int64_t budget_id = 0;
    core::Millis period_start = 0;
    std::int64_t amount = 0;
};

struct QueuedEvent {
    std::string id, type, node, summary;
    core::Millis ts = 0;
    nlohmann::json figures;
};

struct WriterItem {
    std::optional<LedgerEntry> row;
    std::vector<Charge> charges;
    std::vector<QueuedEvent> events;
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
    Result<void> commit(store::Database& db, WriterState& state, std::deque<WriterItem>& batch);
    Result<void> insert_rows(store::Database& db, WriterState& state, const std::deque<WriterItem>& batch,
                             std::unordered_set<std::string>& inserted);
    void delivery_loop();
};

// Loads the settings snapshot from `db`. Fails with storage.
Result<std::shared_ptr<const Snapshot>> load_snapshot(store::Database& db);

} // namespace megarouter::governance
