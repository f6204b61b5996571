// `?` and `?N` placeholders as PostgreSQL's `$N` (backend.hpp).
#include <cctype>

#include "backend.hpp"

namespace megarouter::store::detail {

NumberedSql number_placeholders(std::string_view sql) {
    NumberedSql out;
    out.text.reserve(sql.size() + 16);
    std::size_t i = 0;
    auto copy_until = [&](char close) { // copies a quoted run, its quotes included ('' escapes itself)
        out.text += sql[i++];
        while (i < sql.size()) {
            char c = sql[i++];
            out.text += c;
            if (c == close) {
                if (i < sql.size() && sql[i] == close) {
                    out.text += sql[i++];
                    continue;
                }
                return;
            }
        }
    };
    while (i < sql.size()) {
        char c = sql[i];
        if (c == '\'' || c == '"') {
            copy_until(c);
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            std::size_t end = sql.find('\n', i);
            end = end == std::string_view::npos ? sql.size() : end;
            out.text.append(sql.substr(i, end - i));
            i = end;
        } else if (c == '?') {
            ++i;
            int number = 0;
            bool numbered = false;
            while (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i])) && number < 100000) {
                number = number * 10 + (sql[i++] - '0');
                numbered = true;
            }
            if (!numbered) number = out.parameters + 1;
            out.parameters = std::max(out.parameters, number);
            if (out.used.size() < static_cast<std::size_t>(out.parameters))
                out.used.resize(static_cast<std::size_t>(out.parameters), false);
            if (number > 0) out.used[static_cast<std::size_t>(number - 1)] = true;
            out.text += '$';
            out.text += std::to_string(number);
        } else {
            out.text += c;
            ++i;
        }
    }
    return out;
}

} // namespace megarouter::store::detail
