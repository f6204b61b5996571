// naming_of(), closest_sibling(), likely_typo_of() and edit_distance_within():
// see naming.hpp.
#include "megarouter/catalog/naming.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace megarouter::catalog {

namespace {

// Ids longer than this are nobody's naming: it bounds the work a request's
// model string can cause.
constexpr std::size_t k_max_id_bytes = 128;

struct Prefix {
    std::string_view prefix;
    Naming naming;
};

constexpr Prefix k_prefixes[] = {
    {"gpt-", {"openai", "openai"}},          {"chatgpt-", {"openai", "openai"}},
    {"codex-", {"openai", "openai"}},        {"text-embedding-", {"openai", "openai"}},
    {"claude-", {"anthropic", "anthropic"}}, {"gemini-", {"google", "google"}},
    {"grok-", {"xai", "xai"}},               {"mistral-", {"mistral", "mistral"}},
    {"codestral-", {"mistral", "mistral"}},  {"devstral-", {"mistral", "mistral"}},
    {"magistral-", {"mistral", "mistral"}},  {"ministral-", {"mistral", "mistral"}},
    {"pixtral-", {"mistral", "mistral"}},    {"deepseek-", {"deepseek", "deepseek"}},
    {"command-", {"cohere", "cohere"}},      {"kimi-", {"moonshot", "moonshot"}},
    {"glm-", {"zhipu", "zhipu"}},            {"qwen", {"dashscope", "qwen"}},
    {"qwq-", {"dashscope", "qwen"}},         {"sonar", {"perplexity", "perplexity"}},
};

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// An id as its words and its version numbers: "gpt-6.2-sol" is words
// {gpt, sol} and numbers {6, 2}; "gpt-4o-mini" is {gpt, o, mini} and {4}.
struct Shape {
    std::vector<std::string> words;
    std::vector<std::int64_t> numbers;
};

Shape shape_of(std::string_view id) {
    Shape shape;
    std::size_t i = 0;
    while (i < id.size()) {
        unsigned char c = static_cast<unsigned char>(id[i]);
        if (std::isalpha(c)) {
            std::size_t start = i;
            while (i < id.size() && std::isalpha(static_cast<unsigned char>(id[i]))) ++i;
            shape.words.push_back(lower(id.substr(start, i - start)));
        } else if (std::isdigit(c)) {
            std::int64_t value = 0;
            int digits = 0;
            while (i < id.size() && std::isdigit(static_cast<unsigned char>(id[i]))) {
                if (digits++ < 18) value = value * 10 + (id[i] - '0');
                ++i;
            }
            shape.numbers.push_back(value);
        } else {
            ++i;
        }
    }
    return shape;
}

} // namespace

std::optional<Naming> naming_of(std::string_view id) {
    if (id.empty() || id.size() > k_max_id_bytes) return std::nullopt;
    std::string name = lower(id);
    // o1, o3-mini, o4-pro...: OpenAI's reasoning line.
    if (name.size() >= 2 && name[0] == 'o' && std::isdigit(static_cast<unsigned char>(name[1])))
        return Naming{"openai", "openai"};
    for (const Prefix& p : k_prefixes)
        if (name.starts_with(p.prefix) && name.size() > p.prefix.size()) return p.naming;
    return std::nullopt;
}

const Model* closest_sibling(const Catalog& catalog, std::string_view id, std::string_view provider) {
    if (id.empty() || id.size() > k_max_id_bytes) return nullptr;
    Shape wanted = shape_of(id);
    if (wanted.words.empty()) return nullptr;
    const Model* below = nullptr; // highest version <= wanted
    const Model* above = nullptr; // lowest version > wanted
    std::vector<std::int64_t> below_v, above_v;
    for (const Model& model : catalog.models()) {
        if (!find_offering(model, provider)) continue;
        Shape shape = shape_of(model.id);
        if (shape.words != wanted.words) continue;
        if (shape.numbers <= wanted.numbers) {
            if (!below || shape.numbers > below_v) below = &model, below_v = std::move(shape.numbers);
        } else if (!above || shape.numbers < above_v) {
            above = &model, above_v = std::move(shape.numbers);
        }
    }
    return below ? below : above;
}

// The edit distance of `a` and `b` when it is at most `limit`, else
// limit + 1. Only cells within `limit` of the diagonal can hold a distance
// within it (Ukkonen's band), and a row whose band holds nothing within the
// limit ends the search: O(min(|a|, |b|) x (2 limit + 1)) at most, with one
// row of memory.
std::size_t edit_distance_within(std::string_view a, std::string_view b, std::size_t limit) {
    if (a.size() > b.size()) std::swap(a, b);
    const std::size_t over = limit + 1;
    if (b.size() - a.size() > limit) return over;
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = std::min(j, over);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t lo = i > limit ? i - limit : 1;
        std::size_t hi = std::min(b.size(), i + limit);
        std::size_t diagonal = row[lo - 1];
        row[lo - 1] = lo == 1 ? std::min(i, over) : over; // left of the band
        std::size_t best = row[lo - 1];
        for (std::size_t j = lo; j <= hi; ++j) {
            std::size_t above = row[j]; // right of the previous band: still `over` from row 0
            row[j] = std::min({above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1), over});
            diagonal = above;
            best = std::min(best, row[j]);
        }
        if (best > limit) return over;
    }
    return row[b.size()];
}

const Model* likely_typo_of(const Catalog& catalog, std::string_view id) {
    if (id.empty() || id.size() > k_max_id_bytes) return nullptr;
    std::string name = lower(id);
    Shape wanted = shape_of(name);
    for (const Model& model : catalog.models()) {
        std::string listed = lower(model.id);
        if (listed == name || edit_distance_within(name, listed, 2) > 2) continue;
        if (shape_of(listed).numbers == wanted.numbers) return &model;
    }
    return nullptr;
}

} // namespace megarouter::catalog
