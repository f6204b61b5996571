#include "megarouter/core/error.hpp"

namespace megarouter {

std::string_view to_string(ErrorCode code) {
    switch (code) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::unauthenticated: return "unauthenticated";
    case ErrorCode::permission_denied: return "permission_denied";
    case ErrorCode::budget_exceeded: return "budget_exceeded";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::payload_too_large: return "payload_too_large";
    case ErrorCode::context_length_exceeded: return "context_length_exceeded";
    case ErrorCode::content_policy: return "content_policy";
    case ErrorCode::upstream_timeout: return "upstream_timeout";
    case ErrorCode::upstream_unavailable: return "upstream_unavailable";
    case ErrorCode::upstream_error: return "upstream_error";
    case ErrorCode::no_route: return "no_route";
    case ErrorCode::overloaded: return "overloaded";
    case ErrorCode::storage: return "storage";
    case ErrorCode::config: return "config";
    case ErrorCode::io: return "io";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::cancelled: return "cancelled";
    case ErrorCode::internal: return "internal";
    }
    return "internal";
}

Error make_error(ErrorCode code, std::string message, bool retryable) {
    Error error;
    error.code = code;
    error.message = std::move(message);
    error.retryable = retryable;
    return error;
}

int exit_code_for(const Error& error) {
    switch (error.code) {
    case ErrorCode::invalid_argument:
    case ErrorCode::not_found:
    case ErrorCode::payload_too_large:
    case ErrorCode::context_length_exceeded:
    case ErrorCode::content_policy: return k_exit_data;
    case ErrorCode::io: return k_exit_no_input;
    case ErrorCode::no_route:
    case ErrorCode::unavailable: return k_exit_unavailable;
    case ErrorCode::rate_limited:
    case ErrorCode::upstream_timeout:
    case ErrorCode::upstream_unavailable:
    case ErrorCode::overloaded: return k_exit_temporary;
    case ErrorCode::upstream_error: return error.retryable ? k_exit_temporary : k_exit_runtime;
    case ErrorCode::unauthenticated:
    case ErrorCode::permission_denied:
    case ErrorCode::budget_exceeded: return k_exit_denied;
    case ErrorCode::config: return k_exit_config;
    case ErrorCode::cancelled: return k_exit_interrupted;
    case ErrorCode::storage:
    case ErrorCode::internal: return k_exit_runtime;
    }
    return k_exit_runtime;
}

int http_status_for(const Error& error) {
    switch (error.code) {
    case ErrorCode::invalid_argument:
    case ErrorCode::context_length_exceeded:
    case ErrorCode::content_policy: return 400;
    case ErrorCode::unauthenticated: return 401;
    case ErrorCode::permission_denied: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::payload_too_large: return 413;
    case ErrorCode::rate_limited:
    case ErrorCode::budget_exceeded: return 429;
    case ErrorCode::upstream_timeout: return 504;
    case ErrorCode::upstream_unavailable:
    case ErrorCode::no_route:
    case ErrorCode::unavailable:
    case ErrorCode::overloaded: return 503;
    case ErrorCode::upstream_error: return 502;
    case ErrorCode::cancelled: return 499;
    case ErrorCode::storage:
    case ErrorCode::config:
    case ErrorCode::io:
    case ErrorCode::internal: return 500;
    }
    return 500;
}

} // namespace megarouter
