// AddressSanitizer must be told when the stack changes under it (fibers);
// without ASan these hooks compile to nothing.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace megarouter::io {

#if defined(__SANITIZE_ADDRESS__)
struct MainSwitch {
    void* fake_stack = nullptr;
    const void* bottom = nullptr; // the loop thread's own stack, learnt on the first switch
    std::size_t size = 0;
};
struct FiberSwitch {
    void* fake_stack = nullptr;
};
inline void enter_fiber(MainSwitch& m, const void* bottom, std::size_t size) {
    __sanitizer_start_switch_fiber(&m.fake_stack, bottom, size);
}
inline void returned_to_main(MainSwitch& m) { __sanitizer_finish_switch_fiber(m.fake_stack, nullptr, nullptr); }
inline void fiber_entered(MainSwitch& m) { __sanitizer_finish_switch_fiber(nullptr, &m.bottom, &m.size); }
inline void fiber_park(FiberSwitch& f, MainSwitch& m) { __sanitizer_start_switch_fiber(&f.fake_stack, m.bottom, m.size); }
inline void fiber_resumed(FiberSwitch& f, MainSwitch& m) { __sanitizer_finish_switch_fiber(f.fake_stack, &m.bottom, &m.size); }
inline void fiber_leave_forever(MainSwitch& m) { __sanitizer_start_switch_fiber(nullptr, m.bottom, m.size); }
#else
struct MainSwitch {};
struct FiberSwitch {};
inline void enter_fiber(MainSwitch&, const void*, std::size_t) {}
inline void returned_to_main(MainSwitch&) {}
inline void fiber_entered(MainSwitch&) {}
inline void fiber_park(FiberSwitch&, MainSwitch&) {}
inline void fiber_resumed(FiberSwitch&, MainSwitch&) {}
inline void fiber_leave_forever(MainSwitch&) {}
#endif

} // namespace megarouter::io
