// A single pass over the bytes that checks the JSON grammar (strings with
// their escapes and UTF-8, numbers, literals, nesting) without building
// anything, and notes where the wanted top-level member's value starts and
// ends; only that span is then parsed into a json value. nlohmann's SAX
// parser did the same job with a string allocation per token, several times
// slower on a typical answer.
#include "megarouter/providers/json_pick.hpp"

#include <vector>

namespace megarouter::providers {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

class Scanner {
public:
    Scanner(std::string_view text, std::string_view key) : m_p(text.data()), m_end(text.data() + text.size()), m_key(key) {}

    // Checks the whole document; on success `found` tells whether the member
    // was there and `span` holds its value's text.
    bool run(bool& found, std::string_view& span);

private:
    void skip_ws() {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t')) ++m_p;
    }
    bool string(std::string_view* raw);
    bool utf8();
    bool number();
    bool literal(std::string_view word);

    const char* m_p;
    const char* m_end;
    std::string_view m_key;
};

// At the opening quote; leaves m_p after the closing one.
bool Scanner::string(std::string_view* raw) {
    const char* start = ++m_p;
    while (m_p < m_end) {
        auto c = static_cast<unsigned char>(*m_p);
        if (c == '"') {
            if (raw) *raw = std::string_view(start, static_cast<std::size_t>(m_p - start));
            ++m_p;
            return true;
        }
        if (c < 0x20) return false;
        if (c == '\\') {
            if (++m_p >= m_end) return false;
            char e = *m_p;
            if (e == 'u') {
                if (m_end - m_p < 5) return false;
                for (int i = 1; i <= 4; ++i)
                    if (!is_hex(m_p[i])) return false;
                m_p += 5;
                continue;
            }
            if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return false;
            ++m_p;
            continue;
        }
        if (c >= 0x80) {
            if (!utf8()) return false;
            continue;
        }
        ++m_p;
    }
    return false;
}

// One UTF-8 sequence (RFC 3629: no overlongs, no surrogates, up to U+10FFFF).
bool Scanner::utf8() {
    auto byte = [&](std::ptrdiff_t i) { return static_cast<unsigned char>(m_p[i]); };
    auto cont = [&](std::ptrdiff_t i) { return m_p + i < m_end && (byte(i) & 0xC0) == 0x80; };
    unsigned char c = byte(0);
    int length = 0;
    if (c >= 0xC2 && c <= 0xDF) length = 2;
    else if (c >= 0xE0 && c <= 0xEF) length = 3;
    else if (c >= 0xF0 && c <= 0xF4) length = 4;
    else return false;
    for (int i = 1; i < length; ++i)
        if (!cont(i)) return false;
    if (c == 0xE0 && byte(1) < 0xA0) return false; // overlong
    if (c == 0xED && byte(1) > 0x9F) return false; // surrogate
    if (c == 0xF0 && byte(1) < 0x90) return false; // overlong
    if (c == 0xF4 && byte(1) > 0x8F) return false; // above U+10FFFF
    m_p += length;
    return true;
}

bool Scanner::number() {
    if (m_p < m_end && *m_p == '-') ++m_p;
    if (m_p >= m_end) return false;
    if (*m_p == '0') {
        ++m_p;
    } else if (is_digit(*m_p)) {
        while (m_p < m_end && is_digit(*m_p)) ++m_p;
    } else {
        return false;
    }
    if (m_p < m_end && *m_p == '.') {
        ++m_p;
        if (m_p >= m_end || !is_digit(*m_p)) return false;
        while (m_p < m_end && is_digit(*m_p)) ++m_p;
    }
    if (m_p < m_end && (*m_p == 'e' || *m_p == 'E')) {
        ++m_p;
        if (m_p < m_end && (*m_p == '+' || *m_p == '-')) ++m_p;
        if (m_p >= m_end || !is_digit(*m_p)) return false;
        while (m_p < m_end && is_digit(*m_p)) ++m_p;
    }
    return true;
}

bool Scanner::literal(std::string_view word) {
    if (static_cast<std::size_t>(m_end - m_p) < word.size() || std::string_view(m_p, word.size()) != word) return false;
    m_p += word.size();
    return true;
}

bool Scanner::run(bool& found, std::string_view& span) {
    std::vector<char> open; // '{' or '[' for each container entered
    const char* value_start = nullptr;
    bool capturing = false;
    found = false;
    // A value just ended: if it was the wanted member's, note its span (a
    // later duplicate replaces it, as a parser would).
    auto completed = [&] {
        if (!capturing || open.size() != 1) return;
        span = std::string_view(value_start, static_cast<std::size_t>(m_p - value_start));
        found = true;
        capturing = false;
    };
    enum class Next { value, key, after } next = Next::value;
    for (;;) {
        skip_ws();
        if (next != Next::after && m_p >= m_end) return false;
        switch (next) {
        case Next::key: {
            std::string_view name;
            if (*m_p != '"' || !string(&name)) return false;
            skip_ws();
            if (m_p >= m_end || *m_p != ':') return false;
            ++m_p;
            skip_ws();
            if (open.size() == 1 && name == m_key) {
                value_start = m_p;
                capturing = true;
            }
            next = Next::value;
            break;
        }
        case Next::value: {
            char c = *m_p;
            if (c == '{' || c == '[') {
                open.push_back(c);
                ++m_p;
                skip_ws();
                if (m_p < m_end && *m_p == (c == '{' ? '}' : ']')) {
                    ++m_p;
                    open.pop_back();
                    completed();
                    next = Next::after;
                } else {
                    next = c == '{' ? Next::key : Next::value;
                }
                break;
            }
            bool ok = c == '"' ? string(nullptr)
                    : c == 't' ? literal("true")
                    : c == 'f' ? literal("false")
                    : c == 'n' ? literal("null")
                    : (c == '-' || is_digit(c)) ? number()
                    : false;
            if (!ok) return false;
            completed();
            next = Next::after;
            break;
        }
        case Next::after: {
            if (open.empty()) return m_p == m_end;
            if (m_p >= m_end) return false;
            char c = *m_p++;
            if (c == ',') {
                next = open.back() == '{' ? Next::key : Next::value;
            } else if ((c == '}' && open.back() == '{') || (c == ']' && open.back() == '[')) {
                open.pop_back();
                completed();
            } else {
                return false;
            }
            break;
        }
        }
    }
}

} // namespace

std::optional<nlohmann::json> pick_member(std::string_view text, std::string_view key, const core::JsonLimits& limits) {
    // A UTF-8 byte order mark before the document is skipped, as nlohmann's
    // parser does (the translating path reads such an answer too).
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    Scanner scanner(text, key);
    bool found = false;
    std::string_view span;
    if (!scanner.run(found, span)) return std::nullopt;
    if (!found) return nlohmann::json();
    auto member = core::parse_json_bounded(span, limits);
    if (!member) return std::nullopt;
    return std::move(*member);
}

} // namespace megarouter::providers
