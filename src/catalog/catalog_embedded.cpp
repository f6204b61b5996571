// data/catalog.json compiled into the binary, so megarouter works with no
// files beside it. CMake rebuilds this object when anything in data/ changes.
#include "catalog/embedded.hpp"

asm(".section .rodata\n"
    ".global k_mr_catalog_begin\n"
    "k_mr_catalog_begin:\n"
    ".incbin \"" MEGAROUTER_SOURCE_DIR "/data/catalog.json\"\n"
    ".global k_mr_catalog_end\n"
    "k_mr_catalog_end:\n"
    ".byte 0\n"
    ".previous\n");

extern "C" const char k_mr_catalog_begin[];
extern "C" const char k_mr_catalog_end[];

namespace megarouter::catalog {

std::string_view embedded_catalog_json() {
    return {k_mr_catalog_begin, static_cast<std::size_t>(k_mr_catalog_end - k_mr_catalog_begin)};
}

} // namespace megarouter::catalog
