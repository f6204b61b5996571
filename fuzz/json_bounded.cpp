// core::parse_json_bounded (src/core/json.cpp) checked against nlohmann and a
// walk of the tree nlohmann builds: it must accept exactly the documents
// nlohmann accepts whose depth and value count (keys included) are within
// the limits, and return the same tree. Small limits chosen by the input
// make both sides of each limit reachable.
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "megarouter/core/json.hpp"

using namespace megarouter;

namespace {

// Depth (containers open at once) and values (keys counted) of a tree,
// walked with an explicit stack: the tree may be as deep as the input.
std::pair<std::size_t, std::size_t> measure(const nlohmann::json& root) {
    std::size_t deepest = 0, values = 0;
    std::vector<std::pair<const nlohmann::json*, std::size_t>> stack{{&root, 0}};
    while (!stack.empty()) {
        auto [value, depth] = stack.back();
        stack.pop_back();
        ++values;
        if (!value->is_structured()) continue;
        deepest = std::max(deepest, depth + 1);
        if (value->is_object()) values += value->size();
        for (const auto& child : *value) stack.push_back({&child, depth + 1});
    }
    return {deepest, values};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    core::JsonLimits limits{.max_depth = 1 + input.take_byte() % 16, .max_values = 1 + std::size_t{input.take_byte()}};
    std::string_view text = input.rest();
    auto bounded = core::parse_json_bounded(text, limits);
    // nlohmann stops at a NUL byte; the bounded parse refuses any.
    if (text.find('\0') != std::string_view::npos) {
        if (bounded) __builtin_trap();
        return 0;
    }
    nlohmann::json plain = nlohmann::json::parse(text, nullptr, false);
    if (plain.is_discarded()) {
        if (bounded) __builtin_trap(); // accepted what nlohmann refuses
        return 0;
    }
    auto [depth, values] = measure(plain);
    bool within = depth <= static_cast<std::size_t>(limits.max_depth) && values <= limits.max_values;
    if (within != bool(bounded)) __builtin_trap();
    if (bounded && *bounded != plain) __builtin_trap();
    return 0;
}
