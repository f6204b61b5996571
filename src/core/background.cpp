// See background.hpp.
#include "megarouter/core/background.hpp"

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

} // namespace megarouter::core
