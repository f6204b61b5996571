// Internal to routing: a model the catalog does not list yet, made into a
// one-offering model the router can plan for. See PassThrough in router.hpp.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "megarouter/routing/router.hpp"

namespace megarouter::routing {

// The pass-through model for `requested` ("provider/model", or a bare id
// whose naming names a provider), when that provider is configured. Priced
// from the config's [prices] entry for it, else from the closest listed
// sibling (an estimate), else at the config's unpriced price. Otherwise
// fails with `unknown` (the catalog's not_found) extended by what would make
// it pass. Ids are at most 128 bytes of [A-Za-z0-9._:@+/-].
Result<std::shared_ptr<const PassThrough>> pass_through(std::string_view requested, const catalog::Catalog& catalog,
                                                        const RoutingConfig& config,
                                                        std::span<const std::string> providers, Error unknown);

} // namespace megarouter::routing
