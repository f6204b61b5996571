// The catalog document compiled into the binary (data/catalog.json at build
// time). Private to the catalog module.
#pragma once

#include <string_view>

namespace megarouter::catalog {

// The embedded JSON text; lives for the whole process.
std::string_view embedded_catalog_json();

} // namespace megarouter::catalog
