// `megarouter webhook add|list|remove`: where governance events are POSTed.
#include "cmd_org_common.hpp"

namespace megarouter::cli {

void add_webhook_command(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("webhook", "Add, list and remove alert webhooks");
    cmd->require_subcommand(1);
    set_examples(*cmd, "  megarouter webhook add https://hooks.example/mr --secret s3cret\n"
                       "  megarouter webhook add https://x/y --node acme/eng --events budget.*,key.revoked\n");
    struct Args { std::string url, node, secret, events = "*"; std::int64_t id = 0; bool json = false; };
    auto a = std::make_shared<Args>();
    auto* add = cmd->add_subcommand("add", "Add a webhook (global, or for a node and below)");
    add->add_option("url", a->url, "http(s) URL")->required();
    add->add_option("--node", a->node, "Only events of this node and below (default: global)");
    add->add_option("--secret", a->secret, "HMAC-SHA256 secret for X-Megarouter-Signature");
    add->add_option("--events", a->events, "Event types, comma-separated ('*' = all, 'budget.*')");
    add->add_flag("--json", a->json, "Print JSON");
    add->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto hook = admin.add_webhook(a->node, a->url, a->secret, a->events);
            if (!hook) return context.report(hook.error());
            return print_result(a->json, governance::to_json(*hook), [&] { std::cout << "webhook " << hook->id << " added\n"; });
        });
    });
    auto* list = cmd->add_subcommand("list", "List webhooks (secrets hidden)");
    list->add_flag("--json", a->json, "Print JSON");
    list->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto hooks = admin.list_webhooks();
            if (!hooks) return context.report(hooks.error());
            nlohmann::json out = nlohmann::json::array();
            for (const auto& h : *hooks) out.push_back(governance::to_json(h));
            return print_result(a->json, out, [&] {
                for (const auto& h : *hooks)
                    std::cout << h.id << "  " << h.url << "  " << (h.scope.empty() ? "(global)" : h.scope) << "  " << h.events << (h.has_secret ? "  signed" : "") << "\n";
            });
        });
    });
    auto* remove = cmd->add_subcommand("remove", "Remove a webhook");
    remove->add_option("id", a->id, "Webhook id")->required();
    remove->add_flag("--json", a->json, "Print JSON");
    remove->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            if (auto r = admin.remove_webhook(a->id); !r) return context.report(r.error());
            return print_result(a->json, {{"removed", a->id}}, [&] { std::cout << "removed webhook " << a->id << "\n"; });
        });
    });
}

} // namespace megarouter::cli
