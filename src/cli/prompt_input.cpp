// Input helpers of `megarouter prompt`: stdin + arguments, -o parameters,
// and the -x code block extraction.
#include <charconv>

#include "prompt.hpp"

namespace megarouter::cli {

Result<std::string> read_prompt(const std::vector<std::string>& words, bool read_stdin, std::FILE* in) {
    std::string piped;
    if (read_stdin) {
        char buffer[65536];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, in)) > 0) {
            if (piped.size() + n > k_max_stdin_bytes)
                return fail(ErrorCode::payload_too_large, "stdin is larger than " + std::to_string(k_max_stdin_bytes / (1024 * 1024)) +
                                                              " MiB; pass a smaller file or an excerpt");
            piped.append(buffer, n);
        }
    }
    std::string args;
    for (const std::string& word : words) args += (args.empty() ? "" : " ") + word;
    while (!piped.empty() && (piped.back() == '\n' || piped.back() == '\r')) piped.pop_back();
    if (piped.empty() && args.empty())
        return fail(ErrorCode::invalid_argument, "no prompt: give it as an argument or on stdin (megarouter prompt \"text\")");
    if (piped.empty()) return args;
    if (args.empty()) return piped;
    return piped + "\n\n" + args;
}

namespace {

std::optional<double> to_double(std::string_view text) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<std::int64_t> to_int(std::string_view text) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

} // namespace

Result<void> apply_params(const std::vector<std::string>& params, providers::ChatRequest& request, nlohmann::json& echo) {
    for (const std::string& param : params) {
        auto eq = param.find('=');
        if (eq == std::string::npos || eq == 0)
            return fail(ErrorCode::invalid_argument, "-o expects key=value, got '" + param + "'");
        std::string key = param.substr(0, eq);
        std::string value = param.substr(eq + 1);
        auto bad = [&](const char* what) { return fail(ErrorCode::invalid_argument, "-o " + key + ": " + what + ", got '" + value + "'"); };
        if (key == "temperature" || key == "top_p") {
            auto number = to_double(value);
            if (!number) return bad("expects a number");
            (key == "temperature" ? request.temperature : request.top_p) = *number;
            echo[key] = *number;
        } else if (key == "max_tokens" || key == "seed") {
            auto number = to_int(value);
            if (!number || (key == "max_tokens" && *number <= 0)) return bad("expects a positive integer");
            (key == "max_tokens" ? request.max_tokens : request.seed) = *number;
            echo[key] = *number;
        } else if (key == "stop") {
            request.stop.push_back(value);
            echo["stop"].push_back(value);
        } else if (key == "user") {
            request.user = value;
            echo[key] = value;
        } else if (key == "reasoning_effort") {
            request.reasoning_effort = value;
            echo[key] = value;
        } else if (key == "json") {
            if (value != "true" && value != "false") return bad("expects true or false");
            if (value == "true") request.response_format = {{"type", "json_object"}};
            echo[key] = value == "true";
        } else {
            return fail(ErrorCode::invalid_argument, "unknown parameter -o " + key +
                                                         " (known: temperature, top_p, max_tokens, seed, stop, user, reasoning_effort, json)");
        }
    }
    return {};
}

std::string extract_code_block(const std::string& text) {
    std::size_t open = text.find("```");
    while (open != std::string::npos && open > 0 && text[open - 1] != '\n') open = text.find("```", open + 3);
    if (open == std::string::npos) return text;
    std::size_t body = text.find('\n', open);
    if (body == std::string::npos) return text;
    ++body;
    std::size_t close = body;
    while (true) {
        close = text.find("```", close);
        if (close == std::string::npos) return text.substr(body); // unterminated: take the rest
        if (text[close - 1] == '\n') break;
        close += 3;
    }
    return text.substr(body, close - body);
}

} // namespace megarouter::cli
