#include "limits.hpp"
#include "megarouter/catalog/catalog.hpp"
#include "megarouter/governance/admin.hpp"

namespace megarouter::governance {

nlohmann::json policy_to_json(const KeyPolicy& p) {
    nlohmann::json j = nlohmann::json::object();
    auto list = [&](const char* name, const std::vector<std::string>& items) {
        if (!items.empty()) j[name] = items;
    };
    list("allowed_models", p.allowed_models);
    list("allowed_vendors", p.allowed_vendors);
    list("allowed_providers", p.allowed_providers);
    list("allowed_modes", p.allowed_modes);
    if (p.max_price_per_mtok) j["max_price_per_mtok_nanos"] = *p.max_price_per_mtok;
    if (p.rpm) j["rpm"] = *p.rpm;
    if (p.tpm) j["tpm"] = *p.tpm;
    if (!p.tags.empty()) j["tags"] = p.tags;
    return j;
}

KeyPolicy policy_from_json(const nlohmann::json& j) {
    KeyPolicy p;
    if (!j.is_object()) return p;
    auto list = [&](const char* name, std::vector<std::string>& out) {
        if (auto it = j.find(name); it != j.end() && it->is_array())
            for (const auto& item : *it)
                if (item.is_string()) out.push_back(item.get<std::string>());
    };
    list("allowed_models", p.allowed_models);
    list("allowed_vendors", p.allowed_vendors);
    list("allowed_providers", p.allowed_providers);
    list("allowed_modes", p.allowed_modes);
    auto number = [&](const char* name) -> std::optional<std::int64_t> {
        if (auto it = j.find(name); it != j.end() && it->is_number_integer()) return it->get<std::int64_t>();
        return std::nullopt;
    };
    p.max_price_per_mtok = number("max_price_per_mtok_nanos");
    p.rpm = number("rpm");
    p.tpm = number("tpm");
    if (auto it = j.find("tags"); it != j.end() && it->is_object())
        for (const auto& [k, v] : it->items())
            if (v.is_string()) p.tags[k] = v.get<std::string>();
    return p;
}

nlohmann::json to_json(const Node& node) {
    nlohmann::json j = {{"path", node.path},   {"kind", to_string(node.kind)}, {"name", node.display_name},
                        {"email", node.email}, {"created_ms", node.created_ms}};
    j["rpm"] = node.rpm ? nlohmann::json(*node.rpm) : nlohmann::json();
    j["tpm"] = node.tpm ? nlohmann::json(*node.tpm) : nlohmann::json();
    return j;
}

nlohmann::json to_json(const KeyInfo& key) {
    return {{"id", key.id},
            {"prefix", key.prefix},
            {"owner", key.owner},
            {"role", to_string(key.role)},
            {"name", key.name},
            {"created_ms", key.created_ms},
            {"expires_ms", key.expires_ms ? nlohmann::json(*key.expires_ms) : nlohmann::json()},
            {"revoked_ms", key.revoked_ms ? nlohmann::json(*key.revoked_ms) : nlohmann::json()},
            {"policy", policy_to_json(key.policy)},
            {"rotated_from", key.rotated_from}};
}

nlohmann::json to_json(const BudgetInfo& b, const TimeZone& zone) {
    const BudgetSpec& s = b.spec;
    nlohmann::json j = {{"id", b.id},
                        {"scope_kind", to_string(s.scope_kind)},
                        {"scope", s.scope},
                        {"period", to_string(s.period)},
                        {"unit", s.tokens ? "tokens" : "usd"},
                        {"amount", s.amount},
                        {"spent", b.spent},
                        {"alert_pct", s.alert_pct},
                        {"downgrade_pct", s.downgrade_pct},
                        {"block_pct", s.block_pct},
                        {"level", b.level},
                        {"period_start_ms", b.bounds.start},
                        {"resets", format_local(b.bounds.end, zone)},
                        {"label", budget_label(s)},
                        {"set_by", b.set_by}};
    j["price_ceiling_nanos"] = s.price_ceiling_nanos ? nlohmann::json(*s.price_ceiling_nanos) : nlohmann::json();
    if (s.period != Period::total) j["period_end_ms"] = b.bounds.end;
    if (!s.tokens) {
        j["amount_usd"] = catalog::format_usd(s.amount);
        j["spent_usd"] = catalog::format_usd(b.spent);
    }
    return j;
}

nlohmann::json to_json(const PoolInfo& pool, const TimeZone& zone) {
    nlohmann::json budgets = nlohmann::json::array();
    for (const auto& b : pool.budgets) budgets.push_back(to_json(b, zone));
    return {{"name", pool.name}, {"description", pool.description}, {"members", pool.members}, {"budgets", budgets}};
}

nlohmann::json to_json(const Webhook& w) {
    return {{"id", w.id}, {"scope", w.scope}, {"url", w.url}, {"has_secret", w.has_secret}, {"events", w.events}};
}

nlohmann::json to_json(const EventInfo& e) {
    nlohmann::json deliveries = nlohmann::json::array();
    for (const auto& d : e.deliveries)
        deliveries.push_back({{"webhook_id", d.webhook_id}, {"url", d.url}, {"status", d.status},
                              {"attempts", d.attempts}, {"next_attempt_ms", d.next_attempt_ms}, {"last_error", d.last_error}});
    return {{"id", e.id},           {"type", e.type},       {"node", e.node},          {"time_ms", e.ts},
            {"summary", e.summary}, {"payload", e.payload}, {"deliveries", deliveries}};
}

} // namespace megarouter::governance
