// One ledger writer item as a line of the spool (ledger_spool.hpp) and
// back: JSON with the ledger row's columns by name, the charges as
// [budget id, period start, amount] triples, and the alert events.
#include "ledger_spool.hpp"

namespace megarouter::governance {

namespace {

using nlohmann::json;

json encode_row(const LedgerEntry& e) {
    return {{"ts", e.ts},
            {"request_id", e.request_id},
            {"key_id", e.key_id},
            {"org", e.org},
            {"dept", e.dept},
            {"team", e.team},
            {"user", e.user},
            {"pool", e.pool},
            {"endpoint", e.endpoint},
            {"requested_model", e.requested_model},
            {"routed_model", e.routed_model},
            {"vendor", e.vendor},
            {"provider", e.provider},
            {"mode", e.mode},
            {"tier", e.tier},
            {"input_tokens", e.input_tokens},
            {"cached_tokens", e.cached_tokens},
            {"cache_write_tokens", e.cache_write_tokens},
            {"output_tokens", e.output_tokens},
            {"reasoning_tokens", e.reasoning_tokens},
            {"cost_nanos", e.cost_nanos},
            {"baseline_nanos", e.baseline_nanos},
            {"latency_ms", e.latency_ms},
            {"ttft_ms", e.ttft_ms},
            {"status", e.status},
            {"attempts", e.attempts},
            {"fallback", e.fallback},
            {"error_code", e.error_code},
            {"pricing", e.pricing}};
}

// Reads member `name` of `j` into `out` when it has the right type; a
// missing member leaves the default, a wrong type fails the line.
bool take(const json& j, const char* name, std::string& out) {
    auto it = j.find(name);
    if (it == j.end()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

template <typename Int>
bool take(const json& j, const char* name, Int& out) {
    auto it = j.find(name);
    if (it == j.end()) return true;
    if (!it->is_number_integer()) return false;
    out = static_cast<Int>(it->get<std::int64_t>());
    return true;
}

bool take(const json& j, const char* name, bool& out) {
    auto it = j.find(name);
    if (it == j.end()) return true;
    if (!it->is_boolean()) return false;
    out = it->get<bool>();
    return true;
}

std::optional<LedgerEntry> decode_row(const json& j) {
    if (!j.is_object()) return std::nullopt;
    LedgerEntry e;
    bool ok = take(j, "ts", e.ts) && take(j, "request_id", e.request_id) && take(j, "key_id", e.key_id) &&
              take(j, "org", e.org) && take(j, "dept", e.dept) && take(j, "team", e.team) && take(j, "user", e.user) &&
              take(j, "pool", e.pool) && take(j, "endpoint", e.endpoint) &&
              take(j, "requested_model", e.requested_model) && take(j, "routed_model", e.routed_model) &&
              take(j, "vendor", e.vendor) && take(j, "provider", e.provider) && take(j, "mode", e.mode) &&
              take(j, "tier", e.tier) && take(j, "input_tokens", e.input_tokens) &&
              take(j, "cached_tokens", e.cached_tokens) && take(j, "cache_write_tokens", e.cache_write_tokens) &&
              take(j, "output_tokens", e.output_tokens) && take(j, "reasoning_tokens", e.reasoning_tokens) &&
              take(j, "cost_nanos", e.cost_nanos) && take(j, "baseline_nanos", e.baseline_nanos) &&
              take(j, "latency_ms", e.latency_ms) && take(j, "ttft_ms", e.ttft_ms) && take(j, "status", e.status) &&
              take(j, "attempts", e.attempts) && take(j, "fallback", e.fallback) &&
              take(j, "error_code", e.error_code) && take(j, "pricing", e.pricing);
    if (!ok || e.request_id.empty()) return std::nullopt; // a row without its id could be booked twice
    return e;
}

} // namespace

std::string encode_spool_line(const WriterItem& item) {
    json j = json::object();
    if (item.row) j["row"] = encode_row(*item.row);
    if (!item.charges.empty()) {
        json charges = json::array();
        for (const Charge& c : item.charges) charges.push_back({c.budget_id, c.period_start, c.amount});
        j["charges"] = std::move(charges);
    }
    if (!item.events.empty()) {
        json events = json::array();
        for (const QueuedEvent& ev : item.events)
            events.push_back({{"id", ev.id}, {"type", ev.type}, {"node", ev.node}, {"summary", ev.summary},
                              {"ts", ev.ts}, {"figures", ev.figures}});
        j["events"] = std::move(events);
    }
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<WriterItem> decode_spool_line(std::string_view line) {
    if (line.size() > k_max_spool_line) return std::nullopt;
    json j = json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    WriterItem item;
    if (auto it = j.find("row"); it != j.end()) {
        item.row = decode_row(*it);
        if (!item.row) return std::nullopt;
    }
    if (auto it = j.find("charges"); it != j.end()) {
        if (!it->is_array()) return std::nullopt;
        for (const json& c : *it) {
            if (!c.is_array() || c.size() != 3 || !c[0].is_number_integer() || !c[1].is_number_integer() ||
                !c[2].is_number_integer())
                return std::nullopt;
            item.charges.push_back({c[0].get<std::int64_t>(), c[1].get<std::int64_t>(), c[2].get<std::int64_t>()});
        }
        // Charges are booked only with their row's first insert (ledger_writer.cpp): without a row
        // a replay would book them again.
        if (!item.row && !item.charges.empty()) return std::nullopt;
    }
    if (auto it = j.find("events"); it != j.end()) {
        if (!it->is_array()) return std::nullopt;
        for (const json& e : *it) {
            if (!e.is_object()) return std::nullopt;
            QueuedEvent ev;
            if (!take(e, "id", ev.id) || !take(e, "type", ev.type) || !take(e, "node", ev.node) ||
                !take(e, "summary", ev.summary) || !take(e, "ts", ev.ts) || ev.id.empty())
                return std::nullopt;
            if (auto f = e.find("figures"); f != e.end()) ev.figures = *f;
            item.events.push_back(std::move(ev));
        }
    }
    if (!item.row && item.events.empty()) return std::nullopt;
    return item;
}

} // namespace megarouter::governance
