// The difficulty predictor's features. Every feature is a name hashed into
// 2^k_feature_bits slots (FNV-1a and a fixed mix, so a name lands in the same
// slot on every machine): word unigrams and word pairs of the user's text,
// the prompt's size and shape as a few numbers, and the analyser's signals.
// Text features are weighted 1 + log(count) and scaled to unit length, so a
// long prompt does not outweigh the shape features by sheer size.
#include "megarouter/routing/difficulty.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

namespace megarouter::routing {

namespace {

constexpr std::uint64_t k_fnv_offset = 1469598103934665603ull;
constexpr std::uint64_t k_fnv_prime = 1099511628211ull;

std::uint64_t fnv(std::string_view text, std::uint64_t hash = k_fnv_offset) {
    for (unsigned char c : text) hash = (hash ^ c) * k_fnv_prime;
    return hash;
}

std::uint32_t slot_of(std::uint64_t hash) {
    return static_cast<std::uint32_t>((hash ^ (hash >> 29)) & (k_feature_slots - 1));
}

std::uint32_t slot_of(std::string_view name) { return slot_of(fnv(name)); }

// ASCII classes spelled out rather than <cctype>'s, whose answers follow the
// process locale: the features must be the same on every machine, or the
// trained weights would mean something else there.
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c >= 0x80;
}
bool is_blank_or_control(unsigned char c) { return c <= 0x20 || c == 0x7f; }
unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; }

// The user's text as a stream of token hashes: lowercase ASCII word runs, a
// digit run shaped as "#" + its length (up to 4), every other visible byte a
// token of its own. No token is copied: each is hashed as it is read.
struct Tokens {
    std::vector<std::uint64_t> hashes;
    std::size_t numbers = 0;
    std::size_t symbols = 0; // maths and code punctuation: = + * / ^ \ $ { } < > |
    std::size_t lines = 1;
    std::size_t questions = 0;
};

Tokens tokenize(std::string_view text) {
    Tokens out;
    out.hashes.reserve(std::min<std::size_t>(k_feature_tokens, text.size() / 4 + 1));
    std::size_t i = 0;
    while (i < text.size() && out.hashes.size() < k_feature_tokens) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n') ++out.lines;
        if (is_blank_or_control(c)) {
            ++i;
            continue;
        }
        if (is_digit(c)) {
            std::size_t start = i;
            while (i < text.size() && is_digit(static_cast<unsigned char>(text[i]))) ++i;
            char shape[2] = {'#', static_cast<char>('0' + std::min<std::size_t>(i - start, 4))};
            out.hashes.push_back(fnv(std::string_view(shape, 2)));
            ++out.numbers;
            continue;
        }
        if (is_word_byte(c)) {
            std::uint64_t hash = k_fnv_offset;
            for (std::size_t length = 0; i < text.size(); ++i, ++length) {
                unsigned char b = static_cast<unsigned char>(text[i]);
                if (!is_word_byte(b) || is_digit(b)) break;
                if (length < 40) hash = (hash ^ lower(b)) * k_fnv_prime;
            }
            out.hashes.push_back(hash);
            continue;
        }
        if (std::string_view("=+*/^\\${}<>|").find(static_cast<char>(c)) != std::string_view::npos) ++out.symbols;
        if (c == '?') ++out.questions;
        out.hashes.push_back(fnv(std::string_view(text.data() + i, 1)));
        ++i;
    }
    // Counts over the rest of a text cut at k_feature_tokens.
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n') ++out.lines;
        if (c == '?') ++out.questions;
    }
    return out;
}

// Mixes two hashes into one (order matters): the word pair's name.
std::uint64_t pair_hash(std::uint64_t first, std::uint64_t second) {
    std::uint64_t h = first * 0x9e3779b97f4a7c15ull ^ (second + 0x632be59bd9b4e019ull + (first << 6) + (first >> 2));
    return h * k_fnv_prime;
}

// The user turns' text, at most k_feature_text_bytes of it (a huge paste
// costs no more than its first part), and the full length in bytes.
constexpr std::size_t k_feature_text_bytes = 16 * 1024;

std::string user_text(const providers::ChatRequest& request, std::size_t& total) {
    std::string text;
    total = 0;
    for (const providers::Message& message : request.messages) {
        if (message.role != providers::Role::user) continue;
        for (const providers::ContentPart& part : message.content) {
            if (part.kind != providers::ContentPart::Kind::text) continue;
            total += part.text.size() + 2;
            if (text.size() >= k_feature_text_bytes) continue;
            if (!text.empty()) text += "\n\n";
            text.append(part.text, 0, k_feature_text_bytes - std::min(text.size(), k_feature_text_bytes));
        }
    }
    return text;
}

float squash(double count) { return static_cast<float>(std::log1p(count)); }

} // namespace

std::vector<Feature> difficulty_features(const providers::ChatRequest& request, const Analysis& analysis) {
    std::size_t total_bytes = 0;
    const std::string text = user_text(request, total_bytes);
    Tokens tokens = tokenize(text);

    // Word and word-pair slots, counted in a small open-addressing table (no
    // sort), each weighted 1 + log(count), the text part scaled to unit length.
    // The table is per thread and reused: only the entries used are cleared.
    constexpr std::size_t table_size = 4 * k_feature_tokens; // at most half full
    thread_local std::vector<std::uint32_t> keys(table_size, 0), counts(table_size, 0);
    std::vector<std::uint32_t> used;
    used.reserve(tokens.hashes.size() * 2);
    auto count = [&](std::uint32_t slot) {
        std::size_t at = (slot * 2654435761u) & (table_size - 1);
        while (counts[at] != 0 && keys[at] != slot) at = (at + 1) & (table_size - 1);
        if (counts[at]++ == 0) {
            keys[at] = slot;
            used.push_back(static_cast<std::uint32_t>(at));
        }
    };
    const std::uint64_t start_of_text = fnv("^");
    for (std::size_t i = 0; i < tokens.hashes.size(); ++i) {
        std::uint64_t word = tokens.hashes[i];
        count(slot_of(pair_hash(fnv("u:"), word)));
        count(slot_of(pair_hash(i == 0 ? start_of_text : tokens.hashes[i - 1], word)));
    }
    std::vector<Feature> out;
    out.reserve(used.size() + 40);
    double norm = 0;
    for (std::uint32_t at : used) {
        float value = 1.0f + static_cast<float>(std::log(static_cast<double>(counts[at])));
        out.push_back({keys[at], value});
        norm += static_cast<double>(value) * value;
        counts[at] = 0;
    }
    if (norm > 0) {
        float scale = static_cast<float>(1.0 / std::sqrt(norm));
        for (Feature& f : out) f.value *= scale;
    }

    // The prompt's size and shape.
    auto dense = [&out](std::string_view name, float value) {
        if (value != 0) out.push_back({slot_of(name), value});
    };
    double words = static_cast<double>(tokens.hashes.size());
    dense("d:chars", squash(static_cast<double>(total_bytes)) / 8);
    dense("d:words", squash(words) / 8);
    dense("d:numbers", squash(static_cast<double>(tokens.numbers)) / 4);
    dense("d:symbols", squash(static_cast<double>(tokens.symbols)) / 4);
    dense("d:lines", squash(static_cast<double>(tokens.lines)) / 4);
    dense("d:questions", squash(static_cast<double>(tokens.questions)) / 2);
    dense("d:turns", squash(analysis.turns) / 2);
    dense("d:system", request.system.empty() ? 0.0f : 1.0f);
    dense("d:tools", analysis.needs_tools ? 1.0f : 0.0f);
    dense("d:images", analysis.needs_vision ? 1.0f : 0.0f);
    dense("d:json", analysis.needs_json ? 1.0f : 0.0f);
    dense("d:effort:" + request.reasoning_effort, request.reasoning_effort.empty() ? 0.0f : 1.0f);
    dense("d:language:" + std::string(analysis.language), 1.0f);
    dense("d:length_band:" + std::to_string(static_cast<int>(std::log2(1 + words))), 1.0f);
    for (const SignalHit& hit : analysis.signals) {
        std::string name = "s:" + std::string(to_string(hit.signal));
        dense(name, static_cast<float>(hit.points) / 4);
        dense(name + ":" + std::string(hit.detail), 1.0f);
    }
    return out;
}

} // namespace megarouter::routing
