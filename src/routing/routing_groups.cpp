// [groups.<name>] and [aliases] of the config file.
#include "routing/config_reader.hpp"

#include <cmath>

#include "megarouter/catalog/catalog.hpp"

namespace megarouter::routing {

namespace {

Result<catalog::Nanos> usd(const Reader& r, const json& value, const std::string& pointer) {
    double v = 0;
    TRY_ASSIGN(v, r.number(value, pointer, 0, 1e6));
    return catalog::usd_per_mtok_to_nanos(v);
}

Result<GroupDeployment> read_deployment(const Reader& r, const json& doc, const std::string& pointer) {
    GroupDeployment out;
    if (doc.is_string()) {
        out.model = doc.get<std::string>();
        return out;
    }
    if (!doc.is_object()) return std::unexpected(r.error(pointer, "expected {model, provider, weight} or a model name"));
    for (auto& [key, value] : doc.items()) {
        std::string at = pointer + "/" + key;
        if (key == "model") TRY_ASSIGN(out.model, r.string(value, at));
        else if (key == "provider") TRY_ASSIGN(out.provider, r.string(value, at));
        else if (key == "weight") {
            double v = 0;
            TRY_ASSIGN(v, r.number(value, at, 0, 1e6));
            out.weight = static_cast<int>(std::lround(v));
        } else
            return std::unexpected(r.error(at, "unknown key (model, provider, weight)"));
    }
    if (out.model.empty()) return std::unexpected(r.error(pointer, "a deployment needs a model"));
    return out;
}

} // namespace

Result<Constraints> read_constraints(const Reader& r, const std::string& base, const json& doc) {
    Constraints c;
    for (auto& [key, value] : doc.items()) {
        std::string at = base + "/" + key;
        if (key == "allow_vendors") TRY_ASSIGN(c.allow_vendors, r.strings(value, at));
        else if (key == "deny_vendors") TRY_ASSIGN(c.deny_vendors, r.strings(value, at));
        else if (key == "allow_providers") TRY_ASSIGN(c.allow_providers, r.strings(value, at));
        else if (key == "deny_providers") TRY_ASSIGN(c.deny_providers, r.strings(value, at));
        else if (key == "allow_models") TRY_ASSIGN(c.allow_models, r.strings(value, at));
        else if (key == "deny_models") TRY_ASSIGN(c.deny_models, r.strings(value, at));
        else if (key == "region") TRY_ASSIGN(c.region, r.string(value, at));
        else if (key == "max_price") TRY_ASSIGN(c.max_price_per_mtok, usd(r, value, at));
        else if (key == "max_cost") {
            double v = 0;
            TRY_ASSIGN(v, r.number(value, at, 0, 1e6));
            c.max_cost_per_request = static_cast<catalog::Nanos>(std::llround(v * 1e9));
        }
    }
    return c;
}

Result<Group> read_group(const Reader& r, const std::string& name, const json& doc) {
    std::string base = "/groups/" + name;
    if (!doc.is_object()) return std::unexpected(r.error(base, "expected a table"));
    Group group;
    group.name = name;
    static const std::vector<std::string> k_keys = {
        "deployments", "tier", "mode", "fallbacks", "allow_vendors", "deny_vendors", "allow_providers",
        "deny_providers", "allow_models", "deny_models", "region", "max_price", "max_cost"};
    for (auto& [key, value] : doc.items()) {
        std::string at = base + "/" + key;
        if (std::find(k_keys.begin(), k_keys.end(), key) == k_keys.end())
            return std::unexpected(r.error(at, "unknown key (deployments, tier, mode, fallbacks, allow_*/deny_* "
                                                "lists, region, max_price, max_cost)"));
        if (key == "deployments") {
            if (!value.is_array()) return std::unexpected(r.error(at, "expected a list of {model, provider, weight}"));
            for (std::size_t i = 0; i < value.size(); ++i) {
                auto deployment = read_deployment(r, value[i], at + "/" + std::to_string(i));
                if (!deployment) return std::unexpected(deployment.error());
                group.deployments.push_back(*deployment);
            }
        } else if (key == "tier") {
            std::string text;
            TRY_ASSIGN(text, r.string(value, at));
            group.tier = catalog::parse_tier(text);
            if (!group.tier) return std::unexpected(r.error(at, "unknown tier (light, standard, strong, frontier)"));
        } else if (key == "mode") {
            TRY_ASSIGN(group.mode, r.mode(value, at));
        } else if (key == "fallbacks") {
            TRY_ASSIGN(group.fallbacks, r.strings(value, at));
        }
    }
    TRY_ASSIGN(group.constraints, read_constraints(r, base, doc));
    return group;
}

Result<void> read_groups_and_aliases(const Reader& r, const json& document, RoutingConfig& out) {
    if (auto groups = document.find("groups"); groups != document.end()) {
        if (!groups->is_object()) return std::unexpected(r.error("/groups", "expected [groups.<name>] tables"));
        for (auto& [name, value] : groups->items()) {
            auto group = read_group(r, name, value);
            if (!group) return std::unexpected(group.error());
            out.groups[name] = std::move(*group);
        }
    }
    if (auto aliases = document.find("aliases"); aliases != document.end()) {
        if (!aliases->is_object()) return std::unexpected(r.error("/aliases", "expected name = \"model\" pairs"));
        for (auto& [name, value] : aliases->items()) {
            std::string target;
            TRY_ASSIGN(target, r.string(value, "/aliases/" + name));
            out.aliases[name] = target;
        }
    }
    return {};
}

} // namespace megarouter::routing
