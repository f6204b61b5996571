// `megarouter role grant|revoke|list`: roles on nodes, inherited downward.
#include "cmd_org_common.hpp"

namespace megarouter::cli {

void add_role_command(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("role", "Grant, revoke and list roles (owner, admin, member, viewer, billing)");
    cmd->require_subcommand(1);
    set_examples(*cmd, "  megarouter role grant acme/eng/platform/alice admin acme/eng/platform\n"
                       "  megarouter role list acme --json\n");
    struct Args { std::string subject, role, scope; bool json = false; };
    auto a = std::make_shared<Args>();
    for (bool revoke : {false, true}) {
        auto* sub = cmd->add_subcommand(revoke ? "revoke" : "grant", revoke ? "Revoke a role" : "Grant a role on a node and below");
        sub->add_option("subject", a->subject, "User (or team) path that holds the role")->required();
        sub->add_option("role", a->role, "owner, admin, member, viewer or billing")->required();
        sub->add_option("scope", a->scope, "Node path the role applies to (and below)")->required();
        sub->add_flag("--json", a->json, "Print JSON");
        sub->callback([&context, a, revoke] {
            context.exit_code = with_admin(context, [&](governance::Admin& admin) {
                auto role = governance::parse_role(a->role);
                if (!role) return context.report(make_error(ErrorCode::invalid_argument, "unknown role '" + a->role + "'"));
                auto r = revoke ? admin.revoke_grant(a->subject, *role, a->scope) : admin.grant(a->subject, *role, a->scope);
                if (!r) return context.report(r.error());
                return print_result(a->json, {{"subject", a->subject}, {"role", a->role}, {"scope", a->scope}, {"granted", !revoke}},
                                    [&] { std::cout << (revoke ? "revoked " : "granted ") << a->role << " on " << a->scope << " for " << a->subject << "\n"; });
            });
        });
    }
    auto* list = cmd->add_subcommand("list", "List role grants");
    list->add_option("under", a->scope, "Only grants at or below this path");
    list->add_flag("--json", a->json, "Print JSON");
    list->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto grants = admin.list_grants(a->scope);
            if (!grants) return context.report(grants.error());
            nlohmann::json out = nlohmann::json::array();
            for (const auto& g : *grants) out.push_back({{"subject", g.subject}, {"role", governance::to_string(g.role)}, {"scope", g.scope}});
            return print_result(a->json, out, [&] {
                for (const auto& g : *grants) std::cout << g.subject << "  " << governance::to_string(g.role) << "  on " << g.scope << "\n";
            });
        });
    });
}

} // namespace megarouter::cli
