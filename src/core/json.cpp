// The bounded JSON parse: a pre-scan that counts nesting and values, then
// nlohmann. See include/megarouter/core/json.hpp for why.
#include "megarouter/core/json.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

namespace megarouter::core {
namespace {

// The index of the quote that closes the string whose contents start at
// `from`, or text.size() when it is not closed. memchr finds each candidate
// quote; a quote preceded by an odd run of backslashes is escaped. Each
// backslash run is walked back over once, by the one quote that follows it,
// so the scan stays linear.
std::size_t string_end(std::string_view text, std::size_t from) {
    const char* data = text.data();
    std::size_t at = from;
    while (at < text.size()) {
        const void* found = std::memchr(data + at, '"', text.size() - at);
        if (!found) return text.size();
        std::size_t quote = static_cast<std::size_t>(static_cast<const char*>(found) - data);
        std::size_t backslashes = 0;
        while (quote - backslashes > from && data[quote - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) return quote;
        at = quote + 1;
    }
    return text.size();
}

bool starts_scalar(char c) { return (c >= '0' && c <= '9') || c == '-' || c == 't' || c == 'f' || c == 'n'; }

// A scalar starts a value only where a value may start: at the top, after
// '[' , ',' or ':'. (Inside `true` or `123` the byte before is a letter or
// digit.)
bool value_may_start(char previous) { return previous == 0 || previous == '[' || previous == ',' || previous == ':'; }

Error depth_error(const JsonLimits& limits) {
    return make_error(ErrorCode::invalid_argument,
                      "JSON nesting deeper than " + std::to_string(limits.max_depth) + " levels (max_json_depth)");
}

Error values_error(const JsonLimits& limits) {
    return make_error(ErrorCode::invalid_argument,
                      "JSON with more than " + std::to_string(limits.max_values) + " values (max_json_values)");
}

} // namespace

JsonLimits json_limits(const ServerSettings& server) {
    return {.max_depth = server.max_json_depth, .max_values = static_cast<std::size_t>(server.max_json_values)};
}

Result<void> check_json_bounds(std::string_view text, const JsonLimits& limits) {
    // JSON has no raw NUL anywhere, and nlohmann stops reading at one: a body
    // "{...}\0{...}" would parse as its first half here while an upstream
    // reading the bytes sees more. Refused, so both always see the same text.
    if (std::memchr(text.data(), '\0', text.size()))
        return fail(ErrorCode::invalid_argument, "JSON text contains a NUL byte");
    std::size_t depth = 0;
    std::size_t values = 0;
    const std::size_t max_depth = limits.max_depth < 0 ? 0 : static_cast<std::size_t>(limits.max_depth);
    char previous = 0; // the last byte outside strings that is not white space
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r': continue;
        case '"':
            ++values; // a string value or an object key
            i = string_end(text, i + 1);
            break;
        case '[':
        case '{':
            ++values;
            if (++depth > max_depth) return std::unexpected(depth_error(limits));
            break;
        case ']':
        case '}':
            if (depth > 0) --depth;
            break;
        default:
            if (starts_scalar(c) && value_may_start(previous)) ++values;
            break;
        }
        if (values > limits.max_values) return std::unexpected(values_error(limits));
        previous = c;
    }
    return {};
}

Result<nlohmann::json> parse_json_bounded(std::string_view text, const JsonLimits& limits) {
    if (auto bounded = check_json_bounds(text, limits); !bounded) return std::unexpected(bounded.error());
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) return fail(ErrorCode::invalid_argument, "not valid JSON");
    return value;
}

std::string string_member(const nlohmann::json& object, std::string_view key, std::string_view fallback) {
    if (!object.is_object()) return std::string(fallback);
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
}

bool bool_member(const nlohmann::json& object, std::string_view key, bool fallback) {
    if (!object.is_object()) return fallback;
    auto it = object.find(key);
    return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

namespace {

bool has_type(const nlohmann::json& value, JsonType type) {
    switch (type) {
    case JsonType::string: return value.is_string();
    case JsonType::integer:
        return value.is_number_integer() &&
               (!value.is_number_unsigned() ||
                value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    case JsonType::boolean: return value.is_boolean();
    case JsonType::object: return value.is_object();
    case JsonType::array: return value.is_array();
    }
    return false;
}

const char* type_words(JsonType type) {
    switch (type) {
    case JsonType::string: return "a string";
    case JsonType::integer: return "an integer";
    case JsonType::boolean: return "a boolean";
    case JsonType::object: return "an object";
    case JsonType::array: return "an array";
    }
    return "?";
}

} // namespace

Result<void> check_member_types(const nlohmann::json& object, std::span<const MemberType> members) {
    if (!object.is_object()) return fail(ErrorCode::invalid_argument, "the request body must be a JSON object");
    for (const MemberType& member : members) {
        auto it = object.find(member.name);
        if (it == object.end() || it->is_null() || has_type(*it, member.type)) continue;
        return fail(ErrorCode::invalid_argument,
                    "'" + std::string(member.name) + "' must be " + type_words(member.type));
    }
    return {};
}

} // namespace megarouter::core
