// The admin API: one route per operation of the table (operations.hpp),
// mounted here. This file is only the HTTP edge: authenticate, read the
// arguments from the request, perform, answer. The request and response
// types appear in mount_operation() and the two answer functions only.
#include "megarouter/governance/admin_api.hpp"


#include "megarouter/core/credentials.hpp"
#include "megarouter/governance/admin.hpp"
#include "megarouter/governance/gate.hpp"
#include "megarouter/governance/operations.hpp"
#include "megarouter/store/pool.hpp"

namespace megarouter::governance {

namespace {

void send_error(http::Response& res, const Error& error) {
    res.status = http_status_for(error);
    nlohmann::json body = {{"error", {{"code", to_string(error.code)}, {"message", error.message}}}};
    res.set_content(body.dump(), "application/json");
}

void send(http::Response& res, const Result<nlohmann::json>& answer) {
    if (!answer) return send_error(res, answer.error());
    res.set_content(answer->dump(), "application/json");
}

struct Context {
    Gate* gate;
    std::shared_ptr<store::Pool> store; // connections kept between requests
    std::string timezone;
    core::JsonLimits json_limits;
};

// The body as JSON ({} when empty), parsed within the limits (a policy or a
// budget spec is copied and dumped recursively) and checked against the
// operation's argument types, because nlohmann's get() throws on another type.
Result<nlohmann::json> body_of(const std::string& text, const Operation& operation, const core::JsonLimits& limits) {
    auto json = text.empty() ? Result<nlohmann::json>(nlohmann::json::object()) : core::parse_json_bounded(text, limits);
    if (!json) return fail(ErrorCode::invalid_argument, "body: " + json.error().message);
    if (auto typed = core::check_member_types(*json, body_types(operation)); !typed)
        return fail(ErrorCode::invalid_argument, "body: " + typed.error().message);
    return json;
}

// Authenticates, reads the arguments, opens the store and performs.
Result<nlohmann::json> answer(const Context& ctx, const Operation& operation, const std::string& key,
                              const std::string& body, const TextLookup& capture, const TextLookup& query) {
    auto principal = ctx.gate->authenticate(key);
    if (!principal) return fail(principal.error());
    auto json = body_of(body, operation, ctx.json_limits);
    if (!json) return fail(json.error());
    auto arguments = request_arguments(operation, *json, capture, query);
    if (!arguments) return fail(arguments.error());
    auto db = ctx.store->acquire();
    if (!db) return fail(db.error());
    auto zone = TimeZone::load(ctx.timezone);
    if (!zone) return fail(zone.error());
    Admin admin(**db, core::system_clock(), *zone, Actor{&*principal},
                AdminSettings{.allow_private_webhooks = ctx.gate->options().allow_private_webhooks});
    auto done = perform(operation, admin, *arguments);
    if (done && operation.method != "GET") ctx.gate->refresh_settings_now(); // holds from the next request here
    return done;
}

std::string presented_key(const http::Request& req) {
    return core::presented_key(req.headers.get("Authorization"), req.headers.get("x-api-key"));
}

void mount_operation(http::Router& server, std::shared_ptr<const Context> ctx, const Operation& operation) {
    http::Handler handler = [ctx, &operation](const http::Request& req, http::Response& res) {
        TextLookup capture = [&](std::string_view name) { return std::optional<std::string>(req.param(name)); };
        TextLookup query = [&](std::string_view name) -> std::optional<std::string> {
            std::string key(name);
            if (!req.has_param(key)) return std::nullopt;
            return std::string(req.get_param_value(key));
        };
        send(res, answer(*ctx, operation, presented_key(req), req.body, capture, query));
    };
    std::string route(operation.route);
    if (operation.method == "GET") server.Get(route, std::move(handler));
    else if (operation.method == "POST") server.Post(route, std::move(handler));
    else server.Delete(route, std::move(handler));
}

} // namespace

void mount_admin_api(http::Router& server, Gate& gate, const std::filesystem::path& database,
                     const std::string& timezone, const core::JsonLimits& json_limits) {
    auto ctx = std::make_shared<const Context>(Context{&gate, std::make_shared<store::Pool>(database), timezone, json_limits});
    // On the loop, before a worker is taken, as the proxy's routes do: one
    // data_version read, then the gate's snapshot in memory. A request
    // without a valid key never queues for a worker.
    server.set_admit([ctx](const http::Request& req, http::Response& res) {
        auto principal = ctx->gate->authenticate(presented_key(req));
        if (!principal) send_error(res, principal.error());
        return principal.has_value();
    });
    for (const Operation& operation : operations()) mount_operation(server, ctx, operation);
    server.set_admit({});
}

} // namespace megarouter::governance
