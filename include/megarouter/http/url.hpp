// Percent-decoding and query strings, for request targets (the server) and
// for other text that uses the same escapes (OTEL_* key=value lists). Pure
// functions over bytes: no allocation beyond the output, time linear in the
// input, no recursion, so a fuzzer can call them with anything.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace megarouter::http {

// A query's name/value pairs in the order they appear; a name may repeat.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

enum class Plus { keep, space };

// `text` with each "%XY" (two hex digits, either case) replaced by that byte.
// A '%' not followed by two hex digits is kept as it is (as cpp-httplib did),
// so malformed input decodes without failing. With Plus::space a '+' becomes
// a space (query strings, application/x-www-form-urlencoded); paths keep it.
// The result is never longer than `text`.
std::string decode_url(std::string_view text, Plus plus);

// Appends the pairs of `query` (the part of a target after '?', without it) to
// `params`: split at '&', each piece split at its first '=' (no '=': an empty
// value), both sides percent-decoded with '+' as a space. Pieces that are
// empty or have an empty name are skipped.
void parse_query(std::string_view query, QueryParams& params);

} // namespace megarouter::http
