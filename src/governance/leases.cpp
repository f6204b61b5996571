// Budget leases: how gateways sharing one PostgreSQL store keep every
// budget exact without a database call per request.
//
// Each gateway holds, per budget and period, a lease row in gov_leases: room
// it may admit requests against on its own. The invariant, kept by every
// write below under the store's write lock (one transaction at a time):
//
//     committed spend + the sum of every unexpired lease <= the block level
//
// and locally a gateway admits a request only while its uncommitted spend
// plus its reservations plus the request's worst case fit in its lease
// (Gate::Impl::room_of). So across all gateways settled spend plus
// in-flight reservations never pass the block level. Spend committed by the
// ledger writer moves from the lease to gov_usage in the same transaction
// (ledger_writer.cpp), which keeps the sum unchanged.
//
// This thread (the ledger writer's) looks at the leases every loop (50 ms):
// a lease is claimed, resized or renewed when it is due for renewal (half
// its TTL left), running low (less than half of its last grant unused), or
// a request was refused for want of it. Its size adapts: what is in use plus
// a share of the room it could hold, (room - in use) / (gateways running +
// 1), or the refused request's worst case when larger. The + 1 leaves room
// for a gateway that starts (or restarts after a crash, while its old lease
// has not expired yet): it is never locked out until a TTL passes. A lone
// gateway holds half of what is free and claims again when half of that is
// used, so leases are large while a budget has plenty of room and small
// near its end; a joining gateway gets room back from the others at their
// next renewal. The trade-off: room
// held in another gateway's lease is unavailable until that gateway uses,
// shrinks or loses it, so near a budget's end a request may get a retryable
// 429 ("budget busy") while room remains elsewhere; docs/postgresql.md.
// A gateway that stops renewing (killed, cut off) loses its lease after the
// TTL, and stops using it itself a fifth of the TTL before that.
//
// A gateway that cannot get the room a request needs records it (`wanted`
// in its lease row); every 250 ms each gateway looks for what the others
// want and gives back the unused part of its own lease for those budgets,
// so room stranded in an idle gateway's lease returns within a poll, not
// at its renewal. Leases run on the real clock (system time in ms, compared
// across gateways: keep their clocks within a fifth of the TTL).
#include <set>

#include <unistd.h>

#include "gate_impl.hpp"
#include "sql.hpp"

namespace megarouter::governance {

namespace {

struct Due {
    std::int64_t id = 0;
    core::Millis start = 0;
    BudgetSpec spec;
    std::int64_t wanted = 0;
    bool give_back = false; // others want room: keep only what is in use
};

std::string host_name() {
    char name[256] = {0};
    if (::gethostname(name, sizeof name - 1) != 0) return "";
    return name;
}

} // namespace

void Gate::Impl::maintain_leases(store::Database& db) {
    if (!settings_polled) return;
    const core::Millis now = core::system_clock().now_ms();
    const core::Millis ttl = options.lease_ttl_ms;
    bool urgent = lease_urgent.exchange(false, std::memory_order_relaxed);
    if (now - last_heartbeat >= ttl / 4) {
        auto beat = db.transaction([&]() -> Result<void> {
            if (auto r = sql::run(db, "INSERT INTO gov_replicas(id, host, started_ms, seen_ms) VALUES (?, ?, ?, ?) "
                                      "ON CONFLICT (id) DO UPDATE SET seen_ms = excluded.seen_ms",
                                  replica_id, host_name(), now, now);
                !r)
                return r;
            if (auto r = sql::run(db, "DELETE FROM gov_replicas WHERE seen_ms < ?", now - 10 * ttl); !r) return r;
            auto counted = sql::each(db, "SELECT COUNT(*) FROM gov_replicas WHERE seen_ms >= ?",
                                     [&](const store::Statement& s) {
                                         active_replicas.store(std::max<int>(1, static_cast<int>(s.int64(0))));
                                     },
                                     now - ttl);
            return counted ? Result<void>{} : std::unexpected(counted.error());
        });
        if (beat) last_heartbeat = now;
    }
    // Budgets (and periods) other gateways want room in.
    std::set<std::pair<std::int64_t, core::Millis>> asked;
    if (now - last_want_check >= k_settings_poll.count()) {
        last_want_check = now;
        (void)sql::each(db, "SELECT budget_id, period_start FROM gov_leases WHERE wanted > 0 AND replica <> ?"
                            " AND expires_ms >= ?",
                        [&](const store::Statement& s) { asked.emplace(s.int64(0), s.int64(1)); }, replica_id, now);
    }
    std::vector<Due> due;
    {
        std::lock_guard lock(limits_mutex);
        for (auto& [id, state] : limits) {
            if (!state.leased) continue;
            std::int64_t unused = state.lease - state.pending - state.reserved;
            bool renew = state.lease_until - now < ttl / 2;
            bool low = unused * 2 < state.lease_grant;
            bool wanted = state.lease_wanted > unused;
            bool give_back = unused > 0 && state.lease_wanted == 0 && asked.contains({id, state.bounds.start});
            if (renew || low || wanted || urgent || give_back)
                due.push_back({id, state.bounds.start, state.spec, state.lease_wanted, give_back});
        }
    }
    if (due.empty()) return;
    // Lease amounts decided in the transaction; grown ones take effect only after it commits.
    std::vector<std::pair<std::size_t, std::int64_t>> grown;
    auto done = db.transaction([&]() -> Result<void> {
        grown.clear();
        // Leases of gateways that stopped renewing (killed, cut off) come back.
        if (auto r = sql::run(db, "DELETE FROM gov_leases WHERE expires_ms < ? AND replica <> ?", now, replica_id); !r)
            return r;
        for (std::size_t i = 0; i < due.size(); ++i) {
            const Due& d = due[i];
            std::int64_t spent = 0, others = 0;
            auto read = sql::each(db, "SELECT spent FROM gov_usage WHERE budget_id = ? AND period_start = ?",
                                  [&](const store::Statement& s) { spent = s.int64(0); }, d.id, d.start);
            if (!read) return std::unexpected(read.error());
            read = sql::each(db, "SELECT COALESCE(SUM(amount), 0) FROM gov_leases WHERE budget_id = ? AND period_start = ?"
                                 " AND replica <> ?",
                             [&](const store::Statement& s) { others = s.int64(0); }, d.id, d.start, replica_id);
            if (!read) return std::unexpected(read.error());
            // The most this gateway may hold: what neither spend nor other leases take.
            std::int64_t cap = room_left(spent + others, d.spec);
            std::int64_t amount = 0, still_wanted = 0;
            {
                std::lock_guard lock(limits_mutex);
                auto it = limits.find(d.id);
                if (it == limits.end() || it->second.bounds.start != d.start) continue;
                LimitState& state = it->second;
                std::int64_t in_use = state.pending + state.reserved;
                std::int64_t share = std::max<std::int64_t>(0, cap - in_use) / (active_replicas.load() + 1);
                amount = std::min(cap, d.give_back ? in_use : in_use + std::max(d.wanted, share));
                still_wanted = amount - in_use < d.wanted ? d.wanted : 0;
                if (amount < state.lease) {
                    // Shrinking: at once, so no reservation is admitted against room about to go
                    // (and none at all when even what is in use no longer fits: a lost lease).
                    state.lease = std::max(amount, in_use);
                } else {
                    grown.emplace_back(i, amount);
                }
            }
            if (auto r = sql::run(db, "INSERT INTO gov_leases(budget_id, period_start, replica, amount, expires_ms, wanted)"
                                      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (budget_id, period_start, replica)"
                                      " DO UPDATE SET amount = excluded.amount, expires_ms = excluded.expires_ms,"
                                      " wanted = excluded.wanted",
                                  d.id, d.start, replica_id, amount, now + ttl, still_wanted);
                !r)
                return r;
        }
        return {};
    });
    if (!done) return; // the next loop retries; local leases lapse at lease_until meanwhile
    lease_claims.fetch_add(due.size(), std::memory_order_relaxed);
    std::lock_guard lock(limits_mutex);
    for (const auto& [index, amount] : grown)
        if (auto it = limits.find(due[index].id); it != limits.end() && it->second.bounds.start == due[index].start)
            it->second.lease = amount;
    for (const Due& d : due)
        if (auto it = limits.find(d.id); it != limits.end() && it->second.bounds.start == d.start) {
            LimitState& state = it->second;
            state.lease_until = now + ttl - ttl / 5; // stop before others may take it back
            state.lease_grant = state.lease - state.pending - state.reserved;
            state.lease_wanted = 0;
        }
}

void Gate::Impl::release_leases(store::Database& db) {
    if (!settings_polled || replica_id.empty()) return;
    (void)db.transaction([&]() -> Result<void> {
        if (auto r = sql::run(db, "DELETE FROM gov_leases WHERE replica = ?", replica_id); !r) return r;
        return sql::run(db, "DELETE FROM gov_replicas WHERE id = ?", replica_id);
    });
}

} // namespace megarouter::governance
