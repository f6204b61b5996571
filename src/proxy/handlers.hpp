// The endpoint handlers of `megarouter serve`. Each answers one route of the
// HTTP server; all are thread-safe and never throw.
#pragma once

#include "megarouter/http/response.hpp"

#include "megarouter/http/request.hpp"

#include "proxy/exchange.hpp"
#include "proxy/state.hpp"

namespace megarouter::proxy {

// POST /v1/chat/completions, /v1/messages, /v1/responses: the filter chain,
// streamed or not.
void handle_chat(Shared& shared, ApiKind api, const http::Request& request, http::Response& response);

// GET /v1/models (OpenAI list, or Anthropic's with an anthropic-version header)
// and GET /v1/models/{id}.
void handle_models(Shared& shared, const http::Request& request, http::Response& response);
void handle_model(Shared& shared, const http::Request& request, http::Response& response);

// POST /v1/messages/count_tokens: an estimate (routing's token estimator).
void handle_count_tokens(Shared& shared, const http::Request& request, http::Response& response);

// POST /v1/embeddings: passed through to an OpenAI-format provider, through
// the governance chain (authenticate, role, policy, reservation, settlement,
// one ledger row).
void handle_embeddings(Shared& shared, const http::Request& request, http::Response& response);

// POST /v1/route: the routing plan as JSON, nothing called.
void handle_route(Shared& shared, const http::Request& request, http::Response& response);

// GET /health and GET /health/deployments.
void handle_health(Shared& shared, const http::Request& request, http::Response& response);
void handle_metrics(Shared& shared, const http::Request& request, http::Response& response);
// [telemetry] per_key_metrics (default false).
bool per_key_metrics(const core::Config& config);
// [telemetry] metrics (default true).
bool metrics_enabled(const core::Config& config);
void handle_ready(Shared& shared, const http::Request& request, http::Response& response);
void handle_deployments(Shared& shared, const http::Request& request, http::Response& response);

// The API family a path belongs to, for errors outside any handler (413, 404).
providers::WireFormat format_for_path(const std::string& path);

} // namespace megarouter::proxy
