// Money: the cost of a usage record in exact integer nano-dollars, price
// conversion, and how amounts are written.
#include <cmath>
#include <cstdlib>

#include "megarouter/catalog/catalog.hpp"

namespace megarouter::catalog {

namespace {

using Wide = __int128;

constexpr Wide k_tokens_per_price_unit = 1'000'000; // prices are per million tokens

Nanos nonnegative(std::int64_t value) { return value < 0 ? 0 : value; }

// A zero cache price means "no discount": those tokens cost the input price.
Nanos or_input(Nanos price, const PriceSet& prices) { return price > 0 ? price : prices.input; }

} // namespace

const PriceTier* applicable_tier(const Offering& offering, const Usage& usage) {
    std::int64_t total_input =
        add_saturated(add_saturated(nonnegative(usage.input), nonnegative(usage.cached_input)), nonnegative(usage.cache_write));
    const PriceTier* chosen = nullptr;
    for (const PriceTier& tier : offering.tiers)
        if (total_input > tier.above_input_tokens && (!chosen || tier.above_input_tokens > chosen->above_input_tokens))
            chosen = &tier;
    return chosen;
}

Nanos cost(const Offering& offering, const Usage& usage) {
    const PriceTier* tier = applicable_tier(offering, usage);
    const PriceSet& prices = tier ? tier->prices : offering.prices;
    std::int64_t output = nonnegative(usage.output);
    std::int64_t reasoning = std::min(nonnegative(usage.reasoning), output);
    // Sum token x price products exactly, then divide and round once.
    Wide total = Wide(nonnegative(usage.input)) * prices.input;
    total += Wide(nonnegative(usage.cached_input)) * or_input(prices.cache_read, prices);
    total += Wide(nonnegative(usage.cache_write)) * or_input(prices.cache_write, prices);
    if (prices.reasoning) {
        total += Wide(output - reasoning) * prices.output;
        total += Wide(reasoning) * *prices.reasoning;
    } else {
        total += Wide(output) * prices.output;
    }
    Wide nanos = (total + k_tokens_per_price_unit / 2) / k_tokens_per_price_unit;
    return nanos > k_max_request_cost ? k_max_request_cost : static_cast<Nanos>(nanos);
}

const Offering* cheapest_offering(const Model& model) {
    const Offering* best = nullptr;
    for (const Offering& offering : model.offerings)
        if (!best || offering.prices.input + offering.prices.output < best->prices.input + best->prices.output)
            best = &offering;
    return best;
}

const Offering* find_offering(const Model& model, std::string_view provider) {
    for (const Offering& offering : model.offerings) {
        if (offering.provider.size() != provider.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < provider.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(offering.provider[i])) ==
                   std::tolower(static_cast<unsigned char>(provider[i]));
        if (same) return &offering;
    }
    return nullptr;
}

Nanos usd_per_mtok_to_nanos(double usd) { return static_cast<Nanos>(std::llround(usd * 1e9)); }

double nanos_to_usd(Nanos amount) { return static_cast<double>(amount) / 1e9; }

std::string format_usd_plain(Nanos amount) {
    std::string sign = amount < 0 ? "-" : "";
    unsigned long long magnitude = amount < 0 ? 0ull - static_cast<unsigned long long>(amount) : amount;
    std::string whole = std::to_string(magnitude / k_nanos_per_usd);
    std::string fraction = std::to_string(magnitude % k_nanos_per_usd);
    fraction.insert(0, 9 - fraction.size(), '0');
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    return sign + whole + (fraction.empty() ? "" : "." + fraction);
}

std::string format_usd(Nanos amount) {
    std::string sign = amount < 0 ? "-" : "";
    unsigned long long magnitude = amount < 0 ? 0ull - static_cast<unsigned long long>(amount) : amount;
    // Two decimals from $1 up; below that enough to keep three significant digits.
    int decimals = 2;
    if (magnitude > 0 && magnitude < static_cast<unsigned long long>(k_nanos_per_usd)) {
        decimals = 3;
        for (unsigned long long t = k_nanos_per_usd / 10; magnitude < t && decimals < 9; t /= 10) ++decimals;
    }
    unsigned long long unit = 1;
    for (int i = decimals; i < 9; ++i) unit *= 10;
    unsigned long long rounded = (magnitude + unit / 2) / unit;
    unsigned long long scale = k_nanos_per_usd / unit;
    std::string fraction = std::to_string(rounded % scale);
    fraction.insert(0, static_cast<std::size_t>(decimals) - fraction.size(), '0');
    while (fraction.size() > 2 && fraction.back() == '0') fraction.pop_back();
    return sign + "$" + std::to_string(rounded / scale) + "." + fraction;
}

} // namespace megarouter::catalog
