// Reads one top-level member out of a JSON document without building the rest.
// A pass-through proxy needs only an answer's usage; building the full
// document tree for it cost more than the rest of the answer's handling.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "megarouter/core/json.hpp"

namespace megarouter::providers {

// The value of member `key` of the top-level object in `text`, or null when
// the document is an object without it (or not an object). nullopt when
// `text` is not valid JSON (the whole document is still checked) or when the
// member's value is over `limits` (the rest of the document is never built,
// so only the member is held to them).
std::optional<nlohmann::json> pick_member(std::string_view text, std::string_view key,
                                          const core::JsonLimits& limits = {});

} // namespace megarouter::providers
