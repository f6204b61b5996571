#include "reports/text_table.hpp"

#include <algorithm>
#include <cmath>

namespace megarouter::reports {

std::size_t display_width(const std::string& text) {
    std::size_t width = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++width;
    return width;
}

TextTable::TextTable(std::vector<std::string> headers, std::vector<Align> align)
    : m_headers(std::move(headers)), m_align(std::move(align)) {
    m_align.resize(m_headers.size(), Align::left);
}

void TextTable::add_row(std::vector<std::string> cells) {
    cells.resize(m_headers.size());
    m_rows.push_back(std::move(cells));
}

void TextTable::add_rule() { m_rows.emplace_back(); }

std::string TextTable::render() const {
    std::vector<std::size_t> widths(m_headers.size());
    for (std::size_t c = 0; c < m_headers.size(); ++c) widths[c] = display_width(m_headers[c]);
    for (const auto& row : m_rows)
        for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out = " ";
        for (std::size_t c = 0; c < cells.size(); ++c) {
            std::string pad(widths[c] - display_width(cells[c]), ' ');
            out += " " + (m_align[c] == Align::right ? pad + cells[c] : cells[c] + pad);
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    };
    std::string out = line(m_headers);
    std::size_t total = 0;
    for (std::size_t w : widths) total += w + 1;
    for (const auto& row : m_rows) out += row.empty() ? "  " + std::string(total - 1, '-') + "\n" : line(row);
    return out;
}

std::string sparkline(const std::vector<double>& values) {
    static const char* const k_levels[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    double top = 0;
    for (double v : values) top = std::max(top, v);
    std::string out;
    for (double v : values) {
        int level = top > 0 ? static_cast<int>(std::lround(v / top * 7.0)) : 0;
        out += k_levels[std::clamp(level, 0, 7)];
    }
    return out;
}

std::string bar(double fraction, int width) {
    static const char* const k_eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    int eighths = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * width * 8));
    std::string out;
    for (int i = 0; i < eighths / 8; ++i) out += "█";
    out += k_eighths[eighths % 8];
    return out;
}

} // namespace megarouter::reports
