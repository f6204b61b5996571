// The table's webhook and alert operations.
#include "operations_impl.hpp"

namespace megarouter::governance::ops {

Result<nlohmann::json> webhook_add(Admin& admin, const Arguments& args) {
    return answer(admin.add_webhook(text(args, "scope"), text(args, "url"), text(args, "secret"), text(args, "events", "*")));
}

Result<nlohmann::json> webhook_list(Admin& admin, const Arguments&) { return answer(admin.list_webhooks()); }

Result<nlohmann::json> webhook_remove(Admin& admin, const Arguments& args) {
    std::int64_t id = *integer(args, "id");
    if (auto removed = admin.remove_webhook(id); !removed) return fail(removed.error());
    return nlohmann::json{{"ok", true}, {"removed", id}};
}

Result<nlohmann::json> alert_list(Admin& admin, const Arguments& args) {
    return answer(admin.list_events(small_integer(args, "limit", 50), text(args, "status")));
}

Result<nlohmann::json> alert_show(Admin& admin, const Arguments& args) {
    return answer(admin.show_event(text(args, "id")));
}

Result<nlohmann::json> alert_retry(Admin& admin, const Arguments& args) {
    return answer(admin.retry_event(text(args, "id")));
}

} // namespace megarouter::governance::ops
