// providers::pick_member (src/providers/json_pick.cpp), the validating scan
// that reads one member of an upstream answer, checked against nlohmann on
// the same bytes: whenever nlohmann accepts a document within the limits,
// pick_member must accept it too and return the same member (null when
// absent, nlohmann's value for a duplicate key being the last one, as
// pick_member's). The key is chosen by the input.
#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "megarouter/core/json.hpp"
#include "megarouter/providers/json_pick.hpp"

using namespace megarouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    static const char* const keys[] = {"usage", "usageMetadata", "a", "", "model"};
    std::string_view key = keys[input.take_byte() % 5];
    std::string_view text = input.rest();
    auto picked = providers::pick_member(text, key);
    if (text.find('\0') != std::string_view::npos) return 0; // nlohmann stops reading at a NUL byte
    nlohmann::json whole = nlohmann::json::parse(text, nullptr, false);
    if (whole.is_discarded() || !core::check_json_bounds(text, core::JsonLimits{})) return 0;
    if (!picked) __builtin_trap(); // valid JSON refused
    nlohmann::json expected = whole.is_object() && whole.contains(key) ? whole[std::string(key)] : nlohmann::json();
    if (*picked != expected) __builtin_trap();
    return 0;
}
