// The proxy's listener: megarouter's event-loop HTTP server (src/http) with
// the proxy's routes, limits and error shapes, and the lifecycle (bind, run,
// drain, reload).
#include "megarouter/proxy/server.hpp"
#include "megarouter/core/credentials.hpp"

#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "megarouter/core/clock.hpp"
#include "megarouter/http/request_head.hpp"
#include "megarouter/http/server.hpp"
#include "megarouter/upstream/client.hpp"
#include "proxy/browser_guard.hpp"
#include "proxy/handlers.hpp"
#include "proxy/serve_lock.hpp"
#include "proxy/state.hpp"

namespace megarouter::proxy {

struct ProxyServer::Impl {
    std::optional<ServeLock> serve_lock; // first member: released after everything else
    Shared shared;
    ServeOptions options;
    std::string host;
    int requested_port = 4000;
    int bound_port = 0;
    std::unique_ptr<http::Server> server;
    std::atomic<bool> stopping{false};
    std::int64_t started_max_body = 0; // the listener's own limit; reloads may only lower it
    Exposure exposure = Exposure::loopback; // of `host`, which a reload does not change
    std::vector<std::string> notes;

    http::Router routes();
    http::Limits limits() const;
    bool authorized(const http::Request& request, http::Response& response);
    void server_error(const http::Request& request, http::Response& response);
};

namespace {

// The body of a response the HTTP server makes itself, in the API family of
// the path (OpenAI or Anthropic error shape).
void write_server_error(const http::Request& request, http::Response& response) {
    int status = response.status;
    auto format = format_for_path(request.path);
    switch (status) {
    case 404: {
        std::string message = "unknown endpoint " + request.method + " " + request.path;
        nlohmann::json body = format == providers::WireFormat::anthropic
            ? nlohmann::json{{"type", "error"}, {"error", {{"type", "not_found_error"}, {"message", message}}}}
            : nlohmann::json{{"error", {{"message", message}, {"type", "invalid_request_error"}, {"param", nullptr},
                                        {"code", "unknown_url"}}}};
        response.set_content(body.dump(), "application/json");
        break;
    }
    case 413:
        write_error(response, format, make_error(ErrorCode::payload_too_large, "the request body is larger than the configured limit"), "");
        break;
    case 431:
        write_error(response, format, make_error(ErrorCode::invalid_argument, "request headers are larger than the configured limit"), "");
        break;
    case 400:
        write_error(response, format, make_error(ErrorCode::invalid_argument, "malformed HTTP request"), "");
        break;
    case 408:
        write_error(response, format, make_error(ErrorCode::invalid_argument, "the request did not arrive in time"), "");
        break;
    case 414:
        write_error(response, format,
                    make_error(ErrorCode::invalid_argument, "the request target is longer than " +
                                                                std::to_string(http::k_max_target_bytes) + " bytes"),
                    "");
        break;
    case 503:
        write_error(response, format, make_error(ErrorCode::overloaded, "megarouter is busy; retry shortly", true), "");
        break;
    default:
        write_error(response, format, make_error(ErrorCode::internal, "internal error"), "");
    }
    response.status = status;
}

} // namespace

bool is_loopback(const std::string& host) {
    if (host == "localhost" || host == "::1" || host == "[::1]") return true;
    in_addr addr{};
    if (inet_pton(AF_INET, host.c_str(), &addr) == 1) return (ntohl(addr.s_addr) >> 24) == 127;
    return false;
}

Result<std::unique_ptr<ProxyServer>> ProxyServer::create(core::Config config, core::Paths paths, core::EnvLookup env,
                                                         ServeOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->host = options.host.value_or(config.server.host);
    impl->exposure = is_loopback(impl->host) ? Exposure::loopback : Exposure::network;
    impl->requested_port = options.port.value_or(config.server.port);
    impl->shared.transport = options.transport ? options.transport : &upstream::UpstreamClient::shared();
    impl->shared.paths = paths;
    impl->shared.env = env;
    auto log = AccessLog::open(options.access_log.value_or(config.server.access_log),
                               options.access_log_json.value_or(config.server.access_log_json));
    if (!log) return std::unexpected(log.error());
    impl->shared.access_log = std::move(*log);
    if (options.use_governance) {
        auto governance = open_gate_governance(config, env); // creates the database and its folder
        if (!governance) return std::unexpected(governance.error());
        auto lock = ServeLock::acquire(config.database);
        if (!lock) return std::unexpected(lock.error());
        impl->serve_lock.emplace(std::move(*lock));
        impl->shared.governance = std::move(*governance);
    } else {
        impl->shared.governance = open_open_governance();
    }
    if (config.server.log_prompts) {
        auto recorder = PromptRecorder::open(config.database);
        if (!recorder) return std::unexpected(recorder.error());
        impl->shared.prompts = std::move(*recorder);
    }
    auto traces = telemetry::export_settings(config.document.value("telemetry", nlohmann::json::object()), env);
    if (!traces) return std::unexpected(traces.error());
    impl->notes = traces->notes;
    if (traces->enabled) {
        // Userinfo in the URL would be a secret: never printed.
        std::string shown = traces->url;
        if (std::size_t scheme = shown.find("://"); scheme != std::string::npos) {
            std::size_t host_end = shown.find_first_of("/?#", scheme + 3);
            std::size_t at = shown.rfind('@', host_end == std::string::npos ? shown.size() : host_end);
            if (at != std::string::npos && at > scheme) shown.replace(scheme + 3, at - scheme - 3, "***");
        }
        impl->notes.push_back("traces: OTLP/HTTP JSON to " + shown);
        impl->shared.tracer = std::make_unique<telemetry::SpanExporter>(std::move(*traces));
    }
    auto snapshot = build_snapshot(std::move(config), paths, env);
    if (!snapshot) return std::unexpected(snapshot.error());
    impl->shared.health = std::make_unique<routing::HealthTracker>(core::system_clock(), (*snapshot)->routing.health);
    // Ejections and recoveries become alert events (queued in memory on the request thread).
    impl->shared.health->set_listener(
        [governance = impl->shared.governance.get()](const routing::HealthEvent& event) {
            governance->deployment_event(event);
        });
    impl->started_max_body = (*snapshot)->config.server.max_body_bytes;
    impl->shared.metrics.set_per_key(per_key_metrics((*snapshot)->config));
    impl->shared.set_snapshot(std::move(*snapshot));
    Impl* raw = impl.get();
    impl->server = std::make_unique<http::Server>(
        impl->routes(), [raw] { return raw->limits(); },
        [raw](const http::Request& request, http::Response& response) { raw->server_error(request, response); });
    impl->shared.open_connections = [raw] { return raw->server->open_connections(); };
    return std::unique_ptr<ProxyServer>(new ProxyServer(std::move(impl)));
}

ProxyServer::ProxyServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

ProxyServer::~ProxyServer() {
    m_impl->shared.health->set_listener({}); // the governance it points to goes first
    m_impl->shared.abort_streams = true;
}

http::Limits ProxyServer::Impl::limits() const {
    const auto& server = shared.snapshot()->config.server;
    http::Limits limits;
    limits.max_head_bytes = static_cast<std::size_t>(server.max_header_bytes);
    limits.max_body_bytes = static_cast<std::size_t>(std::min(server.max_body_bytes, started_max_body));
    limits.head_timeout_ms = server.head_timeout_s * 1000;
    limits.min_body_rate = static_cast<std::size_t>(server.min_body_rate);
    limits.max_connections = static_cast<std::size_t>(server.max_connections);
    limits.blocking_workers = static_cast<std::size_t>(server.blocking_workers);
    limits.blocking_queue = 16 * limits.blocking_workers;
    return limits;
}

// OPTIONS has no route: a CORS preflight is answered here, where the server
// would otherwise answer 404.
void ProxyServer::Impl::server_error(const http::Request& request, http::Response& response) {
    if (response.status == 404 && request.method == "OPTIONS" &&
        answer_preflight(shared.snapshot()->config.server, exposure, request, response))
        return;
    write_server_error(request, response);
}

bool ProxyServer::Impl::authorized(const http::Request& request, http::Response& response) {
    if (!shared.governance->enforcing()) return true;
    std::string key = core::presented_key(request.headers.get("Authorization"), request.headers.get("x-api-key"));
    auto caller = shared.governance->authenticate(key);
    if (caller) return true;
    write_error(response, format_for_path(request.path), caller.error(), "");
    return false;
}

http::Router ProxyServer::Impl::routes() {
    http::Router server;
    auto guarded = [this](auto handler) {
        return [this, handler](const http::Request& request, http::Response& response) {
            if (authorized(request, response)) handler(shared, request, response);
        };
    };
    auto chat = [this](ApiKind api) {
        return [this, api](const http::Request& request, http::Response& response) {
            handle_chat(shared, api, request, response);
        };
    };
    // Clients whose base URL lacks /v1 call the same endpoints without it.
    for (std::string prefix : {"/v1", ""}) {
        server.Post(prefix + "/chat/completions", chat(ApiKind::chat_completions));
        server.Post(prefix + "/responses", chat(ApiKind::responses));
        // Embeddings run the governance chain themselves (key, role, policy, budget, ledger).
        server.Post(prefix + "/embeddings", [this](const http::Request& request, http::Response& response) {
            handle_embeddings(shared, request, response);
        });
        server.Get(prefix + "/models", guarded(handle_models));
        server.Get(prefix + "/models/*id", guarded(handle_model)); // model ids may hold a slash
    }
    server.Post("/v1/messages", chat(ApiKind::messages));
    server.Post("/v1/messages/count_tokens", guarded(handle_count_tokens));
    server.Post("/v1/route", guarded(handle_route));
    server.Get("/health", [this](const http::Request& rq, http::Response& rs) { handle_health(shared, rq, rs); });
    server.Get("/health/live", [](const http::Request&, http::Response& rs) {
        rs.set_content(R"({"status":"live"})", "application/json");
    });
    server.Get("/health/ready", [this](const http::Request& rq, http::Response& rs) { handle_ready(shared, rq, rs); });
    server.Get("/health/deployments", guarded(handle_deployments));
    // Prometheus: open on the loopback default (no keys), a valid key when keys are on.
    if (metrics_enabled(shared.snapshot()->config)) server.Get("/metrics", guarded(handle_metrics));
    // Codex tries a WebSocket upgrade here first and falls back to POST.
    server.Get("/v1/responses", [](const http::Request& request, http::Response& response) {
        write_error(response, format_for_path(request.path),
                    make_error(ErrorCode::invalid_argument, "WebSocket is not supported; POST /v1/responses"), "");
        response.status = 405;
    });
    // Claude Code probes HEAD / before anything else.
    server.Get("/", [](const http::Request&, http::Response& response) {
        response.set_content("megarouter\n", "text/plain");
    });
    server.set_blocking(true); // SQLite reads and writes: off the event loop
    shared.governance->mount_admin(server); // /admin/... (governance only)
    // Host, Origin and Content-Type checks before every route, with the settings
    // of the moment: on the loop, before any other admission check (the admin
    // API's key check) and before a blocking route takes a worker.
    server.wrap_admits([this](http::Admit admit) -> http::Admit {
        return [this, admit = std::move(admit)](const http::Request& request, http::Response& response) {
            if (!admit_request(shared.snapshot()->config.server, exposure, request, response)) return false;
            return !admit || admit(request, response);
        };
    });
    return server;
}

Result<int> ProxyServer::bind() {
    Impl& impl = *m_impl;
    if (!is_loopback(impl.host) && !impl.shared.governance->enforcing() && !impl.options.insecure_no_auth)
        return fail(ErrorCode::permission_denied,
                    "refusing to listen on " + impl.host +
                        " without API keys: create a key (megarouter keys create) or pass --insecure-no-auth");
    auto port = impl.server->bind(impl.host, impl.requested_port);
    if (!port) {
        Error error = port.error();
        error.message += "; choose another with --port N (or [server] port in the config)";
        return fail(error);
    }
    impl.bound_port = *port;
    return *port;
}

void ProxyServer::run() {
    m_impl->server->run(m_impl->shared.snapshot()->config.server.threads);
    m_impl->shared.governance->flush();
}

void ProxyServer::shutdown(int grace_ms) {
    Impl& impl = *m_impl;
    if (impl.stopping.exchange(true)) return;
    impl.shared.draining = true;
    impl.server->stop();
    auto deadline = core::monotonic_us() + std::int64_t{grace_ms} * 1000;
    while (impl.shared.in_flight.load() > 0 && core::monotonic_us() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    impl.shared.abort_streams = true; // whatever is left ends now, with an error event
}

Result<std::vector<std::string>> ProxyServer::reload(core::Config config) {
    const core::ServerSettings before = m_impl->shared.snapshot()->config.server;
    const core::ServerSettings& after = config.server;
    std::vector<std::string> restart;
    auto changed = [&](bool differs, const std::string& what) {
        if (differs) restart.push_back("[server] " + what + " changed: takes effect at restart");
    };
    // --host/--port/--access-log flags override the file: only compare what the file decides.
    changed(!m_impl->options.host && after.host != before.host, "host");
    changed(!m_impl->options.port && after.port != before.port, "port");
    changed(after.threads != before.threads, "threads");
    changed(!m_impl->options.access_log && (after.access_log != before.access_log), "access_log");
    changed(!m_impl->options.access_log_json && after.access_log_json != before.access_log_json, "access_log_json");
    changed(after.log_prompts && !m_impl->shared.prompts, "log_prompts (switched on)");
    changed(after.max_body_bytes > m_impl->started_max_body, "max_body_bytes (raised above the start-up value)");
    auto snapshot = build_snapshot(std::move(config), m_impl->shared.paths, m_impl->shared.env);
    if (!snapshot) return std::unexpected(snapshot.error());
    m_impl->shared.metrics.set_per_key(per_key_metrics((*snapshot)->config));
    m_impl->shared.set_snapshot(std::move(*snapshot));
    return restart;
}

int ProxyServer::port() const { return m_impl->bound_port; }
const std::string& ProxyServer::host() const { return m_impl->host; }
bool ProxyServer::enforcing_keys() const { return m_impl->shared.governance->enforcing(); }
std::vector<std::string> ProxyServer::notes() const { return m_impl->notes; }


} // namespace megarouter::proxy
