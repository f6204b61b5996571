// `megarouter keys create|list|show|revoke|rotate`: API keys, shown once.
#include "cmd_org_common.hpp"

namespace megarouter::cli {

namespace {

struct KeyArgs {
    std::string owner, id, role = "member", name, under, max_price;
    std::vector<std::string> models, vendors, providers, modes, tags;
    std::optional<std::int64_t> rpm, tpm, expires_days, grace_s;
    bool json = false, all = false;
};

void print_key(const governance::KeyInfo& k) {
    std::cout << k.prefix << "...  " << k.id << "  " << k.owner << "  " << governance::to_string(k.role)
              << (k.revoked_ms ? "  REVOKED" : "") << (k.name.empty() ? "" : "  " + k.name) << "\n";
}

int print_created(bool json, const governance::CreatedKey& created) {
    auto out = governance::to_json(created.info);
    out["key"] = created.secret;
    return print_result(json, out, [&] {
        std::cout << created.secret << "\n";
        std::cerr << "key " << created.info.id << " for " << created.info.owner
                  << ": store it now, it is not shown again\n";
    });
}

} // namespace

void add_keys_command(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("keys", "Create, list, revoke and rotate API keys");
    cmd->require_subcommand(1);
    set_examples(*cmd, "  megarouter keys create acme/eng/platform/alice --model gpt-4o-mini --rpm 60\n"
                       "  megarouter keys list acme/eng --json\n  megarouter keys revoke mr-AbCd1234\n"
                       "  megarouter keys rotate key_x1y2 --grace 3600\n");
    auto a = std::make_shared<KeyArgs>();
    auto* create = cmd->add_subcommand("create", "Create a key for a user (or a team: a service key)");
    create->add_option("owner", a->owner, "User or team path")->required();
    create->add_option("--role", a->role, "Role of the key at its owner: member, viewer, billing, admin, owner");
    create->add_option("--name", a->name, "A label");
    create->add_option("--expires-days", a->expires_days, "Expire after this many days");
    create->add_option("--model", a->models, "Allowed model (repeatable)");
    create->add_option("--vendor", a->vendors, "Allowed vendor (repeatable)");
    create->add_option("--provider", a->providers, "Allowed provider (repeatable)");
    create->add_option("--mode", a->modes, "Allowed routing mode (repeatable)");
    create->add_option("--max-price", a->max_price, "Max USD per million output tokens");
    create->add_option("--rpm", a->rpm, "Requests per minute");
    create->add_option("--tpm", a->tpm, "Tokens per minute");
    create->add_option("--tag", a->tags, "Metadata tag key=value (repeatable)");
    create->add_flag("--json", a->json, "Print JSON (includes the key)");
    create->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto role = governance::parse_role(a->role);
            if (!role) return context.report(make_error(ErrorCode::invalid_argument, "unknown role '" + a->role + "'"));
            governance::KeySpec spec{a->owner, *role, a->name, std::nullopt, {}};
            if (a->expires_days) spec.expires_ms = core::system_clock().now_ms() + *a->expires_days * 86'400'000;
            spec.policy = {a->models, a->vendors, a->providers, a->modes, std::nullopt, a->rpm, a->tpm, {}};
            if (!a->max_price.empty()) {
                auto price = governance::parse_usd(a->max_price);
                if (!price) return context.report(price.error());
                spec.policy.max_price_per_mtok = *price;
            }
            for (const auto& tag : a->tags) {
                auto eq = tag.find('=');
                spec.policy.tags[tag.substr(0, eq)] = eq == std::string::npos ? "" : tag.substr(eq + 1);
            }
            auto created = admin.create_key(spec);
            if (!created) return context.report(created.error());
            return print_created(a->json, *created);
        });
    });
    auto* list = cmd->add_subcommand("list", "List keys (never their secrets)");
    list->add_option("under", a->under, "Only keys of owners below this path");
    list->add_flag("--all", a->all, "Include revoked keys");
    list->add_flag("--json", a->json, "Print JSON");
    list->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto keys = admin.list_keys(a->under, a->all);
            if (!keys) return context.report(keys.error());
            nlohmann::json out = nlohmann::json::array();
            for (const auto& k : *keys) out.push_back(governance::to_json(k));
            return print_result(a->json, out, [&] { for (const auto& k : *keys) print_key(k); });
        });
    });
    auto by_id = [&context, a](const char* verb, auto action) {
        return [&context, a, action] {
            context.exit_code = with_admin(context, [&](governance::Admin& admin) {
                auto key = action(admin, a->id);
                if (!key) return context.report(key.error());
                return print_result(a->json, governance::to_json(*key), [&] { print_key(*key); });
            });
        };
        (void)verb;
    };
    auto* show = cmd->add_subcommand("show", "Show one key by id or prefix");
    show->add_option("key", a->id, "Key id or visible prefix")->required();
    show->add_flag("--json", a->json, "Print JSON");
    show->callback(by_id("show", [](governance::Admin& ad, const std::string& id) { return ad.show_key(id); }));
    auto* revoke = cmd->add_subcommand("revoke", "Revoke a key (effective on its next request)");
    revoke->add_option("key", a->id, "Key id or visible prefix")->required();
    revoke->add_flag("--json", a->json, "Print JSON");
    revoke->callback(by_id("revoke", [](governance::Admin& ad, const std::string& id) { return ad.revoke_key(id); }));
    auto* rotate = cmd->add_subcommand("rotate", "Replace a key by a new one with the same owner and policy");
    rotate->add_option("key", a->id, "Key id or visible prefix")->required();
    rotate->add_option("--grace", a->grace_s, "Seconds the old key keeps working (default: revoke now)");
    rotate->add_flag("--json", a->json, "Print JSON (includes the new key)");
    rotate->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto created = admin.rotate_key(a->id, a->grace_s.value_or(0) * 1000);
            if (!created) return context.report(created.error());
            return print_created(a->json, *created);
        });
    });
}

} // namespace megarouter::cli
