// Worst-case cost of a call: see worst_case.hpp for the bound and why it holds.
#include "megarouter/routing/worst_case.hpp"

#include <algorithm>

#include "megarouter/catalog/catalog.hpp"

namespace megarouter::routing {

namespace {

std::int64_t bytes_of(const providers::ChatRequest& request) {
    std::int64_t bytes = static_cast<std::int64_t>(request.system.size());
    for (const auto& message : request.messages) {
        bytes += k_message_overhead;
        for (const auto& part : message.content)
            bytes += part.kind == providers::ContentPart::Kind::image ? k_image_bound
                                                                       : static_cast<std::int64_t>(part.text.size());
        for (const auto& call : message.tool_calls)
            bytes += static_cast<std::int64_t>(call.name.size() + call.arguments.size()) + k_message_overhead;
    }
    if (!request.tools.empty()) bytes += k_tools_overhead;
    for (const auto& tool : request.tools)
        bytes += static_cast<std::int64_t>(tool.name.size() + tool.description.size() + tool.parameters.dump().size());
    return bytes;
}

// Each token billed at the dearest price it could carry.
catalog::Nanos cost_of(const catalog::Offering& offering, std::int64_t input, std::int64_t output) {
    catalog::Usage usage;
    usage.input = input;
    const catalog::PriceTier* tier = catalog::applicable_tier(offering, usage);
    const catalog::PriceSet& prices = tier ? tier->prices : offering.prices;
    usage = {};
    if (prices.cache_write > prices.input) usage.cache_write = input;
    else usage.input = input;
    usage.output = output;
    if (prices.reasoning && *prices.reasoning > prices.output) usage.reasoning = output;
    return catalog::cost(offering, usage);
}

std::int64_t capped_input(const catalog::Model& model, std::int64_t input_bound) {
    std::int64_t input = std::clamp<std::int64_t>(input_bound, 0, catalog::k_max_tokens);
    return model.context_window > 0 ? std::min(input, model.context_window) : input;
}

} // namespace

std::int64_t input_token_bound(const providers::ChatRequest& request) {
    return std::min<std::int64_t>(bytes_of(request), catalog::k_max_tokens);
}

WorstCase worst_case(const catalog::Model& model, const catalog::Offering& offering, std::int64_t input_bound,
                     std::optional<std::int64_t> max_tokens) {
    WorstCase out;
    out.input_tokens = capped_input(model, input_bound);
    std::int64_t output = model.max_output > 0 ? model.max_output : k_unknown_max_output;
    if (max_tokens && *max_tokens > 0) output = model.max_output > 0 ? std::min(*max_tokens, model.max_output) : *max_tokens;
    out.output_tokens = std::clamp<std::int64_t>(output, 0, catalog::k_max_tokens);
    out.cost = cost_of(offering, out.input_tokens, out.output_tokens);
    return out;
}

std::int64_t output_that_fits(const catalog::Model& model, const catalog::Offering& offering, std::int64_t input_bound,
                              std::int64_t ceiling, catalog::Nanos room, std::int64_t room_tokens) {
    std::int64_t input = capped_input(model, input_bound);
    auto fits = [&](std::int64_t output) {
        return input + output <= room_tokens && cost_of(offering, input, output) <= room;
    };
    // Cost only grows with output: the largest cap that fits, by bisection.
    std::int64_t lo = 0, hi = std::clamp<std::int64_t>(ceiling, 0, catalog::k_max_tokens);
    if (!fits(1)) return 0;
    if (fits(hi)) return hi;
    lo = 1; // fits(lo) && !fits(hi)
    while (hi - lo > 1) {
        std::int64_t mid = lo + (hi - lo) / 2;
        (fits(mid) ? lo : hi) = mid;
    }
    return lo;
}

} // namespace megarouter::routing
