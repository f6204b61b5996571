// GET /admin/spend and the /ui dashboard files.
#include "megarouter/reports/spend_api.hpp"

#include "megarouter/core/credentials.hpp"
#include "megarouter/governance/admin.hpp"
#include "megarouter/governance/roles.hpp"
#include "megarouter/reports/budgets.hpp"
#include "megarouter/reports/render.hpp"
#include "megarouter/reports/spend_request.hpp"
#include "megarouter/store/pool.hpp"
#include "reports/ui_embedded.hpp"

namespace megarouter::reports {

namespace {

void send_error(http::Response& response, const Error& error) {
    // A bad ?tz= comes back from the zone reader as a config error (the CLI's
    // exit 78 for a bad [governance] timezone); here it is the request's fault.
    response.status = error.code == ErrorCode::config ? 400 : http_status_for(error);
    nlohmann::json body = {{"error", {{"code", to_string(error.code)}, {"message", error.message}}}};
    response.set_content(body.dump(), "application/json");
}

std::string presented_key(const http::Request& request) {
    return core::presented_key(request.headers.get("Authorization"), request.headers.get("x-api-key"));
}

bool overlaps(std::string_view a, std::string_view b) {
    return governance::path_within(a, b) || governance::path_within(b, a);
}

struct ApiContext {
    Authenticator authenticate;
    std::shared_ptr<store::Pool> store; // connections kept between requests
    std::string timezone;
    std::function<std::map<std::int64_t, std::int64_t>()> reserved; // empty: not known
};

void handle_spend(const ApiContext& context, const http::Request& request, http::Response& response) {
    auto principal = context.authenticate(presented_key(request));
    if (!principal) return send_error(response, principal.error());
    std::multimap<std::string, std::string> values(request.params.begin(), request.params.end());
    std::string format = "json";
    if (auto it = values.find("format"); it != values.end()) {
        format = it->second;
        values.erase(it);
    }
    if (format != "json" && format != "jsonl" && format != "csv")
        return send_error(response, make_error(ErrorCode::invalid_argument, "format must be json, jsonl or csv"));
    auto params = params_from_map(values);
    if (!params) return send_error(response, params.error());
    const core::Clock& clock = core::system_clock();
    core::Millis now = clock.now_ms();
    auto resolved = resolve_params(*params, now, context.timezone);
    if (!resolved) return send_error(response, resolved.error());
    if (auto allowed = restrict_to_caller(resolved->query, *principal); !allowed)
        return send_error(response, allowed.error());
    auto db = context.store->acquire();
    if (!db) return send_error(response, db.error());
    auto report = run_spend_report(**db, resolved->query, resolved->zone);
    if (!report) return send_error(response, report.error());
    response.set_header("Cache-Control", "no-store");
    if (format == "csv") return response.set_content(to_csv(*report), "text/csv; charset=utf-8");
    if (format == "jsonl") return response.set_content(to_jsonl(*report), "application/jsonl");
    governance::Admin admin(**db, clock, resolved->zone, governance::Actor{&*principal});
    auto budgets = budgets_in_view(admin, resolved->query, now);
    if (!budgets) return send_error(response, budgets.error());
    if (context.reserved) apply_reserved(*budgets, context.reserved());
    response.set_content(to_json(*report, *budgets, resolved->zone).dump(), "application/json");
}

void serve_ui_file(std::string_view path, http::Response& response) {
    const UiFile* file = find_ui_file(path);
    if (!file) {
        response.status = 404;
        return response.set_content("not found\n", "text/plain");
    }
    response.set_header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'");
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Cache-Control", "no-cache");
    response.set_content(std::string(file->body), std::string(file->content_type));
}

void mount_routes(http::Router& server, ApiContext context_value) {
    auto context = std::make_shared<ApiContext>(std::move(context_value));
    server.Get("/admin/spend", [context](const http::Request& request, http::Response& response) {
        handle_spend(*context, request, response);
    });
    server.Get("/ui", [](const http::Request&, http::Response& response) { response.set_redirect("/ui/"); });
    server.Get("/ui/", [](const http::Request&, http::Response& response) { serve_ui_file("index.html", response); });
    server.Get("/ui/:file", [](const http::Request& request, http::Response& response) {
        serve_ui_file(request.param("file"), response);
    });
}

} // namespace

Result<void> restrict_to_caller(SpendQuery& query, const governance::Principal& principal) {
    if (principal.master) return {};
    std::vector<std::string> scopes;
    for (const governance::Grant& grant : principal.grants)
        if (governance::role_allows(grant.role, governance::Permission::view_spend)) scopes.push_back(grant.scope);
    for (const std::string& scope : scopes)
        if (scope.empty()) return {}; // a root grant sees everything
    if (!scopes.empty()) {
        bool any = query.node.empty();
        for (const std::string& scope : scopes) any = any || overlaps(scope, query.node);
        if (!any) return fail(ErrorCode::permission_denied, "no view_spend permission on '" + query.node + "'");
        query.scopes = std::move(scopes);
        return {};
    }
    bool own = false;
    for (const governance::Grant& grant : principal.grants)
        own = own || governance::role_allows(grant.role, governance::Permission::view_own_spend);
    if (!own) return fail(ErrorCode::permission_denied, "this key may not see spend");
    query.own_user = principal.user;
    query.own_key = principal.key_id;
    if (query.own_key.empty() && query.own_user.empty())
        return fail(ErrorCode::permission_denied, "this key may not see spend");
    return {};
}

void mount_spend_api(http::Router& server, governance::Gate& gate, const std::filesystem::path& database,
                     const std::string& timezone) {
    mount_routes(
        server,
        ApiContext{[&gate](std::string_view key) { return gate.authenticate(key); },
                   std::make_shared<store::Pool>(database), timezone,
                   [&gate] { return gate.reserved_by_limit(); }});
}

void mount_spend_api(http::Router& server, Authenticator authenticate, const std::filesystem::path& database,
                     const std::string& timezone) {
    mount_routes(server, ApiContext{std::move(authenticate), std::make_shared<store::Pool>(database), timezone, {}});
}

} // namespace megarouter::reports
