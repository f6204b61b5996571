// `megarouter alerts list|show|retry|test`: the event outbox and deliveries.
#include "cmd_org_common.hpp"
#include "governance_ops.hpp"
#include "megarouter/governance/alerts.hpp"

namespace megarouter::cli {

void add_alerts_command(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("alerts", "List, inspect, retry and test alert deliveries");
    cmd->require_subcommand(1);
    set_examples(*cmd, "  megarouter alerts list --status pending\n  megarouter alerts retry evt_b3_1706745600000_alert\n"
                       "  megarouter alerts test http://127.0.0.1:9000/hook --secret s3cret\n");
    add_operations(*cmd, context, "alerts");
    // Not in the table: it posts from this machine to any URL, with no store
    // and no permission involved, so the admin API has no such route.
    struct Args { std::string url, secret; bool json = false; };
    auto a = std::make_shared<Args>();
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
