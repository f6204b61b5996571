// The terminal rendering of a spend report: a table of groups with totals,
// the time series by period, and the budgets beside them. Charts (bars,
// sparklines) and colour only when the caller says the terminal can show them.
#include <algorithm>
#include <cstdio>
#include <limits>

#include "megarouter/reports/render.hpp"
#include "reports/text_table.hpp"

namespace megarouter::reports {

namespace {

constexpr int k_bar_width = 16;

std::string pct(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f%%", value);
    return buffer;
}

std::string paint(const std::string& text, const char* code, bool color) {
    return color ? std::string("\x1b[") + code + "m" + text + "\x1b[0m" : text;
}

std::vector<std::string> figure_cells(const Figures& f, Nanos total) {
    return {format_count(f.requests),      format_count(f.input_tokens),   format_count(f.output_tokens),
            format_money(f.cost),          pct(f.share_of(total)),         format_money(f.average_cost()),
            format_count(f.errors),        format_count(f.fallbacks),      format_money(f.savings()),
            f.baseline ? pct(f.savings_pct()) : std::string("-")};
}

std::vector<std::string> figure_headers() {
    return {"Requests", "Input", "Output", "Cost", "Share", "Avg/req", "Errors", "Fallbacks", "Saved", "Saved%"};
}

std::string groups_table(const SpendReport& report, TableOptions options) {
    std::vector<std::string> headers;
    std::vector<Align> align;
    for (Dimension d : report.query.by) {
        std::string name(to_string(d));
        name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
        headers.push_back(name);
        align.push_back(Align::left);
    }
    if (headers.empty()) {
        headers.push_back("");
        align.push_back(Align::left);
    }
    for (std::string h : figure_headers()) {
        headers.push_back(h);
        align.push_back(Align::right);
    }
    bool spark = options.charts && !report.buckets.empty();
    if (options.charts) headers.push_back(spark ? "Trend" : "");
    TextTable table(headers, align);
    Nanos largest = 0;
    for (const SpendRow& row : report.rows) largest = std::max(largest, row.totals.cost);
    auto add = [&](std::vector<std::string> cells, const Figures& f, const std::vector<Figures>& series) {
        for (std::string c : figure_cells(f, report.total.cost)) cells.push_back(c);
        if (spark) {
            std::vector<double> values;
            for (const Figures& s : series) values.push_back(static_cast<double>(s.cost));
            cells.push_back(sparkline(values));
        } else if (options.charts) {
            cells.push_back(largest ? bar(static_cast<double>(f.cost) / static_cast<double>(largest), k_bar_width) : "");
        }
        table.add_row(std::move(cells));
    };
    if (!report.query.by.empty()) {
        for (const SpendRow& row : report.rows) {
            std::vector<std::string> cells;
            for (const std::string& value : row.group) cells.push_back(value.empty() ? "-" : value);
            add(cells, row.totals, row.series);
        }
        table.add_rule();
    }
    std::vector<std::string> label(std::max<std::size_t>(1, report.query.by.size()), "");
    label[0] = "Total";
    add(label, report.total, report.total_series);
    return table.render();
}

std::string series_table(const SpendReport& report, TableOptions options) {
    std::vector<std::string> headers{std::string(to_string(report.query.period))};
    std::vector<Align> align{Align::left};
    for (std::string h : {"Requests", "Cost", "Saved", "Errors"}) {
        headers.push_back(h);
        align.push_back(Align::right);
    }
    if (options.charts) headers.push_back("");
    headers[0][0] = static_cast<char>(std::toupper(static_cast<unsigned char>(headers[0][0])));
    TextTable table(headers, align);
    Nanos largest = 0;
    for (const Figures& f : report.total_series) largest = std::max(largest, f.cost);
    for (std::size_t b = 0; b < report.buckets.size(); ++b) {
        const Figures& f = report.total_series[b];
        std::vector<std::string> cells{report.buckets[b].label, format_count(f.requests), format_money(f.cost),
                                       format_money(f.savings()), format_count(f.errors)};
        if (options.charts)
            cells.push_back(largest ? bar(static_cast<double>(f.cost) / static_cast<double>(largest), k_bar_width) : "");
        table.add_row(std::move(cells));
    }
    return table.render();
}

std::string amount_text(const BudgetView& b, std::int64_t value) {
    return b.tokens ? format_count(value) + " tok" : format_money(value);
}

std::string budgets_table(const std::vector<BudgetView>& budgets, const governance::TimeZone& zone,
                          TableOptions options) {
    TextTable table({"Budget", "Period", "Amount", "Spent", "Remaining", "Used", "Level", "Resets", "Projected", ""},
                    {Align::left, Align::left, Align::right, Align::right, Align::right, Align::right, Align::left,
                     Align::left, Align::right, Align::left});
    for (const BudgetView& b : budgets) {
        double used = b.amount ? 100.0 * static_cast<double>(b.spent) / static_cast<double>(b.amount) : 0.0;
        std::string resets = b.resets_at == std::numeric_limits<core::Millis>::max()
                                 ? "never"
                                 : governance::format_local(b.resets_at, zone).substr(0, 16);
        std::string flag;
        if (b.will_block)
            flag = paint("will block" + (b.blocks_at ? " ~" + governance::format_local(b.blocks_at, zone).substr(0, 10)
                                                     : std::string()),
                         "31", options.color);
        std::string level = b.level == "ok" ? b.level : paint(b.level, "33", options.color);
        table.add_row({b.scope_kind == "node" ? b.scope : b.scope_kind + " " + b.scope, b.period,
                       amount_text(b, b.amount), amount_text(b, b.spent), amount_text(b, b.remaining), pct(used),
                       level, resets, amount_text(b, b.projected), flag});
    }
    bool unknown = std::any_of(budgets.begin(), budgets.end(), [](const BudgetView& b) { return !b.reserved_known; });
    // Reservations live in the proxy's memory: without it, say so rather than show 0.
    return table.render() + (unknown ? "  reserved: n/a (proxy not queried); remaining = amount - spent\n" : "");
}

// Which of the total was not priced from the catalog: models passed through
// before the catalog listed them.
std::string pricing_note(const SpendReport& report) {
    std::string out;
    for (const PricingShare& p : report.pricing) {
        std::string how = p.pricing == "estimate"   ? "priced as an estimate from a sibling model"
                          : p.pricing == "unpriced" ? "unpriced, charged at [routing] unpriced prices"
                                                    : "priced from the config's [prices]";
        out += "  " + format_count(p.requests) + (p.requests == 1 ? " request" : " requests") + " (" +
               format_money(p.cost) + ") " + how + "\n";
    }
    if (!out.empty())
        out = "\nNot in the catalog when they ran (passed through; `megarouter models refresh` learns them):\n" + out;
    return out;
}

} // namespace

std::string render_table(const SpendReport& report, const std::vector<BudgetView>& budgets,
                         const governance::TimeZone& zone, TableOptions options) {
    std::string out = paint("Spend " + governance::format_local(report.query.since, zone).substr(0, 16) + " to " +
                                governance::format_local(report.query.until, zone),
                            "1", options.color) +
                      "\n\n";
    if (report.total.requests == 0 && report.rows.empty()) {
        out += "  no requests in this period\n";
    } else {
        out += groups_table(report, options);
        if (!report.buckets.empty()) out += "\n" + series_table(report, options);
        out += pricing_note(report);
    }
    if (!budgets.empty()) out += "\n" + paint("Budgets", "1", options.color) + "\n" + budgets_table(budgets, zone, options);
    return out;
}

} // namespace megarouter::reports
