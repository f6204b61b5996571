// ui/ compiled into the binary with .incbin, so `megarouter serve` needs no
// files beside it. CMake rebuilds this object when anything in ui/ changes.
#include "reports/ui_embedded.hpp"

#define MR_UI_EMBED(symbol, file)                                                                                     \
    ".global " #symbol "_begin\n" #symbol "_begin:\n"                                                                \
    ".incbin \"" MEGAROUTER_SOURCE_DIR "/ui/" file "\"\n"                                                            \
    ".global " #symbol "_end\n" #symbol "_end:\n"                                                                    \
    ".byte 0\n"

asm(".section .rodata\n" MR_UI_EMBED(k_mr_ui_index, "index.html") MR_UI_EMBED(k_mr_ui_app, "app.js")
        MR_UI_EMBED(k_mr_ui_style, "style.css") ".previous\n");

extern "C" const char k_mr_ui_index_begin[], k_mr_ui_index_end[];
extern "C" const char k_mr_ui_app_begin[], k_mr_ui_app_end[];
extern "C" const char k_mr_ui_style_begin[], k_mr_ui_style_end[];

namespace megarouter::reports {

namespace {

std::string_view span(const char* begin, const char* end) {
    return {begin, static_cast<std::size_t>(end - begin)};
}

} // namespace

const UiFile* find_ui_file(std::string_view path) {
    static const UiFile k_files[] = {
        {"index.html", "text/html; charset=utf-8", span(k_mr_ui_index_begin, k_mr_ui_index_end)},
        {"app.js", "text/javascript; charset=utf-8", span(k_mr_ui_app_begin, k_mr_ui_app_end)},
        {"style.css", "text/css; charset=utf-8", span(k_mr_ui_style_begin, k_mr_ui_style_end)},
    };
    for (const UiFile& file : k_files)
        if (file.path == path) return &file;
    return nullptr;
}

} // namespace megarouter::reports
