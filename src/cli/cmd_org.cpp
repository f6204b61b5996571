// `megarouter org|dept|team|user create|list|show|set|move|delete`: the
// hierarchy, one command per level sharing one implementation.
#include "cmd_org_common.hpp"

namespace megarouter::cli {

namespace {

using governance::Node;
using governance::NodeKind;

struct NodeArgs {
    std::string path, name, email, parent;
    std::optional<std::int64_t> rpm, tpm;
    bool json = false, recursive = false;
};

void print_node(const Node& n) {
    std::cout << n.path << "  (" << governance::to_string(n.kind) << ")";
    if (!n.display_name.empty()) std::cout << "  " << n.display_name;
    if (!n.email.empty()) std::cout << "  <" << n.email << ">";
    if (n.rpm) std::cout << "  rpm=" << *n.rpm;
    if (n.tpm) std::cout << "  tpm=" << *n.tpm;
    std::cout << "\n";
}

Result<void> check_kind(const std::string& path, NodeKind kind) {
    auto actual = governance::kind_of_path(path);
    if (!actual) return std::unexpected(actual.error());
    if (*actual != kind)
        return fail(ErrorCode::invalid_argument, "'" + path + "' is a " + std::string(governance::to_string(*actual)) +
                                                     " path, not a " + std::string(governance::to_string(kind)));
    return {};
}

void add_level(CLI::App& app, Context& context, const char* name, NodeKind kind, const char* help, const char* example) {
    auto* cmd = app.add_subcommand(name, help);
    cmd->require_subcommand(1);
    set_examples(*cmd, example);
    auto args = std::make_shared<NodeArgs>();
    auto* create = cmd->add_subcommand("create", "Create one (its parent must exist)");
    create->add_option("path", args->path, "Full path, e.g. acme/eng/platform")->required();
    create->add_option("--name", args->name, "Display name");
    create->add_option("--email", args->email, "Contact e-mail");
    create->add_option("--rpm", args->rpm, "Requests per minute limit (users and teams)");
    create->add_option("--tpm", args->tpm, "Tokens per minute limit (users and teams)");
    create->add_flag("--json", args->json, "Print JSON");
    create->callback([&context, args, kind] {
        context.exit_code = with_admin(context, [&](governance::Admin& a) {
            if (auto ok = check_kind(args->path, kind); !ok) return context.report(ok.error());
            auto node = a.create_node({args->path, kind, args->name, args->email, args->rpm, args->tpm, 0});
            if (!node) return context.report(node.error());
            return print_result(args->json, governance::to_json(*node), [&] { std::cout << "created "; print_node(*node); });
        });
    });
    auto* set = cmd->add_subcommand("set", "Change name, e-mail or rate limits");
    set->add_option("path", args->path, "Full path")->required();
    set->add_option("--name", args->name, "Display name");
    set->add_option("--email", args->email, "Contact e-mail");
    set->add_option("--rpm", args->rpm, "Requests per minute limit");
    set->add_option("--tpm", args->tpm, "Tokens per minute limit");
    set->add_flag("--json", args->json, "Print JSON");
    set->callback([&context, args] {
        context.exit_code = with_admin(context, [&](governance::Admin& a) {
            auto node = a.show_node(args->path);
            if (!node) return context.report(node.error());
            if (!args->name.empty()) node->display_name = args->name;
            if (!args->email.empty()) node->email = args->email;
            if (args->rpm) node->rpm = args->rpm;
            if (args->tpm) node->tpm = args->tpm;
            auto updated = a.update_node(*node);
            if (!updated) return context.report(updated.error());
            return print_result(args->json, governance::to_json(*updated), [&] { print_node(*updated); });
        });
    });
    auto* list = cmd->add_subcommand("list", "List them (optionally under a path)");
    list->add_option("under", args->path, "Only below this path");
    list->add_flag("--json", args->json, "Print JSON");
    list->callback([&context, args, kind] {
        context.exit_code = with_admin(context, [&](governance::Admin& a) {
            auto nodes = a.list_nodes(args->path, kind);
            if (!nodes) return context.report(nodes.error());
            nlohmann::json out = nlohmann::json::array();
            for (const auto& n : *nodes) out.push_back(governance::to_json(n));
            return print_result(args->json, out, [&] { for (const auto& n : *nodes) print_node(n); });
        });
    });
    auto* show = cmd->add_subcommand("show", "Show one");
    show->add_option("path", args->path, "Full path")->required();
    show->add_flag("--json", args->json, "Print JSON");
    show->callback([&context, args] {
        context.exit_code = with_admin(context, [&](governance::Admin& a) {
            auto node = a.show_node(args->path);
            if (!node) return context.report(node.error());
            return print_result(args->json, governance::to_json(*node), [&] { print_node(*node); });
        });
    });
    auto* move = cmd->add_subcommand("move", "Move it (and everything below) under another parent");
    move->add_option("path", args->path, "Full path")->required();
    move->add_option("new-parent", args->parent, "The new parent's path")->required();
    move->add_flag("--json", args->json, "Print JSON");
    move->callback([&context, args] {
        context.exit_code = with_admin(context, [&](governance::Admin& a) {
            auto moved = a.move_node(args->path, args->parent);
            if (!moved) return context.report(moved.error());
            return print_result(args->json, {{"path", *moved}}, [&] { std::cout << "moved to " << *moved << "\n"; });
        });
    });
    auto* remove = cmd->add_subcommand("delete", "Delete it (its keys are revoked)");
    remove->add_option("path", args->path, "Full path")->required();
    remove->add_flag("--recursive", args->recursive, "Also delete everything below it");
    remove->add_flag("--json", args->json, "Print JSON");
    remove->callback([&context, args] {
        context.exit_code = with_admin(context, [&](governance::Admin& a) {
            auto deleted = a.delete_node(args->path, args->recursive);
            if (!deleted) return context.report(deleted.error());
            return print_result(args->json, {{"deleted", *deleted}},
                                [&] { std::cout << "deleted " << *deleted << " node(s)\n"; });
        });
    });
}

} // namespace

void add_org_command(CLI::App& app, Context& context) {
    add_level(app, context, "org", NodeKind::organisation, "Manage organisations",
              "  megarouter org create acme --name 'Acme Inc'\n  megarouter org list --json\n");
}
void add_dept_command(CLI::App& app, Context& context) {
    add_level(app, context, "dept", NodeKind::department, "Manage departments",
              "  megarouter dept create acme/eng\n  megarouter dept move acme/eng globex\n");
}
void add_team_command(CLI::App& app, Context& context) {
    add_level(app, context, "team", NodeKind::team, "Manage teams",
              "  megarouter team create acme/eng/platform --rpm 600\n  megarouter team list acme/eng\n");
}
void add_user_command(CLI::App& app, Context& context) {
    add_level(app, context, "user", NodeKind::user, "Manage users",
              "  megarouter user create acme/eng/platform/alice --email alice@acme.test\n"
              "  megarouter user delete acme/eng/platform/alice\n");
}

} // namespace megarouter::cli
