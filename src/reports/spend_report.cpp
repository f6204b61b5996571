// The report core: builds one SQL scan over the ledger with bound parameters
// and sums its rows per group (and per time bucket) in a hash map. Summing in
// C++ rather than with SQL GROUP BY avoids SQLite's sort of every row, which
// is what makes a grouped report over millions of rows take seconds.
#include <algorithm>
#include <unordered_map>

#include "megarouter/reports/spend.hpp"

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

struct Sql {
    std::string text;
    std::vector<store::Value> values;
};

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

Result<Sql> build_sql(const SpendQuery& query) {
    Sql sql;
    std::string group;
    for (Dimension d : query.by)
        group += (group.empty() ? "" : " || char(31) || ") + std::string(column_of(d));
    if (group.empty()) group = "''";
    sql.text = "SELECT " + group +
               ", ts, input_tokens, cached_tokens, output_tokens, cost_nanos, baseline_nanos,"
               " (status >= 400 OR error_code <> ''), fallback FROM ledger WHERE ts >= ? AND ts < ?";
    sql.values.emplace_back(query.since);
    sql.values.emplace_back(query.until);
    if (auto filtered = add_filters(query, sql); !filtered) return std::unexpected(filtered.error());
    return sql;
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

} // namespace

Result<SpendReport> run_spend_report(store::Database& db, const SpendQuery& query, const governance::TimeZone& zone) {
    if (query.until <= query.since) return fail(ErrorCode::invalid_argument, "--until must be after --since");
    SpendReport report;
    report.query = query;
    report.zone = zone.name();
    report.buckets = make_buckets(query.period, query.since, query.until, zone);
    if (query.period != Granularity::none && (report.buckets.empty() || report.buckets.back().end < query.until))
        return fail(ErrorCode::invalid_argument, "too many time steps: use a longer --period or a shorter range");
    auto sql = build_sql(query);
    if (!sql) return std::unexpected(sql.error());
    auto statement = db.prepare(sql->text);
    if (!statement) return std::unexpected(statement.error());
    for (std::size_t i = 0; i < sql->values.size(); ++i) statement->bind(static_cast<int>(i + 1), sql->values[i]);

    std::vector<core::Millis> starts;
    for (const Bucket& bucket : report.buckets) starts.push_back(bucket.start);
    std::unordered_map<std::string, std::size_t> index;
    std::vector<std::string> keys;
    std::size_t bucket_count = report.buckets.size();
    std::size_t current = 0; // ledger rows come mostly in time order: check the last bucket first
    while (true) {
        auto more = statement->step();
        if (!more) return std::unexpected(more.error());
        if (!*more) break;
        std::string key = statement->text(0);
        auto [it, inserted] = index.try_emplace(std::move(key), report.rows.size());
        if (inserted) {
            keys.push_back(it->first);
            report.rows.emplace_back().series.resize(bucket_count);
        }
        Figures row;
        row.requests = 1;
        row.input_tokens = statement->int64(2);
        row.cached_tokens = statement->int64(3);
        row.output_tokens = statement->int64(4);
        row.cost = statement->int64(5);
        row.baseline = statement->int64(6);
        row.errors = statement->int64(7) != 0;
        row.fallbacks = statement->int64(8) != 0;
        SpendRow& target = report.rows[it->second];
        target.totals += row;
        if (bucket_count) {
            core::Millis ts = statement->int64(1);
            if (ts < report.buckets[current].start || ts >= report.buckets[current].end)
                current = static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), ts) - starts.begin()) - 1;
            target.series[current] += row;
        }
    }
    for (std::size_t i = 0; i < report.rows.size(); ++i) report.rows[i].group = split_group(keys[i], query.by.size());
    report.total_series.resize(bucket_count);
    for (const SpendRow& row : report.rows) {
        report.total += row.totals;
        for (std::size_t b = 0; b < bucket_count; ++b) report.total_series[b] += row.series[b];
    }
    rank_and_fold(report);
    return report;
}

} // namespace megarouter::reports
