// What the three request-decoder targets share: a client body parsed with
// the bounded parse (as the proxy does), decoded by the client adapter under
// test, then everything the proxy does with a decoded request: the token
// estimate, the request encoded for each upstream format and dumped, and the
// original body dumped as a pass-through would. Copies and dumps of the
// client's subtrees (metadata, tool parameters, response_format) happen here.
#pragma once

#include <nlohmann/json.hpp>

#include "megarouter/core/json.hpp"
#include "megarouter/providers/adapter.hpp"
#include "megarouter/routing/analyser.hpp"

namespace megarouter::fuzz {

inline void encode_everywhere(const providers::ChatRequest& chat, const nlohmann::json& body) {
    routing::estimate_input_tokens(chat);
    for (auto format : {providers::WireFormat::openai, providers::WireFormat::anthropic, providers::WireFormat::gemini})
        providers::upstream_adapter(format).encode_request(chat, "fuzz-model").dump(-1, ' ', false,
                                                                                    nlohmann::json::error_handler_t::replace);
    body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline int decode_request(providers::WireFormat client, const std::uint8_t* data, std::size_t size) {
    auto body = core::parse_json_bounded({reinterpret_cast<const char*>(data), size}, core::JsonLimits{});
    if (!body) return 0;
    auto chat = providers::client_adapter(client)->decode_client_request(*body);
    if (chat) encode_everywhere(*chat, *body);
    return 0;
}

} // namespace megarouter::fuzz
