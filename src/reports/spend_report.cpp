// The report core: the filters and grouping shared by both read paths, the
// scan of raw ledger rows (exact reference, and the edges of partial hours),
// and the entry points. Sums are kept per group in a hash map rather than
// with SQL GROUP BY, which would sort every row.
#include <algorithm>
#include <unordered_map>

#include "reports/spend_scan.hpp"

namespace megarouter::reports {

namespace {

constexpr char k_separator = '\x1f';

std::string_view column_of(Dimension dimension) {
    switch (dimension) {
    case Dimension::org: return "org";
    case Dimension::dept: return "dept";
    case Dimension::team: return "team";
    case Dimension::user: return "user_path";
    case Dimension::key: return "key_id";
    case Dimension::model: return "routed_model";
    case Dimension::provider: return "provider";
    case Dimension::vendor: return "vendor";
    case Dimension::mode: return "mode";
    case Dimension::tier: return "tier";
    case Dimension::endpoint: return "endpoint";
    }
    return "team";
}

// The ledger column holding paths of a hierarchy depth: org, dept, team, user.
Result<std::string_view> path_column(std::string_view path) {
    if (path.empty() || path.front() == '/' || path.back() == '/' || path.find("//") != std::string_view::npos)
        return fail(ErrorCode::invalid_argument, "'" + std::string(path) + "' is not a node path (e.g. acme/eng)");
    auto depth = std::count(path.begin(), path.end(), '/') + 1;
    switch (depth) {
    case 1: return "org";
    case 2: return "dept";
    case 3: return "team";
    case 4: return "user_path";
    default: return fail(ErrorCode::invalid_argument, "'" + std::string(path) + "' is deeper than a user path");
    }
}

std::vector<std::string> split_group(const std::string& key, std::size_t parts) {
    std::vector<std::string> out;
    if (parts == 0) return out;
    std::size_t start = 0;
    for (std::size_t i = 0; i + 1 < parts; ++i) {
        std::size_t at = key.find(k_separator, start);
        if (at == std::string::npos) break;
        out.push_back(key.substr(start, at - start));
        start = at + 1;
    }
    out.push_back(key.substr(start));
    out.resize(parts);
    return out;
}

// Sorts the most costly first and folds groups beyond `top` into one row.
void rank_and_fold(SpendReport& report) {
    std::sort(report.rows.begin(), report.rows.end(), [](const SpendRow& a, const SpendRow& b) {
        if (a.totals.cost != b.totals.cost) return a.totals.cost > b.totals.cost;
        return a.group < b.group;
    });
    std::size_t top = static_cast<std::size_t>(std::max(0, report.query.top));
    if (top == 0 || report.rows.size() <= top) return;
    SpendRow other;
    other.other = true;
    other.group.assign(report.query.by.size(), "(other)");
    other.series.resize(report.buckets.size());
    for (std::size_t i = top; i < report.rows.size(); ++i) {
        other.totals += report.rows[i].totals;
        for (std::size_t b = 0; b < other.series.size(); ++b) other.series[b] += report.rows[i].series[b];
    }
    report.rows.resize(top);
    report.rows.push_back(std::move(other));
}

// The report's requests that were priced other than from the catalog, by
// how (the partial index ledger_pricing_ts holds only those rows).
Result<void> add_pricing(store::Database& db, SpendReport& report) {
    detail::Sql sql{"SELECT pricing, COUNT(*), SUM(cost_nanos) FROM ledger WHERE pricing <> '' AND ts >= ? AND ts < ?",
                    {}};
    sql.values.emplace_back(report.query.since);
    sql.values.emplace_back(report.query.until);
    if (auto filtered = detail::add_filters(report.query, sql); !filtered) return filtered;
    sql.text += " GROUP BY pricing ORDER BY pricing";
    auto statement = detail::prepare_bound(db, sql);
    if (!statement) return std::unexpected(statement.error());
    while (true) {
        auto more = statement->step();
        if (!more) return std::unexpected(more.error());
        if (!*more) break;
        report.pricing.push_back({statement->text(0), statement->int64(1), statement->int64(2)});
    }
    return {};
}

} // namespace

namespace detail {

Result<store::Statement> prepare_bound(store::Database& db, const Sql& sql) {
    auto statement = db.prepare(sql.text);
    if (!statement) return std::unexpected(statement.error());
    for (std::size_t i = 0; i < sql.values.size(); ++i) statement->bind(static_cast<int>(i + 1), sql.values[i]);
    return statement;
}

Result<void> add_filters(const SpendQuery& query, Sql& sql) {
    if (!query.node.empty()) {
        auto column = path_column(query.node);
        if (!column) return std::unexpected(column.error());
        sql.text += " AND " + std::string(*column) + " = ?";
        sql.values.emplace_back(query.node);
    }
    auto equals = [&](std::string_view column, const std::string& value) {
        if (value.empty()) return;
        sql.text += " AND " + std::string(column) + " = ?";
        sql.values.emplace_back(value);
    };
    equals("key_id", query.key);
    equals("routed_model", query.model);
    equals("provider", query.provider);
    bool everything = std::find(query.scopes.begin(), query.scopes.end(), "") != query.scopes.end();
    if (!query.scopes.empty() && !everything) {
        std::string any;
        for (const std::string& scope : query.scopes) {
            auto column = path_column(scope);
            if (!column) return std::unexpected(column.error());
            any += (any.empty() ? "" : " OR ") + std::string(*column) + " = ?";
            sql.values.emplace_back(scope);
        }
        sql.text += " AND (" + any + ")";
    }
    if (!query.own_user.empty() || !query.own_key.empty()) {
        sql.text += " AND (user_path = ? OR key_id = ?)";
        sql.values.emplace_back(query.own_user.empty() ? std::string("\x01") : query.own_user);
        sql.values.emplace_back(query.own_key.empty() ? std::string("\x01") : query.own_key);
    }
    return {};
}

std::string group_expression(const std::vector<Dimension>& by) {
    std::string group;
    // The separator is a literal unit separator (0x1f) in a quoted string:
    // SQLite's char(31) and PostgreSQL's chr(31) differ.
    for (Dimension d : by) group += (group.empty() ? "" : " || '\x1f' || ") + std::string(column_of(d));
    return group.empty() ? "''" : group;
}

std::size_t Groups::find_or_add(std::string key) {
    auto [it, inserted] = m_index.try_emplace(std::move(key), m_report.rows.size());
    if (inserted) {
        m_keys.push_back(it->first);
        m_report.rows.emplace_back().series.resize(m_report.buckets.size());
    }
    return it->second;
}

void Groups::add(std::size_t row, std::ptrdiff_t bucket, const Figures& figures) {
    SpendRow& target = m_report.rows[row];
    target.totals += figures;
    if (bucket >= 0) target.series[static_cast<std::size_t>(bucket)] += figures;
}

void Groups::finish() {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < m_report.rows.size(); ++i) {
        if (m_report.rows[i].totals.requests == 0) continue; // a rollup combination without rows in range
        m_report.rows[i].group = split_group(m_keys[i], m_report.query.by.size());
        if (kept != i) m_report.rows[kept] = std::move(m_report.rows[i]);
        ++kept;
    }
    m_report.rows.resize(kept);
    std::size_t bucket_count = m_report.buckets.size();
    m_report.total = {};
    m_report.total_series.assign(bucket_count, Figures{});
    for (const SpendRow& row : m_report.rows) {
        m_report.total += row.totals;
        for (std::size_t b = 0; b < bucket_count; ++b) m_report.total_series[b] += row.series[b];
    }
    rank_and_fold(m_report);
}

Result<RawScan> RawScan::prepare(store::Database& db, const SpendQuery& query) {
    Sql sql;
    sql.text = "SELECT " + group_expression(query.by) +
               ", ts, input_tokens, cached_tokens, output_tokens, cost_nanos, baseline_nanos,"
               " (status >= 400 OR error_code <> ''), fallback FROM ledger WHERE ts >= ? AND ts < ?";
    if (auto filtered = add_filters(query, sql); !filtered) return std::unexpected(filtered.error());
    auto statement = db.prepare(sql.text);
    if (!statement) return std::unexpected(statement.error());
    RawScan scan;
    scan.m_statement = std::move(*statement);
    scan.m_values = std::move(sql.values);
    return scan;
}

Result<void> RawScan::run(core::Millis from, core::Millis to, std::ptrdiff_t bucket, const SpendReport& report,
                          Groups& groups) {
    if (to <= from) return {};
    m_statement.reset();
    m_statement.bind(1, from);
    m_statement.bind(2, to);
    for (std::size_t i = 0; i < m_values.size(); ++i) m_statement.bind(static_cast<int>(i + 3), m_values[i]);
    std::vector<core::Millis> starts;
    bool find_bucket = bucket < 0 && !report.buckets.empty();
    if (find_bucket)
        for (const Bucket& b : report.buckets) starts.push_back(b.start);
    std::size_t current = 0; // ledger rows come mostly in time order: check the last bucket first
    while (true) {
        auto more = m_statement.step();
        if (!more) return std::unexpected(more.error());
        if (!*more) break;
        std::size_t row = groups.find_or_add(m_statement.text(0));
        Figures figures;
        figures.requests = 1;
        figures.input_tokens = m_statement.int64(2);
        figures.cached_tokens = m_statement.int64(3);
        figures.output_tokens = m_statement.int64(4);
        figures.cost = m_statement.int64(5);
        figures.baseline = m_statement.int64(6);
        figures.errors = m_statement.int64(7) != 0;
        figures.fallbacks = m_statement.int64(8) != 0;
        std::ptrdiff_t target = bucket;
        if (find_bucket) {
            core::Millis ts = m_statement.int64(1);
            if (ts < report.buckets[current].start || ts >= report.buckets[current].end)
                current = static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), ts) - starts.begin()) - 1;
            target = static_cast<std::ptrdiff_t>(current);
        }
        groups.add(row, target, figures);
    }
    return {};
}

} // namespace detail

namespace {

Result<SpendReport> prepare_report(const SpendQuery& query, const governance::TimeZone& zone) {
    if (query.until <= query.since) return fail(ErrorCode::invalid_argument, "--until must be after --since");
    SpendReport report;
    report.query = query;
    report.zone = zone.name();
    report.buckets = make_buckets(query.period, query.since, query.until, zone);
    if (query.period != Granularity::none && (report.buckets.empty() || report.buckets.back().end < query.until))
        return fail(ErrorCode::invalid_argument, "too many time steps: use a longer --period or a shorter range");
    return report;
}

// Ends a read transaction when it goes out of scope: every read of a report
// sees one snapshot even while the ledger writer commits.
class ReadSnapshot {
public:
    explicit ReadSnapshot(store::Database& db) : m_db(db), m_open(db.begin_read().has_value()) {}
    ~ReadSnapshot() {
        if (m_open) (void)m_db.exec("COMMIT");
    }
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;

private:
    store::Database& m_db;
    bool m_open;
};

} // namespace

Result<SpendReport> run_spend_report_scan(store::Database& db, const SpendQuery& query,
                                          const governance::TimeZone& zone) {
    auto report = prepare_report(query, zone);
    if (!report) return report;
    auto scan = detail::RawScan::prepare(db, query);
    if (!scan) return std::unexpected(scan.error());
    detail::Groups groups(*report);
    if (auto ran = scan->run(query.since, query.until, -1, *report, groups); !ran) return std::unexpected(ran.error());
    groups.finish();
    if (auto priced = add_pricing(db, *report); !priced) return std::unexpected(priced.error());
    return report;
}

Result<SpendReport> run_spend_report(store::Database& db, const SpendQuery& query, const governance::TimeZone& zone) {
    auto report = prepare_report(query, zone);
    if (!report) return report;
    ReadSnapshot snapshot(db);
    auto rolled = detail::run_from_rollup(db, std::move(*report));
    if (!rolled) return std::unexpected(rolled.error());
    if (*rolled) {
        if (auto priced = add_pricing(db, **rolled); !priced) return std::unexpected(priced.error());
        return std::move(**rolled);
    }
    return run_spend_report_scan(db, query, zone);
}

} // namespace megarouter::reports
