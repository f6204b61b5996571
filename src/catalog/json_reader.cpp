#include "catalog/json_reader.hpp"

#include <charconv>
#include <cmath>

namespace megarouter::catalog {

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool parse_hex4(std::string_view text, std::size_t pos, std::uint32_t& out) {
    if (pos + 4 > text.size()) return false;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + 4, out, 16);
    return ec == std::errc() && end == text.data() + pos + 4;
}

} // namespace

bool JsonReader::fail(std::string_view what) {
    if (m_error.empty()) m_error = "offset " + std::to_string(m_pos) + ": " + std::string(what);
    return false;
}

void JsonReader::skip_space() {
    while (m_pos < m_text.size()) {
        char c = m_text[m_pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
        ++m_pos;
    }
}

bool JsonReader::expect(char c) {
    if (!ok()) return false;
    skip_space();
    if (m_pos >= m_text.size() || m_text[m_pos] != c) return fail(std::string("expected '") + c + "'");
    ++m_pos;
    return true;
}

bool JsonReader::begin_object() {
    if (!expect('{')) return false;
    m_first.push_back(true);
    return true;
}

bool JsonReader::begin_array() {
    if (!expect('[')) return false;
    m_first.push_back(true);
    return true;
}

bool JsonReader::next_element() {
    if (!ok() || m_first.empty()) return false;
    skip_space();
    if (m_pos < m_text.size() && m_text[m_pos] == ']') {
        ++m_pos;
        m_first.pop_back();
        return false;
    }
    if (!m_first.back() && !expect(',')) return false;
    m_first.back() = false;
    return true;
}

bool JsonReader::next_member(std::string_view& key) {
    if (!ok() || m_first.empty()) return false;
    skip_space();
    if (m_pos < m_text.size() && m_text[m_pos] == '}') {
        ++m_pos;
        m_first.pop_back();
        return false;
    }
    if (!m_first.back() && !expect(',')) return false;
    m_first.back() = false;
    if (!read_string_view(key, m_scratch)) return false;
    return expect(':');
}

bool JsonReader::read_string_view(std::string_view& out, std::string& scratch) {
    if (!expect('"')) return false;
    std::size_t start = m_pos;
    // Fast path: no escapes, the view points into the text.
    while (m_pos < m_text.size() && m_text[m_pos] != '"' && m_text[m_pos] != '\\') ++m_pos;
    if (m_pos >= m_text.size()) return fail("unterminated string");
    if (m_text[m_pos] == '"') {
        out = m_text.substr(start, m_pos - start);
        ++m_pos;
        return true;
    }
    scratch.assign(m_text.substr(start, m_pos - start));
    while (m_pos < m_text.size()) {
        char c = m_text[m_pos++];
        if (c == '"') {
            out = scratch;
            return true;
        }
        if (c != '\\') {
            scratch += c;
            continue;
        }
        if (m_pos >= m_text.size()) break;
        char e = m_text[m_pos++];
        switch (e) {
        case '"': scratch += '"'; break;
        case '\\': scratch += '\\'; break;
        case '/': scratch += '/'; break;
        case 'b': scratch += '\b'; break;
        case 'f': scratch += '\f'; break;
        case 'n': scratch += '\n'; break;
        case 'r': scratch += '\r'; break;
        case 't': scratch += '\t'; break;
        case 'u': {
            std::uint32_t cp = 0;
            if (!parse_hex4(m_text, m_pos, cp)) return fail("bad \\u escape");
            m_pos += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && m_text.substr(m_pos, 2) == "\\u") {
                std::uint32_t low = 0;
                if (parse_hex4(m_text, m_pos + 2, low) && low >= 0xDC00 && low < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    m_pos += 6;
                }
            }
            append_utf8(scratch, cp);
            break;
        }
        default: return fail("bad escape in string");
        }
    }
    return fail("unterminated string");
}

bool JsonReader::read_string(std::string& out) {
    std::string_view view;
    if (!read_string_view(view, out)) return false;
    if (view.data() != out.data()) out.assign(view);
    return true;
}

bool JsonReader::read_number(double& out) {
    if (!ok()) return false;
    skip_space();
    const char* begin = m_text.data() + m_pos;
    const char* end = m_text.data() + m_text.size();
    auto [stop, ec] = std::from_chars(begin, end, out);
    if (ec != std::errc() || stop == begin) return fail("expected a number");
    m_pos += static_cast<std::size_t>(stop - begin);
    return true;
}

bool JsonReader::read_int(std::int64_t& out) {
    if (!ok()) return false;
    skip_space();
    const char* begin = m_text.data() + m_pos;
    const char* end = m_text.data() + m_text.size();
    auto [stop, ec] = std::from_chars(begin, end, out);
    if (ec == std::errc() && stop != begin && (stop == end || (*stop != '.' && *stop != 'e' && *stop != 'E'))) {
        m_pos += static_cast<std::size_t>(stop - begin);
        return true;
    }
    double value = 0;
    if (!read_number(value)) return false;
    if (std::floor(value) != value || std::fabs(value) > 9.0e18) return fail("expected an integer");
    out = static_cast<std::int64_t>(value);
    return true;
}

bool JsonReader::skip_literal(std::string_view literal) {
    if (m_text.substr(m_pos, literal.size()) != literal) return false;
    m_pos += literal.size();
    return true;
}

bool JsonReader::read_bool(bool& out) {
    if (!ok()) return false;
    skip_space();
    if (skip_literal("true")) return out = true, true;
    if (skip_literal("false")) return out = false, true;
    return fail("expected true or false");
}

bool JsonReader::read_null() {
    if (!ok()) return false;
    skip_space();
    return skip_literal("null");
}

bool JsonReader::skip_value() {
    if (!ok()) return false;
    skip_space();
    if (m_pos >= m_text.size()) return fail("unexpected end of text");
    char c = m_text[m_pos];
    if (c == '{') {
        begin_object();
        std::string_view key;
        while (next_member(key)) skip_value();
        return ok();
    }
    if (c == '[') {
        begin_array();
        while (next_element()) skip_value();
        return ok();
    }
    if (c == '"') {
        std::string_view view;
        std::string scratch;
        return read_string_view(view, scratch);
    }
    if (skip_literal("true") || skip_literal("false") || skip_literal("null")) return true;
    double ignored = 0;
    return read_number(ignored);
}

bool JsonReader::read_string_array(std::vector<std::string>& out) {
    out.clear();
    if (!begin_array()) return false;
    while (next_element()) {
        std::string item;
        if (!read_string(item)) return false;
        out.push_back(std::move(item));
    }
    return ok();
}

bool JsonReader::at_end() {
    skip_space();
    return m_pos == m_text.size();
}

} // namespace megarouter::catalog
