#include "megarouter/governance/admin.hpp"
#include "sql.hpp"
#include "webhook_target.hpp"

namespace megarouter::governance {

namespace {

bool wants(std::string_view events, std::string_view type) {
    if (events == "*" || events.empty()) return true;
    while (!events.empty()) {
        auto comma = events.find(',');
        std::string_view item = events.substr(0, comma);
        if (item == type || (item.ends_with(".*") && type.starts_with(item.substr(0, item.size() - 1)))) return true;
        if (comma == std::string_view::npos) break;
        events.remove_prefix(comma + 1);
    }
    return false;
}

} // namespace

Result<bool> enqueue_event(store::Database& db, std::string_view id, std::string_view type, std::string_view node,
                           core::Millis ts, std::string_view summary, const nlohmann::json& figures) {
    nlohmann::json payload = {{"id", id},       {"type", type},       {"time_ms", ts},
                              {"node", node},   {"summary", summary}, {"data", figures}};
    auto inserted = sql::run(db, "INSERT INTO gov_events(id, type, node, ts, summary, payload) VALUES (?, ?, ?, ?, ?, ?) "
                                 "ON CONFLICT(id) DO NOTHING",
                             std::string(id), std::string(type), std::string(node), ts, std::string(summary), payload.dump());
    if (!inserted) return std::unexpected(inserted.error());
    if (db.changes() == 0) return false;
    std::vector<std::pair<std::int64_t, std::string>> targets;
    auto hooks = sql::each(db, "SELECT id, scope, url, events FROM gov_webhooks", [&](const store::Statement& s) {
        std::string scope = s.text(1);
        if ((scope.empty() || path_within(node, scope)) && wants(s.text(3), type)) targets.emplace_back(s.int64(0), s.text(2));
    });
    if (!hooks) return std::unexpected(hooks.error());
    for (const auto& [hook, url] : targets) {
        auto queued = sql::run(db, "INSERT INTO gov_deliveries(event_id, webhook_id, url, next_attempt_ms) VALUES (?, ?, ?, ?) "
                                   "ON CONFLICT DO NOTHING",
                               std::string(id), hook, url, ts);
        if (!queued) return std::unexpected(queued.error());
    }
    return true;
}

Result<Webhook> Admin::add_webhook(std::string_view scope, std::string_view url, std::string_view secret,
                                   std::string_view events) {
    if (!scope.empty())
        if (auto node = show_node(scope); !node) return std::unexpected(node.error());
    if (auto allowed = require(Permission::manage_webhooks, scope); !allowed) return std::unexpected(allowed.error());
    if (auto target = check_webhook_url(url, m_settings.allow_private_webhooks); !target)
        return std::unexpected(target.error());
    auto inserted = sql::run(m_db, "INSERT INTO gov_webhooks(scope, url, secret, events, created_ms) VALUES (?, ?, ?, ?, ?)",
                             std::string(scope), std::string(url), std::string(secret),
                             std::string(events.empty() ? "*" : events), m_clock.now_ms());
    if (!inserted) return std::unexpected(inserted.error());
    return Webhook{m_db.last_insert_id(), std::string(scope), std::string(url), !secret.empty(),
                   std::string(events.empty() ? "*" : events)};
}

Result<std::vector<Webhook>> Admin::list_webhooks() {
    std::vector<Webhook> hooks;
    auto rows = sql::each(m_db, "SELECT id, scope, url, secret <> '', events FROM gov_webhooks ORDER BY id",
                          [&](const store::Statement& s) {
                              Webhook hook{s.int64(0), s.text(1), s.text(2), s.int64(3) != 0, s.text(4)};
                              if (require(Permission::view_settings, hook.scope)) hooks.push_back(std::move(hook));
                          });
    if (!rows) return std::unexpected(rows.error());
    return hooks;
}

Result<void> Admin::remove_webhook(std::int64_t id) {
    std::optional<std::string> scope;
    auto rows = sql::each(m_db, "SELECT scope FROM gov_webhooks WHERE id = ?",
                          [&](const store::Statement& s) { scope = s.text(0); }, id);
    if (!rows) return std::unexpected(rows.error());
    if (!scope) return fail(ErrorCode::not_found, "no webhook " + std::to_string(id));
    if (auto allowed = require(Permission::manage_webhooks, *scope); !allowed) return allowed;
    return m_db.transaction([&]() -> Result<void> {
        if (auto r = sql::run(m_db, "DELETE FROM gov_deliveries WHERE webhook_id = ? AND status = 'pending'", id); !r)
            return r;
        return sql::run(m_db, "DELETE FROM gov_webhooks WHERE id = ?", id);
    });
}

namespace {

EventInfo read_event(const store::Statement& s) {
    EventInfo event;
    event.id = s.text(0);
    event.type = s.text(1);
    event.node = s.text(2);
    event.ts = s.int64(3);
    event.summary = s.text(4);
    event.payload = nlohmann::json::parse(s.text(5), nullptr, false);
    return event;
}

Result<void> load_deliveries(store::Database& db, EventInfo& event) {
    auto rows = sql::each(db, "SELECT webhook_id, url, status, attempts, next_attempt_ms, last_error FROM gov_deliveries "
                              "WHERE event_id = ? ORDER BY webhook_id",
                          [&](const store::Statement& s) {
                              event.deliveries.push_back(
                                  {s.int64(0), s.text(1), s.text(2), s.int64(3), s.int64(4), s.text(5)});
                          },
                          event.id);
    if (!rows) return std::unexpected(rows.error());
    return {};
}

} // namespace

Result<std::vector<EventInfo>> Admin::list_events(int limit, std::string_view status) {
    std::vector<EventInfo> events;
    auto rows = sql::each(m_db, "SELECT id, type, node, ts, summary, payload FROM gov_events ORDER BY ts DESC, id LIMIT ?",
                          [&](const store::Statement& s) {
                              EventInfo event = read_event(s);
                              if (require(Permission::view_settings, event.node)) events.push_back(std::move(event));
                          },
                          static_cast<std::int64_t>(limit));
    if (!rows) return std::unexpected(rows.error());
    std::vector<EventInfo> kept;
    for (EventInfo& event : events) {
        if (auto loaded = load_deliveries(m_db, event); !loaded) return std::unexpected(loaded.error());
        bool match = status.empty() || std::any_of(event.deliveries.begin(), event.deliveries.end(),
                                                   [&](const Delivery& d) { return d.status == status; });
        if (match) kept.push_back(std::move(event));
    }
    return kept;
}

Result<EventInfo> Admin::show_event(std::string_view id) {
    std::optional<EventInfo> found;
    auto rows = sql::each(m_db, "SELECT id, type, node, ts, summary, payload FROM gov_events WHERE id = ?",
                          [&](const store::Statement& s) { found = read_event(s); }, std::string(id));
    if (!rows) return std::unexpected(rows.error());
    if (!found) return fail(ErrorCode::not_found, "no event '" + std::string(id) + "'");
    if (auto allowed = require(Permission::view_settings, found->node); !allowed) return std::unexpected(allowed.error());
    if (auto loaded = load_deliveries(m_db, *found); !loaded) return std::unexpected(loaded.error());
    return *found;
}

Result<EventInfo> Admin::retry_event(std::string_view id) {
    auto event = show_event(id);
    if (!event) return event;
    if (auto allowed = require(Permission::manage_webhooks, event->node); !allowed) return std::unexpected(allowed.error());
    auto updated = sql::run(m_db, "UPDATE gov_deliveries SET status = 'pending', next_attempt_ms = ? "
                                  "WHERE event_id = ? AND status <> 'delivered'",
                            m_clock.now_ms(), std::string(id));
    if (!updated) return std::unexpected(updated.error());
    return show_event(id);
}

} // namespace megarouter::governance
