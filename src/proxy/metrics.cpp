// Metrics: see metrics.hpp. Process figures come from /proc/self at scrape.
#include "proxy/metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>
#include <type_traits>

namespace megarouter::proxy {

namespace {

constexpr char k_sep = '\x1f';

std::string join(std::initializer_list<std::string_view> parts) {
    std::string out;
    bool first = true;
    for (std::string_view part : parts) {
        if (!first) out += k_sep;
        out += part;
        first = false;
    }
    return out;
}

std::vector<std::string_view> split(std::string_view key) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        std::size_t at = key.find(k_sep, start);
        out.push_back(key.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

// A label value escaped as the exposition format asks: \\, \" and \n.
std::string escaped(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string labels(std::initializer_list<std::string_view> names, std::string_view key) {
    std::vector<std::string_view> values = split(key);
    std::string out = "{";
    std::size_t i = 0;
    for (std::string_view name : names) {
        if (i) out += ",";
        out += std::string(name) + "=\"" + escaped(i < values.size() ? values[i] : "") + "\"";
        ++i;
    }
    return out + "}";
}

std::string number(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.15g", value);
    return text;
}

std::string_view status_class(int status) {
    if (status >= 500) return "5xx";
    if (status >= 400) return "4xx";
    if (status >= 300) return "3xx";
    if (status >= 200) return "2xx";
    return "1xx";
}

void header(std::ostringstream& out, std::string_view name, std::string_view type, std::string_view help) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

// A metric with one unlabelled sample.
template <typename Value>
void single(std::ostringstream& out, std::string_view name, std::string_view type, std::string_view help, Value value) {
    header(out, name, type, help);
    if constexpr (std::is_floating_point_v<Value>) out << name << " " << number(value) << "\n";
    else out << name << " " << value << "\n";
}

// Histograms with the labels `names` (values from each series key) and
// their type's bucket bounds.
template <typename Map>
void histograms(std::ostringstream& out, std::string_view name, std::string_view help,
                std::initializer_list<std::string_view> names, const Map& series) {
    const auto& bounds = Map::mapped_type::bounds;
    constexpr std::size_t N = Map::mapped_type::bounds.size();
    header(out, name, "histogram", help);
    for (const auto& [key, h] : series) {
        std::string base = names.size() ? labels(names, key) : std::string("{}");
        base = base.substr(1, base.size() - 2); // without the braces
        std::string le_prefix = base.empty() ? "le=\"" : base + ",le=\"";
        std::string plain = base.empty() ? std::string(" ") : "{" + base + "} ";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < N; ++i) {
            cumulative += h.buckets[i];
            out << name << "_bucket{" << le_prefix << number(bounds[i]) << "\"} " << cumulative << "\n";
        }
        out << name << "_bucket{" << le_prefix << "+Inf\"} " << h.count << "\n";
        out << name << "_sum" << plain << number(h.sum) << "\n";
        out << name << "_count" << plain << h.count << "\n";
    }
}

// Resident bytes, CPU seconds and open descriptors of this process.
struct ProcessFacts {
    double resident_bytes = 0, cpu_seconds = 0, start_seconds = 0;
    int open_fds = 0;
};

ProcessFacts process_facts() {
    ProcessFacts facts;
    long page = ::sysconf(_SC_PAGESIZE), ticks = ::sysconf(_SC_CLK_TCK);
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    if (statm >> size >> resident) facts.resident_bytes = static_cast<double>(resident) * static_cast<double>(page);
    std::ifstream stat("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command's closing parenthesis: state is field 3; utime 14, stime 15, starttime 22.
    if (std::size_t close = text.rfind(')'); close != std::string::npos && ticks > 0) {
        std::istringstream fields(text.substr(close + 2));
        std::vector<std::string> f;
        for (std::string field; fields >> field;) f.push_back(field);
        if (f.size() > 19) {
            facts.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(ticks);
            double since_boot = std::stod(f[19]) / static_cast<double>(ticks);
            std::ifstream uptime("/proc/uptime");
            double up = 0;
            if (uptime >> up) facts.start_seconds = static_cast<double>(::time(nullptr)) - up + since_boot;
        }
    }
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (dirent* entry = ::readdir(dir))
            if (entry->d_name[0] != '.') ++facts.open_fds;
        ::closedir(dir);
        --facts.open_fds; // the directory stream's own descriptor
    }
    return facts;
}

} // namespace

namespace {

// The entry of `key`, made on first use; a hit allocates nothing.
template <typename Map>
typename Map::mapped_type& slot(Map& map, std::string_view key) {
    auto it = map.find(key);
    if (it == map.end()) it = map.emplace(std::string(key), typename Map::mapped_type{}).first;
    return it->second;
}

} // namespace

void Metrics::record(const RequestSample& s) {
    // Keys are built before the lock; under it, lookups and adds only.
    std::string requests = join({s.endpoint, s.model, s.provider, s.mode, status_class(s.status)});
    std::string spend_key = s.model.empty() ? std::string() : join({s.model, s.provider});
    // gen_ai_* series: only requests that reached a model (their labels are the model's).
    std::string operation = s.model.empty() ? std::string() : join({s.operation, s.provider, s.model});
    bool per_key = m_per_key.load(std::memory_order_relaxed) && !s.key_id.empty();
    bool refused = s.error == "budget_exceeded" || s.error == "rate_limited" || s.error == "permission_denied" ||
                   s.error == "unauthenticated";
    Shard& shard = m_shards[std::hash<std::thread::id>{}(std::this_thread::get_id()) % k_shards];
    std::lock_guard lock(shard.mutex);
    Series& series = shard.series;
    ++slot(series.requests, requests);
    if (!spend_key.empty()) {
        Spend& spend = slot(series.spend, spend_key);
        spend.input += static_cast<std::uint64_t>(std::max<std::int64_t>(s.usage.input, 0));
        spend.cached += static_cast<std::uint64_t>(std::max<std::int64_t>(s.usage.cached_input, 0));
        spend.cache_write += static_cast<std::uint64_t>(std::max<std::int64_t>(s.usage.cache_write, 0));
        spend.output += static_cast<std::uint64_t>(std::max<std::int64_t>(s.usage.output, 0));
        spend.reasoning += static_cast<std::uint64_t>(std::max<std::int64_t>(s.usage.reasoning, 0));
        spend.cost_usd += s.cost_usd;
    }
    slot(series.duration, s.endpoint).observe(s.duration_s);
    slot(series.overhead, s.endpoint).observe(s.overhead_s);
    if (s.ttft_s > 0 && !s.provider.empty()) slot(series.ttft, s.provider).observe(s.ttft_s);
    if (s.fallback) ++slot(series.fallbacks, s.endpoint);
    if (refused) ++slot(series.refusals, s.error);
    for (const FailedAttempt& f : s.failed_attempts) ++slot(series.attempt_failures, join({f.provider, f.reason}));
    if (!operation.empty()) {
        slot(series.operation, operation).observe(s.duration_s);
        std::int64_t input = catalog::add_saturated(catalog::add_saturated(s.usage.input, s.usage.cached_input),
                                                    s.usage.cache_write);
        operation += k_sep;
        std::size_t base = operation.size();
        operation += "input";
        slot(series.token_usage, operation).observe(static_cast<double>(std::max<std::int64_t>(input, 0)));
        operation.resize(base);
        operation += "output";
        slot(series.token_usage, operation).observe(static_cast<double>(std::max<std::int64_t>(s.usage.output, 0)));
    }
    if (per_key) {
        PerKey& key = slot(series.keys, s.key_id);
        ++key.requests;
        key.cost_usd += s.cost_usd;
    }
}

void Metrics::Series::merge(const Series& other) {
    for (const auto& [key, count] : other.requests) requests[key] += count;
    for (const auto& [key, s] : other.spend) {
        Spend& into = spend[key];
        into.input += s.input;
        into.cached += s.cached;
        into.cache_write += s.cache_write;
        into.output += s.output;
        into.reasoning += s.reasoning;
        into.cost_usd += s.cost_usd;
    }
    auto add = [](auto& into, const auto& from) {
        for (const auto& [key, h] : from) into[key].add(h);
    };
    add(duration, other.duration);
    add(overhead, other.overhead);
    add(ttft, other.ttft);
    add(operation, other.operation);
    add(token_usage, other.token_usage);
    for (const auto& [key, count] : other.fallbacks) fallbacks[key] += count;
    for (const auto& [key, count] : other.refusals) refusals[key] += count;
    for (const auto& [key, count] : other.attempt_failures) attempt_failures[key] += count;
    for (const auto& [key, k] : other.keys) {
        keys[key].requests += k.requests;
        keys[key].cost_usd += k.cost_usd;
    }
}

std::string Metrics::exposition(const ScrapeFacts& facts) const {
    Series all;
    for (Shard& shard : m_shards) {
        std::lock_guard lock(shard.mutex);
        all.merge(shard.series);
    }
    std::ostringstream out;
    {
        header(out, "megarouter_requests_total", "counter", "Requests answered, by endpoint, model, provider, mode and status class.");
        for (const auto& [key, count] : all.requests)
            out << "megarouter_requests_total" << labels({"endpoint", "model", "provider", "mode", "status_class"}, key)
                << " " << count << "\n";
        header(out, "megarouter_tokens_total", "counter", "Tokens by model, provider and type.");
        for (const auto& [key, s] : all.spend) {
            std::string base = labels({"model", "provider"}, key);
            base.pop_back();
            const std::pair<const char*, std::uint64_t> types[] = {{"input", s.input},
                                                                   {"cached", s.cached},
                                                                   {"cache_write", s.cache_write},
                                                                   {"output", s.output},
                                                                   {"reasoning", s.reasoning}};
            for (auto [type, value] : types)
                out << "megarouter_tokens_total" << base << ",type=\"" << type << "\"} " << value << "\n";
        }
        header(out, "megarouter_cost_usd_total", "counter", "Spend in USD by model and provider.");
        for (const auto& [key, s] : all.spend)
            out << "megarouter_cost_usd_total" << labels({"model", "provider"}, key) << " " << number(s.cost_usd) << "\n";
        histograms(out, "megarouter_request_duration_seconds", "Request duration, first byte in to last byte out.",
                   {"endpoint"}, all.duration);
        histograms(out, "megarouter_overhead_seconds",
                   "megarouter's own time per request: the duration minus the wait inside upstream calls.",
                   {"endpoint"}, all.overhead);
        histograms(out, "gen_ai_server_time_to_first_token_seconds",
                   "Streams: from the request to the first byte relayed, by provider.", {"gen_ai_provider_name"},
                   all.ttft);
        histograms(out, "gen_ai_client_operation_duration_seconds",
                   "GenAI operation duration (OpenTelemetry gen_ai.client.operation.duration), by the model that answered.",
                   {"gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_response_model"}, all.operation);
        histograms(out, "gen_ai_client_token_usage",
                   "Tokens per request (OpenTelemetry gen_ai.client.token.usage): input (cached included) and output.",
                   {"gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_response_model", "gen_ai_token_type"},
                   all.token_usage);
        header(out, "megarouter_attempt_failures_total", "counter",
               "Upstream attempts that failed, by provider and reason (each may have been retried elsewhere).");
        for (const auto& [key, count] : all.attempt_failures)
            out << "megarouter_attempt_failures_total" << labels({"provider", "reason"}, key) << " " << count << "\n";
        if (!all.keys.empty()) {
            header(out, "megarouter_key_requests_total", "counter", "Requests by API key id ([telemetry] per_key_metrics).");
            for (const auto& [key, k] : all.keys)
                out << "megarouter_key_requests_total{key_id=\"" << escaped(key) << "\"} " << k.requests << "\n";
            header(out, "megarouter_key_cost_usd_total", "counter", "Spend in USD by API key id ([telemetry] per_key_metrics).");
            for (const auto& [key, k] : all.keys)
                out << "megarouter_key_cost_usd_total{key_id=\"" << escaped(key) << "\"} " << number(k.cost_usd) << "\n";
        }
        header(out, "megarouter_fallbacks_total", "counter", "Requests answered by another deployment than the first tried.");
        for (const auto& [key, count] : all.fallbacks)
            out << "megarouter_fallbacks_total{endpoint=\"" << escaped(key) << "\"} " << count << "\n";
        header(out, "megarouter_refusals_total", "counter", "Requests refused by governance, by reason.");
        for (const auto& [key, count] : all.refusals)
            out << "megarouter_refusals_total{reason=\"" << escaped(key) << "\"} " << count << "\n";
    }
    single(out, "megarouter_in_flight_requests", "gauge", "Requests being answered now.", facts.in_flight);
    single(out, "megarouter_open_connections", "gauge", "Client connections open now.", facts.open_connections);
    single(out, "megarouter_streams_in_flight", "gauge", "Streamed answers being relayed now.", facts.streams);
    header(out, "megarouter_deployment_ejected", "gauge", "1 while a deployment is ejected after failures.");
    for (const ScrapeFacts::Deployment& d : facts.deployments)
        out << "megarouter_deployment_ejected{deployment=\"" << escaped(d.key) << "\"} " << (d.ejected ? 1 : 0) << "\n";
    header(out, "megarouter_deployment_error_rate", "gauge", "A deployment's error rate (EWMA).");
    for (const ScrapeFacts::Deployment& d : facts.deployments)
        out << "megarouter_deployment_error_rate{deployment=\"" << escaped(d.key) << "\"} " << number(d.error_rate)
            << "\n";
    single(out, "megarouter_ledger_queue_rows", "gauge", "Ledger rows queued and not yet committed.",
           facts.ledger_backlog);
    single(out, "megarouter_ledger_commits_total", "counter", "Ledger transactions committed.", facts.ledger_commits);
    single(out, "megarouter_ledger_commit_failures_total", "counter", "Ledger transactions that failed (retried).",
           facts.ledger_commit_failures);
    single(out, "megarouter_ledger_rows_total", "counter", "Ledger rows committed.", facts.ledger_rows);
    single(out, "megarouter_ledger_spooled_rows", "gauge",
           "Ledger rows kept in the local spool while the store is out of reach, not yet delivered.",
           facts.ledger_spooled);
    single(out, "megarouter_ledger_rejected_rows_total", "counter",
           "Spooled ledger rows the store refused on their own, kept in the spool's .rejected file.",
           facts.ledger_rejected);
    single(out, "megarouter_budget_lease_claims_total", "counter",
           "Budget leases claimed, renewed, resized or given back (PostgreSQL stores).", facts.lease_claims);
    histograms(out, "megarouter_ledger_commit_seconds", "Time per ledger transaction.", {},
               std::map<std::string, Histogram, std::less<>>{{"", facts.ledger_commit_seconds}});
    single(out, "megarouter_webhook_outbox_pending", "gauge", "Webhook deliveries waiting to be made or retried.",
           facts.outbox_backlog);
    header(out, "megarouter_budget_usage_ratio", "gauge",
           "Spent plus reserved over the amount, per budget or pool limit in its current period.");
    std::vector<std::string> budget_labels;
    for (const ScrapeFacts::Budget& b : facts.budgets)
        budget_labels.push_back("{scope_kind=\"" + escaped(b.scope_kind) + "\",scope=\"" + escaped(b.scope) +
                                "\",period=\"" + escaped(b.period) + "\"} ");
    for (std::size_t i = 0; i < facts.budgets.size(); ++i)
        out << "megarouter_budget_usage_ratio" << budget_labels[i] << number(facts.budgets[i].usage_ratio) << "\n";
    header(out, "megarouter_budget_guardrail_level", "gauge",
           "The guardrail a budget's usage has reached: 0 none, 1 alert, 2 downgrade, 3 block.");
    for (std::size_t i = 0; i < facts.budgets.size(); ++i) {
        const ScrapeFacts::Budget& b = facts.budgets[i];
        int level = 0;
        double pct = b.usage_ratio * 100;
        if (b.alert_pct > 0 && pct >= b.alert_pct) level = 1;
        if (b.downgrade_pct > 0 && pct >= b.downgrade_pct) level = 2;
        if (b.block_pct > 0 && pct >= b.block_pct) level = 3;
        out << "megarouter_budget_guardrail_level" << budget_labels[i] << level << "\n";
    }
    header(out, "megarouter_budget_block_ratio", "gauge", "The usage ratio at which a budget blocks.");
    for (std::size_t i = 0; i < facts.budgets.size(); ++i)
        out << "megarouter_budget_block_ratio" << budget_labels[i] << number(facts.budgets[i].block_pct / 100.0) << "\n";
    if (facts.tracing) {
        single(out, "megarouter_trace_spans_exported_total", "counter", "Spans the OTLP collector accepted.",
               facts.spans_exported);
        header(out, "megarouter_trace_spans_dropped_total", "counter",
               "Spans dropped: the export queue was full, or the collector failed or was unreachable.");
        out << "megarouter_trace_spans_dropped_total{reason=\"queue_full\"} " << facts.spans_dropped_full << "\n";
        out << "megarouter_trace_spans_dropped_total{reason=\"export_failed\"} " << facts.spans_dropped_failed << "\n";
        single(out, "megarouter_trace_spans_queued", "gauge", "Spans waiting to be exported.", facts.spans_queued);
    }
    ProcessFacts process = process_facts();
    single(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.resident_bytes);
    single(out, "process_cpu_seconds_total", "counter", "User and system CPU time in seconds.", process.cpu_seconds);
    single(out, "process_open_fds", "gauge", "Open file descriptors.", process.open_fds);
    single(out, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.",
           process.start_seconds);
    header(out, "megarouter_build_info", "gauge", "The running version.");
    out << "megarouter_build_info{version=\"" << MEGAROUTER_VERSION << "\"} 1\n";
    return out.str();
}

} // namespace megarouter::proxy
