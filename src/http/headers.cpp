#include "megarouter/http/headers.hpp"

#include <algorithm>

namespace megarouter::http {

namespace {
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
} // namespace

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i] && lower(a[i]) != lower(b[i])) return false;
    return true;
}

const std::string* Headers::find(std::string_view name) const {
    for (const Field& field : m_fields)
        if (iequals(field.first, name)) return &field.second;
    return nullptr;
}

std::string_view Headers::get(std::string_view name) const {
    const std::string* value = find(name);
    return value ? std::string_view(*value) : std::string_view();
}

std::size_t Headers::count(std::string_view name) const {
    return static_cast<std::size_t>(
        std::count_if(m_fields.begin(), m_fields.end(), [&](const Field& field) { return iequals(field.first, name); }));
}

void Headers::set(std::string_view name, std::string value) {
    auto first = std::find_if(m_fields.begin(), m_fields.end(), [&](const Field& field) { return iequals(field.first, name); });
    if (first == m_fields.end()) {
        m_fields.emplace_back(std::string(name), std::move(value));
        return;
    }
    first->second = std::move(value);
    m_fields.erase(std::remove_if(first + 1, m_fields.end(), [&](const Field& field) { return iequals(field.first, name); }),
                   m_fields.end());
}

void Headers::erase(std::string_view name) {
    std::erase_if(m_fields, [&](const Field& field) { return iequals(field.first, name); });
}

} // namespace megarouter::http
