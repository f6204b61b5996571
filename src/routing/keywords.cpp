#include "routing/keywords.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace megarouter::routing {

namespace {

// A rule fires at most once when any of its words occurs. A word ending in
// '*' matches as a prefix ("refactor*" matches "refactoring"); other words
// match whole, optionally plural ("bug" matches "bugs", not "debugger").
struct Rule {
    Signal signal;
    double points;
    std::string_view detail;
    std::initializer_list<std::string_view> words;
};

enum class Needs { nothing, code, no_code };

struct GatedRule {
    Needs needs;
    Rule rule;
};

const std::array<GatedRule, 10> k_rules{{
    {Needs::no_code, {Signal::code, 1, "programming topic",
                      {"function", "code", "python", "javascript", "typescript", "c++", "rust", "golang", "java", "sql",
                       "regex", "api", "compile*", "script", "bash", "kotlin", "swift", "haskell", "implement*",
                       "program", "unit test"}}},
    {Needs::code, {Signal::code, 2, "code task (review, refactor, debug)",
                   {"review*", "refactor*", "debug*", "bug", "race condition", "memory leak", "deadlock", "segfault",
                    "stack trace", "vulnerab*", "optimi*", "thread-safe", "undefined behavio*"}}},
    {Needs::nothing, {Signal::math, 4, "proof request",
                      {"prove", "proof*", "theorem", "lemma", "corollary", "induction", "rigorous*", "q.e.d"}}},
    {Needs::nothing, {Signal::math, 2, "mathematics",
                      {"integral*", "derivative*", "eigen*", "differential equation*", "probability", "expected value",
                       "combinatori*", "polynomial*", "matrix", "matrices", "modular arithmetic", "convergen*",
                       "\\frac", "\\int", "\\sum", "$$", "\xe2\x88\xab", "\xe2\x88\x91", "topolog*", "manifold*",
                       "bayes*", "irrational", "prime numbers", "infinitely many"}}},
    {Needs::nothing, {Signal::reasoning, 3, "algorithm design",
                      {"algorithm*", "time complexity", "space complexity", "big-o", "o(n", "o(log", "o(1)",
                       "dynamic programming", "np-hard", "np-complete", "data structure*", "lock-free", "consensus",
                       "amortized", "shortest path", "concurrency control"}}},
    {Needs::nothing, {Signal::reasoning, 2, "system design",
                      {"design a", "design an", "architect*", "scalab*", "distributed", "fault-toleran*",
                       "microservice*", "sharding", "high availability", "zero downtime", "zero-downtime"}}},
    {Needs::nothing, {Signal::reasoning, 1, "analysis request",
                      {"trade-off*", "tradeoff*", "pros and cons", "compare", "analy*", "evaluate", "critique",
                       "explain why", "root cause", "implications", "in depth", "in-depth", "justify", "derive"}}},
    {Needs::nothing, {Signal::multi_step, 3, "planning request",
                      {"plan", "planning", "roadmap", "strategy", "strategies", "milestone", "phases", "timeline"}}},
    {Needs::nothing, {Signal::multi_step, 1, "step-by-step request",
                      {"step by step", "step-by-step", "walk me through", "multi-step", "each step"}}},
    {Needs::nothing, {Signal::simple_task, -1, "simple task (classify, extract, translate, summarise)",
                      {"classify", "categorize", "categorise", "label", "extract", "translate", "summarize",
                       "summarise", "tl;dr", "tldr", "sentiment", "spelling", "grammar", "rephrase", "paraphrase",
                       "yes or no", "one word", "capital of", "convert", "reformat"}}},
}};

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

bool word_at(std::string_view text, std::size_t at, std::string_view word, bool prefix) {
    bool starts_word = is_word_char(word.front());
    if (starts_word && at > 0 && is_word_char(text[at - 1])) return false;
    if (prefix || !is_word_char(word.back())) return true;
    std::size_t end = at + word.size();
    if (end < text.size() && text[end] == 's') ++end; // plural
    return end >= text.size() || !is_word_char(text[end]);
}

// Where words start in the lowercased text, by first byte, built in one
// pass: a keyword that starts with a word character can only match at a word
// start, so it is compared at the few starts with its first byte instead of
// searched for through the whole text (about 100 keywords over up to 32 KiB
// of a long prompt cost 0.8 ms the second way).
struct WordStarts {
    std::string_view text;
    std::array<std::vector<std::uint32_t>, 256> at;

    explicit WordStarts(std::string_view lower) : text(lower) {
        for (std::size_t i = 0; i < lower.size(); ++i)
            if (is_word_char(lower[i]) && (i == 0 || !is_word_char(lower[i - 1])))
                at[static_cast<unsigned char>(lower[i])].push_back(static_cast<std::uint32_t>(i));
    }
};

bool contains_word(const WordStarts& starts, std::string_view word) {
    bool prefix = word.back() == '*';
    if (prefix) word.remove_suffix(1);
    std::string_view text = starts.text;
    if (is_word_char(word.front())) {
        for (std::uint32_t at : starts.at[static_cast<unsigned char>(word.front())])
            if (text.compare(at, word.size(), word) == 0 && word_at(text, at, word, prefix)) return true;
        return false;
    }
    for (std::size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1))
        if (word_at(text, at, word, prefix)) return true;
    return false;
}

bool rule_fires(const Rule& rule, const WordStarts& starts) {
    return std::any_of(rule.words.begin(), rule.words.end(), [&](std::string_view w) { return contains_word(starts, w); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool code_like_line(std::string_view line) {
    line = trim(line);
    if (line.empty()) return false;
    char last = line.back();
    if (last == ';' || last == '{' || last == '}' || line == "end") return true;
    for (std::string_view start : {"def ", "class ", "#include", "import ", "function ", "return ", "const ", "let ",
                                   "fn ", "func ", "if (", "for (", "while (", "public ", "private ", "SELECT ", "=> "})
        if (line.starts_with(start)) return true;
    return false;
}

struct Structure {
    bool code = false;
    int numbered_items = 0;
};

Structure structure_of(std::string_view text) {
    Structure out;
    if (text.find("```") != std::string_view::npos) out.code = true;
    int code_lines = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = trim(text.substr(start, end - start));
        if (code_like_line(line)) ++code_lines;
        if (line.size() > 2 && line[0] >= '1' && line[0] <= '9' && (line[1] == '.' || line[1] == ')'))
            ++out.numbered_items;
        start = end + 1;
    }
    if (code_lines >= 3) out.code = true;
    return out;
}

bool is_greeting(std::string_view lower) {
    lower = trim(lower);
    if (lower.size() > 60) return false;
    for (std::string_view g : {"hi", "hello", "hey", "thanks", "thank you", "good morning", "good evening",
                               "how are you", "yo ", "cheers"})
        if (lower.starts_with(g) && (lower.size() == g.size() || !is_word_char(lower[g.size()]))) return true;
    return false;
}

// Counts scripts by decoding UTF-8; the dominant one names the language.
std::string_view detect_language(std::string_view text) {
    std::int64_t ascii_letters = 0, latin_ext = 0, han = 0, kana = 0, hangul = 0, cyrillic = 0, arabic = 0,
                 devanagari = 0;
    for (std::size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ++ascii_letters;
            ++i;
            continue;
        }
        int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        std::uint32_t cp = len == 1 ? c : c & (0x3F >> (len - 1));
        for (int k = 1; k < len && i + k < text.size(); ++k) cp = (cp << 6) | (text[i + k] & 0x3F);
        i += len;
        if (cp >= 0x3040 && cp <= 0x30FF) ++kana;
        else if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)) ++han;
        else if ((cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x1100 && cp <= 0x11FF)) ++hangul;
        else if (cp >= 0x0400 && cp <= 0x04FF) ++cyrillic;
        else if (cp >= 0x0600 && cp <= 0x06FF) ++arabic;
        else if (cp >= 0x0900 && cp <= 0x097F) ++devanagari;
        else if (cp >= 0x00C0 && cp <= 0x024F) ++latin_ext;
    }
    // A CJK character carries about a word; weigh it like three Latin letters.
    std::int64_t cjk = 3 * (han + kana + hangul);
    std::int64_t best = std::max({ascii_letters + latin_ext, cjk, cyrillic, arabic, devanagari});
    if (best == 0) return "en";
    if (best == cjk) return kana > 0 ? "ja" : hangul > han ? "ko" : "zh";
    if (best == cyrillic) return "ru";
    if (best == arabic) return "ar";
    if (best == devanagari) return "hi";
    return latin_ext * 50 > ascii_letters ? "other" : "en"; // > 2% accented letters: not English
}

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
}

constexpr std::size_t k_head_bytes = 24 * 1024;
constexpr std::size_t k_tail_bytes = 8 * 1024;

} // namespace

TextScan scan_text(std::string_view text) {
    TextScan scan;
    std::string lower = text.size() <= k_head_bytes + k_tail_bytes
                            ? lower_ascii(text)
                            : lower_ascii(text.substr(0, k_head_bytes)) + "\n" +
                                  lower_ascii(text.substr(text.size() - k_tail_bytes));
    scan.language = detect_language(std::string_view(lower).substr(0, k_head_bytes));
    const WordStarts starts(lower);
    Structure structure = structure_of(text.size() <= k_head_bytes ? text : text.substr(0, k_head_bytes));
    if (structure.code) scan.hits.push_back({Signal::code, 2, "code in the prompt"});
    // A programming topic without code counts as code for the code-task rule
    // ("review our Go worker pool for races" has no code but is a code review).
    bool code_seen = structure.code;
    for (const GatedRule& gated : k_rules) {
        if (gated.needs == Needs::code && !code_seen) continue;
        if (gated.needs == Needs::no_code && structure.code) continue;
        if (!rule_fires(gated.rule, starts)) continue;
        scan.hits.push_back({gated.rule.signal, gated.rule.points, gated.rule.detail});
        if (gated.rule.signal == Signal::code) code_seen = true;
    }
    if (structure.numbered_items >= 3) scan.hits.push_back({Signal::multi_step, 1, "numbered requirements"});
    if (is_greeting(lower)) scan.hits.push_back({Signal::simple_task, -1, "greeting or small talk"});
    return scan;
}

} // namespace megarouter::routing
