#include "proxy/deployment_alerts.hpp"

#include <cctype>
#include <cmath>
#include <ctime>

namespace megarouter::proxy {

namespace {

// "2026-11-26T16:30:05Z"
std::string utc_text(core::Millis ms) {
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

// Characters safe in an id that appears in URLs (/admin/alerts/<id>).
std::string id_part(std::string_view text) {
    std::string out;
    for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
    return out;
}

std::string percent(double rate) { return std::to_string(static_cast<int>(std::lround(rate * 100))) + "%"; }

} // namespace

DeploymentAlert deployment_alert(const routing::HealthEvent& event) {
    bool ejected = event.kind == routing::HealthEvent::Kind::ejected;
    std::string_view key = event.deployment;
    std::size_t slash = key.find('/');
    std::string provider(slash == std::string_view::npos ? key : key.substr(0, slash));
    std::string model(slash == std::string_view::npos ? std::string_view() : key.substr(slash + 1));

    DeploymentAlert alert;
    alert.type = ejected ? "deployment.ejected" : "deployment.recovered";
    alert.ts = event.at;
    alert.id = std::string("evt_deploy_") + (ejected ? "ejected_" : "recovered_") + id_part(key) + "_" +
               std::to_string(event.at);
    std::string last = event.status > 0 ? "HTTP " + std::to_string(event.status) : "no HTTP status";
    std::string reason =
        !ejected ? "a request succeeded after the ejection"
        : event.trial ? "its trial request after an earlier ejection failed (" + last + ")"
                      : std::to_string(event.consecutive_failures) + " consecutive retryable failures (last: " + last + ")";
    alert.figures = {{"deployment", event.deployment},
                     {"provider", provider},
                     {"model", model},
                     {"reason", reason},
                     {"error_rate", std::round(event.error_rate * 1000) / 1000},
                     {"ttft_ms", event.ttft_ms > 0 ? nlohmann::json(std::round(event.ttft_ms * 10) / 10) : nullptr},
                     {"ejections", event.ejections}};
    if (ejected) {
        alert.figures["status"] = event.status;
        alert.figures["consecutive_failures"] = event.consecutive_failures;
        alert.figures["ejected_until_ms"] = event.until;
        alert.figures["ejected_until"] = utc_text(event.until);
        alert.summary = "deployment " + event.deployment + " ejected until " + utc_text(event.until) + " after " +
                        reason + "; error rate " + percent(event.error_rate);
    } else {
        alert.summary = "deployment " + event.deployment + " recovered: " + reason + "; error rate " +
                        percent(event.error_rate);
    }
    return alert;
}

} // namespace megarouter::proxy
