// See background.hpp.
#include "megarouter/core/background.hpp"

#include <cstdint>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace megarouter::core {

void lower_thread_priority() {
#ifdef __linux__
    // On Linux the nice value is a thread's own: PRIO_PROCESS with a thread id.
    auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    (void)::setpriority(PRIO_PROCESS, tid, 10);
#endif
}

void prefer_short_slices() {
#if defined(__linux__) && defined(SYS_sched_setattr)
    // struct sched_attr as the kernel defines it (uapi/linux/sched/types.h);
    // for SCHED_OTHER, sched_runtime is the requested slice (0.1 to 100 ms).
    struct {
        std::uint32_t size;
        std::uint32_t sched_policy;
        std::uint64_t sched_flags;
        std::int32_t sched_nice;
        std::uint32_t sched_priority;
        std::uint64_t sched_runtime;
        std::uint64_t sched_deadline;
        std::uint64_t sched_period;
    } attr{};
    attr.size = sizeof attr;
    attr.sched_policy = 0; // SCHED_OTHER
    attr.sched_nice = ::getpriority(PRIO_PROCESS, 0);
    attr.sched_runtime = 100'000; // 0.1 ms, the shortest allowed
    (void)::syscall(SYS_sched_setattr, 0, &attr, 0);
#endif
}

} // namespace megarouter::core
