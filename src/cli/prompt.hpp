// Pieces of `megarouter prompt` that are worth testing on their own: reading
// the prompt, parsing -o parameters, extracting a fenced code block, and
// running one prompt against the routed deployments.
#pragma once

#include <atomic>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "megarouter/catalog/catalog.hpp"
#include "megarouter/providers/canonical.hpp"
#include "megarouter/store/prompt_log.hpp"

namespace megarouter::cli {

// The prompt log lives in the store module (the proxy writes it too).
using store::PromptLogEntry;
using store::conversation;
using store::get_prompt;
using store::last_conversation;
using store::list_prompts;
using store::log_prompt;
using store::search_prompts;
using store::to_json;

inline constexpr std::size_t k_max_stdin_bytes = 8 * 1024 * 1024;

struct PromptOptions {
    std::vector<std::string> words;   // positional text
    std::string model;                // "" = config default_model
    std::string system;
    std::string mode;                 // "" = config default
    std::vector<std::string> params;  // -o key=value
    std::optional<double> max_cost_usd;
    bool no_stream = false;
    bool json = false;
    bool extract = false;
    bool usage = false;
    bool no_log = false;
    bool continue_last = false;
    std::string cid;
};

// Stdin (when `read_stdin`) first, then the words joined by spaces, separated
// by a blank line. Fails with payload_too_large past k_max_stdin_bytes and
// invalid_argument when both are empty.
Result<std::string> read_prompt(const std::vector<std::string>& words, bool read_stdin, std::FILE* in = stdin);

// Applies -o key=value pairs: temperature, top_p, max_tokens, seed, stop
// (repeatable), user, reasoning_effort, json (true: JSON object output).
// Fails with invalid_argument naming the key.
Result<void> apply_params(const std::vector<std::string>& params, providers::ChatRequest& request, nlohmann::json& echo);

// The body of the first ``` fenced block, or the whole text when none.
std::string extract_code_block(const std::string& text);

// What one run produced, for printing and the log.
struct PromptOutcome {
    PromptLogEntry entry;               // filled whatever happened
    providers::ChatResponse response;
    std::optional<Error> error;
    bool streamed_to_stdout = false;
    std::string pricing; // "" catalog prices; "config" / "estimate" / "unpriced" for a model passed through
};

// Routes and sends the request, streaming text to stdout via `on_text` when
// given, failing over across deployments on retryable errors until text has
// been printed. `cancel` is set by SIGINT.
PromptOutcome run_prompt(Context& context, const core::Config& config, const catalog::Catalog& catalog,
                         const PromptOptions& options, providers::ChatRequest request,
                         const std::function<void(std::string_view)>* on_text, const std::atomic<bool>& cancel);

} // namespace megarouter::cli
