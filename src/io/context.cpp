#include "io/context.hpp"

#include <cstdint>

#if defined(__x86_64__)
// megarouter_switch_stack(void** save_sp, void* next_sp): pushes the
// callee-saved registers (System V ABI) on the current stack, stores the stack
// pointer in *save_sp, loads next_sp and pops the same registers from there.
asm(R"(
    .text
    .globl megarouter_switch_stack
    .type megarouter_switch_stack, @function
megarouter_switch_stack:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size megarouter_switch_stack, .-megarouter_switch_stack
    .section .note.GNU-stack,"",@progbits
    .text
)");
extern "C" void megarouter_switch_stack(void** save_sp, void* next_sp);
#endif

namespace megarouter::io {

#if defined(__x86_64__)

void make_context(Context& context, char* stack, std::size_t size, void (*entry)()) {
    auto top = reinterpret_cast<std::uintptr_t>(stack + size) & ~std::uintptr_t{15};
    auto* slots = reinterpret_cast<void**>(top);
    slots[-1] = nullptr;                              // entry's return address: it never returns
    slots[-2] = reinterpret_cast<void*>(entry);       // where the first switch "returns" to
    for (int i = 3; i <= 8; ++i) slots[-i] = nullptr; // rbp, rbx, r12-r15
    context.sp = &slots[-8];
}

void switch_context(Context& from, Context& to) { megarouter_switch_stack(&from.sp, to.sp); }

#else

void make_context(Context& context, char* stack, std::size_t size, void (*entry)()) {
    ::getcontext(&context.uc);
    context.uc.uc_stack.ss_sp = stack;
    context.uc.uc_stack.ss_size = size;
    context.uc.uc_link = nullptr;
    ::makecontext(&context.uc, entry, 0);
}

void switch_context(Context& from, Context& to) { ::swapcontext(&from.uc, &to.uc); }

#endif

} // namespace megarouter::io
