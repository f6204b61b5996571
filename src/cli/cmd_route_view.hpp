// Internal to the CLI: how `megarouter route` prints a plan -- the short
// decision table, the --explain and --all lists, and the --compare view.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <vector>

#include "megarouter/routing/router.hpp"

namespace megarouter::cli {

struct RouteView {
    bool explain = false; // the best k_explain_candidates, and examples of each exclusion reason
    bool all = false;     // every candidate and every excluded deployment
    bool color = false;
    const routing::DifficultyModel* difficulty_model = nullptr; // for the learned line's calibration
};
inline constexpr std::size_t k_explain_candidates = 10;
inline constexpr std::size_t k_explain_examples = 4;

void print_plan(std::ostream& out, const routing::Plan& plan, const RouteView& view);

// One row per mode: what it would choose and at what estimated cost.
struct ModeChoice {
    routing::Mode mode;
    Result<routing::Plan> plan;
};
void print_compare(std::ostream& out, const std::vector<ModeChoice>& choices);
nlohmann::json compare_to_json(const std::vector<ModeChoice>& choices);

} // namespace megarouter::cli
