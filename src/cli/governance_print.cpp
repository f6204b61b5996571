// The text the governance subcommands print without --json, one printer
// per table operation, each reading the operation's JSON answer.
#include <iostream>

#include "governance_ops.hpp"
#include "megarouter/core/json.hpp"

namespace megarouter::cli {

namespace {

using nlohmann::json;
using core::string_member;

// An integer member as text ("" when absent).
std::string number(const json& object, const char* name) {
    auto it = object.find(name);
    return it != object.end() && it->is_number() ? it->dump() : std::string();
}

void node(const json& n) {
    std::cout << string_member(n, "path") << "  (" << string_member(n, "kind") << ")";
    if (!string_member(n, "name").empty()) std::cout << "  " << string_member(n, "name");
    if (!string_member(n, "email").empty()) std::cout << "  <" << string_member(n, "email") << ">";
    if (!number(n, "rpm").empty()) std::cout << "  rpm=" << number(n, "rpm");
    if (!number(n, "tpm").empty()) std::cout << "  tpm=" << number(n, "tpm");
    std::cout << "\n";
}

void key(const json& k) {
    std::string name = string_member(k, "name");
    std::cout << string_member(k, "prefix") << "...  " << string_member(k, "id") << "  " << string_member(k, "owner")
              << "  " << string_member(k, "role") << (number(k, "revoked_ms").empty() ? "" : "  REVOKED")
              << (name.empty() ? "" : "  " + name) << "\n";
}

// The secret on stdout (to pipe into a file), the reminder on stderr.
void created_key(const json& k) {
    std::cout << string_member(k, "key") << "\n";
    std::cerr << "key " << string_member(k, "id") << " for " << string_member(k, "owner")
              << ": store it now, it is not shown again\n";
}

void budget(const json& b) {
    bool tokens = string_member(b, "unit") == "tokens";
    std::cout << "#" << number(b, "id") << "  " << string_member(b, "label") << "  "
              << (tokens ? number(b, "spent") + "/" + number(b, "amount") + " tokens"
                         : string_member(b, "spent_usd") + "/" + string_member(b, "amount_usd"))
              << "  " << string_member(b, "level") << "  (alert " << number(b, "alert_pct") << "%, downgrade "
              << number(b, "downgrade_pct") << "%, block " << number(b, "block_pct") << "%; resets "
              << string_member(b, "resets") << ")\n";
}

void pool(const json& p) {
    std::cout << string_member(p, "name") << "  members: " << p.value("members", json::array()).dump() << "\n";
    for (const auto& b : p.value("budgets", json::array())) {
        bool usd = string_member(b, "unit", "usd") == "usd";
        std::string spent = usd ? string_member(b, "spent_usd") : number(b, "spent") + " tokens";
        std::string amount = usd ? string_member(b, "amount_usd") : number(b, "amount") + " tokens";
        std::cout << "  " << string_member(b, "label") << "  spent " << spent << " of " << amount << "  "
                  << string_member(b, "level") << "\n";
    }
}

void grant(const json& g) {
    std::cout << string_member(g, "subject") << "  " << string_member(g, "role") << "  on " << string_member(g, "scope")
              << "\n";
}

void grant_change(const json& g) {
    std::cout << (g.value("granted", false) ? "granted " : "revoked ") << string_member(g, "role") << " on "
              << string_member(g, "scope") << " for " << string_member(g, "subject") << "\n";
}

void webhook(const json& h) {
    std::string scope = string_member(h, "scope");
    std::cout << number(h, "id") << "  " << string_member(h, "url") << "  " << (scope.empty() ? "(global)" : scope)
              << "  " << string_member(h, "events") << (h.value("has_secret", false) ? "  signed" : "") << "\n";
}

void event(const json& e) {
    std::string node = string_member(e, "node");
    std::cout << string_member(e, "id") << "  " << string_member(e, "type") << "  " << (node.empty() ? "-" : node)
              << "  " << string_member(e, "summary") << "\n";
    for (const auto& d : e.value("deliveries", json::array())) {
        std::string error = string_member(d, "last_error");
        std::cout << "    -> " << string_member(d, "url") << "  " << string_member(d, "status") << "  attempts "
                  << number(d, "attempts") << (error.empty() ? "" : "  " + error) << "\n";
    }
}

template <void (*print)(const json&)>
void each(const json& items) {
    for (const auto& item : items) print(item);
}

constexpr Printer k_printers[] = {
    {"node create", [](const json& n) { std::cout << "created "; node(n); }},
    {"node set", node},
    {"node list", each<node>},
    {"node show", node},
    {"node move", [](const json& j) { std::cout << "moved to " << string_member(j, "path") << "\n"; }},
    {"node delete", [](const json& j) { std::cout << "deleted " << number(j, "deleted") << " node(s)\n"; }},
    {"keys create", created_key, "Print JSON (includes the key)"},
    {"keys list", each<key>},
    {"keys show", key},
    {"keys revoke", key},
    {"keys rotate", created_key, "Print JSON (includes the new key)"},
    {"budget set", budget},
    {"budget list", each<budget>},
    {"budget show", budget},
    {"budget delete", [](const json& j) { std::cout << "deleted budget " << number(j, "deleted") << "\n"; }},
    {"role grant", grant_change},
    {"role revoke", grant_change},
    {"role list", each<grant>},
    {"pool create", pool},
    {"pool add", pool},
    {"pool remove", pool},
    {"pool list", each<pool>},
    {"pool show", pool},
    {"webhook add", [](const json& h) { std::cout << "webhook " << number(h, "id") << " added\n"; }},
    {"webhook list", each<webhook>},
    {"webhook remove", [](const json& j) { std::cout << "removed webhook " << number(j, "removed") << "\n"; }},
    {"alerts list", each<event>},
    {"alerts show", event},
    {"alerts retry", event},
};

} // namespace

const Printer* printer_for(std::string_view operation) {
    for (const Printer& printer : k_printers)
        if (printer.operation == operation) return &printer;
    return nullptr;
}

} // namespace megarouter::cli
