#include "prompt_ledger.hpp"

#include <chrono>
#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

#include "megarouter/reports/synthetic.hpp"

namespace megarouter::cli {

namespace {

std::string login_name() {
    if (const passwd* entry = ::getpwuid(::geteuid()); entry != nullptr && entry->pw_name != nullptr)
        return entry->pw_name;
    const char* user = std::getenv("USER");
    return user != nullptr && *user != '\0' ? user : "unknown";
}

} // namespace

void set_identity(governance::LedgerEntry& row, const std::string& identity) {
    if (identity.empty()) {
        row.user = "local:" + login_name();
        return;
    }
    // Each level's path is the prefix up to its slash: "acme", "acme/eng", ...
    std::string* levels[] = {&row.org, &row.dept, &row.team, &row.user};
    std::size_t end = 0;
    for (std::string* level : levels) {
        end = identity.find('/', end == 0 ? 0 : end + 1);
        *level = identity.substr(0, end);
        if (end == std::string::npos) break;
    }
}

governance::LedgerEntry ledger_row(const store::PromptLogEntry& entry, const PromptSpend& spend,
                                   const catalog::Catalog& catalog) {
    governance::LedgerEntry row;
    row.ts = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count();
    row.request_id = entry.request_id;
    row.endpoint = "cli";
    row.requested_model = spend.requested;
    row.routed_model = entry.model;
    row.provider = entry.provider;
    row.mode = spend.mode;
    if (const catalog::Model* model = catalog.find(entry.model)) {
        row.vendor = model->vendor;
        row.tier = std::string(catalog::to_string(model->tier));
    }
    row.input_tokens = entry.usage.input;
    row.cached_tokens = entry.usage.cached_input;
    row.cache_write_tokens = entry.usage.cache_write;
    row.output_tokens = entry.usage.output;
    row.reasoning_tokens = entry.usage.reasoning;
    row.cost_nanos = entry.cost;
    row.latency_ms = entry.latency_ms;
    row.ttft_ms = entry.first_token_ms.value_or(0);
    row.status = entry.status == "ok" ? 200 : entry.status == "interrupted" ? 499 : 502;
    row.error_code = spend.error_code;
    row.pricing = spend.pricing;
    return row;
}

bool reached_provider(const store::PromptLogEntry& entry) {
    const auto& u = entry.usage;
    return entry.cost != 0 || u.input != 0 || u.cached_input != 0 || u.cache_write != 0 || u.output != 0;
}

Result<void> record_prompt_spend(store::Database& db, const store::PromptLogEntry& entry, const PromptSpend& spend,
                                 const core::Config& config, const catalog::Catalog& catalog) {
    if (!reached_provider(entry)) return {};
    governance::LedgerEntry row = ledger_row(entry, spend, catalog);
    set_identity(row, config.identity);
    return reports::insert_ledger_rows(db, std::span(&row, 1));
}

} // namespace megarouter::cli
