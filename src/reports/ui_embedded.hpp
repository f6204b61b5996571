// The dashboard's files (ui/*) compiled into the binary. Private to reports.
#pragma once

#include <string_view>

namespace megarouter::reports {

struct UiFile {
    std::string_view path;         // "index.html", "app.js", "style.css"
    std::string_view content_type;
    std::string_view body;         // lives for the whole process
};

// The embedded file at `path` (relative to ui/), or nullptr.
const UiFile* find_ui_file(std::string_view path);

} // namespace megarouter::reports
