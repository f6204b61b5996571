#include "megarouter/governance/admin_api.hpp"
#include "megarouter/core/credentials.hpp"

#include <charconv>


#include "megarouter/governance/admin.hpp"

namespace megarouter::governance {

namespace {

void send_error(http::Response& res, const Error& error) {
    res.status = http_status_for(error);
    nlohmann::json body = {{"error", {{"code", to_string(error.code)}, {"message", error.message}}}};
    res.set_content(body.dump(), "application/json");
}

template <typename T>
void send(http::Response& res, const Result<T>& result, auto&& render) {
    if (!result) return send_error(res, result.error());
    res.set_content(render(*result).dump(), "application/json");
}

// A numeric id from the path: not_found for anything but 1 to 18 digits,
// as if no route matched.
Result<std::int64_t> number_param(const http::Request& req, std::string_view name) {
    std::string_view text = req.param(name);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || text.size() > 18 || ec != std::errc() || end != text.data() + text.size() || text.front() == '-')
        return fail(ErrorCode::not_found, "no such id: " + std::string(text.substr(0, 64)));
    return value;
}

std::string presented_key(const http::Request& req) {
    return core::presented_key(req.headers.get("Authorization"), req.headers.get("x-api-key"));
}

struct Context {
    Gate* gate;
    std::filesystem::path database;
    std::string timezone;
    core::JsonLimits json_limits;
};

// Every member any admin request body may carry, with its type: one table,
// because a name means the same thing on every route. The handlers read
// them with nlohmann's value(), which throws on another type, so the body
// is checked against this first (400 naming the field).
constexpr core::MemberType k_fields[] = {
    {"scope_kind", core::JsonType::string}, {"scope", core::JsonType::string},
    {"period", core::JsonType::string},     {"unit", core::JsonType::string},
    {"amount_usd", core::JsonType::string}, {"amount", core::JsonType::integer},
    {"alert_pct", core::JsonType::integer}, {"downgrade_pct", core::JsonType::integer},
    {"block_pct", core::JsonType::integer}, {"price_ceiling_nanos", core::JsonType::integer},
    {"path", core::JsonType::string},       {"name", core::JsonType::string},
    {"email", core::JsonType::string},      {"parent", core::JsonType::string},
    {"rpm", core::JsonType::integer},       {"tpm", core::JsonType::integer},
    {"owner", core::JsonType::string},      {"role", core::JsonType::string},
    {"subject", core::JsonType::string},    {"expires_ms", core::JsonType::integer},
    {"policy", core::JsonType::object},     {"grace_ms", core::JsonType::integer},
    {"description", core::JsonType::string}, {"node", core::JsonType::string},
    {"url", core::JsonType::string},        {"secret", core::JsonType::string},
    {"events", core::JsonType::string},
};

// Authenticates, opens the store, checks the body's member types and runs
// `body(admin, json_body)`.
using Handler = std::function<void(Admin&, const nlohmann::json&, const http::Request&, http::Response&)>;

http::Handler wrap(std::shared_ptr<Context> ctx, Handler body) {
    return [ctx, body](const http::Request& req, http::Response& res) {
        auto principal = ctx->gate->authenticate(presented_key(req));
        if (!principal) return send_error(res, principal.error());
        auto db = store::Database::open(ctx->database);
        if (!db) return send_error(res, db.error());
        auto zone = TimeZone::load(ctx->timezone);
        if (!zone) return send_error(res, zone.error());
        Admin admin(*db, core::system_clock(), *zone, Actor{&*principal},
                    AdminSettings{.allow_private_webhooks = ctx->gate->options().allow_private_webhooks});
        // Bounded: a policy or a budget spec is copied and dumped recursively.
        auto json = req.body.empty() ? Result<nlohmann::json>(nlohmann::json::object())
                                     : core::parse_json_bounded(req.body, ctx->json_limits);
        if (!json) return send_error(res, make_error(ErrorCode::invalid_argument, "body: " + json.error().message));
        if (auto typed = core::check_member_types(*json, k_fields); !typed)
            return send_error(res, make_error(ErrorCode::invalid_argument, "body: " + typed.error().message));
        body(admin, *json, req, res);
    };
}

template <typename T>
nlohmann::json list_json(const std::vector<T>& items) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : items) out.push_back(to_json(item));
    return out;
}

std::string str(const nlohmann::json& j, const char* name) { return j.value(name, std::string()); }

// A budget from a request body, refused with 400 where the CLI refuses the
// same values (it used to turn a bad period into monthly and a bad amount
// into 0). A pool's scope is the pool, whatever the body says.
Result<BudgetSpec> budget_from(const nlohmann::json& j) {
    BudgetSpec spec;
    std::string kind = str(j, "scope_kind");
    if (kind.empty() || kind == "node") spec.scope_kind = ScopeKind::node;
    else if (kind == "key") spec.scope_kind = ScopeKind::key;
    else if (kind == "pool") spec.scope_kind = ScopeKind::pool;
    else return fail(ErrorCode::invalid_argument, "scope_kind must be node, key or pool");
    spec.scope = str(j, "scope");
    std::string period = j.value("period", std::string("monthly"));
    auto parsed_period = parse_period(period);
    if (!parsed_period) return fail(ErrorCode::invalid_argument, "period must be daily, weekly, monthly or total");
    spec.period = *parsed_period;
    std::string unit = j.value("unit", std::string("usd"));
    if (unit != "usd" && unit != "tokens") return fail(ErrorCode::invalid_argument, "unit must be usd or tokens");
    spec.tokens = unit == "tokens";
    if (j.contains("amount_usd")) {
        if (spec.tokens) return fail(ErrorCode::invalid_argument, "a tokens budget takes amount, not amount_usd");
        auto amount = parse_usd(str(j, "amount_usd"));
        if (!amount) return fail(amount.error());
        spec.amount = *amount;
    } else if (j.contains("amount")) {
        spec.amount = j["amount"].get<std::int64_t>();
    } else {
        return fail(ErrorCode::invalid_argument,
                    spec.tokens ? "needs amount (tokens)" : "needs amount_usd (a string such as \"12.50\")");
    }
    if (spec.amount < 0) return fail(ErrorCode::invalid_argument, "a budget amount cannot be negative");
    spec.alert_pct = j.value("alert_pct", 80);
    spec.downgrade_pct = j.value("downgrade_pct", 90);
    spec.block_pct = j.value("block_pct", 100);
    if (j.contains("price_ceiling_nanos") && j["price_ceiling_nanos"].is_number_integer())
        spec.price_ceiling_nanos = j["price_ceiling_nanos"].get<std::int64_t>();
    return spec;
}

void mount_nodes(http::Router& s, std::shared_ptr<Context> c) {
    s.Get("/admin/nodes", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.list_nodes(req.get_param_value("under"), std::nullopt), [](auto& v) { return list_json(v); });
    }));
    s.Get("/admin/nodes/show", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.show_node(req.get_param_value("path")), [](auto& v) { return to_json(v); });
    }));
    s.Post("/admin/nodes", wrap(c, [](Admin& a, const nlohmann::json& j, auto&, auto& res) {
        Node node;
        node.path = str(j, "path");
        node.display_name = str(j, "name");
        node.email = str(j, "email");
        if (j.contains("rpm") && j["rpm"].is_number_integer()) node.rpm = j["rpm"].get<std::int64_t>();
        if (j.contains("tpm") && j["tpm"].is_number_integer()) node.tpm = j["tpm"].get<std::int64_t>();
        send(res, a.create_node(node), [](auto& v) { return to_json(v); });
    }));
    s.Post("/admin/nodes/move", wrap(c, [](Admin& a, const nlohmann::json& j, auto&, auto& res) {
        send(res, a.move_node(str(j, "path"), str(j, "parent")), [](auto& v) { return nlohmann::json{{"path", v}}; });
    }));
    s.Delete("/admin/nodes", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.delete_node(req.get_param_value("path"), req.get_param_value("recursive") == "1"),
             [](auto& v) { return nlohmann::json{{"deleted", v}}; });
    }));
}

void mount_roles_keys(http::Router& s, std::shared_ptr<Context> c) {
    s.Get("/admin/roles", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.list_grants(req.get_param_value("under")), [](auto& v) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& g : v) out.push_back({{"subject", g.subject}, {"role", to_string(g.role)}, {"scope", g.scope}});
            return out;
        });
    }));
    auto grant_call = [](bool revoke) {
        return [revoke](Admin& a, const nlohmann::json& j, const http::Request& req, http::Response& res) {
            auto field = [&](const char* n) { return req.has_param(n) ? std::string(req.get_param_value(n)) : str(j, n); };
            auto role = parse_role(field("role"));
            if (!role) return send_error(res, make_error(ErrorCode::invalid_argument, "unknown role"));
            Result<void> r = revoke ? a.revoke_grant(field("subject"), *role, field("scope"))
                                    : a.grant(field("subject"), *role, field("scope"));
            if (!r) return send_error(res, r.error());
            res.set_content(R"({"ok":true})", "application/json");
        };
    };
    s.Post("/admin/roles", wrap(c, grant_call(false)));
    s.Delete("/admin/roles", wrap(c, grant_call(true)));
    s.Get("/admin/keys", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.list_keys(req.get_param_value("under"), req.get_param_value("revoked") == "1"),
             [](auto& v) { return list_json(v); });
    }));
    s.Post("/admin/keys", wrap(c, [](Admin& a, const nlohmann::json& j, auto&, auto& res) {
        KeySpec spec;
        spec.owner = str(j, "owner");
        spec.role = parse_role(j.value("role", std::string("member"))).value_or(Role::member);
        spec.name = str(j, "name");
        if (j.contains("expires_ms") && j["expires_ms"].is_number_integer()) spec.expires_ms = j["expires_ms"].get<std::int64_t>();
        spec.policy = policy_from_json(j.value("policy", nlohmann::json::object()));
        send(res, a.create_key(spec), [](auto& v) {
            auto out = to_json(v.info);
            out["key"] = v.secret;
            return out;
        });
    }));
    s.Get("/admin/keys/:id", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.show_key(std::string(req.param("id"))), [](auto& v) { return to_json(v); });
    }));
    s.Post("/admin/keys/:id/revoke", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.revoke_key(std::string(req.param("id"))), [](auto& v) { return to_json(v); });
    }));
    s.Post("/admin/keys/:id/rotate", wrap(c, [](Admin& a, const nlohmann::json& j, const auto& req, auto& res) {
        send(res, a.rotate_key(std::string(req.param("id")), j.value("grace_ms", std::int64_t{0})), [](auto& v) {
            auto out = to_json(v.info);
            out["key"] = v.secret;
            return out;
        });
    }));
}

void mount_budgets(http::Router& s, std::shared_ptr<Context> c) {
    s.Get("/admin/budgets", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.list_budgets(req.get_param_value("under")), [&](auto& v) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& b : v) out.push_back(to_json(b, a.zone()));
            return out;
        });
    }));
    s.Post("/admin/budgets", wrap(c, [](Admin& a, const nlohmann::json& j, auto&, auto& res) {
        auto spec = budget_from(j);
        if (!spec) return send_error(res, spec.error());
        send(res, a.set_budget(*spec), [&](auto& v) { return to_json(v, a.zone()); });
    }));
    s.Get("/admin/budgets/:id", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        auto id = number_param(req, "id");
        if (!id) return send_error(res, id.error());
        send(res, a.show_budget(*id), [&](auto& v) { return to_json(v, a.zone()); });
    }));
    s.Delete("/admin/budgets/:id", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        auto id = number_param(req, "id");
        if (!id) return send_error(res, id.error());
        auto r = a.delete_budget(*id);
        if (!r) return send_error(res, r.error());
        res.set_content(R"({"ok":true})", "application/json");
    }));
    s.Get("/admin/pools", wrap(c, [](Admin& a, auto&, auto&, auto& res) {
        send(res, a.list_pools(), [&](auto& v) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& p : v) out.push_back(to_json(p, a.zone()));
            return out;
        });
    }));
    s.Post("/admin/pools", wrap(c, [](Admin& a, const nlohmann::json& j, auto&, auto& res) {
        auto spec = budget_from(j);
        if (!spec) return send_error(res, spec.error());
        send(res, a.create_pool(str(j, "name"), str(j, "description"), *spec), [&](auto& v) { return to_json(v, a.zone()); });
    }));
    s.Get("/admin/pools/:name", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.show_pool(std::string(req.param("name"))), [&](auto& v) { return to_json(v, a.zone()); });
    }));
    s.Post("/admin/pools/:name/members", wrap(c, [](Admin& a, const nlohmann::json& j, const auto& req, auto& res) {
        send(res, a.add_pool_member(std::string(req.param("name")), str(j, "node")), [&](auto& v) { return to_json(v, a.zone()); });
    }));
    s.Delete("/admin/pools/:name/members", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.remove_pool_member(std::string(req.param("name")), req.get_param_value("node")),
             [&](auto& v) { return to_json(v, a.zone()); });
    }));
}

void mount_alerts(http::Router& s, std::shared_ptr<Context> c) {
    s.Get("/admin/webhooks", wrap(c, [](Admin& a, auto&, auto&, auto& res) {
        send(res, a.list_webhooks(), [](auto& v) { return list_json(v); });
    }));
    s.Post("/admin/webhooks", wrap(c, [](Admin& a, const nlohmann::json& j, auto&, auto& res) {
        send(res, a.add_webhook(str(j, "scope"), str(j, "url"), str(j, "secret"), j.value("events", std::string("*"))),
             [](auto& v) { return to_json(v); });
    }));
    s.Delete("/admin/webhooks/:id", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        auto id = number_param(req, "id");
        if (!id) return send_error(res, id.error());
        auto r = a.remove_webhook(*id);
        if (!r) return send_error(res, r.error());
        res.set_content(R"({"ok":true})", "application/json");
    }));
    s.Get("/admin/alerts", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.list_events(100, req.get_param_value("status")), [](auto& v) { return list_json(v); });
    }));
    s.Get("/admin/alerts/:id", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.show_event(std::string(req.param("id"))), [](auto& v) { return to_json(v); });
    }));
    s.Post("/admin/alerts/:id/retry", wrap(c, [](Admin& a, auto&, const auto& req, auto& res) {
        send(res, a.retry_event(std::string(req.param("id"))), [](auto& v) { return to_json(v); });
    }));
}

} // namespace

void mount_admin_api(http::Router& server, Gate& gate, const std::filesystem::path& database,
                     const std::string& timezone, const core::JsonLimits& json_limits) {
    auto ctx = std::make_shared<Context>(Context{&gate, database, timezone, json_limits});
    // On the loop, before a worker is taken, as the proxy's routes do: one
    // data_version read, then the gate's snapshot in memory. A request
    // without a valid key never queues for a worker.
    server.set_admit([ctx](const http::Request& req, http::Response& res) {
        auto principal = ctx->gate->authenticate(presented_key(req));
        if (!principal) send_error(res, principal.error());
        return principal.has_value();
    });
    mount_nodes(server, ctx);
    mount_roles_keys(server, ctx);
    mount_budgets(server, ctx);
    mount_alerts(server, ctx);
    server.set_admit({});
}

} // namespace megarouter::governance
