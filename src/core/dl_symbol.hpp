// Looking up a function in a library opened with dlopen (libcurl and libpq
// are opened on first use): fills `slot`, and on the first miss says which
// library lacks what in `why`.
#pragma once

#include <string>

#include <dlfcn.h>

namespace megarouter::core {

template <typename F>
bool dl_symbol(void* library, const char* library_name, const char* name, F& slot, std::string& why) {
    slot = reinterpret_cast<F>(dlsym(library, name));
    if (!slot && why.empty()) why = std::string(library_name) + " lacks " + name;
    return slot != nullptr;
}

} // namespace megarouter::core
