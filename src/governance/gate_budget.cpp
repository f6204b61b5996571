// Admission against budgets and pools. Every decision happens under one
// mutex over the live counters, so a reservation is atomic across all the
// budgets on a path, and the boundary is the same `>=` for every scope.
#include "gate_impl.hpp"

namespace megarouter::governance {

namespace {
constexpr std::string_view k_lease_busy = "budget busy: ";
} // namespace

bool Gate::waits_for_lease(const Error& error) {
    return error.code == ErrorCode::budget_exceeded && error.retryable && error.message.starts_with(k_lease_busy);
}

std::int64_t Gate::Impl::room_of(const LimitState& state, core::Millis now) const {
    std::int64_t room = room_left(state.spent() + state.reserved, state.spec);
    if (!state.leased) return room;
    std::int64_t leased = now < state.lease_until ? state.lease - state.pending - state.reserved : 0;
    return std::max<std::int64_t>(0, std::min(room, leased));
}

namespace {

std::int64_t charge_of(const LimitState& state, Nanos cost, std::int64_t tokens) {
    return state.spec.tokens ? tokens : cost;
}

// What to do about it: the command that gives the scope more room.
std::string how_to_raise(const BudgetSpec& spec) {
    std::string amount = spec.tokens ? "--tokens N" : "--usd N";
    switch (spec.scope_kind) {
    case ScopeKind::node: return "an admin can raise it: megarouter budget set " + spec.scope + " " + amount;
    case ScopeKind::key: return "an admin can raise it: megarouter budget set --key " + spec.scope + " " + amount;
    case ScopeKind::pool: return "its members share it: megarouter pool show " + spec.scope + " shows who spent it";
    }
    return "an admin can raise it with megarouter budget set";
}

std::string when_it_resets(const LimitState& state, const TimeZone& zone) {
    return state.spec.period == Period::total ? "it does not reset (total budget)"
                                              : "it resets at " + format_local(state.bounds.end, zone);
}

Error blocked_error(const LimitState& state, const TimeZone& zone) {
    std::string when = when_it_resets(state, zone);
    Error error = make_error(ErrorCode::budget_exceeded,
                             "budget exceeded: " + budget_label(state.spec) + " of " +
                                 format_amount(state.spec.amount, state.spec.tokens) + " is used up (" +
                                 format_amount(state.spent() + state.reserved, state.spec.tokens) +
                                 " spent or reserved, block at " + std::to_string(state.spec.block_pct) + "%); " + when +
                                 "; " + how_to_raise(state.spec));
    return error;
}

} // namespace

Result<Guardrails> Gate::precheck(const Principal& principal) {
    if (!principal.master && !grants_allow(principal.grants, Permission::call_models, principal.owner))
        return fail(ErrorCode::permission_denied,
                    "key " + principal.key_prefix + " has no role that may call models on '" + principal.owner + "'");
    std::shared_ptr<const Snapshot> snap = m_impl->last();
    if (!snap) return fail(ErrorCode::storage, "the governance settings have not been loaded");
    core::Millis now = m_impl->clock->now_ms();
    if (auto admitted = m_impl->rate_limiter.admit(m_impl->rate_rules(*snap, principal), now); !admitted)
        return std::unexpected(admitted.error());
    std::vector<std::int64_t> ids = m_impl->limits_for(*snap, principal, nullptr);
    Guardrails guard;
    int worst_pct = -1;
    std::vector<QueuedEvent> events;
    {
        std::lock_guard lock(m_impl->limits_mutex);
        for (std::int64_t id : ids) {
            auto it = m_impl->limits.find(id);
            if (it == m_impl->limits.end()) continue;
            LimitState& state = it->second;
            m_impl->roll_period(id, state, now, events);
            std::int64_t usage = state.spent() + state.reserved;
            Level level = level_of(usage, state.spec);
            if (level == Level::blocked) {
                Error error = blocked_error(state, m_impl->zone);
                if (!events.empty()) m_impl->enqueue({std::nullopt, {}, std::move(events)});
                return fail(error);
            }
            if (level != Level::downgrade) continue;
            guard.downgrade = true;
            guard.forced_mode = "cost";
            Nanos ceiling = state.spec.price_ceiling_nanos.value_or(m_impl->options.default_price_ceiling_per_mtok);
            if (ceiling > 0 && (!guard.price_ceiling_per_mtok || ceiling < *guard.price_ceiling_per_mtok))
                guard.price_ceiling_per_mtok = ceiling;
            int pct = state.spec.amount > 0 ? static_cast<int>(static_cast<__int128>(usage) * 100 / state.spec.amount) : 100;
            if (pct > worst_pct) {
                worst_pct = pct;
                guard.reason = budget_label(state.spec) + " at " + std::to_string(pct) + "%";
            }
        }
    }
    if (!events.empty()) m_impl->enqueue({std::nullopt, {}, std::move(events)});
    return guard;
}

namespace {

// Refused because this request's own worst case does not fit in what is left.
Error short_error(const LimitState& state, std::int64_t charge, const TimeZone& zone) {
    std::int64_t room = room_left(state.spent() + state.reserved, state.spec);
    if (room == 0) return blocked_error(state, zone);
    bool tokens = state.spec.tokens;
    if (state.leased && charge <= room) {
        // The budget has room, but this gateway's lease of it is used or renewing.
        Error error = make_error(ErrorCode::budget_exceeded,
                                 std::string(k_lease_busy) + budget_label(state.spec) + " has room left, but the share this "
                                 "gateway holds of it is in use or being renewed (gateways sharing a store lease "
                                 "budget room); retry shortly");
        error.retryable = true;
        error.retry_after_seconds = 1;
        return error;
    }
    Error error = make_error(ErrorCode::budget_exceeded,
                             "budget exceeded: " + budget_label(state.spec) + " has " + format_amount(room, tokens) +
                                 " left before its block level and this request could cost up to " +
                                 format_amount(charge, tokens) +
                                 (tokens ? "" : " (its input and max_tokens at this model's prices)") +
                                 "; lower max_tokens, or an admin can set [governance] fit_to_budget = true; " +
                                 when_it_resets(state, zone) + "; " + how_to_raise(state.spec));
    // Room held by requests in flight comes back when they settle.
    if (state.reserved > 0) {
        error.retryable = true;
        error.retry_after_seconds = 1;
    }
    return error;
}

struct Rooms {
    Nanos money = INT64_MAX;
    std::int64_t tokens = INT64_MAX;
};

} // namespace

// Under limits_mutex: the first of `ids` that cannot take `amount` and
// `tokens` more, or nullptr when all can.
LimitState* Gate::Impl::first_short(const std::vector<std::int64_t>& ids, Nanos amount, std::int64_t tokens,
                                    std::int64_t* charge) {
    for (std::int64_t id : ids) {
        auto it = limits.find(id);
        if (it == limits.end()) continue;
        LimitState& state = it->second;
        std::int64_t c = charge_of(state, amount, tokens);
        std::int64_t usage = state.spent() + state.reserved;
        if (level_of(usage, state.spec) == Level::blocked || c > room_of(state, core::system_clock().now_ms())) {
            if (charge) *charge = c;
            if (state.leased && c <= room_left(usage, state.spec)) { // short of lease only: claim more now
                state.lease_wanted = std::max(state.lease_wanted, c);
                lease_urgent.store(true, std::memory_order_relaxed);
                queue_cv.notify_one();
            }
            return &state;
        }
    }
    return nullptr;
}

namespace {

Rooms rooms_of(const Gate::Impl& impl, const std::vector<std::int64_t>& ids) {
    Rooms rooms;
    core::Millis now = core::system_clock().now_ms(); // leases run on the real clock (leases.cpp)
    for (std::int64_t id : ids) {
        auto it = impl.limits.find(id);
        if (it == impl.limits.end()) continue;
        std::int64_t room = impl.room_of(it->second, now);
        auto& slot = it->second.spec.tokens ? rooms.tokens : rooms.money;
        slot = std::min(slot, room);
    }
    return rooms;
}

std::int64_t plus(std::int64_t a, std::int64_t b) {
    return b > INT64_MAX - a ? INT64_MAX : a + b;
}

} // namespace

Result<Reservation> Gate::reserve(const Principal& principal, Nanos estimated_max_cost, std::int64_t estimated_tokens,
                                  const FitHold& fit) {
    std::shared_ptr<const Snapshot> snap = m_impl->last();
    if (!snap) return fail(ErrorCode::storage, "the governance settings have not been loaded");
    Reservation reservation;
    reservation.key_id = principal.key_id;
    reservation.org = principal.org;
    reservation.dept = principal.dept;
    reservation.team = principal.team;
    reservation.user = principal.user;
    reservation.key_prefix = principal.key_prefix;
    reservation.key_tpm = principal.policy.tpm;
    std::vector<std::int64_t> ids = m_impl->limits_for(*snap, principal, &reservation.pools);
    core::Millis now = m_impl->clock->now_ms();
    std::vector<QueuedEvent> events;
    std::optional<Error> refused;
    {
        std::lock_guard lock(m_impl->limits_mutex);
        for (std::int64_t id : ids)
            if (auto it = m_impl->limits.find(id); it != m_impl->limits.end())
                m_impl->roll_period(id, it->second, now, events);
        Hold want{std::max<Nanos>(0, estimated_max_cost), std::max<std::int64_t>(0, estimated_tokens)};
        std::int64_t charge = 0;
        LimitState* short_of = m_impl->first_short(ids, want.amount, want.tokens, &charge);
        if (short_of && fit) {
            Rooms rooms = rooms_of(*m_impl, ids);
            if (auto smaller = fit(rooms.money, rooms.tokens);
                smaller && !m_impl->first_short(ids, smaller->amount, smaller->tokens, nullptr)) {
                want = *smaller;
                short_of = nullptr;
                reservation.fitted = true;
            }
        }
        if (short_of) {
            refused = short_error(*short_of, charge, m_impl->zone);
        } else {
            reservation.amount = want.amount;
            reservation.tokens = want.tokens;
            for (std::int64_t id : ids) {
                auto it = m_impl->limits.find(id);
                if (it == m_impl->limits.end()) continue;
                it->second.reserved += charge_of(it->second, reservation.amount, reservation.tokens);
                it->second.last_used = core::system_clock().now_ms();
                reservation.limit_ids.push_back(id);
            }
        }
    }
    if (!events.empty()) m_impl->enqueue({std::nullopt, {}, std::move(events)});
    if (refused) return fail(*refused);
    if (!reservation.limit_ids.empty()) reservation.id = m_impl->next_reservation++;
    return reservation;
}

Result<void> Gate::extend(Reservation& reservation, Nanos amount, std::int64_t tokens, const FitHold& fit) {
    amount = std::max(amount, reservation.amount);
    tokens = std::max(tokens, reservation.tokens);
    if (amount == reservation.amount && tokens == reservation.tokens) return {};
    if (reservation.limit_ids.empty()) {
        reservation.amount = amount;
        reservation.tokens = tokens;
        return {};
    }
    core::Millis now = m_impl->clock->now_ms();
    std::vector<QueuedEvent> events;
    std::optional<Error> refused;
    {
        std::lock_guard lock(m_impl->limits_mutex);
        const std::vector<std::int64_t>& ids = reservation.limit_ids;
        for (std::int64_t id : ids)
            if (auto it = m_impl->limits.find(id); it != m_impl->limits.end())
                m_impl->roll_period(id, it->second, now, events);
        Hold more{amount - reservation.amount, tokens - reservation.tokens};
        std::int64_t charge = 0;
        LimitState* short_of = m_impl->first_short(ids, more.amount, more.tokens, &charge);
        if (short_of && fit) {
            // The room a fitted request may hold in all: what it holds plus what is left.
            Rooms rooms = rooms_of(*m_impl, ids);
            if (auto smaller = fit(plus(reservation.amount, rooms.money), plus(reservation.tokens, rooms.tokens))) {
                Hold delta{std::max<Nanos>(0, smaller->amount - reservation.amount),
                           std::max<std::int64_t>(0, smaller->tokens - reservation.tokens)};
                if ((delta.amount == 0 && delta.tokens == 0) ||
                    !m_impl->first_short(ids, delta.amount, delta.tokens, nullptr)) {
                    more = delta;
                    short_of = nullptr;
                    reservation.fitted = true;
                }
            }
        }
        if (short_of) {
            refused = short_error(*short_of, charge, m_impl->zone);
        } else {
            for (std::int64_t id : ids)
                if (auto it = m_impl->limits.find(id); it != m_impl->limits.end())
                    it->second.reserved += charge_of(it->second, more.amount, more.tokens);
            reservation.amount += more.amount;
            reservation.tokens += more.tokens;
        }
    }
    if (!events.empty()) m_impl->enqueue({std::nullopt, {}, std::move(events)});
    if (refused) return fail(*refused);
    return {};
}

namespace {

std::string_view event_type(const BudgetSpec& spec, Level level) {
    if (spec.scope_kind == ScopeKind::pool) return level == Level::blocked ? "pool.exhausted" : "pool.alert";
    switch (level) {
    case Level::alert: return "budget.alert";
    case Level::downgrade: return "budget.downgrade";
    default: return "budget.blocked";
    }
}

} // namespace

void Gate::settle(const Reservation& reservation, const LedgerEntry& entry_in) {
    LedgerEntry entry = entry_in;
    core::Millis now = m_impl->clock->now_ms();
    if (entry.ts == 0) entry.ts = now;
    auto fill = [](std::string& field, const std::string& value) {
        if (field.empty()) field = value;
    };
    fill(entry.key_id, reservation.key_id);
    fill(entry.org, reservation.org);
    fill(entry.dept, reservation.dept);
    fill(entry.team, reservation.team);
    fill(entry.user, reservation.user);
    fill(entry.pool, reservation.pools);
    std::int64_t tokens = entry.input_tokens + entry.cached_tokens + entry.cache_write_tokens + entry.output_tokens;
    WriterItem item;
    {
        std::lock_guard lock(m_impl->limits_mutex);
        for (std::int64_t id : reservation.limit_ids) {
            auto it = m_impl->limits.find(id);
            if (it == m_impl->limits.end()) continue;
            LimitState& state = it->second;
            state.reserved = std::max<std::int64_t>(0, state.reserved - charge_of(state, reservation.amount, reservation.tokens));
            m_impl->roll_period(id, state, now, item.events);
            std::int64_t charge = charge_of(state, entry.cost_nanos, tokens);
            if (charge <= 0) continue;
            state.pending += charge;
            item.charges.push_back({id, state.bounds.start, charge});
            Level level = level_of(state.spent(), state.spec);
            for (Level crossed : {Level::alert, Level::downgrade, Level::blocked}) {
                if (crossed <= state.fired || crossed > level) continue;
                std::string node = state.spec.scope_kind == ScopeKind::node ? state.spec.scope : "";
                item.events.push_back(
                    {"evt_b" + std::to_string(id) + "_" + std::to_string(state.bounds.start) + "_" +
                         std::string(to_string(crossed)),
                     std::string(event_type(state.spec, crossed)), node,
                     budget_label(state.spec) + " reached " + std::string(to_string(crossed)) + " (" +
                         format_amount(state.spent(), state.spec.tokens) + " of " +
                         format_amount(state.spec.amount, state.spec.tokens) + ")",
                     now,
                     {{"budget_id", id}, {"scope_kind", to_string(state.spec.scope_kind)}, {"scope", state.spec.scope},
                      {"period", to_string(state.spec.period)}, {"unit", state.spec.tokens ? "tokens" : "usd"},
                      {"amount", state.spec.amount}, {"spent", state.spent()}, {"level", to_string(crossed)},
                      {"period_start_ms", state.bounds.start}, {"resets_ms", state.spec.period == Period::total
                                                                                ? nlohmann::json()
                                                                                : nlohmann::json(state.bounds.end)}}});
            }
            state.fired = std::max(state.fired, level);
        }
    }
    if (tokens > 0) {
        Principal who;
        who.key_prefix = reservation.key_prefix;
        who.policy.tpm = reservation.key_tpm;
        who.user = reservation.user;
        who.team = reservation.team;
        if (auto snap = m_impl->last())
            m_impl->rate_limiter.add_tokens(m_impl->rate_rules(*snap, who), tokens, now);
    }
    item.row = std::move(entry);
    m_impl->enqueue(std::move(item));
}

std::map<std::int64_t, std::int64_t> Gate::reserved_by_limit() const {
    std::map<std::int64_t, std::int64_t> out;
    std::lock_guard lock(m_impl->limits_mutex);
    for (const auto& [id, state] : m_impl->limits)
        if (state.reserved != 0) out[id] = state.reserved;
    return out;
}

std::vector<Gate::LimitUsage> Gate::limit_usage() const {
    std::vector<LimitUsage> out;
    std::lock_guard lock(m_impl->limits_mutex);
    for (const auto& [id, state] : m_impl->limits)
        out.push_back({budget_label(state.spec), std::string(to_string(state.spec.scope_kind)), state.spec.scope,
                       std::string(to_string(state.spec.period)), state.spec.amount, state.spent() + state.reserved,
                       state.spec.alert_pct, state.spec.downgrade_pct, state.spec.block_pct});
    return out;
}

void Gate::record(LedgerEntry entry) {
    if (entry.ts == 0) entry.ts = m_impl->clock->now_ms();
    m_impl->enqueue({std::move(entry), {}, {}});
}

} // namespace megarouter::governance
