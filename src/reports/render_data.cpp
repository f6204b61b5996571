// Machine-readable renderings of a spend report: JSON, JSON Lines and CSV,
// and the money formats they share with the terminal table.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "megarouter/reports/render.hpp"

namespace megarouter::reports {

namespace {

using Json = nlohmann::json;

double round2(double value) { return std::round(value * 100.0) / 100.0; }

Json figures_json(const Figures& f, Nanos total_cost) {
    return Json{{"requests", f.requests},
                {"input_tokens", f.input_tokens},
                {"cached_tokens", f.cached_tokens},
                {"output_tokens", f.output_tokens},
                {"cost_nanos", f.cost},
                {"cost_usd", static_cast<double>(f.cost) / 1e9},
                {"share_pct", round2(f.share_of(total_cost))},
                {"avg_cost_nanos", f.average_cost()},
                {"errors", f.errors},
                {"fallbacks", f.fallbacks},
                {"baseline_nanos", f.baseline},
                {"savings_nanos", f.savings()},
                {"savings_usd", static_cast<double>(f.savings()) / 1e9},
                {"savings_pct", round2(f.savings_pct())}};
}

Json group_json(const SpendReport& report, const SpendRow& row) {
    Json group = Json::object();
    for (std::size_t i = 0; i < report.query.by.size(); ++i) group[std::string(to_string(report.query.by[i]))] = row.group[i];
    return group;
}

Json budget_json(const BudgetView& b, const governance::TimeZone& zone) {
    bool bounded = b.resets_at != std::numeric_limits<core::Millis>::max();
    return Json{{"id", b.id},
                {"scope_kind", b.scope_kind},
                {"scope", b.scope},
                {"period", b.period},
                {"unit", b.tokens ? "tokens" : "usd"},
                {"amount", b.amount},
                {"spent", b.spent},
                {"reserved", b.reserved_known ? Json(b.reserved) : Json(nullptr)},
                {"remaining", b.remaining},
                {"block_line", b.block_line},
                {"used_pct", b.amount ? round2(100.0 * static_cast<double>(b.spent) / static_cast<double>(b.amount)) : 0.0},
                {"alert_pct", b.alert_pct},
                {"downgrade_pct", b.downgrade_pct},
                {"block_pct", b.block_pct},
                {"level", b.level},
                {"period_start", b.period_start},
                {"resets_at", bounded ? Json(b.resets_at) : Json(nullptr)},
                {"resets_local", governance::format_local(b.resets_at, zone)},
                {"projected", b.projected},
                {"will_block", b.will_block},
                {"blocks_at", b.blocks_at ? Json(b.blocks_at) : Json(nullptr)}};
}

// Flat records (one per group, or per bucket and group) for JSONL and CSV.
template <typename Emit>
void each_record(const SpendReport& report, Emit&& emit) {
    if (report.buckets.empty()) {
        for (const SpendRow& row : report.rows) emit(nullptr, row, row.totals, report.total.cost);
        return;
    }
    for (std::size_t b = 0; b < report.buckets.size(); ++b)
        for (const SpendRow& row : report.rows)
            if (row.series[b].requests) emit(&report.buckets[b], row, row.series[b], report.total_series[b].cost);
}

std::string csv_field(const std::string& value) {
    if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
    std::string out = "\"";
    for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string pct_text(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", value);
    return buffer;
}

} // namespace

std::string format_count(std::int64_t value) {
    std::string digits = std::to_string(value < 0 ? -value : value);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return value < 0 ? "-" + out : out;
}

std::string format_money(Nanos amount) {
    bool negative = amount < 0;
    unsigned __int128 value = negative ? static_cast<unsigned __int128>(-(static_cast<__int128>(amount)))
                                       : static_cast<unsigned __int128>(amount);
    int decimals = value == 0 || value >= 1'000'000'000 ? 2 : value >= 10'000'000 ? 4 : 6;
    unsigned __int128 unit = 1;
    for (int i = 0; i < 9 - decimals; ++i) unit *= 10;
    unsigned __int128 rounded = (value + unit / 2) / unit; // in units of 10^-decimals dollars
    unsigned __int128 scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    std::string whole = format_count(static_cast<std::int64_t>(rounded / scale));
    std::string fraction = std::to_string(static_cast<std::uint64_t>(rounded % scale));
    fraction.insert(0, static_cast<std::size_t>(decimals) - fraction.size(), '0');
    return std::string(negative && rounded ? "-" : "") + "$" + whole + "." + fraction;
}

std::string exact_usd(Nanos amount) {
    bool negative = amount < 0;
    unsigned __int128 value = negative ? static_cast<unsigned __int128>(-(static_cast<__int128>(amount)))
                                       : static_cast<unsigned __int128>(amount);
    std::string fraction = std::to_string(static_cast<std::uint64_t>(value % 1'000'000'000));
    fraction.insert(0, 9 - fraction.size(), '0');
    while (fraction.size() > 2 && fraction.back() == '0') fraction.pop_back();
    return std::string(negative ? "-" : "") + std::to_string(static_cast<std::uint64_t>(value / 1'000'000'000)) + "." +
           fraction;
}

Json to_json(const SpendReport& report, const std::vector<BudgetView>& budgets, const governance::TimeZone& zone) {
    Json out;
    const SpendQuery& q = report.query;
    out["since"] = q.since;
    out["until"] = q.until;
    out["since_local"] = governance::format_local(q.since, zone);
    out["until_local"] = governance::format_local(q.until, zone);
    out["zone"] = report.zone;
    out["period"] = std::string(to_string(q.period));
    out["by"] = Json::array();
    for (Dimension d : q.by) out["by"].push_back(std::string(to_string(d)));
    out["filters"] = Json{{"node", q.node}, {"key", q.key}, {"model", q.model}, {"provider", q.provider}, {"top", q.top}};
    out["total"] = figures_json(report.total, report.total.cost);
    out["buckets"] = Json::array();
    for (std::size_t b = 0; b < report.buckets.size(); ++b) {
        Json bucket = figures_json(report.total_series[b], report.total.cost);
        bucket["start"] = report.buckets[b].start;
        bucket["end"] = report.buckets[b].end;
        bucket["label"] = report.buckets[b].label;
        out["buckets"].push_back(std::move(bucket));
    }
    out["rows"] = Json::array();
    for (const SpendRow& row : report.rows) {
        Json item = figures_json(row.totals, report.total.cost);
        item["group"] = group_json(report, row);
        item["other"] = row.other;
        if (!report.buckets.empty()) {
            item["series"] = Json::array();
            for (const Figures& f : row.series) item["series"].push_back(figures_json(f, report.total.cost));
        }
        out["rows"].push_back(std::move(item));
    }
    out["budgets"] = Json::array();
    for (const BudgetView& b : budgets) out["budgets"].push_back(budget_json(b, zone));
    out["pricing"] = Json::array();
    for (const PricingShare& p : report.pricing)
        out["pricing"].push_back({{"pricing", p.pricing},
                                  {"requests", p.requests},
                                  {"cost_usd", static_cast<double>(p.cost) / 1e9},
                                  {"cost_nanos", p.cost}});
    return out;
}

std::string to_jsonl(const SpendReport& report) {
    std::string out;
    each_record(report, [&](const Bucket* bucket, const SpendRow& row, const Figures& f, Nanos total) {
        Json line = Json::object();
        if (bucket) {
            line["bucket"] = bucket->label;
            line["bucket_start"] = bucket->start;
        }
        Json group = group_json(report, row); // named: items() only refers to it
        Json figures = figures_json(f, total);
        for (auto& [name, value] : group.items()) line[name] = value;
        for (auto& [name, value] : figures.items()) line[name] = value;
        out += line.dump() + "\n";
    });
    return out;
}

std::string to_csv(const SpendReport& report) {
    std::ostringstream out;
    if (!report.buckets.empty()) out << "bucket,";
    for (Dimension d : report.query.by) out << to_string(d) << ",";
    out << "requests,input_tokens,cached_tokens,output_tokens,cost_usd,share_pct,avg_cost_usd,errors,fallbacks,"
           "baseline_usd,savings_usd,savings_pct\n";
    each_record(report, [&](const Bucket* bucket, const SpendRow& row, const Figures& f, Nanos total) {
        if (bucket) out << bucket->label << ",";
        for (const std::string& value : row.group) out << csv_field(value) << ",";
        out << f.requests << "," << f.input_tokens << "," << f.cached_tokens << "," << f.output_tokens << ","
            << exact_usd(f.cost) << "," << pct_text(f.share_of(total)) << "," << exact_usd(f.average_cost()) << ","
            << f.errors << "," << f.fallbacks << "," << exact_usd(f.baseline) << "," << exact_usd(f.savings()) << ","
            << pct_text(f.savings_pct()) << "\n";
    });
    return out.str();
}

} // namespace megarouter::reports
