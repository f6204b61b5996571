// megarouter's HTTP header list: name/value pairs in a flat vector, in the
// order added or received, looked up by name without regard to ASCII case.
// A message has a dozen headers, so a linear scan beats any map: no node per
// header, no key built per lookup, and no allocation to look one up.
//
// Not thread-safe; a Headers is owned by its request or response.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace megarouter::http {

// Whether two header names are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

class Headers {
public:
    using Field = std::pair<std::string, std::string>;
    using const_iterator = std::vector<Field>::const_iterator;

    Headers() = default;
    Headers(std::initializer_list<Field> fields) : m_fields(fields) {}

    // The first value of `name`, or empty when absent. A view into this list:
    // valid until it changes.
    std::string_view get(std::string_view name) const;
    // The first value of `name`, or nullptr when absent (tells an empty value
    // from a missing one).
    const std::string* find(std::string_view name) const;
    bool has(std::string_view name) const { return find(name) != nullptr; }
    // How many fields are named `name`.
    std::size_t count(std::string_view name) const;

    // Appends a field (a repeated name is kept as a second field).
    void add(std::string name, std::string value) { m_fields.emplace_back(std::move(name), std::move(value)); }
    // Gives `name` the single value `value`: the first field of that name is
    // overwritten in place and later ones are removed; appended when absent.
    void set(std::string_view name, std::string value);
    // Removes every field named `name`.
    void erase(std::string_view name);

    const_iterator begin() const { return m_fields.begin(); }
    const_iterator end() const { return m_fields.end(); }
    std::size_t size() const { return m_fields.size(); }
    bool empty() const { return m_fields.empty(); }
    void clear() { m_fields.clear(); }
    void reserve(std::size_t n) { m_fields.reserve(n); }

private:
    std::vector<Field> m_fields;
};

} // namespace megarouter::http
