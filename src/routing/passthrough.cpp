// pass_through(): see passthrough.hpp.
#include "routing/passthrough.hpp"

#include <algorithm>
#include <cctype>

#include "megarouter/catalog/naming.hpp"
#include "megarouter/providers/registry.hpp"

namespace megarouter::routing {

namespace {

constexpr std::size_t k_max_id_bytes = 128;

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > k_max_id_bytes || id.front() == '/' || id.back() == '/') return false;
    if (id.find("..") != std::string_view::npos) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' || c == '@' ||
               c == '+' || c == '/' || c == '-';
    });
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool configured(std::span<const std::string> providers, const std::string& provider) {
    return std::any_of(providers.begin(), providers.end(), [&](const std::string& p) { return lower(p) == provider; });
}

// "set OPENAI_API_KEY" for a provider the registry knows, else its config section.
std::string how_to_configure(const std::string& provider) {
    const providers::ProviderInfo* info = providers::find_provider(provider);
    if (info && !info->key_env.empty()) return "set " + info->key_env.front();
    return "add [providers." + provider + "] to the config";
}

Error with_hint(Error error, const std::string& hint) {
    error.message += "; " + hint;
    return error;
}

} // namespace

Result<std::shared_ptr<const PassThrough>> pass_through(std::string_view requested, const catalog::Catalog& catalog,
                                                        const RoutingConfig& config,
                                                        std::span<const std::string> providers, Error unknown) {
    if (!valid_id(requested)) return std::unexpected(unknown);
    std::string provider;
    std::string id(requested);
    std::string vendor;
    if (std::size_t slash = requested.find('/'); slash != std::string_view::npos) {
        provider = lower(requested.substr(0, slash));
        id = std::string(requested.substr(slash + 1));
        if (!configured(providers, provider))
            return std::unexpected(with_hint(unknown, "no configured provider is called '" + provider + "'" +
                                                          (providers::find_provider(provider)
                                                               ? " (" + how_to_configure(provider) + ")"
                                                               : std::string())));
        if (auto naming = catalog::naming_of(id)) vendor = naming->vendor;
    } else if (const catalog::Model* near = catalog::likely_typo_of(catalog, requested)) {
        // A bare id one slip away from a listed model is a typo to point out,
        // not a new model to pay for; provider/model form passes it anyway.
        std::string as_asked = "<provider>/" + id;
        if (auto naming = catalog::naming_of(requested)) as_asked = std::string(naming->provider) + "/" + id;
        return std::unexpected(with_hint(unknown, "it looks like a typo of " + near->id +
                                                      ", so it is not passed through (ask for " + as_asked +
                                                      " to send it as it is)"));
    } else if (auto naming = catalog::naming_of(requested)) {
        provider = naming->provider;
        vendor = naming->vendor;
        if (!configured(providers, provider))
            return std::unexpected(with_hint(unknown, "it would pass through to " + provider +
                                                          " (whose naming it follows), but " + provider +
                                                          " is not configured (" + how_to_configure(provider) + ")"));
    } else {
        return std::unexpected(with_hint(unknown, "to pass a model the catalog does not list yet to a provider, "
                                                  "ask for it as <provider>/" + id));
    }

    auto pass = std::make_shared<PassThrough>();
    catalog::Model& model = pass->model;
    model.id = id;
    model.name = id;
    model.capabilities = ~0u; // unknown: the provider decides what it supports
    model.tier = catalog::Tier::frontier;
    catalog::Offering offering;
    offering.provider = provider;
    offering.provider_model_id = id;
    if (const catalog::Offering* priced = catalog.unlisted_price(provider, id)) {
        offering.prices = priced->prices;
        pass->pricing = "config";
    } else if (const catalog::Model* sibling = catalog::closest_sibling(catalog, id, provider)) {
        const catalog::Offering* of = catalog::find_offering(*sibling, provider);
        offering.prices = of->prices;
        offering.tiers = of->tiers;
        offering.region = of->region;
        model.family = sibling->family;
        model.tier = sibling->tier;
        model.input_modalities = sibling->input_modalities;
        model.output_modalities = sibling->output_modalities;
        if (vendor.empty()) vendor = sibling->vendor;
        pass->pricing = "estimate";
        pass->sibling = sibling->id;
    } else {
        offering.prices.input = config.unpriced_input;
        offering.prices.output = config.unpriced_output;
        pass->pricing = "unpriced";
    }
    model.vendor = vendor.empty() ? provider : vendor;
    model.offerings.push_back(std::move(offering));
    return std::shared_ptr<const PassThrough>(std::move(pass));
}

} // namespace megarouter::routing
