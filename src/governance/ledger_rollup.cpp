// The writer's per-batch rollup (see ledger_rollup.hpp).
#include "ledger_rollup.hpp"

namespace megarouter::governance {

namespace {

constexpr std::int64_t k_hour_ms = 3'600'000, k_day_ms = 86'400'000;

std::int64_t floor_mod(std::int64_t a, std::int64_t m) { return ((a % m) + m) % m; }

// Days since 1970-01-01 of the first day of the month holding `days`
// (proleptic Gregorian; Howard Hinnant's civil_from_days / days_from_civil).
std::int64_t month_start_days(std::int64_t days) {
    std::int64_t z = days + 719468;
    std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    std::int64_t doe = z - era * 146097;
    std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    std::int64_t mp = (5 * doy + 2) / 153;
    std::int64_t d = doy - (153 * mp + 2) / 5; // 0-based day of the month
    return days - d;
}

std::array<const std::string*, 11> dimensions(const LedgerEntry& e) {
    return {&e.org, &e.dept, &e.team, &e.user, &e.key_id, &e.routed_model, &e.provider,
            &e.vendor, &e.mode, &e.tier, &e.endpoint};
}

// The eleven values, each prefixed with its length: no two combinations
// share a key, whatever bytes the values hold.
std::string combo_key(const LedgerEntry& e) {
    std::string key;
    for (const std::string* part : dimensions(e)) {
        key += std::to_string(part->size());
        key += ':';
        key += *part;
    }
    return key;
}

} // namespace

std::array<RollupCell, 4> rollup_cells(std::int64_t ts) {
    std::int64_t hour = ts - floor_mod(ts, k_hour_ms);
    std::int64_t day = ts - floor_mod(ts, k_day_ms);
    std::int64_t days = day / k_day_ms; // exact: day is a multiple
    std::int64_t week = day - floor_mod(days + 3, 7) * k_day_ms; // 1970-01-01 was a Thursday
    std::int64_t month = month_start_days(days) * k_day_ms;
    return {RollupCell{0, hour}, RollupCell{1, day}, RollupCell{2, month}, RollupCell{3, week}};
}

std::optional<std::int64_t> ComboIds::find(const std::string& key) const {
    if (auto it = m_known.find(key); it != m_known.end()) return it->second;
    if (auto it = m_staged.find(key); it != m_staged.end()) return it->second;
    return std::nullopt;
}

void ComboIds::committed() {
    m_known.merge(m_staged);
    m_staged.clear();
}

void RollupBatch::add(const LedgerEntry& e) {
    std::string key = combo_key(e);
    if (!m_values.contains(key)) {
        auto& values = m_values[key];
        auto dims = dimensions(e);
        for (std::size_t i = 0; i < dims.size(); ++i) values[i] = *dims[i];
    }
    bool error = e.status >= 400 || !e.error_code.empty();
    for (const RollupCell& cell : rollup_cells(e.ts)) {
        Sums& s = m_sums[{key, cell.level, cell.start}];
        ++s.requests;
        s.input += e.input_tokens;
        s.cached += e.cached_tokens;
        s.output += e.output_tokens;
        s.cost += e.cost_nanos;
        s.baseline += e.baseline_nanos;
        s.errors += error ? 1 : 0;
        s.fallbacks += e.fallback ? 1 : 0;
    }
}

Result<void> RollupBatch::write(store::Database& db, ComboIds& ids) const {
    if (m_sums.empty()) return {};
    std::optional<store::Statement> add_combo, find_combo;
    auto upsert = db.prepare(
        "INSERT INTO ledger_rollup(level, start, combo, requests, input_tokens, cached_tokens, output_tokens,"
        " cost_nanos, baseline_nanos, errors, fallbacks) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (level, start, combo) DO UPDATE SET requests = ledger_rollup.requests + excluded.requests,"
        " input_tokens = ledger_rollup.input_tokens + excluded.input_tokens, cached_tokens = ledger_rollup.cached_tokens + excluded.cached_tokens,"
        " output_tokens = ledger_rollup.output_tokens + excluded.output_tokens, cost_nanos = ledger_rollup.cost_nanos + excluded.cost_nanos,"
        " baseline_nanos = ledger_rollup.baseline_nanos + excluded.baseline_nanos, errors = ledger_rollup.errors + excluded.errors,"
        " fallbacks = ledger_rollup.fallbacks + excluded.fallbacks");
    if (!upsert) return std::unexpected(upsert.error());
    const std::string* last_key = nullptr;
    std::int64_t combo = 0;
    for (const auto& [where, s] : m_sums) {
        const auto& [key, level, start] = where;
        if (!last_key || *last_key != key) { // the map is ordered by key: one lookup per combo
            last_key = &key;
            if (auto known = ids.find(key)) {
                combo = *known;
            } else {
                const std::array<std::string, 11>& v = m_values.at(key);
                if (!add_combo) {
                    auto prepared = db.prepare(
                        "INSERT INTO ledger_combos(org, dept, team, user_path, key_id, routed_model, provider, vendor,"
                        " mode, tier, endpoint) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING");
                    if (!prepared) return std::unexpected(prepared.error());
                    add_combo.emplace(std::move(*prepared));
                    auto found = db.prepare(
                        "SELECT id FROM ledger_combos WHERE org = ? AND dept = ? AND team = ? AND user_path = ?"
                        " AND key_id = ? AND routed_model = ? AND provider = ? AND vendor = ? AND mode = ?"
                        " AND tier = ? AND endpoint = ?");
                    if (!found) return std::unexpected(found.error());
                    find_combo.emplace(std::move(*found));
                }
                for (store::Statement* st : {&*add_combo, &*find_combo}) {
                    st->reset();
                    st->bind_all(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
                }
                if (auto r = add_combo->run(); !r) return r;
                auto row = find_combo->step();
                if (!row) return std::unexpected(row.error());
                if (!*row) return fail(ErrorCode::storage, "ledger rollup: a combination vanished");
                combo = find_combo->int64(0);
                ids.stage(key, combo);
            }
        }
        upsert->reset();
        upsert->bind_all(static_cast<std::int64_t>(level), start, combo, s.requests, s.input, s.cached, s.output,
                         s.cost, s.baseline, s.errors, s.fallbacks);
        if (auto r = upsert->run(); !r) return r;
    }
    return {};
}

} // namespace megarouter::governance
