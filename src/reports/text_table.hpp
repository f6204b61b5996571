// A small aligned text table for the spend report: left-aligned labels,
// right-aligned figures, widths measured in code points so that bar and
// sparkline glyphs line up.
#pragma once

#include <string>
#include <vector>

namespace megarouter::reports {

enum class Align { left, right };

class TextTable {
public:
    // One column per header; `align` per column (missing ones align left).
    TextTable(std::vector<std::string> headers, std::vector<Align> align);
    void add_row(std::vector<std::string> cells);
    void add_rule(); // a line of dashes before the next row
    // The table, each line indented by two spaces and ended with '\n'.
    std::string render() const;

private:
    std::vector<std::string> m_headers;
    std::vector<Align> m_align;
    std::vector<std::vector<std::string>> m_rows; // an empty row is a rule
};

// Display width of UTF-8 text: one column per code point.
std::size_t display_width(const std::string& text);

// "▁▃▇" for a series (scaled to its maximum); "" for an empty series.
std::string sparkline(const std::vector<double>& values);
// A horizontal bar of `fraction` (0..1) of `width` columns, in eighths.
std::string bar(double fraction, int width);

} // namespace megarouter::reports
