// data/router_model.txt compiled into the binary, like the catalog, and the
// built-in model read from it once. CMake rebuilds this object when anything
// in data/ changes.
#include "routing/difficulty_embedded.hpp"

#include "megarouter/routing/difficulty.hpp"

asm(".section .rodata\n"
    ".global k_mr_router_model_begin\n"
    "k_mr_router_model_begin:\n"
    ".incbin \"" MEGAROUTER_SOURCE_DIR "/data/router_model.txt\"\n"
    ".global k_mr_router_model_end\n"
    "k_mr_router_model_end:\n"
    ".byte 0\n"
    ".previous\n");

extern "C" const char k_mr_router_model_begin[];
extern "C" const char k_mr_router_model_end[];

namespace megarouter::routing {

std::string_view embedded_router_model() {
    return {k_mr_router_model_begin, static_cast<std::size_t>(k_mr_router_model_end - k_mr_router_model_begin)};
}

std::shared_ptr<const DifficultyModel> builtin_difficulty_model() {
    static const std::shared_ptr<const DifficultyModel> model = [] {
        auto parsed = parse_difficulty_model(embedded_router_model(), "builtin");
        // tests/unit/routing/difficulty_model_test.cpp reads the file; a broken
        // one would predict 0.5 everywhere rather than stop the process.
        if (!parsed) return std::make_shared<const DifficultyModel>(DifficultyModel{.name = "builtin (unreadable)"});
        return std::make_shared<const DifficultyModel>(std::move(*parsed));
    }();
    return model;
}

} // namespace megarouter::routing
