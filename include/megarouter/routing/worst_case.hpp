// The most one call can cost: what a budget must hold for a request before
// it is sent, so that settled spend plus what is held never passes a block
// level. Pure: prices and limits from the catalog, sizes from the request.
//
// The bound holds as long as the provider bills no more than
//   - one input token per byte of text (a BPE or byte-fallback token always
//     covers at least one byte), plus k_message_overhead per message,
//     k_tools_overhead when tools are offered and k_image_bound per image,
//     and never more than the model's context window;
//   - the output cap: max_tokens, else the model's maximum output.
// Input is priced at the dearer of input and cache-write prices, output at
// the dearer of output and reasoning prices, at the long-context tier the
// input bound falls in.
#pragma once

#include <cstdint>
#include <optional>

#include "megarouter/catalog/model.hpp"
#include "megarouter/providers/canonical.hpp"

namespace megarouter::routing {

inline constexpr std::int64_t k_message_overhead = 8;  // role and framing tokens per message
inline constexpr std::int64_t k_tools_overhead = 1000; // providers' own tool-use preamble (Anthropic: ~350)
inline constexpr std::int64_t k_image_bound = 6000;    // per image: OpenAI bills <= 1,445, Anthropic ~1,600
inline constexpr std::int64_t k_unknown_max_output = 32768; // a model whose maximum output the catalog lacks

// Input tokens the request can be billed for at most, before the context
// window caps it (see above).
std::int64_t input_token_bound(const providers::ChatRequest& request);

struct WorstCase {
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
    catalog::Nanos cost = 0;
    std::int64_t tokens() const { return input_tokens + output_tokens; }
};

// The worst case of one call to `offering` of `model`. `max_tokens` is the
// output cap sent upstream (nullopt: none, so the model's maximum output;
// when the catalog does not know that either, k_unknown_max_output).
WorstCase worst_case(const catalog::Model& model, const catalog::Offering& offering, std::int64_t input_bound,
                     std::optional<std::int64_t> max_tokens);

// The largest output cap, at most `ceiling` tokens, whose worst case fits in
// `room` nano-dollars and `room_tokens` tokens; 0 when not even one token fits.
std::int64_t output_that_fits(const catalog::Model& model, const catalog::Offering& offering, std::int64_t input_bound,
                              std::int64_t ceiling, catalog::Nanos room, std::int64_t room_tokens);

} // namespace megarouter::routing
