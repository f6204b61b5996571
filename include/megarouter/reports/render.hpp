// Renderings of a spend report: a terminal table (with bar charts and
// sparklines only when asked for, i.e. on a colour-capable TTY), JSON, JSON
// Lines and CSV. Every format carries the same figures; money is exact in
// nano-dollars in JSON and as a 9-decimal USD amount in CSV.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/governance/periods.hpp"
#include "megarouter/reports/budgets.hpp"
#include "megarouter/reports/spend.hpp"

namespace megarouter::reports {

// Money for people: "$1,234.56", "$0.0123", "$0.000045"; more decimals the
// smaller the amount, rounded half away from zero. Pure.
std::string format_money(Nanos amount);
// Exact USD with 9 decimals: "12.000000001", "-0.5" style trimmed to at
// least 2 decimals ("12.50"). Pure.
std::string exact_usd(Nanos amount);
// "1,234,567". Pure.
std::string format_count(std::int64_t value);

// The report (and the budgets beside it) as one JSON document. Pure.
nlohmann::json to_json(const SpendReport& report, const std::vector<BudgetView>& budgets,
                       const governance::TimeZone& zone);
// One JSON object per line: per group, or per (bucket, group) with a period.
std::string to_jsonl(const SpendReport& report);
// The same records as CSV with a header line (RFC 4180 quoting).
std::string to_csv(const SpendReport& report);

struct TableOptions {
    bool charts = false; // bars and sparklines (only on a TTY, never with NO_COLOR)
    bool color = false;  // ANSI colour for flags and headings
};

// The report as aligned text tables: groups, the time series (when a
// period is set) and the budgets. Pure.
std::string render_table(const SpendReport& report, const std::vector<BudgetView>& budgets,
                         const governance::TimeZone& zone, TableOptions options);

} // namespace megarouter::reports
