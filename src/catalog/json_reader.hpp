// A small pull parser for JSON text, used to read the catalog without building
// a DOM (about ten times faster than nlohmann::json::parse on the catalog).
// The caller walks the document in order: begin_object / next_member for
// objects, begin_array / next_element for arrays, read_* for values. The
// first error sticks: every later call returns false, and error() says what
// was wrong and where. Not thread-safe; one reader per document.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace megarouter::catalog {

class JsonReader {
public:
    explicit JsonReader(std::string_view text) : m_text(text) {}

    // Consumes '{'. Then call next_member() until it returns false.
    bool begin_object();
    // Reads the next member's key into `key` (a view valid until the next
    // call); false at the closing '}' (consumed) or on error.
    bool next_member(std::string_view& key);

    // Consumes '['. Then call next_element() until it returns false, reading
    // one value after each true.
    bool begin_array();
    bool next_element();

    // Values. read_string decodes escapes; read_int accepts only integers
    // (1e3 and 2.0 too, when exactly integral).
    bool read_string(std::string& out);
    bool read_number(double& out);
    bool read_int(std::int64_t& out);
    bool read_bool(bool& out);
    // True (and consumed) when the next value is null; false otherwise,
    // consuming nothing.
    bool read_null();
    // Skips any one value.
    bool skip_value();
    // A list of strings, e.g. ["text","image"].
    bool read_string_array(std::vector<std::string>& out);

    // Whether the whole text was consumed (only whitespace is left).
    bool at_end();

    bool ok() const { return m_error.empty(); }
    // "offset 1234: expected ':'" (empty when ok).
    const std::string& error() const { return m_error; }
    // Records an error at the current offset (first one wins); returns false.
    bool fail(std::string_view what);

private:
    void skip_space();
    bool expect(char c);
    bool read_string_view(std::string_view& out, std::string& scratch);
    bool skip_literal(std::string_view literal);

    std::string_view m_text;
    std::size_t m_pos = 0;
    std::vector<bool> m_first; // per open container: no element read yet
    std::string m_scratch;     // decoded keys with escapes
    std::string m_error;
};

} // namespace megarouter::catalog
