// Key policies name models the way clients do: catalog ids, catalog aliases,
// config aliases and groups. These turn such names into the catalog ids
// behind them, against one config snapshot, so the policy check and the
// router compare canonical ids.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "megarouter/governance/gate.hpp"
#include "proxy/state.hpp"

namespace megarouter::proxy {

// The catalog ids `name` stands for: a catalog id or alias -> its id; a
// config alias -> what it names; a group -> the models of its deployments,
// its allow_models and its fallbacks (nested up to 4 levels). Empty when
// unknown (or a rule group that names no model).
std::vector<std::string> model_ids_for(std::string_view name, const Snapshot& snapshot);

// model_ids_for as a governance::ModelExpander; `snapshot` must outlive it.
governance::ModelExpander model_expander(const Snapshot& snapshot);

// A policy's allowed_models for the router: every entry plus the ids behind
// it (so groups listed in a policy keep their models routable).
std::vector<std::string> allowed_model_ids(const std::vector<std::string>& names, const Snapshot& snapshot);

} // namespace megarouter::proxy
