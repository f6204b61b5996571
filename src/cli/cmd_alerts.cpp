// `megarouter alerts list|show|retry|test`: the event outbox and deliveries.
#include "cmd_org_common.hpp"
#include "megarouter/governance/alerts.hpp"

namespace megarouter::cli {

void add_alerts_command(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("alerts", "List, inspect, retry and test alert deliveries");
    cmd->require_subcommand(1);
    set_examples(*cmd, "  megarouter alerts list --status pending\n  megarouter alerts retry evt_b3_1706745600000_alert\n"
                       "  megarouter alerts test http://127.0.0.1:9000/hook --secret s3cret\n");
    struct Args { std::string id, status, url, secret; int limit = 50; bool json = false; };
    auto a = std::make_shared<Args>();
    auto print = [](const governance::EventInfo& e) {
        std::cout << e.id << "  " << e.type << "  " << (e.node.empty() ? "-" : e.node) << "  " << e.summary << "\n";
        for (const auto& d : e.deliveries)
            std::cout << "    -> " << d.url << "  " << d.status << "  attempts " << d.attempts << (d.last_error.empty() ? "" : "  " + d.last_error) << "\n";
    };
    auto* list = cmd->add_subcommand("list", "List recent events with their delivery status");
    list->add_option("--status", a->status, "Only events with a delivery in this status (pending, delivered, failed)");
    list->add_option("--limit", a->limit, "At most this many (default 50)");
    list->add_flag("--json", a->json, "Print JSON");
    list->callback([&context, a, print] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto events = admin.list_events(a->limit, a->status);
            if (!events) return context.report(events.error());
            nlohmann::json out = nlohmann::json::array();
            for (const auto& e : *events) out.push_back(governance::to_json(e));
            return print_result(a->json, out, [&] { for (const auto& e : *events) print(e); });
        });
    });
    for (bool retry : {false, true}) {
        auto* sub = cmd->add_subcommand(retry ? "retry" : "show", retry ? "Deliver an event again now" : "Show one event");
        sub->add_option("id", a->id, "Event id")->required();
        sub->add_flag("--json", a->json, "Print JSON");
        sub->callback([&context, a, retry, print] {
            context.exit_code = with_admin(context, [&](governance::Admin& admin) {
                auto e = retry ? admin.retry_event(a->id) : admin.show_event(a->id);
                if (!e) return context.report(e.error());
                return print_result(a->json, governance::to_json(*e), [&] { print(*e); });
            });
        });
    }
    auto* test = cmd->add_subcommand("test", "POST a test event to a URL now and print the outcome");
    test->add_option("url", a->url, "http(s) URL")->required();
    test->add_option("--secret", a->secret, "Secret to sign with");
    test->add_flag("--json", a->json, "Print JSON");
    test->callback([&context, a] {
        std::int64_t now = core::system_clock().now_ms();
        std::string id = "evt_test_" + std::to_string(now);
        nlohmann::json body = {{"id", id}, {"type", "test"}, {"time_ms", now}, {"node", ""},
                               {"summary", "megarouter test event"}, {"data", nlohmann::json::object()}};
        auto outcome = governance::post_webhook(a->url, a->secret, id, body.dump(), now / 1000);
        print_result(a->json, {{"id", id}, {"delivered", outcome.delivered}, {"status", outcome.status}, {"error", outcome.error}},
                     [&] { std::cout << (outcome.delivered ? "delivered" : "failed: " + outcome.error) << " (HTTP " << outcome.status << ")\n"; });
        context.exit_code = outcome.delivered ? 0 : k_exit_unavailable;
    });
}

} // namespace megarouter::cli
