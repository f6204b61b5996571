// What a client's request asks for that the upstream's wire format cannot
// carry when the proxy translates (docs/translation.md has the whole table).
// Nothing is dropped silently: a field whose loss would change what the
// answer means (several choices, log probabilities, audio, a stored
// conversation, a document the model should read) refuses the deployment;
// a hint with no equivalent (cache keys, metadata, service tiers, hosted
// tools) is named in the x-megarouter-dropped response header.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/core/error.hpp"
#include "megarouter/providers/registry.hpp"
#include "proxy/exchange.hpp"

namespace megarouter::proxy {

struct TranslationLosses {
    std::vector<std::string> named;  // carried by nothing; the request goes ahead
    std::optional<Error> refused;    // invalid_argument: this upstream cannot honour the request
};

// The losses of translating `body` (the client's JSON, of `api`'s format) to
// `upstream`. Reads only the top level and one level of messages, parts and
// tools: linear in the body, no allocation beyond the names it returns.
TranslationLosses translation_losses(ApiKind api, providers::WireFormat upstream, const nlohmann::json& body);

} // namespace megarouter::proxy
