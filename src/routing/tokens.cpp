// Token estimation without a tokenizer: character classes weighted by how
// BPE tokenizers (o200k, cl100k, Claude's) typically split them.
#include "megarouter/routing/analyser.hpp"

namespace megarouter::routing {

namespace {

constexpr std::int64_t k_tokens_per_image = 800;
constexpr std::int64_t k_tokens_per_message = 4;

} // namespace

std::int64_t estimate_tokens(std::string_view text) {
    // Weights in quarter-tokens: a plain ASCII letter/digit/space is 1 (4 per
    // token), punctuation is 2 (code and JSON split on it), a CJK character 4,
    // any other non-ASCII character 2 (Cyrillic, Arabic, accented Latin...).
    std::int64_t quarters = 0;
    for (std::size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ';
            quarters += plain ? 1 : 2;
            ++i;
        } else if (c >= 0xE0) {
            // 3- and 4-byte sequences: CJK, kana, hangul, emoji.
            quarters += 4;
            i += c >= 0xF0 ? 4 : 3;
        } else {
            quarters += 2;
            i += 2;
        }
    }
    return (quarters + 3) / 4;
}

std::int64_t estimate_input_tokens(const providers::ChatRequest& request) {
    std::int64_t tokens = estimate_tokens(request.system);
    for (const auto& message : request.messages) {
        tokens += k_tokens_per_message;
        for (const auto& part : message.content)
            tokens += part.kind == providers::ContentPart::Kind::image ? k_tokens_per_image : estimate_tokens(part.text);
        for (const auto& call : message.tool_calls) tokens += estimate_tokens(call.name) + estimate_tokens(call.arguments);
    }
    for (const auto& tool : request.tools)
        tokens += 8 + estimate_tokens(tool.name) + estimate_tokens(tool.description) +
                  estimate_tokens(tool.parameters.dump());
    return tokens;
}

} // namespace megarouter::routing
