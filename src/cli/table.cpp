#include "table.hpp"

#include <algorithm>
#include <charconv>
#include <sys/ioctl.h>
#include <unistd.h>

namespace megarouter::cli {

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (char c : text)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width; // count lead bytes only
    return width;
}

std::string truncate_to_width(std::string_view text, std::size_t width) {
    if (display_width(text) <= width) return std::string(text);
    if (width == 0) return "";
    std::string out;
    std::size_t used = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool lead = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
        if (lead && ++used > width - 1) break;
        out += text[i];
    }
    return out + "…";
}

std::vector<std::size_t> Table::widths(const TableStyle& style) const {
    std::vector<std::size_t> width(m_columns.size());
    for (std::size_t c = 0; c < m_columns.size(); ++c) {
        width[c] = style.header ? display_width(m_columns[c].header) : 0;
        for (const auto& row : m_rows)
            if (c < row.size()) width[c] = std::max(width[c], display_width(row[c]));
    }
    std::size_t total = style.gap * (m_columns.empty() ? 0 : m_columns.size() - 1);
    for (std::size_t w : width) total += w;
    while (total > style.max_width) {
        // Take one column from the shrinkable column with the most room to give.
        std::size_t best = m_columns.size();
        for (std::size_t c = 0; c < m_columns.size(); ++c) {
            if (!m_columns[c].shrinkable || width[c] <= m_columns[c].min_width) continue;
            if (best == m_columns.size() || width[c] - m_columns[c].min_width > width[best] - m_columns[best].min_width)
                best = c;
        }
        if (best == m_columns.size()) break;
        --width[best];
        --total;
    }
    return width;
}

std::string Table::render(const TableStyle& style) const {
    std::vector<std::size_t> width = widths(style);
    std::string out;
    auto line = [&](const std::vector<std::string>& cells, bool is_header) {
        std::string text;
        std::size_t pending_spaces = 0; // padding is written only before visible text
        for (std::size_t c = 0; c < m_columns.size(); ++c) {
            std::string cell = truncate_to_width(c < cells.size() ? cells[c] : "", width[c]);
            std::size_t pad = width[c] - display_width(cell);
            if (c > 0) pending_spaces += style.gap;
            if (m_columns[c].align == Align::right) pending_spaces += pad;
            if (!cell.empty()) {
                text.append(pending_spaces, ' ');
                pending_spaces = 0;
                std::string code = is_header ? "1" : m_columns[c].color;
                if (style.color && !code.empty()) text += "\x1b[" + code + "m" + cell + "\x1b[0m";
                else text += cell;
            }
            if (m_columns[c].align == Align::left) pending_spaces += pad;
        }
        out += text + "\n";
    };
    if (style.header) {
        std::vector<std::string> headers;
        for (const Column& column : m_columns) headers.push_back(column.header);
        line(headers, true);
    }
    for (const auto& row : m_rows) line(row, false);
    return out;
}

std::size_t output_width(std::string_view columns_env) {
    winsize size{};
    if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40)
        return size.ws_col;
    std::size_t columns = 0;
    auto [end, ec] = std::from_chars(columns_env.data(), columns_env.data() + columns_env.size(), columns);
    if (ec == std::errc() && columns >= 40) return columns;
    return 80;
}

} // namespace megarouter::cli
