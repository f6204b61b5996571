// The table renderer: widths from content, alignment, shrinking to fit.
#include <doctest/doctest.h>

#include <sstream>
#include <unistd.h>

#include "cli/table.hpp"

using namespace megarouter::cli;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

} // namespace

TEST_CASE("cli: table aligns columns and trims trailing spaces") {
    Table table({{.header = "ID", .align = Align::left, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "PRICE", .align = Align::right, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "NOTE", .align = Align::left, .shrinkable = false, .min_width = 0, .color = ""}});
    table.add_row({"gpt-4o", "2.50", "x"});
    table.add_row({"o1", "15.00"});
    auto lines = lines_of(table.render({}));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "ID      PRICE  NOTE");
    CHECK(lines[1] == "gpt-4o   2.50  x");
    CHECK(lines[2] == "o1      15.00");
}

TEST_CASE("cli: table shrinks shrinkable columns to fit the width") {
    Table table({{.header = "ID", .align = Align::left, .shrinkable = true, .min_width = 8, .color = ""},
                 {.header = "VENDOR", .align = Align::left, .shrinkable = true, .min_width = 4, .color = ""},
                 {.header = "N", .align = Align::right, .shrinkable = false, .min_width = 0, .color = ""}});
    table.add_row({std::string(40, 'a'), std::string(30, 'v'), "12345"});
    table.add_row({"short", "vé", "1"});
    TableStyle style{.max_width = 40, .gap = 2, .color = false, .header = true};
    auto widths = table.widths(style);
    CHECK(widths[0] + widths[1] + widths[2] + 4 == 40);
    for (const std::string& line : lines_of(table.render(style))) CHECK(display_width(line) <= 40);
    CHECK(lines_of(table.render(style))[1].find("…") != std::string::npos);
    CHECK(lines_of(table.render(style))[2].starts_with("short"));
}

TEST_CASE("cli: colour codes do not count toward the width") {
    Table table({{.header = "ID", .align = Align::left, .shrinkable = false, .min_width = 0, .color = "36"},
                 {.header = "X", .align = Align::left, .shrinkable = false, .min_width = 0, .color = ""}});
    table.add_row({"abc", "d"});
    std::string text = table.render({.max_width = 80, .gap = 2, .color = true, .header = true});
    CHECK(text.find("\x1b[36mabc\x1b[0m  d") != std::string::npos);
    CHECK(text.find("\x1b[1mID\x1b[0m") != std::string::npos);
    CHECK(table.render({}).find('\x1b') == std::string::npos);
}

TEST_CASE("cli: truncate_to_width counts code points and marks the cut") {
    CHECK(truncate_to_width("abcdef", 6) == "abcdef");
    CHECK(truncate_to_width("abcdef", 4) == "abc…");
    CHECK(display_width(truncate_to_width("ééééé", 3)) == 3);
    if (!::isatty(STDOUT_FILENO)) { // a terminal's own width wins
        CHECK(output_width("120") == 120);
        CHECK(output_width("") == 80);
    }
}
