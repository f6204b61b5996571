// Endpoints that answer from the gateway's own state: model lists, health,
// the routing dry run and token counts.
#include <chrono>
#include <ctime>
#include <set>

#include "megarouter/core/clock.hpp"
#include "megarouter/routing/analyser.hpp"
#include "megarouter/routing/failover.hpp"
#include "proxy/handlers.hpp"
#include "megarouter/core/ids.hpp"

namespace megarouter::proxy {
namespace {

using nlohmann::json;

constexpr const char* k_auto_names[] = {"auto", "auto:cost", "auto:balanced", "auto:latency", "auto:availability"};
const std::int64_t k_process_start_ms = core::system_clock().now_ms();

void send_json(http::Response& response, const json& body, int status = 200) {
    response.status = status;
    response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

// Seconds since the epoch for a "YYYY-MM-DD" / "YYYY-MM" date (0 when unknown).
std::int64_t epoch_of(const std::string& date) {
    std::tm tm{};
    tm.tm_mday = 1;
    if (std::sscanf(date.c_str(), "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) < 2) return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

std::string rfc3339(std::int64_t seconds) {
    std::time_t t = seconds;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

struct Listed {
    std::string id;
    std::string owner;
    std::string display_name;
    std::int64_t created = 0;
};

// Catalog models servable by a configured provider, then groups, aliases and
// the auto names.
std::vector<Listed> listed_models(const Snapshot& snapshot) {
    std::vector<Listed> out;
    std::set<std::string> configured(snapshot.providers.begin(), snapshot.providers.end());
    for (const auto& model : snapshot.catalog.models()) {
        bool servable = false;
        for (const auto& offering : model.offerings) servable = servable || configured.contains(offering.provider);
        if (servable) out.push_back({model.id, model.vendor, model.name, epoch_of(model.released)});
    }
    for (const auto& [name, group] : snapshot.routing.groups) out.push_back({name, "megarouter", "group " + name, 0});
    for (const auto& [name, target] : snapshot.routing.aliases) out.push_back({name, "megarouter", name + " -> " + target, 0});
    for (const char* name : k_auto_names) out.push_back({name, "megarouter", std::string("megarouter ") + name, 0});
    return out;
}

json openai_model(const Listed& m) {
    return {{"id", m.id}, {"object", "model"}, {"created", m.created}, {"owned_by", m.owner}};
}

json anthropic_model(const Listed& m) {
    return {{"type", "model"}, {"id", m.id}, {"display_name", m.display_name}, {"created_at", rfc3339(m.created)}};
}

std::optional<Listed> find_listed(const Snapshot& snapshot, const std::string& id) {
    for (const Listed& m : listed_models(snapshot))
        if (m.id == id) return m;
    if (const auto* model = snapshot.catalog.find(id)) return Listed{model->id, model->vendor, model->name, epoch_of(model->released)};
    return std::nullopt;
}

} // namespace

providers::WireFormat format_for_path(const std::string& path) {
    return path.starts_with("/v1/messages") ? providers::WireFormat::anthropic : providers::WireFormat::openai;
}

void handle_models(Shared& shared, const http::Request& request, http::Response& response) {
    auto snapshot = shared.snapshot();
    auto models = listed_models(*snapshot);
    json data = json::array();
    if (request.headers.has("anthropic-version")) {
        for (const auto& m : models) data.push_back(anthropic_model(m));
        json first = models.empty() ? json(nullptr) : json(models.front().id);
        json last = models.empty() ? json(nullptr) : json(models.back().id);
        send_json(response, {{"data", data}, {"has_more", false}, {"first_id", first}, {"last_id", last}});
        return;
    }
    for (const auto& m : models) data.push_back(openai_model(m));
    send_json(response, {{"object", "list"}, {"data", data}});
}

void handle_model(Shared& shared, const http::Request& request, http::Response& response) {
    auto snapshot = shared.snapshot();
    std::string id(request.param("id"));
    bool anthropic = request.headers.has("anthropic-version");
    auto format = anthropic ? providers::WireFormat::anthropic : providers::WireFormat::openai;
    if (auto named = providers::check_model_name(id); !named) return write_error(response, format, named.error(), "");
    if (auto m = find_listed(*snapshot, id)) {
        send_json(response, anthropic ? anthropic_model(*m) : openai_model(*m));
        return;
    }
    std::string message = "The model '" + id + "' does not exist";
    auto suggestions = snapshot->catalog.suggestions(id);
    if (!suggestions.empty()) {
        message += "; did you mean ";
        for (std::size_t i = 0; i < suggestions.size(); ++i) message += (i ? ", " : "") + suggestions[i];
        message += "?";
    }
    write_error(response, format, make_error(ErrorCode::not_found, message), "");
}

void handle_count_tokens(Shared& shared, const http::Request& request, http::Response& response) {
    auto format = providers::WireFormat::anthropic;
    auto parsed = parse_client_body(request.body, *shared.snapshot());
    if (!parsed) return write_error(response, format, parsed.error(), "");
    json& body = *parsed;
    if (!body.is_object()) {
        write_error(response, format, make_error(ErrorCode::invalid_argument, "the request body is not a JSON object"), "");
        return;
    }
    if (!body.contains("max_tokens")) body["max_tokens"] = 1; // count_tokens does not require it
    auto chat = providers::client_adapter(format)->decode_client_request(body);
    if (!chat) {
        write_error(response, format, chat.error(), "");
        return;
    }
    send_json(response, {{"input_tokens", routing::estimate_input_tokens(*chat)}});
}

void handle_route(Shared& shared, const http::Request& request, http::Response& response) {
    auto snapshot = shared.snapshot();
    auto parsed = parse_client_body(request.body, *snapshot);
    if (!parsed) return write_error(response, providers::WireFormat::openai, parsed.error(), "");
    json& body = *parsed;
    if (!body.is_object()) {
        write_error(response, providers::WireFormat::openai,
                    make_error(ErrorCode::invalid_argument, "the request body is not a JSON object"), "");
        return;
    }
    auto format = body.contains("system") || request.headers.has("anthropic-version") ? providers::WireFormat::anthropic
                                                                                      : providers::WireFormat::openai;
    if (format == providers::WireFormat::anthropic && !body.contains("max_tokens")) body["max_tokens"] = 1024;
    auto chat = providers::client_adapter(format)->decode_client_request(body);
    if (!chat) {
        write_error(response, format, chat.error(), "");
        return;
    }
    routing::RouteRequest ask{.model = chat->model, .defer_comparable = true}; // as the chain plans
    if (body.contains("mode") && body["mode"].is_string()) ask.mode = routing::parse_mode(body["mode"].get<std::string>());
    auto health = shared.health->snapshot();
    routing::RoutingContext context{.catalog = &snapshot->catalog, .providers = snapshot->providers,
                                    .config = &snapshot->routing, .health = &health,
                                    .now = core::system_clock().now_ms()};
    auto plan = routing::plan(ask, *chat, context);
    if (!plan) {
        write_error(response, format, routing::explain_no_route(plan.error(), chat->model, context), "");
        return;
    }
    routing::spell_out_failover(*plan, context); // the chain the proxy walks
    // A summary by default (the best candidates, exclusions counted by reason
    // with a few examples); ?detail=full lists every deployment.
    bool full = request.has_param("detail") && request.get_param_value("detail") == "full";
    send_json(response, routing::plan_to_json(*plan, full ? routing::PlanDetail::full : routing::PlanDetail::summary));
}

void handle_health(Shared& shared, const http::Request&, http::Response& response) {
    auto now = core::system_clock().now_ms();
    send_json(response, {{"status", "ok"}, {"version", MEGAROUTER_VERSION},
                         {"uptime_s", (now - k_process_start_ms) / 1000}, {"in_flight", shared.in_flight.load()},
                         {"providers", shared.snapshot()->providers}});
}

bool per_key_metrics(const core::Config& config) {
    const json& doc = config.document;
    if (!doc.is_object() || !doc.contains("telemetry") || !doc["telemetry"].is_object()) return false;
    const json& telemetry = doc["telemetry"];
    auto it = telemetry.find("per_key_metrics");
    return it != telemetry.end() && it->is_boolean() && it->get<bool>();
}

bool metrics_enabled(const core::Config& config) {
    const json& doc = config.document;
    if (!doc.is_object() || !doc.contains("telemetry") || !doc["telemetry"].is_object()) return true;
    const json& telemetry = doc["telemetry"];
    return !telemetry.contains("metrics") || !telemetry["metrics"].is_boolean() || telemetry["metrics"].get<bool>();
}

void handle_metrics(Shared& shared, const http::Request&, http::Response& response) {
    ScrapeFacts facts;
    facts.in_flight = shared.in_flight.load();
    auto health = shared.health->snapshot();
    for (const auto& [key, h] : health.deployments)
        facts.deployments.push_back({key, h.state == routing::HealthState::ejected && h.ejected_until > health.at,
                                     h.error_rate});
    facts.ledger_backlog = shared.governance->ledger_backlog();
    governance::Gate::LedgerStats ledger = shared.governance->ledger_stats();
    facts.ledger_commits = ledger.commits;
    facts.ledger_commit_failures = ledger.failed;
    facts.ledger_rows = ledger.rows;
    facts.ledger_spooled = ledger.spooled;
    facts.ledger_rejected = ledger.rejected;
    facts.lease_claims = shared.governance->lease_claims();
    facts.ledger_commit_seconds = ledger.seconds;
    facts.outbox_backlog = shared.governance->outbox_backlog();
    facts.streams = shared.streams.load();
    facts.open_connections = shared.open_connections ? shared.open_connections() : 0;
    if (shared.tracer) {
        telemetry::ExporterStats spans = shared.tracer->stats();
        facts.tracing = true;
        facts.spans_exported = spans.exported;
        facts.spans_dropped_full = spans.dropped_full;
        facts.spans_dropped_failed = spans.dropped_failed;
        facts.spans_queued = spans.queued;
    }
    for (const governance::Gate::LimitUsage& limit : shared.governance->limit_usage())
        if (limit.scope_kind != "key") // no key ids in labels: bounded cardinality
            facts.budgets.push_back({limit.scope_kind, limit.scope, limit.period,
                                 limit.amount > 0 ? static_cast<double>(limit.used) / static_cast<double>(limit.amount) : 0,
                                 limit.alert_pct, limit.downgrade_pct, limit.block_pct});
    response.set_content(shared.metrics.exposition(facts), "text/plain; version=0.0.4; charset=utf-8");
}

// Ready: not draining, some provider configured, the ledger's last write
// went through, and not every deployment that has seen traffic ejected (one
// without traffic counts as healthy).
void handle_ready(Shared& shared, const http::Request&, http::Response& response) {
    std::vector<std::string> why;
    if (shared.draining.load()) why.push_back("draining: shutting down");
    auto snapshot = shared.snapshot();
    if (snapshot->providers.empty()) why.push_back("no provider is configured");
    // Not ready while the store cannot be written, so a load balancer sends traffic to gateways that can.
    if (governance::Gate::LedgerStats ledger = shared.governance->ledger_stats(); ledger.failing)
        why.push_back(ledger.spooled > 0 && !ledger.spool_failing
                          ? "the store cannot be written: " + std::to_string(ledger.spooled) +
                                " ledger rows are kept in the local spool and delivered when it is back"
                          : std::string("the store cannot be written: ledger rows are kept in memory and retried"));
    auto health = shared.health->snapshot();
    bool any_up = health.deployments.empty();
    for (const auto& [key, h] : health.deployments)
        if (h.state != routing::HealthState::ejected || h.ejected_until <= health.at) any_up = true;
    if (!any_up) why.push_back("every deployment that has seen traffic is ejected");
    send_json(response, {{"status", why.empty() ? "ready" : "not_ready"}, {"reasons", why}}, why.empty() ? 200 : 503);
}

void handle_deployments(Shared& shared, const http::Request&, http::Response& response) {
    auto snapshot = shared.health->snapshot();
    json list = json::array();
    for (const auto& [key, h] : snapshot.deployments) {
        json entry = {{"deployment", key}, {"state", routing::to_string(h.state)}, {"successes", h.successes},
                      {"failures", h.failures}, {"consecutive_failures", h.consecutive_failures},
                      {"ejections", h.ejections}, {"error_rate", h.error_rate},
                      {"ttft_ms", h.latency_samples > 0 ? json(h.ttft_ms) : json(nullptr)},
                      {"tokens_per_s", h.latency_samples > 0 && h.tokens_per_s > 0 ? json(h.tokens_per_s) : json(nullptr)}};
        entry["ejected_until"] = h.ejected_until > snapshot.at ? json(rfc3339(h.ejected_until / 1000)) : json(nullptr);
        entry["retry_after_until"] =
            h.retry_after_until > snapshot.at ? json(rfc3339(h.retry_after_until / 1000)) : json(nullptr);
        list.push_back(std::move(entry));
    }
    std::sort(list.begin(), list.end(), [](const json& a, const json& b) { return a["deployment"] < b["deployment"]; });
    send_json(response, {{"at", rfc3339(snapshot.at / 1000)}, {"deployments", list}});
}

} // namespace megarouter::proxy
