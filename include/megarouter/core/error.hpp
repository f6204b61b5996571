// Errors as values for every path that traffic takes.
// An Error carries a code, a message, the upstream HTTP status where there is
// one, and whether retrying may help; the CLI maps codes to exit codes and the
// proxy maps them to HTTP statuses, each in exactly one place.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace megarouter {

enum class ErrorCode {
    invalid_argument,        // bad input from a user or a client
    not_found,               // unknown model, node, key, file
    unauthenticated,         // missing, unknown, revoked or expired key
    permission_denied,       // authenticated but not allowed (policy, role)
    budget_exceeded,         // a budget or quota pool blocks the request
    rate_limited,            // a local rpm/tpm limit, or upstream 429
    payload_too_large,       // body over the configured limit
    context_length_exceeded, // upstream says the prompt does not fit
    content_policy,          // upstream refused on content grounds
    upstream_timeout,        // connect, first-byte, idle or total timeout
    upstream_unavailable,    // connection refused/reset, 502/503/5xx
    upstream_error,          // any other upstream failure
    no_route,                // no deployment can serve the request
    overloaded,              // the gateway itself is at capacity
    storage,                 // SQLite (or disk) failure
    config,                  // bad configuration
    io,                      // local file errors
    unavailable,             // something this machine must provide is taken (a port in use, a held lock)
    cancelled,               // interrupted by the user or a gone client
    internal,                // a bug
};

// The stable snake_case name of a code, as used in logs and error bodies.
std::string_view to_string(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::internal;
    std::string message;
    int upstream_status = 0;          // 0 when no upstream answered
    bool retryable = false;           // whether another attempt may succeed
    std::optional<double> retry_after_seconds; // from Retry-After, when given
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand constructors; `fail(...)` yields an unexpected value that
// converts to any Result<T>.
Error make_error(ErrorCode code, std::string message, bool retryable = false);
inline std::unexpected<Error> fail(ErrorCode code, std::string message, bool retryable = false) {
    return std::unexpected(make_error(code, std::move(message), retryable));
}
inline std::unexpected<Error> fail(Error error) { return std::unexpected(std::move(error)); }

// The process exit code for an error (see man/megarouter.1, EXIT STATUS).
int exit_code_for(const Error& error);

// The HTTP status for an error, the one map every HTTP surface uses (the
// proxy's OpenAI/Anthropic error bodies, the admin and spend APIs): 400 bad
// input, 401/403, 404, 413, 429 rate limits and budgets, 502/503/504 upstream
// and capacity, 499 cancelled, 500 for the gateway's own faults.
int http_status_for(const Error& error);

// Exit codes, documented in the man page.
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_runtime = 1;
inline constexpr int k_exit_usage = 64;
inline constexpr int k_exit_data = 65;
inline constexpr int k_exit_no_input = 66;
inline constexpr int k_exit_unavailable = 69;
inline constexpr int k_exit_temporary = 75;
inline constexpr int k_exit_denied = 77;
inline constexpr int k_exit_config = 78;
inline constexpr int k_exit_interrupted = 130;

} // namespace megarouter
