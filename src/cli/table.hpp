// Plain-text tables for terminal output: column widths from the content,
// right-aligned numbers, and shrinking of chosen columns (with "…") so a table
// fits a width such as an 80-column terminal. Used by `megarouter models`
// and any other listing command.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace megarouter::cli {

enum class Align { left, right };

struct Column {
    std::string header;
    Align align = Align::left;
    // Whether the column may be cut (with "…") to make the table fit; the
    // widest shrinkable column gives way first, never below `min_width`.
    bool shrinkable = false;
    std::size_t min_width = 6;
    // ANSI SGR code for the column's cells when colour is on ("36" = cyan), or "".
    std::string color;
};

struct TableStyle {
    std::size_t max_width = 80; // total line width to fit (display columns)
    std::size_t gap = 2;        // spaces between columns
    bool color = false;         // bold header, coloured cells per Column::color
    bool header = true;
};

class Table {
public:
    explicit Table(std::vector<Column> columns) : m_columns(std::move(columns)) {}

    // Adds a row; missing trailing cells print blank, extra cells are ignored.
    void add_row(std::vector<std::string> cells) { m_rows.push_back(std::move(cells)); }
    std::size_t size() const { return m_rows.size(); }

    // The table as text, one line per row ending in '\n', no trailing spaces.
    // Lines fit style.max_width unless the non-shrinkable columns alone are
    // wider. Colour codes never count toward the width.
    std::string render(const TableStyle& style) const;

    // The width each column gets under `style` (exposed for tests).
    std::vector<std::size_t> widths(const TableStyle& style) const;

private:
    std::vector<Column> m_columns;
    std::vector<std::vector<std::string>> m_rows;
};

// Display columns of UTF-8 text (one per code point; no wide-glyph tables).
std::size_t display_width(std::string_view text);

// `text` cut to at most `width` display columns, ending in "…" when cut.
std::string truncate_to_width(std::string_view text, std::size_t width);

// The width to lay tables out for on stdout: the terminal's width when stdout
// is a terminal, else $COLUMNS when set, else 80.
std::size_t output_width(std::string_view columns_env);

} // namespace megarouter::cli
