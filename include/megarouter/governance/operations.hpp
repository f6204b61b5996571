// The governance operations, each described once: its name on the command
// line, its admin route, its arguments and the function that runs it. The
// CLI builds its subcommands and the admin API its routes from this table
// (like ninja's tool table), so the two front ends parse, validate and
// answer alike; only how a result is printed for people stays in the CLI.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/core/error.hpp"
#include "megarouter/core/json.hpp"
#include "megarouter/governance/admin.hpp"
#include "megarouter/governance/roles.hpp"

namespace megarouter::governance {

enum class ArgType {
    text,    // a JSON string; a CLI TEXT
    integer, // a JSON integer; a CLI INT
    flag,    // a JSON boolean; a CLI flag; "1" or "true" in a query string
    list,    // a JSON array of strings; a repeatable CLI option
    object,  // a JSON object (admin API only)
};

// One argument of an operation. Most exist on both front ends; some only on
// one, where the two spell a thing differently (the CLI's --grace in
// seconds, the API's grace_ms), and the operation reads whichever it got.
struct Argument {
    // The key in the arguments object the operation reads, and the admin
    // API's name for it: a route capture when the route has `:name`, else a
    // query parameter when the request has one, else a body member.
    std::string_view name;
    ArgType type = ArgType::text;
    // On the CLI: "path" (a positional), "--name" (an option), or "" (not
    // on the CLI).
    std::string_view cli;
    std::string_view help;
    // Must be present (on the CLI a required positional or option).
    bool required = false;
    // Whether the admin API reads it.
    bool http = true;
};

// The arguments an operation received: a JSON object of Argument::name ->
// value, absent (or null) when not given. Defaults are the operation's own.
using Arguments = nlohmann::json;

struct Operation {
    // "<group> <verb>" as on the CLI ("budget set"); the group "node" is
    // the CLI's org, dept, team and user (each passing its level as `kind`).
    std::string_view name;
    std::string_view help; // one line, the CLI subcommand's description
    std::string_view method; // "GET", "POST" or "DELETE"
    std::string_view route;  // "/admin/budgets/:id"
    // The permission Admin checks (on the node the arguments name; Admin
    // applies the finer rules, e.g. who may grant owner). Documentation:
    // Admin, not this field, enforces it.
    Permission permission = Permission::view_settings;
    std::span<const Argument> arguments;
    // Runs the operation on validated arguments; its JSON answer is the
    // admin API's response body and the CLI's --json output.
    Result<nlohmann::json> (*run)(Admin& admin, const Arguments& arguments) = nullptr;

    std::string_view group() const { return name.substr(0, name.find(' ')); }
    std::string_view verb() const { return name.substr(name.find(' ') + 1); }
};

// The table, grouped by CLI command, each group in its CLI order.
std::span<const Operation> operations();

// The operation called `name` ("keys rotate"), or nullptr.
const Operation* find_operation(std::string_view name);

// Checks `arguments` against the operation's table (every argument present
// has its declared type; every required one is present) and runs it. Fails
// with invalid_argument naming the argument ("'amount' must be an integer",
// "path is required", the CLI11 wording), or with what the operation fails
// with. Not thread-safe (it uses `admin`).
Result<nlohmann::json> perform(const Operation& operation, Admin& admin, const Arguments& arguments);

// Reads the text of a route capture or query parameter; nullopt when absent.
using TextLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The arguments of an admin request, for each argument the API reads: the
// route capture if the route has one by that name, else the query parameter
// if present, else the body member. A capture or query value is converted to
// the argument's type: an integer capture that is not 1 to 18 digits fails
// with not_found (as if no route matched), any other bad value with
// invalid_argument; a flag is true for "1" or "true". `body` must have been
// checked with body_types() first.
Result<Arguments> request_arguments(const Operation& operation, const nlohmann::json& body, const TextLookup& capture,
                                    const TextLookup& query);

// The JSON type of each argument the admin API reads, for checking a body.
std::vector<core::MemberType> body_types(const Operation& operation);

} // namespace megarouter::governance
