// The single ledger writer. Requests hand their rows, budget charges and
// alert events to an in-memory queue and go on; this thread commits them in
// one transaction per batch (ledger rows + gov_usage increments + outbox
// events together, so after a kill -9 the ledger and the budget figures
// agree). What a kill -9 loses is what is queued and not yet committed: the
// rows of at most ledger_flush_ms (50 ms, timed from the start of the last
// commit) plus the commit under way, capped at ledger_batch_rows per
// transaction; pending_rows() reports it. The rollup cells of a batch's rows
// are summed here and written once per cell (ledger_rollup.hpp).
#include <chrono>
#include <cstdio>
#include <map>
#include <unordered_set>

#include "gate_impl.hpp"
#include "megarouter/core/ids.hpp"
#include <sched.h>
#include "sql.hpp"

namespace megarouter::governance {

void Gate::Impl::enqueue(WriterItem item) {
    bool full = false;
    {
        std::lock_guard lock(queue_mutex);
        queue.push_back(std::move(item));
        ++enqueued;
        queued_rows.store(queue.size(), std::memory_order_relaxed);
        full = queue.size() >= static_cast<std::size_t>(options.ledger_batch_rows);
    }
    if (full) queue_cv.notify_one();
}

Result<void> Gate::Impl::commit(store::Database& db, WriterState& state, const std::vector<WriterItem>& batch,
                                bool own) {
    if (!state.insert) {
        auto insert = db.prepare(k_insert_ledger_row_rolled_up);
        if (!insert) return std::unexpected(insert.error());
        auto usage = db.prepare("INSERT INTO gov_usage(budget_id, period_start, spent) VALUES (?, ?, ?) "
                                "ON CONFLICT(budget_id, period_start) DO UPDATE SET spent = gov_usage.spent + excluded.spent");
        if (!usage) return std::unexpected(usage.error());
        state.insert.emplace(std::move(*insert));
        state.usage.emplace(std::move(*usage));
    }
    if (settings_polled && !state.lease) {
        auto prepared = db.prepare("UPDATE gov_leases SET amount = amount - ? WHERE budget_id = ? AND period_start = ?"
                                   " AND replica = ?");
        if (!prepared) return std::unexpected(prepared.error());
        state.lease.emplace(std::move(*prepared));
    }
    store::Statement* insert = &*state.insert;
    store::Statement* usage = &*state.usage;
    // A stopped gateway's spooled charges were never in this gateway's lease.
    store::Statement* lease = state.lease && own ? &*state.lease : nullptr;
    const bool remote = db.backend() == store::Backend::postgresql;
    auto done = db.transaction([&]() -> Result<void> {
        // PostgreSQL: the batch's rows go in multi-row inserts first (a round
        // trip per k_rows_per_insert rows, not per row); the request ids they
        // return are the rows that are new.
        std::unordered_set<std::string> inserted;
        if (remote)
            if (auto r = insert_rows(db, state, batch, inserted); !r) return r;
        // The batch's rows are summed per rollup cell, and its charges per
        // budget and period, and written once each at the end.
        RollupBatch rollup;
        std::map<std::pair<std::int64_t, core::Millis>, std::int64_t> charged;
        std::size_t items = 0;
        for (const WriterItem& item : batch) {
            // Every 64 rows the core goes back to a loop thread that is
            // waiting for it, so a request never waits out a whole commit.
            if (++items % 64 == 0) ::sched_yield();
            if (item.row) {
                const LedgerEntry& e = *item.row;
                bool fresh = false;
                if (remote) {
                    fresh = inserted.erase(e.request_id) > 0; // a repeat in the same batch is not
                } else {
                    bind_ledger_row(*insert, e);
                    if (auto r = insert->run(); !r) return r;
                    fresh = db.changes() != 0;
                }
                // A re-sent request id changes nothing: its charges were booked with the first row.
                if (!fresh) continue;
                rollup.add(e);
            }
            for (const Charge& c : item.charges) charged[{c.budget_id, c.period_start}] += c.amount;
            for (const QueuedEvent& ev : item.events)
                if (auto r = enqueue_event(db, ev.id, ev.type, ev.node, ev.ts, ev.summary, ev.figures); !r)
                    return std::unexpected(r.error());
        }
        for (const auto& [where, amount] : charged) {
            usage->reset();
            usage->bind_all(where.first, where.second, amount);
            if (auto r = usage->run(); !r) return r;
            if (lease) { // the spend moves out of this gateway's lease (leases.cpp)
                lease->reset();
                lease->bind_all(amount, where.first, where.second, replica_id);
                if (auto r = lease->run(); !r) return r;
            }
        }
        return rollup.write(db, state.combos);
    });
    if (done) state.combos.committed();
    else state.combos.rolled_back();
    return done;
}

// Inserts the batch's rows in multi-row INSERTs; `inserted` gets the request
// ids that were new.
Result<void> Gate::Impl::insert_rows(store::Database& db, WriterState& state, const std::vector<WriterItem>& batch,
                                     std::unordered_set<std::string>& inserted) {
    constexpr std::size_t k_rows_per_insert = 100;
    std::vector<const LedgerEntry*> rows;
    for (const WriterItem& item : batch)
        if (item.row) rows.push_back(&*item.row);
    for (std::size_t first = 0; first < rows.size(); first += k_rows_per_insert) {
        std::size_t n = std::min(k_rows_per_insert, rows.size() - first);
        std::optional<store::Statement> partial;
        store::Statement* statement = nullptr;
        if (n == k_rows_per_insert) {
            if (!state.rows) {
                auto prepared = db.prepare(insert_ledger_rows_returning(n));
                if (!prepared) return std::unexpected(prepared.error());
                state.rows.emplace(std::move(*prepared));
            }
            statement = &*state.rows;
        } else {
            auto prepared = db.prepare(insert_ledger_rows_returning(n));
            if (!prepared) return std::unexpected(prepared.error());
            partial.emplace(std::move(*prepared));
            statement = &*partial;
        }
        statement->reset();
        for (std::size_t i = 0; i < n; ++i) bind_ledger_row_at(*statement, i, *rows[first + i]);
        while (true) {
            auto row = statement->step();
            if (!row) return std::unexpected(row.error());
            if (!*row) break;
            inserted.insert(statement->text(0));
        }
    }
    return {};
}

Result<void> Gate::Impl::commit_timed(store::Database& db, WriterState& state, const std::vector<WriterItem>& batch,
                                      bool own) {
    auto once = [&] {
        auto began = std::chrono::steady_clock::now();
        Result<void> result = commit(db, state, batch, own);
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        std::lock_guard lock(stats_mutex);
        ledger_stats.seconds.observe(seconds);
        ledger_stats.failing = !result;
        if (result) {
            ++ledger_stats.commits;
            ledger_stats.rows += batch.size();
        } else {
            ++ledger_stats.failed;
        }
        return result;
    };
    // Busy (another writer holds the lock, a deadlock, a serialisation
    // failure: errors marked retryable): tries for about two seconds (the
    // writer's connection waits a second per try). An unreachable store, or
    // an error no retry changes, is not waited for: the spool takes the batch.
    const auto began = std::chrono::steady_clock::now();
    Result<void> done = once();
    while (!done && done.error().retryable && done.error().code != ErrorCode::unavailable &&
           std::chrono::steady_clock::now() - began < std::chrono::seconds(2)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        done = once();
    }
    return done;
}

void Gate::Impl::committed_charges(const std::vector<WriterItem>& batch) {
    std::lock_guard lock(limits_mutex);
    for (const WriterItem& item : batch)
        for (const Charge& c : item.charges)
            if (auto it = limits.find(c.budget_id); it != limits.end() && it->second.bounds.start == c.period_start) {
                it->second.pending -= c.amount;
                it->second.db_spent += c.amount;
                if (it->second.leased) it->second.lease -= c.amount;
            }
}

bool Gate::Impl::spool_batch(std::vector<WriterItem>& batch) {
    if (options.spool_dir.empty()) return false;
    if (!spool) {
        auto made = LedgerSpool::create(options.spool_dir, path.native(), replica_id.empty() ? core::random_id("gw_") : replica_id,
                                        options.spool_max_bytes);
        if (!made) {
            spool_failing.store(true);
            return false;
        }
        spool.emplace(std::move(*made));
    }
    {
        // What waits behind the batch goes too: the store is away for now.
        std::lock_guard lock(queue_mutex);
        while (!queue.empty()) {
            batch.push_back(std::move(queue.front()));
            queue.pop_front();
        }
        queued_rows.store(0, std::memory_order_relaxed);
        in_flight = batch.size();
    }
    std::vector<const WriterItem*> items;
    for (const WriterItem& item : batch) items.push_back(&item);
    auto kept = spool->append(items);
    spool_failing.store(!kept);
    if (!kept) return false;
    spooled_rows.fetch_add(items.size());
    {
        std::lock_guard lock(queue_mutex); // kept: no longer what a kill -9 would lose
        committed += batch.size();
        in_flight = 0;
    }
    batch.clear();
    flushed_cv.notify_all();
    return true;
}

void Gate::Impl::deliver_spooled(store::Database& db, WriterState& state) {
    auto now = std::chrono::steady_clock::now();
    // What stopped gateways left in the spool folder: looked for at start and
    // every 30 s (another gateway on this machine may die meanwhile).
    if (!options.spool_dir.empty() && now >= next_orphan_scan) {
        next_orphan_scan = now + std::chrono::seconds(30);
        for (LedgerSpool& found : LedgerSpool::adopt_orphans(options.spool_dir, path.native())) {
            spooled_rows.fetch_add(found.rows());
            orphans.push_back(std::move(found));
        }
    }
    if ((!spool || spool->empty()) && orphans.empty()) return;
    if (now < next_delivery) return;
    constexpr int k_batches_per_loop = 4; // new traffic's batches still go first
    for (int round = 0; round < k_batches_per_loop; ++round) {
        bool own = spool && !spool->empty();
        LedgerSpool* from = own ? &*spool : !orphans.empty() ? &orphans.back() : nullptr;
        if (!from) break;
        auto items = from->peek(static_cast<std::size_t>(options.ledger_batch_rows));
        Result<void> done = items ? Result<void>{} : std::unexpected(items.error());
        if (done && !items->empty()) done = commit_timed(db, state, *items, own);
        bool moved = done.has_value();
        if (done) delivered(*from, own, *items);
        else if (done.error().code != ErrorCode::unavailable && items && items->size() > 0)
            moved = deliver_in_parts(db, state, *from, own, items->size(), done.error());
        if (!moved) {
            // The store is still away: look again later, less often each time (at most every 5 s).
            delivery_backoff = std::min<std::chrono::milliseconds>(
                std::chrono::milliseconds(5000), std::max<std::chrono::milliseconds>(delivery_backoff * 2,
                                                                                      std::chrono::milliseconds(250)));
            next_delivery = now + delivery_backoff;
            return;
        }
        delivery_backoff = std::chrono::milliseconds(0);
        if (!own && from->empty()) {
            from->remove();
            orphans.pop_back();
            reload_usage(db); // its charges were not in this gateway's counters
        }
    }
}

void Gate::Impl::delivered(LedgerSpool& from, bool own, const std::vector<WriterItem>& items) {
    std::uint64_t before = from.rows();
    from.consumed();
    spooled_rows.fetch_sub(std::min<std::uint64_t>(spooled_rows.load(), before - from.rows()));
    if (own) committed_charges(items);
}

bool Gate::Impl::deliver_in_parts(store::Database& db, WriterState& state, LedgerSpool& from, bool own,
                                  std::size_t size, Error why) {
    // A head that goes in is progress: the loop goes on from after it. An
    // item that cannot go in is found in log2(batch) tries.
    for (std::size_t n = size / 2; n >= 1; n /= 2) {
        auto head = from.peek(n);
        if (!head || head->empty()) return false;
        Result<void> done = commit_timed(db, state, *head, own);
        if (done) {
            delivered(from, own, *head);
            return true;
        }
        if (done.error().code == ErrorCode::unavailable) return false;
        why = done.error();
    }
    // The first item fails alone. The store is well if the next item goes
    // in, or if other rows went in since this one last failed alone (a
    // store that is down, full or locked refuses everything): then it is
    // this item that the store refuses, and it is kept aside rather than
    // hold up everything behind it.
    auto two = from.peek(2);
    if (!two || two->empty()) return false;
    std::vector<WriterItem> items{(*two)[0]};
    bool store_well = false;
    if (two->size() >= 2) {
        std::vector<WriterItem> next{(*two)[1]};
        store_well = commit_timed(db, state, next, own).has_value();
        if (store_well) items.push_back(std::move(next.front()));
    } else {
        std::uint64_t commits = 0;
        {
            std::lock_guard lock(stats_mutex);
            commits = ledger_stats.commits;
        }
        store_well = lone_failure_commits && commits > *lone_failure_commits;
        lone_failure_commits = commits;
    }
    if (!store_well) return false;
    lone_failure_commits.reset();
    if (auto kept = from.set_aside(items.front()); !kept) {
        std::fprintf(stderr, "megarouter: a ledger row the store refuses cannot be set aside: %s\n",
                     kept.error().message.c_str());
        return false; // a next item that went in is delivered again later, and ignored as a duplicate
    }
    std::fprintf(stderr, "megarouter: the store refuses ledger item %s (%s); kept in %s\n",
                 items.front().row ? items.front().row->request_id.c_str() : "(alert events)", why.message.c_str(),
                 from.rejected_path().c_str());
    rejected_rows.fetch_add(1);
    // Its charges count as spent: the request did cost that.
    (void)from.peek(items.size());
    delivered(from, own, items);
    return true;
}

void Gate::Impl::writer_loop() {
    // Not lowered in priority (background.hpp): at saturation the writer needs
    // its fair share of the core, or rows pile up in memory faster than they
    // are committed (measured: 40,000 rows behind after 5 s at nice +10).
    // Instead it hands the core back between statements (commit()).
    auto db = store::Database::open(path);
    std::int64_t seen_version = -1;
    // PostgreSQL: settings are polled here (gate_cache.cpp), and other
    // writers' spend re-read at the same pace.
    auto last_poll = std::chrono::steady_clock::now();
    auto external_changes = [&]() {
        if (!db) return false;
        if (settings_polled) {
            auto now = std::chrono::steady_clock::now();
            if (now - last_poll < k_settings_poll) return false;
            last_poll = now;
            poll_settings();
            return true;
        }
        auto pragma = db->prepare("PRAGMA data_version");
        if (!pragma || !pragma->step()) return false;
        std::int64_t v = pragma->int64(0);
        bool changed = v != seen_version;
        seen_version = v;
        return changed;
    };
    // SQLite: a write lock held elsewhere for long (a CLI import, a stuck
    // process) sends batches to the spool after commit_timed()'s tries.
    if (db && !settings_polled) (void)db->exec("PRAGMA busy_timeout = 1000");
    external_changes();
    if (db) maintain_leases(*db); // PostgreSQL: the first leases before the first request
    WriterState state; // after db: its statements go first
    constexpr int k_stop_attempts = 50;
    int stop_attempts = 0;
    // The next batch is due ledger_flush_ms after the previous commit began,
    // so a row waits at most that long plus one commit (docs/governance.md).
    auto last_start = std::chrono::steady_clock::now();
    while (true) {
        std::vector<WriterItem> batch;
        bool stop = false;
        {
            std::unique_lock lock(queue_mutex);
            queue_cv.wait_until(lock, last_start + std::chrono::milliseconds(options.ledger_flush_ms), [&] {
                return stopping || queue.size() >= static_cast<std::size_t>(options.ledger_batch_rows) ||
                       lease_urgent.load(std::memory_order_relaxed); // a request waits for its lease
            });
            last_start = std::chrono::steady_clock::now();
            std::size_t take = std::min(queue.size(), static_cast<std::size_t>(options.ledger_batch_rows));
            batch.reserve(take);
            for (std::size_t i = 0; i < take; ++i) {
                batch.push_back(std::move(queue.front()));
                queue.pop_front();
            }
            queued_rows.store(queue.size(), std::memory_order_relaxed);
            in_flight = batch.size();
            stop = stopping && queue.empty();
        }
        if (!batch.empty() && db) {
            if (Result<void> done = commit_timed(*db, state, batch, true)) {
                committed_charges(batch);
                bool had_events = false;
                for (const WriterItem& item : batch) had_events = had_events || !item.events.empty();
                if (had_events) delivery_cv.notify_all();
            } else if (!spool_batch(batch)) {
                // Neither the store nor the spool took it: keep the rows in memory and try again on
                // the next round (ledger_room() refuses new requests once too many wait).
                std::lock_guard lock(queue_mutex);
                for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue.push_front(std::move(*it));
                queued_rows.store(queue.size(), std::memory_order_relaxed);
                batch.clear();
                // Shutting down: a few more seconds of tries, then what is left is given up and counted.
                if (stopping) {
                    stop = ++stop_attempts > k_stop_attempts;
                    if (stop) {
                        std::lock_guard stats(stats_mutex);
                        ledger_stats.lost += queue.size();
                    } else {
                        std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    }
                } else {
                    stop = false;
                }
            }
        }
        if (db && !stop) deliver_spooled(*db, state); // on the way out the spool waits for the next gateway
        if (external_changes()) reload_usage(*db);
        if (db) maintain_leases(*db);
        {
            std::lock_guard lock(queue_mutex);
            committed += batch.size();
            in_flight = 0;
        }
        flushed_cv.notify_all();
        if (stop) {
            if (db) release_leases(*db); // everything is committed or spooled: the room goes back
            return;
        }
    }
}

void Gate::flush() {
    std::unique_lock lock(m_impl->queue_mutex);
    std::uint64_t target = m_impl->enqueued;
    m_impl->queue_cv.notify_all();
    m_impl->flushed_cv.wait_for(lock, std::chrono::seconds(30), [&] {
        if (m_impl->committed < target) m_impl->queue_cv.notify_all();
        return m_impl->committed >= target;
    });
}

Result<void> Gate::ledger_room() const {
    std::size_t waiting = m_impl->queued_rows.load(std::memory_order_relaxed);
    if (waiting < m_impl->options.max_rows_in_memory) return {};
    return std::unexpected(make_error(ErrorCode::unavailable,
                                      "the ledger cannot be written: " + std::to_string(waiting) +
                                          " rows wait in memory for the store, and the local spool " +
                                          (m_impl->options.spool_dir.empty() ? std::string("is not configured")
                                                                             : std::string("refuses them")) +
                                          "; requests are refused until they are written",
                                      true));
}

Gate::LedgerStats Gate::ledger_stats() const {
    std::lock_guard lock(m_impl->stats_mutex);
    LedgerStats stats = m_impl->ledger_stats;
    stats.spooled = m_impl->spooled_rows.load();
    stats.spool_failing = m_impl->spool_failing.load();
    stats.rejected = m_impl->rejected_rows.load();
    return stats;
}

std::uint64_t Gate::lease_claims() const { return m_impl->lease_claims.load(std::memory_order_relaxed); }

std::int64_t Gate::outbox_pending() const { return m_impl->outbox_pending.load(std::memory_order_relaxed); }

std::size_t Gate::pending_rows() const {
    std::lock_guard lock(m_impl->queue_mutex);
    return m_impl->queue.size() + m_impl->in_flight;
}

} // namespace megarouter::governance
