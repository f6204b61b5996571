// Text rendering of routing plans for `megarouter route`.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

#include "cmd_route_view.hpp"

namespace megarouter::cli {

namespace {

using routing::Candidate;
using routing::Plan;

constexpr std::size_t k_short_candidates = 8;

std::string pad(std::string text, std::size_t width) {
    if (text.size() < width) text.append(width - text.size(), ' ');
    return text;
}

std::string fixed(double value, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << value;
    return s.str();
}

std::string bold(const std::string& text, bool color) { return color ? "\033[1m" + text + "\033[0m" : text; }

std::string deployment(const Candidate& c) { return c.model->id + " via " + c.offering->provider; }

std::string signals_text(const Plan& plan) {
    std::string out;
    for (const routing::SignalHit& hit : plan.analysis.decisive()) {
        if (!out.empty()) out += ", ";
        out += std::string(hit.detail) + " +" + fixed(hit.points, hit.points == std::floor(hit.points) ? 0 : 1);
    }
    for (const routing::SignalHit& hit : plan.analysis.signals)
        if (hit.points < 0) out += (out.empty() ? "" : ", ") + std::string(hit.detail) + " " + fixed(hit.points, 0);
    return out.empty() ? "no signals" : out;
}

// The learned predictor's view in words: its figure, the tier it asks for,
// and what such figures meant on held-out prompts when the model was trained.
std::string difficulty_text(const Plan& plan, const routing::DifficultyModel* model) {
    double p = plan.difficulty;
    std::string words = p >= 0.8 ? "hard" : p >= 0.6 ? "fairly hard" : p >= 0.4 ? "moderate" : "easy";
    std::string out = "predicted " + words + " (" + fixed(p, 2) + ", asks for " +
                      std::string(catalog::to_string(plan.difficulty_tier)) + ")";
    if (model != nullptr) {
        auto bin = static_cast<std::size_t>(std::clamp(p * 10, 0.0, 9.0));
        if (model->calibration_count[bin] >= 20)
            out += ": on held-out prompts scored " + fixed(bin / 10.0, 1) + "-" + fixed((bin + 1) / 10.0, 1) +
                   ", cheap models lost " + fixed(model->calibration[bin] * 100, 0) + "% of the time";
    }
    return out + " [router model: " + plan.difficulty_model + "]";
}

void print_candidates(std::ostream& out, const Plan& plan, const RouteView& view) {
    std::size_t limit = view.all ? plan.candidates.size() : view.explain ? k_explain_candidates : k_short_candidates;
    std::size_t shown = std::min(plan.candidates.size(), limit);
    out << "\ncandidates (" << shown << " of " << plan.candidates.size() << ", best first"
        << (shown < plan.candidates.size() ? (view.explain ? "; --all lists every one" : "; --explain for more") : "")
        << ")\n";
    out << "  " << pad("#", 4) << pad("model", 34) << pad("provider", 12) << pad("tier", 10) << pad("est. cost", 12)
        << pad("score", 7) << pad("qual", 6) << pad("price", 6) << pad("lat", 6) << pad("avail", 6) << "latency\n";
    std::vector<const Candidate*> ranked = routing::ranked_candidates(plan);
    for (std::size_t i = 0; i < shown; ++i) {
        const Candidate& c = *ranked[i];
        out << "  " << pad(std::to_string(i + 1), 4) << pad(c.model->id, 34) << pad(c.offering->provider, 12)
            << pad(std::string(catalog::to_string(c.model->tier)), 10)
            << pad(catalog::format_usd(c.estimated_cost), 12) << pad(fixed(c.score, 3), 7)
            << pad(fixed(c.quality, 2), 6) << pad(fixed(c.price, 2), 6) << pad(fixed(c.latency, 2), 6)
            << pad(fixed(c.availability, 2), 6) << std::lround(c.expected_latency_ms) << " ms"
            << (c.latency_observed ? " (observed)" : "") << "\n";
    }
}

std::string exclusion_detail(const routing::Excluded& e) {
    std::string reason(routing::to_string(e.reason));
    if (e.reason == routing::Exclusion::context_too_small)
        reason += " (needs " + std::to_string(e.needed) + ", window " + std::to_string(e.model->context_window) + ")";
    if (e.reason == routing::Exclusion::output_too_small)
        reason += " (asks " + std::to_string(e.needed) + ", max " + std::to_string(e.model->max_output) + ")";
    return reason;
}

void print_excluded(std::ostream& out, const Plan& plan, const RouteView& view) {
    std::map<routing::Exclusion, std::vector<const routing::Excluded*>> by_reason;
    for (const routing::Excluded& e : plan.excluded) by_reason[e.reason].push_back(&e);
    out << "\nexcluded: " << plan.excluded.size() << " deployments";
    std::string sep = " (";
    for (const auto& [reason, list] : by_reason) {
        out << sep << list.size() << " " << routing::to_string(reason);
        sep = ", ";
    }
    out << (by_reason.empty() ? "" : ")");
    if (!view.explain && !view.all) {
        out << (by_reason.empty() ? "" : "; --explain shows examples") << "\n";
        return;
    }
    out << "\n";
    // Grouped by reason; --explain shows a few of each, --all every one.
    for (const auto& [reason, list] : by_reason) {
        std::size_t shown = view.all ? list.size() : std::min(list.size(), k_explain_examples);
        out << "  " << routing::to_string(reason) << " (" << list.size() << ")\n";
        for (std::size_t i = 0; i < shown; ++i)
            out << "    " << pad(list[i]->model->id, 34) << pad(list[i]->offering->provider, 12)
                << exclusion_detail(*list[i]) << "\n";
        if (shown < list.size()) out << "    ... and " << list.size() - shown << " more (--all lists them)\n";
    }
}

} // namespace

void print_plan(std::ostream& out, const Plan& plan, const RouteView& view) {
    const Candidate& chosen = plan.chosen;
    out << bold("route     ", view.color) << plan.requested << " -> " << bold(deployment(chosen), view.color) << "  ("
        << chosen.offering->provider_model_id << ")\n";
    out << "mode      " << routing::to_string(plan.mode) << "\n";
    out << "tier      " << catalog::to_string(plan.required_tier);
    if (plan.required_tier == plan.analysis.tier || plan.route_kind != "auto")
        out << " (keywords: score " << fixed(plan.analysis.score, 1) << ", " << signals_text(plan) << ")\n";
    else
        out << " (raised by the learned difficulty; keywords alone: " << catalog::to_string(plan.analysis.tier)
            << ", score " << fixed(plan.analysis.score, 1) << ", " << signals_text(plan) << ")\n";
    out << "learned   " << difficulty_text(plan, view.difficulty_model) << "\n";
    if (!plan.analysis.category.empty())
        out << "work      " << plan.analysis.category << " (models are compared on their " << plan.analysis.category
            << " figures where measured)\n";
    out << "tokens    ~" << plan.analysis.input_tokens << " input, ~" << plan.analysis.output_tokens
        << " output expected (estimates)\n";
    out << "cost      ~" << catalog::format_usd(plan.estimated_cost);
    if (chosen.max_cost != chosen.estimated_cost) out << " (at most " << catalog::format_usd(chosen.max_cost) << ")";
    out << "\n";
    for (std::size_t i = 0; i < plan.fallbacks.size(); ++i)
        out << (i == 0 ? "fallbacks " : "          ") << i + 1 << ". " << deployment(plan.fallbacks[i]) << "  "
            << catalog::format_usd(plan.fallbacks[i].estimated_cost) << "\n";
    if (plan.fallbacks.empty()) out << "fallbacks none\n";
    for (const std::string& note : plan.notes) out << "note      " << note << "\n";
    print_candidates(out, plan, view);
    print_excluded(out, plan, view);
}

void print_compare(std::ostream& out, const std::vector<ModeChoice>& choices) {
    out << pad("mode", 14) << pad("model", 34) << pad("provider", 12) << pad("tier", 10) << pad("est. cost", 12)
        << "latency\n";
    for (const ModeChoice& choice : choices) {
        out << pad(std::string(routing::to_string(choice.mode)), 14);
        if (!choice.plan) {
            out << "(" << choice.plan.error().message << ")\n";
            continue;
        }
        const Candidate& c = choice.plan->chosen;
        out << pad(c.model->id, 34) << pad(c.offering->provider, 12)
            << pad(std::string(catalog::to_string(c.model->tier)), 10) << pad(catalog::format_usd(c.estimated_cost), 12)
            << std::lround(c.expected_latency_ms) << " ms\n";
    }
    if (!choices.empty() && choices.front().plan)
        out << "\nrequired tier " << catalog::to_string(choices.front().plan->required_tier) << ", ~"
            << choices.front().plan->analysis.input_tokens << " input tokens\n";
}

nlohmann::json compare_to_json(const std::vector<ModeChoice>& choices) {
    nlohmann::json out = nlohmann::json::array();
    for (const ModeChoice& choice : choices) {
        nlohmann::json row = {{"mode", routing::to_string(choice.mode)}};
        if (!choice.plan) {
            row["error"] = {{"code", to_string(choice.plan.error().code)}, {"message", choice.plan.error().message}};
        } else {
            nlohmann::json plan = routing::plan_to_json(*choice.plan);
            for (const char* key : {"tier", "chosen", "fallbacks", "estimated_cost_usd", "notes"}) row[key] = plan[key];
        }
        out.push_back(row);
    }
    return out;
}

} // namespace megarouter::cli
