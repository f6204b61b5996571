// Background threads whose work may wait (webhook delivery, span export, the
// prompt log) run at a lower CPU priority than the event loops, so on a busy
// core a loop answers its next request first. Not the ledger writer: at
// saturation it needs its fair share of the core to keep up (it yields
// between statements instead; see ledger_writer.cpp).
#pragma once

namespace megarouter::core {

// Lowers the calling thread's scheduling priority (nice +10 for this thread
// only, on Linux). Best effort: does nothing where not permitted.
void lower_thread_priority();

} // namespace megarouter::core
