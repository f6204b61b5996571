#include "megarouter/providers/json_pick.hpp"

#include <vector>

namespace megarouter::providers {

namespace {

using json = nlohmann::json;

// A SAX handler that builds only the subtree under the wanted top-level key.
class Picker final : public nlohmann::json_sax<json> {
public:
    explicit Picker(std::string_view key) : m_key(key) {}

    bool null() override { return value(json()); }
    bool boolean(bool v) override { return value(v); }
    bool number_integer(number_integer_t v) override { return value(v); }
    bool number_unsigned(number_unsigned_t v) override { return value(v); }
    bool number_float(number_float_t v, const string_t&) override { return value(v); }
    bool string(string_t& v) override { return value(std::move(v)); }
    bool binary(binary_t& v) override { return value(json::binary(std::move(v))); }

    bool start_object(std::size_t) override { return open(json::object()); }
    bool start_array(std::size_t) override { return open(json::array()); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }

    bool key(string_t& name) override {
        if (capturing()) {
            m_pending_key = std::move(name);
        } else if (m_depth == 1) {
            m_wanted_next = name == m_key;
        }
        return true;
    }

    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        m_failed = true;
        return false;
    }

    bool failed() const { return m_failed; }
    json take() { return std::move(m_result); }

private:
    bool capturing() const { return !m_stack.empty(); }

    // Places a value into the open container being captured, or makes it the
    // result when it is the wanted member itself.
    json* place(json v) {
        if (!capturing()) {
            m_result = std::move(v);
            return &m_result;
        }
        json& parent = *m_stack.back();
        if (parent.is_array()) {
            parent.push_back(std::move(v));
            return &parent.back();
        }
        json& slot = parent[m_pending_key];
        slot = std::move(v);
        return &slot;
    }

    bool value(json v) {
        if (capturing() || (m_depth == 1 && m_wanted_next)) place(std::move(v));
        m_wanted_next = false;
        return true;
    }

    bool open(json container) {
        if (capturing() || (m_depth == 1 && m_wanted_next)) m_stack.push_back(place(std::move(container)));
        m_wanted_next = false;
        ++m_depth;
        return true;
    }

    bool close() {
        --m_depth;
        if (capturing()) m_stack.pop_back();
        return true;
    }

    std::string_view m_key;
    std::size_t m_depth = 0;
    bool m_wanted_next = false;
    bool m_failed = false;
    std::string m_pending_key;
    std::vector<json*> m_stack;
    json m_result;
};

} // namespace

std::optional<json> pick_member(std::string_view text, std::string_view key) {
    Picker picker(key);
    bool ok = json::sax_parse(text.begin(), text.end(), &picker, json::input_format_t::json, true);
    if (!ok || picker.failed()) return std::nullopt;
    return picker.take();
}

} // namespace megarouter::providers
