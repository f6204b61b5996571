// Key policy checks: allowed models (by canonical id, through aliases and
// groups), vendors, providers and modes.
#include <algorithm>
#include <unordered_set>

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/governance/gate.hpp"

namespace megarouter::governance {

namespace {

std::string lowered(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
           });
}

bool listed(const std::vector<std::string>& allowed, std::string_view value) {
    return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& item) { return same_name(item, value); });
}

// Whether one of the ids `model` stands for is an id of one of the entries.
bool allowed_by_id(const std::vector<std::string>& allowed, std::string_view model, const ModelExpander& expand) {
    std::vector<std::string> wanted = expand(model);
    if (wanted.empty()) return false;
    std::unordered_set<std::string> ids;
    for (const std::string& item : allowed)
        for (const std::string& id : expand(item)) ids.insert(lowered(id));
    return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& id) { return ids.contains(lowered(id)); });
}

Result<void> refuse(const Principal& p, const std::vector<std::string>& allowed, std::string_view value,
                    const char* what) {
    std::string list;
    for (const std::string& item : allowed) list += (list.empty() ? "" : ", ") + item;
    return fail(ErrorCode::permission_denied, "key " + p.key_prefix + " policy allowed_" + what + " (" + list +
                                                  ") does not include '" + std::string(value) + "'");
}

} // namespace

ModelExpander catalog_model_expander(const catalog::Catalog& catalog) {
    return [&catalog](std::string_view name) -> std::vector<std::string> {
        if (const catalog::Model* model = catalog.find(name)) return {model->id};
        return {};
    };
}

Result<void> Gate::check_policy(const Principal& p, std::string_view model, std::string_view vendor,
                                std::string_view provider, std::string_view mode, const ModelExpander& expand) {
    const KeyPolicy& policy = p.policy;
    if (!policy.allowed_models.empty() && !model.empty() && !listed(policy.allowed_models, model) &&
        !(expand && allowed_by_id(policy.allowed_models, model, expand)))
        return refuse(p, policy.allowed_models, model, "models");
    auto check = [&](const std::vector<std::string>& allowed, std::string_view value, const char* what) -> Result<void> {
        if (allowed.empty() || value.empty() || listed(allowed, value)) return {};
        return refuse(p, allowed, value, what);
    };
    if (auto r = check(policy.allowed_vendors, vendor, "vendors"); !r) return r;
    if (auto r = check(policy.allowed_providers, provider, "providers"); !r) return r;
    return check(policy.allowed_modes, mode, "modes");
}

} // namespace megarouter::governance
