// Bounded JSON parsing for everything that arrives from the network: client
// bodies, admin and spend requests, upstream answers and stream events, and
// JSON carried inside strings (tool-call arguments). A linear scan of the
// bytes enforces a nesting-depth limit and a value-count limit before
// nlohmann builds a tree, so that no tree that reaches the rest of the code
// is deeper or larger than the limits say.
//
// Why both limits. nlohmann parses iteratively and destroys iteratively, but
// copying a subtree, dump(), operator== and the adapters' own walks recurse
// once per level: with the depth bounded, that recursion is bounded too (at
// -O2 a level of copy or dump costs at most about 250 bytes of stack, so 512
// levels, the configurable maximum, fit in a fiber's 512 KB with room left;
// see config.cpp). A tree also costs far more memory than its text: measured
// with glibc malloc, 32 MiB of `[[],[],...]` became 610 MB, of `[{},{},...]`
// 951 MB, of 16 million levels `[[[...]]]` 1.2 GB. The worst shapes cost at
// most about 85 bytes per value (member keys included), so the value limit
// bounds a tree at about 85 bytes x max_values (1,000,000 by default: about
// 85 MB), whatever the body size; legitimate requests, even embeddings sent
// as token arrays (OpenAI allows 300,000 tokens a request), stay far below.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "megarouter/core/config.hpp"
#include "megarouter/core/error.hpp"

namespace megarouter::core {

struct JsonLimits {
    // Containers ([ or {) open at once; a scalar at the top level is depth 0,
    // `{}` depth 1.
    int max_depth = 64;
    // Values in the whole document; each object key counts as one more (a
    // member costs a tree node and a string besides its value).
    std::size_t max_values = 1'000'000;
};

// The limits a config's [server] section sets (max_json_depth,
// max_json_values).
JsonLimits json_limits(const ServerSettings& server);

// Checks `text` against `limits` without building anything: one pass over
// the bytes that skips string contents (a bracket inside a string never
// counts). Exact for valid JSON; on invalid JSON it may pass or fail, and
// the parse that follows fails anyway. Fails with invalid_argument naming
// the limit and its setting, e.g. "JSON nesting deeper than 64 levels
// (max_json_depth)". Thread-safe; allocates nothing.
Result<void> check_json_bounds(std::string_view text, const JsonLimits& limits);

// check_json_bounds, then nlohmann's parse. Fails with invalid_argument: the
// limit's message, or "not valid JSON". Never throws. Thread-safe.
Result<nlohmann::json> parse_json_bounded(std::string_view text, const JsonLimits& limits);

// Readers of one member that never throw. nlohmann's value(key, fallback)
// throws type_error when the member exists with another type (and when the
// value is not an object), so JSON from the network is read with these.
//
// The string member `key` of `object`; `fallback` when `object` is not an
// object or the member is absent or not a string.
std::string string_member(const nlohmann::json& object, std::string_view key, std::string_view fallback = {});
// The boolean member `key`; `fallback` likewise.
bool bool_member(const nlohmann::json& object, std::string_view key, bool fallback);

// The JSON types a request field may be declared to have.
enum class JsonType { string, integer, boolean, object, array };
struct MemberType {
    std::string_view name;
    JsonType type;
};

// Checks that every member of `object` named in `members` that is present
// and not null has the declared type (an integer is a JSON number without a
// fraction or exponent, within int64). Fails with invalid_argument naming
// the first one that does not, e.g. "'amount' must be an integer", or
// "the request body must be a JSON object" when `object` is not one.
// Never throws. Thread-safe.
Result<void> check_member_types(const nlohmann::json& object, std::span<const MemberType> members);

} // namespace megarouter::core
