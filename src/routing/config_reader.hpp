// Internal to routing: reading the config document (TOML as JSON) with
// errors that name the file, line and key, and the group/alias readers.
#pragma once

#include <string>
#include <vector>

#include "megarouter/routing/routing_config.hpp"

namespace megarouter::routing {

using nlohmann::json;

// Reads the config document with errors that point at the file and line.
class Reader {
public:
    explicit Reader(const core::Config& config) : m_config(config) {}

    Error error(const std::string& pointer, const std::string& what) const {
        return make_error(ErrorCode::config, m_config.where(pointer) + ": " + pointer + ": " + what);
    }

    Result<double> number(const json& value, const std::string& pointer, double min, double max) const {
        if (!value.is_number()) return std::unexpected(error(pointer, "expected a number"));
        double v = value.get<double>();
        if (!(v >= min && v <= max))
            return std::unexpected(error(pointer, "must be between " + trim(min) + " and " + trim(max)));
        return v;
    }

    Result<std::string> string(const json& value, const std::string& pointer) const {
        if (!value.is_string()) return std::unexpected(error(pointer, "expected a string"));
        return value.get<std::string>();
    }

    Result<std::vector<std::string>> strings(const json& value, const std::string& pointer) const {
        if (value.is_string()) return std::vector<std::string>{value.get<std::string>()};
        if (!value.is_array()) return std::unexpected(error(pointer, "expected a list of strings"));
        std::vector<std::string> out;
        for (const json& item : value) {
            if (!item.is_string()) return std::unexpected(error(pointer, "expected a list of strings"));
            out.push_back(item.get<std::string>());
        }
        return out;
    }

    Result<Mode> mode(const json& value, const std::string& pointer) const {
        auto text = string(value, pointer);
        if (!text) return std::unexpected(text.error());
        if (auto m = parse_mode(*text)) return *m;
        return std::unexpected(error(pointer, "unknown mode '" + *text + "' (cost, balanced, latency, availability)"));
    }

private:
    static std::string trim(double v) {
        std::string s = std::to_string(v);
        s.erase(s.find_last_not_of('0') + 1);
        if (!s.empty() && s.back() == '.') s.pop_back();
        return s;
    }
    const core::Config& m_config;
};

#define TRY_ASSIGN(target, expr)                         \
    do {                                                 \
        auto _value = (expr);                            \
        if (!_value) return std::unexpected(_value.error()); \
        target = *_value;                                \
    } while (0)


// [groups.<name>] and its constraints; [aliases].
Result<Group> read_group(const Reader& r, const std::string& name, const json& doc);
Result<Constraints> read_constraints(const Reader& r, const std::string& base, const json& doc);
Result<void> read_groups_and_aliases(const Reader& r, const json& document, RoutingConfig& out);

} // namespace megarouter::routing
