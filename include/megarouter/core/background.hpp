// Background threads (the ledger writer, webhook delivery, span export) run
// at a lower CPU priority than the event loops, so on a busy core the
// scheduler lets a loop answer its next request before a writer's batch
// finishes: the writer's work is deferred by milliseconds, a request's is not.
#pragma once

namespace megarouter::core {

// Lowers the calling thread's scheduling priority (nice +10 for this thread
// only, on Linux). Best effort: does nothing where not permitted.
void lower_thread_priority();

} // namespace megarouter::core
