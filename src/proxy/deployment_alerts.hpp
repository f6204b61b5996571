// The deployment.ejected and deployment.recovered alert events: what the
// health tracker's transitions look like in the governance outbox (id,
// figures, a human summary). Pure; the proxy hands the result to the gate.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "megarouter/routing/health.hpp"

namespace megarouter::proxy {

struct DeploymentAlert {
    std::string id;   // deterministic: kind, deployment and instant, so a transition is stored once
    std::string type; // "deployment.ejected" | "deployment.recovered"
    core::Millis ts = 0;
    std::string summary;
    nlohmann::json figures; // deployment, provider, model, reason, status, error_rate, ttft_ms, ejections, ejected_until_ms
};

// Deployment events belong to no organisation: they are posted on the root
// node (""), so only global webhooks (added without --node) receive them.
inline constexpr const char* k_deployment_event_node = "";

// The alert event of one health transition.
DeploymentAlert deployment_alert(const routing::HealthEvent& event);

} // namespace megarouter::proxy
