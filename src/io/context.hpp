// Switching between stacks. On x86-64 a few instructions save the callee-saved
// registers and swap stack pointers (glibc's swapcontext also saves the
// signal mask, a system call per switch); elsewhere ucontext does it.
#pragma once

#include <cstddef>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace megarouter::io {

struct Context {
#if defined(__x86_64__)
    void* sp = nullptr;
#else
    ucontext_t uc{};
#endif
};

// Prepares `context` to start `entry` (which must never return) on the stack
// [stack, stack + size).
void make_context(Context& context, char* stack, std::size_t size, void (*entry)());

// Saves the running context into `from` and resumes `to`.
void switch_context(Context& from, Context& to);

} // namespace megarouter::io
